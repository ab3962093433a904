"""Bad input: clear errors (French message, English code) or warnings, never a silent number."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from region27.evaluation.stats.errors import (
    EvaluationError,
    PoorFitWarning,
    SpecificationWarning,
)
from region27.evaluation.stats.panel import Panel
from region27.evaluation.stats.synth import Predictor, fit_synth


def make_frame(n_units: int = 8, n_periods: int = 12, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    base = rng.normal(50, 10, size=n_units)
    trend = rng.normal(1, 0.3, size=n_units)
    for i in range(n_units):
        for t in range(2000, 2000 + n_periods):
            rows.append(
                {
                    "unit": f"u{i}",
                    "year": t,
                    "y": base[i] + trend[i] * (t - 2000) + rng.normal(0, 0.5),
                    "x": rng.normal(10, 2),
                }
            )
    return pl.DataFrame(rows)


def _fit(frame: pl.DataFrame, **kw: object) -> object:
    panel = Panel.from_frame(frame, unit="unit", time="year")
    args: dict[str, object] = {"outcome": "y", "treated": "u0", "treatment_start": 2008}
    args.update(kw)
    return fit_synth(panel, **args)  # type: ignore[arg-type]


def _code(exc: pytest.ExceptionInfo[EvaluationError]) -> str:
    assert exc.value.message  # a French sentence for people
    return exc.value.code


def test_duplicate_rows() -> None:
    frame = make_frame()
    dup = pl.concat([frame, frame.head(1)])
    with pytest.raises(EvaluationError) as exc:
        Panel.from_frame(dup, unit="unit", time="year")
    assert _code(exc) == "duplicate_rows"
    assert "double" in exc.value.message


def test_non_numeric_values(tmp_path: Path) -> None:
    frame = make_frame().with_columns(pl.col("y").cast(pl.Utf8))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("12,5")).otherwise(pl.col("y")).alias("y")
    )
    path = tmp_path / "p.csv"
    frame.write_csv(path)
    with pytest.raises(EvaluationError) as exc:
        Panel.from_csv(path, unit="unit", time="year")
    assert _code(exc) == "non_numeric_values"
    assert "12,5" in exc.value.message


def test_missing_values_in_outcome_and_predictor() -> None:
    frame = make_frame()
    holes = frame.with_columns(
        pl.when((pl.col("unit") == "u3") & (pl.col("year") == 2004))
        .then(None)
        .otherwise(pl.col("y"))
        .alias("y")
    )
    with pytest.raises(EvaluationError) as exc:
        _fit(holes)
    assert _code(exc) == "missing_values"
    assert "u3 / 2004" in exc.value.message
    missing_row = frame.filter(~((pl.col("unit") == "u2") & (pl.col("year") == 2003)))
    with pytest.raises(EvaluationError) as exc:
        _fit(missing_row, predictors=["x:mean:2001-2004"])
    assert _code(exc) == "missing_values"


def test_too_few_pre_periods_and_warning() -> None:
    frame = make_frame()
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, treatment_start=2002)
    assert _code(exc) == "too_few_pre_periods"
    with pytest.warns(SpecificationWarning, match="fragiles"):
        _fit(frame, treatment_start=2004)


def test_treated_in_donors_unknown_and_single_donor() -> None:
    frame = make_frame()
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, donors=["u0", "u1", "u2"])
    assert _code(exc) == "treated_in_donors"
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, donors=["u1", "nowhere"])
    assert _code(exc) == "unknown_unit"
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, donors=["u1"])
    assert _code(exc) == "too_few_donors"
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, donors=["u1", "u1", "u2"])
    assert _code(exc) == "duplicate_donors"
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, treated="zz")
    assert _code(exc) == "unknown_unit"


def test_constant_series() -> None:
    frame = make_frame().with_columns(pl.lit(3.0).alias("y"))
    with pytest.raises(EvaluationError) as exc:
        _fit(frame)
    assert _code(exc) == "constant_outcome"
    frame = make_frame().with_columns(pl.lit(1.0).alias("x"))
    with pytest.warns(SpecificationWarning, match="constant"):
        res = _fit(frame, predictors=["x:mean:2001-2004", "y:value:2005"])
    assert list(res.v) == ["y:value:2005"]  # type: ignore[attr-defined]


def test_outside_convex_hull_is_flagged() -> None:
    frame = make_frame().with_columns(
        pl.when(pl.col("unit") == "u0").then(pl.col("y") + 500).otherwise(pl.col("y")).alias("y")
    )
    with pytest.warns(PoorFitWarning) as record:
        res = _fit(frame)
    codes = {w.message.code for w in record.list if isinstance(w.message, PoorFitWarning)}
    assert {"outside_convex_hull", "poor_pre_treatment_fit"} <= codes
    assert res.poor_fit  # type: ignore[attr-defined]
    assert len(res.outside_hull_periods) == 8  # type: ignore[attr-defined]
    assert any(w.startswith("outside_convex_hull") for w in res.warnings)  # type: ignore[attr-defined]


def test_predictor_after_treatment_and_bad_specs() -> None:
    frame = make_frame()
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, predictors=["x:mean:2005-2009"])
    assert _code(exc) == "predictor_after_treatment"
    for text in ("x:median:2001-2003", "x:mean:abc", "x", "x:value:2001-2003"):
        with pytest.raises(EvaluationError) as exc:
            Predictor.parse(text)
        assert _code(exc) in ("bad_predictor", "bad_window")
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, predictors=["nope:mean:2001-2003"])
    assert _code(exc) == "unknown_column"
    with pytest.raises(EvaluationError) as exc:
        _fit(frame, fit_window="2005-2009")
    assert _code(exc) == "fit_window_after_treatment"


def test_windows_and_labels() -> None:
    p = Predictor.parse("sec.x:mean:1961-1969/2")
    assert p.periods == (1961.0, 1963.0, 1965.0, 1967.0, 1969.0)
    assert p.name == "sec.x:mean:1961-1969/2"
    assert Predictor.parse("a:b:value:1975").column == "a:b"
    assert Predictor.mean("x", 1980, 1988).name == "x:mean:1980-1988"


def test_good_fit_emits_no_warning() -> None:
    frame = make_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = _fit(frame, predictors=["x:mean:2001-2007", "y:value:2003", "y:value:2007"])
    w = np.asarray(list(res.weights.values()))  # type: ignore[attr-defined]
    assert w.min() >= 0 and w.sum() == pytest.approx(1.0)


def test_inside_hull_picks_exact_fit_with_best_outcome_fit() -> None:
    rng = np.random.default_rng(11)
    rows = []
    n = 40
    levels = rng.normal(50, 10, size=n)
    slopes = rng.normal(1, 0.5, size=n)
    for t in range(2000, 2012):
        y = levels + slopes * (t - 2000) + rng.normal(0, 0.2, size=n)
        rows += [{"unit": f"u{i}", "year": t, "y": float(y[i])} for i in range(n)]
    frame = pl.DataFrame(rows)
    res = _fit(frame, predictors=["y:mean:2000-2007"])
    assert res.solver.best_start == "inside_hull"  # type: ignore[attr-defined]
    assert res.predictor_loss == pytest.approx(0.0, abs=1e-10)  # type: ignore[attr-defined]
    # among exact predictor fits, the outcome fit is close to the best any weights can do
    assert res.loss <= 1.5 * res.solver.loss_lower_bound + 0.05  # type: ignore[attr-defined]
