"""In-time placebo, leave-one-out, donor pools, reproducibility and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from region27.evaluation.stats.cli import run_cli
from region27.evaluation.stats.donors import build_donor_pool
from region27.evaluation.stats.errors import EvaluationError, SpecificationWarning
from region27.evaluation.stats.inference import in_space_placebos, in_time_placebo, leave_one_out
from region27.evaluation.stats.panel import Panel
from region27.evaluation.stats.repro import run_record
from region27.evaluation.stats.synth import SynthOptions, fit_synth

from .conftest import DATA, PROP99_PREDICTORS
from .test_validation import make_frame

FAST = SynthOptions(n_random_starts=1, polish_top=1, polish_rounds=1)


def test_in_time_placebo_prop99(smoking: Panel) -> None:
    with pytest.warns(SpecificationWarning):
        res = in_time_placebo(
            smoking,
            outcome="cigsale",
            treated="California",
            treatment_start=1989,
            fake_start=1982,
            predictors=PROP99_PREDICTORS,
            options=FAST,
        )
    assert res.result.periods[-1] == 1988.0
    assert res.result.treatment_start == 1982.0
    assert res.adjustments
    assert all(t < 1982 for p in res.predictors for t in p.periods)
    # no large effect before the real treatment
    assert abs(res.average_placebo_gap) < 10


def test_leave_one_out_and_placebos_small_panel() -> None:
    rng = np.random.default_rng(4)
    levels = np.linspace(20, 80, 6)
    rows = []
    for t in range(2000, 2012):
        donors = levels + 0.8 * (t - 2000) + rng.normal(0, 0.3, size=6)
        treated = 0.5 * donors[2] + 0.5 * donors[3] - (15 if t >= 2008 else 0)
        rows.append({"unit": "u0", "year": t, "y": treated})
        rows += [{"unit": f"u{i + 1}", "year": t, "y": float(v)} for i, v in enumerate(donors)]
    frame = pl.DataFrame(rows)
    panel = Panel.from_frame(frame, unit="unit", time="year")
    kw = {"outcome": "y", "treated": "u0", "treatment_start": 2008, "options": FAST}
    loo = leave_one_out(panel, **kw)  # type: ignore[arg-type]
    positive = [u for u, w in loo.base.weights.items() if w > 0]
    assert set(loo.fits) == set(positive)
    for u, r in loo.fits.items():
        assert u not in r.donors
    assert loo.max_abs_deviation >= 0
    pl_res = in_space_placebos(panel, **kw)  # type: ignore[arg-type]
    assert pl_res.p_value == pytest.approx(1 / 7)
    strict = in_space_placebos(panel, exclude_poor_fit=1.0, poor_fit_metric="rmspe", **kw)  # type: ignore[arg-type]
    assert strict.n_units == 1 + sum(not p.excluded for p in strict.placebos)
    assert strict.n_units <= pl_res.n_units
    pre = in_space_placebos(panel, preselect=3, **kw)  # type: ignore[arg-type]
    assert all(p.donors_used == 3 for p in pre.placebos)
    assert len(pre.treated.donors) == 3


def test_donor_pool_exclusions_and_preselection() -> None:
    frame = make_frame(n_units=12, seed=2)
    panel = Panel.from_frame(frame, unit="unit", time="year")
    levels = {f"u{i}": ("commune" if i < 10 else "departement") for i in range(12)}
    levels["ghost"] = "commune"
    pool = build_donor_pool(
        levels,
        "u0",
        contaminated=["u1"],
        panel=panel,
        outcome="y",
        treatment_start=2008,
        keep=4,
    )
    assert pool.excluded == {
        "u0": "treated",
        "u1": "contaminated",
        "u10": "other_level",
        "u11": "other_level",
        "ghost": "not_in_panel",
    }
    assert len(pool.candidates) == 8
    assert len(pool.selected) == 4
    assert set(pool.selected) <= set(pool.candidates)
    d = sorted(pool.distances.values())
    assert d == sorted(d)
    assert "8 territoire(s)" in pool.summary() and "4 retenu(s)" in pool.summary()
    # the nearest donors really are the nearest by standardised pre-period outcome
    y = panel.column("y")[:8]
    cand = [panel.unit_index(u) for u in pool.candidates]
    sub = np.column_stack([y[:, panel.unit_index("u0")], y[:, cand]])
    sd = sub.std(axis=1, ddof=1)[:, None]
    dist = np.sqrt((((sub[:, 1:] - sub[:, :1]) / sd) ** 2).sum(axis=0))
    expected = {pool.candidates[i] for i in np.argsort(dist)[:4]}
    assert set(pool.selected) == expected
    with pytest.raises(EvaluationError) as exc:
        build_donor_pool(["u0", "u1"], "u0")
    assert exc.value.code == "too_few_donors"


def test_reproducible_outputs_and_hash(smoking: Panel) -> None:
    kw = {
        "outcome": "cigsale",
        "treated": "California",
        "treatment_start": 1989,
        "predictors": PROP99_PREDICTORS[4:],
        "options": FAST,
    }
    a = fit_synth(smoking, **kw)  # type: ignore[arg-type]
    b = fit_synth(smoking, **kw)  # type: ignore[arg-type]
    assert a.to_dict() == b.to_dict()
    r1 = run_record(smoking, kw)
    r2 = run_record(Panel.from_csv(DATA / "smoking.csv", unit="state", time="year"), kw)
    assert r1.input_hash == r2.input_hash
    assert r1.versions["numpy"] == np.__version__
    r3 = run_record(smoking, {**kw, "treatment_start": 1990})
    assert r3.input_hash != r1.input_hash


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_cli(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_with_placebos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = make_frame(n_units=6, seed=7).with_columns(pl.col("year").cast(pl.Float64))
    path = tmp_path / "panel.csv"
    frame.write_csv(path)
    code, out, err = _cli(
        [
            "evaluate",
            "--panel",
            str(path),
            "--unit",
            "unit",
            "--time",
            "year",
            "--outcome",
            "y",
            "--treated",
            "u0",
            "--treatment-start",
            "2008",
            "--predictor",
            "x:mean:2000-2007",
            "--predictor",
            "y:value:2004",
            "--predictor",
            "y:value:2007",
            "--placebos",
            "--in-time-placebo",
            "2005",
            "--leave-one-out",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    data = json.loads(out)
    for key in (
        "weights",
        "donors",
        "loss",
        "pre_rmspe",
        "post_rmspe",
        "rmspe_ratio",
        "gaps",
        "predictor_balance",
        "p_value",
        "placebos",
        "run",
    ):
        assert key in data
    assert next(iter(data["gaps"])) == "2000"
    assert "2008" in data["gaps"] and "2008.0" not in data["gaps"]
    assert sum(data["weights"].values()) == pytest.approx(1.0)
    assert len(data["placebos"]) == 5
    assert all("rmspe_ratio" in p for p in data["placebos"])
    assert data["treatment_start"] == "2008"
    assert len(data["run"]["input_hash"]) == 64


def _smoking(*extra: str) -> list[str]:
    """The Proposition 99 panel's arguments, then `extra`."""
    return [
        "--panel",
        str(DATA / "smoking.csv"),
        *("--unit", "state", "--time", "year", "--outcome", "cigsale"),
        *("--treated", "California"),
        *extra,
    ]


def test_cli_text_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(_smoking("--treatment-start", "1989"), capsys)
    assert code == 0
    assert "Contrôle synthétique" in out
    code, _, err = _cli(
        [
            "--panel",
            str(tmp_path / "absent.csv"),
            "--unit",
            "u",
            "--time",
            "t",
            "--outcome",
            "y",
            "--treated",
            "a",
            "--treatment-start",
            "2000",
        ],
        capsys,
    )
    assert code == 2 and "introuvable" in err
    code, _, err = _cli(["--panel", "x.csv"], capsys)
    assert code == 2 and "Arguments invalides" in err
    args = _smoking("--treatment-start", "1989", "--donor", "California", "--donor", "Utah")
    code, _, err = _cli(args, capsys)
    assert code == 2 and "treated_in_donors" in err
    code, _, err = _cli(_smoking("--treatment-start", "soon"), capsys)
    assert code == 2 and "nombre" in err


@pytest.mark.parametrize("threshold", ["0", "-1", "nan"])
def test_cli_refuses_a_meaningless_poor_fit_threshold(
    capsys: pytest.CaptureFixture[str], threshold: str
) -> None:
    args = _smoking("--treatment-start", "1989", "--placebos", f"--exclude-poor-fit={threshold}")
    code, _, err = _cli(args, capsys)
    assert code == 2 and "bad_parameter" in err
