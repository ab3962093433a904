"""Difference-in-differences: TWFE and event study against brute-force dummy regressions,
Callaway & Sant'Anna against the ``csdid`` package (test oracle only)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest

from region27.evaluation.stats.did import (
    callaway_santanna,
    cohorts_from_indicator,
    event_study,
    twfe,
)
from region27.evaluation.stats.errors import EvaluationError
from region27.evaluation.stats.panel import Panel


def _staggered(
    seed: int = 3, n: int = 60, t: int = 8
) -> tuple[pl.DataFrame, dict[str, float | None]]:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 4, 6, 7], size=n)
    rows = []
    for i in range(n):
        a = rng.normal()
        for tt in range(1, t + 1):
            eff = 1.0 + 0.2 * (tt - g[i]) if g[i] > 0 and tt >= g[i] else 0.0
            rows.append({"id": i, "t": tt, "y": a + 0.3 * tt + rng.normal() + eff, "g": int(g[i])})
    frame = pl.DataFrame(rows)
    cohorts = {str(i): (None if gi == 0 else float(gi)) for i, gi in enumerate(g)}
    return frame, cohorts


def _dummy_ols(
    y: np.ndarray, x: np.ndarray, units: np.ndarray, times: np.ndarray, k_dof: int
) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: OLS with explicit unit and period dummies, CR1 clustered by unit."""
    ud = (units[:, None] == np.unique(units)[None, :]).astype(float)
    td = (times[:, None] == np.unique(times)[None, 1:]).astype(float)
    design = np.column_stack([x, ud, td])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    # FWL: the clustered vcov of the first block equals that of the partialled regression
    other = np.column_stack([ud, td])
    proj = other @ np.linalg.lstsq(other, x, rcond=None)[0]
    xt = x - proj
    bread = np.linalg.inv(xt.T @ xt)
    g = np.unique(units)
    meat = sum(
        np.outer(xt[units == u].T @ resid[units == u], xt[units == u].T @ resid[units == u])
        for u in g
    )
    n = y.size
    c = len(g) / (len(g) - 1) * (n - 1) / (n - k_dof)
    return coef[: x.shape[1]], c * bread @ meat @ bread


def test_twfe_matches_dummy_regression() -> None:
    frame, cohorts = _staggered()
    panel = Panel.from_frame(frame, unit="id", time="t", columns=["y"])
    res = twfe(panel, outcome="y", cohorts=cohorts)
    units = frame["id"].to_numpy().astype(str)
    times = frame["t"].to_numpy()
    g = np.asarray([cohorts[u] or math.inf for u in units])
    d = (times >= g).astype(float)[:, None]
    coef, vc = _dummy_ols(frame["y"].to_numpy(), d, units, times, 1 + 8)
    assert res.coefficient == pytest.approx(coef[0], rel=1e-10)
    assert res.std_error == pytest.approx(math.sqrt(vc[0, 0]), rel=1e-10)
    assert res.ci_low < res.coefficient < res.ci_high
    assert res.n_clusters == 60


def test_event_study_matches_dummy_regression() -> None:
    frame, cohorts = _staggered(seed=5)
    panel = Panel.from_frame(frame, unit="id", time="t", columns=["y"])
    res = event_study(panel, outcome="y", cohorts=cohorts)
    assert -1 not in res.relative_periods
    units = frame["id"].to_numpy().astype(str)
    times = frame["t"].to_numpy()
    g = np.asarray([cohorts[u] or np.nan for u in units])
    rel = times - g
    x = np.column_stack([(rel == e).astype(float) for e in res.relative_periods])
    coef, vc = _dummy_ols(frame["y"].to_numpy(), x, units, times, len(res.relative_periods) + 8)
    np.testing.assert_allclose(res.coefficients, coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.std_errors, np.sqrt(np.diag(vc)), rtol=1e-8)
    # effects are ~ 1 + 0.2 e after adoption, ~0 before
    post = dict(zip(res.relative_periods, res.coefficients, strict=True))
    assert post[0] == pytest.approx(1.0, abs=0.6)


def test_event_study_window_bins_and_reference() -> None:
    frame, cohorts = _staggered(seed=6)
    panel = Panel.from_frame(frame, unit="id", time="t", columns=["y"])
    res = event_study(panel, outcome="y", cohorts=cohorts, window=(-3, 2))
    assert res.relative_periods == (-3, -2, 0, 1, 2)
    with pytest.raises(EvaluationError) as exc:
        event_study(panel, outcome="y", cohorts=cohorts, window=(0, 2))
    assert exc.value.code == "bad_parameter"


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_callaway_santanna_against_csdid(control: str) -> None:
    pd = pytest.importorskip("pandas")
    att_gt_mod = pytest.importorskip("csdid.att_gt")
    frame, cohorts = _staggered()
    panel = Panel.from_frame(frame, unit="id", time="t", columns=["y"])
    ours = callaway_santanna(panel, outcome="y", cohorts=cohorts, control_group=control)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = att_gt_mod.ATTgt(
            yname="y",
            tname="t",
            idname="id",
            gname="g",
            data=pd.DataFrame(frame.to_dict(as_series=False)),
            control_group="nevertreated" if control == "never_treated" else "notyettreated",
        ).fit(est_method="dr", bstrap=False)
        ref = model.results
        np.testing.assert_allclose([c.att for c in ours.att_gt], ref["att"], atol=1e-10)
        np.testing.assert_allclose([c.std_error for c in ours.att_gt], ref["se"], atol=1e-10)
        aggs = {}
        for typ in ("simple", "dynamic", "group"):
            model.aggte(typec=typ, bstrap=False)
            aggs[typ] = dict(model.atte)
    assert ours.simple.estimate == pytest.approx(aggs["simple"]["overall_att"], abs=1e-10)
    assert ours.simple.std_error == pytest.approx(aggs["simple"]["overall_se"], abs=1e-10)
    dyn = {a.label: a for a in ours.dynamic}
    for e, att, se in zip(
        aggs["dynamic"]["egt"], aggs["dynamic"]["att_egt"], aggs["dynamic"]["se_egt"], strict=True
    ):
        assert dyn[f"e={int(e)}"].estimate == pytest.approx(float(att), abs=1e-10)
        assert dyn[f"e={int(e)}"].std_error == pytest.approx(float(se), abs=1e-10)
    assert dyn["dynamic_average"].estimate == pytest.approx(
        aggs["dynamic"]["overall_att"], abs=1e-10
    )
    assert dyn["dynamic_average"].std_error == pytest.approx(
        aggs["dynamic"]["overall_se"], abs=1e-10
    )
    grp = {a.label: a for a in ours.group}
    for g, att, se in zip(
        aggs["group"]["egt"], aggs["group"]["att_egt"], aggs["group"]["se_egt"], strict=True
    ):
        assert grp[f"g={int(g)}"].estimate == pytest.approx(float(att), abs=1e-10)
        assert grp[f"g={int(g)}"].std_error == pytest.approx(float(se), abs=1e-10)
    assert grp["group_average"].estimate == pytest.approx(aggs["group"]["overall_att"], abs=1e-10)
    assert grp["group_average"].std_error == pytest.approx(aggs["group"]["overall_se"], abs=1e-10)


def test_callaway_santanna_brute_force_cell() -> None:
    """Second, independent route for one cell: difference of mean long differences."""
    frame, cohorts = _staggered(seed=9)
    panel = Panel.from_frame(frame, unit="id", time="t", columns=["y"])
    res = callaway_santanna(panel, outcome="y", cohorts=cohorts)
    wide = frame.pivot(on="t", index="id", values="y").sort("id")
    g = np.asarray([cohorts[str(i)] or 0 for i in wide["id"]])
    dy = wide["6"].to_numpy() - wide["3"].to_numpy()
    expected = dy[g == 4].mean() - dy[g == 0].mean()
    cell = next(c for c in res.att_gt if c.group == 4 and c.period == 6)
    assert cell.att == pytest.approx(expected, abs=1e-12)
    assert cell.base_period == 3


def test_cohorts_from_indicator_and_errors() -> None:
    frame = pl.DataFrame(
        {
            "u": ["a", "a", "a", "b", "b", "b"],
            "t": [1, 2, 3] * 2,
            "d": [0, 1, 1, 0, 0, 0],
            "y": [1.0, 2, 3, 1, 1, 2],
        }
    )
    panel = Panel.from_frame(frame, unit="u", time="t")
    assert cohorts_from_indicator(panel, "d") == {"a": 2.0, "b": None}
    bad = Panel.from_frame(
        frame.with_columns(pl.Series("d", [0, 1, 0, 0, 0, 0])), unit="u", time="t"
    )
    with pytest.raises(EvaluationError) as exc:
        cohorts_from_indicator(bad, "d")
    assert exc.value.code == "non_absorbing_treatment"
    holes = Panel.from_frame(
        frame.filter(~((pl.col("u") == "b") & (pl.col("t") == 2))), unit="u", time="t"
    )
    with pytest.raises(EvaluationError) as exc:
        twfe(holes, outcome="y", cohorts={"a": 2.0, "b": None})
    assert exc.value.code == "missing_values"
    with pytest.raises(EvaluationError) as exc:
        callaway_santanna(panel, outcome="y", cohorts={"a": None, "b": None})
    assert exc.value.code == "no_treated_unit"
