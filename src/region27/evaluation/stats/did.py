"""Difference-in-differences: two-way fixed effects, event study, Callaway & Sant'Anna.

Treatment timing is given as *cohorts*: ``unit → first treated period`` (``None`` for a
never-treated unit); treatment is absorbing (``D_it = 1`` from that period on).  Panels
must be balanced on the outcome (a missing cell is an error, never silently dropped).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from .errors import EvaluationError
from .panel import Panel, format_period

FloatArray = NDArray[np.float64]

__all__ = [
    "AggregateEffect",
    "CSResult",
    "EventStudyResult",
    "GroupTimeATT",
    "TWFEResult",
    "callaway_santanna",
    "cohorts_from_indicator",
    "event_study",
    "twfe",
]


# ------------------------------------------------------------------------------ helpers
def cohorts_from_indicator(panel: Panel, column: str) -> dict[str, float | None]:
    """Cohorts from a 0/1 treatment column (must be absorbing: once 1, always 1)."""
    d = panel.column(column)
    if np.isnan(d).any():
        raise EvaluationError(
            "missing_values", f"L'indicateur de traitement « {column} » a des valeurs manquantes."
        )
    if not np.isin(d, (0.0, 1.0)).all():
        raise EvaluationError(
            "bad_treatment", f"L'indicateur de traitement « {column} » doit valoir 0 ou 1."
        )
    out: dict[str, float | None] = {}
    for j, u in enumerate(panel.units):
        col = d[:, j]
        on = np.flatnonzero(col == 1)
        if on.size == 0:
            out[u] = None
            continue
        if not (col[on[0] :] == 1).all():
            raise EvaluationError(
                "non_absorbing_treatment",
                f"Le traitement de « {u} » s'interrompt : seul un traitement définitif est géré.",
                unit=u,
            )
        out[u] = float(panel.periods[on[0]])
    return out


@dataclass(frozen=True, slots=True)
class _Data:
    units: tuple[str, ...]
    periods: FloatArray
    y: FloatArray  # (T, N)
    g: FloatArray  # (N,) first treated period, inf for never treated


def _data(
    panel: Panel, outcome: str, cohorts: Mapping[str, float | None], units: Sequence[str] | None
) -> _Data:
    names = list(units) if units is not None else list(panel.units)
    unknown = [u for u in cohorts if not panel.has_unit(u)]
    if unknown:
        raise EvaluationError(
            "unknown_unit",
            "Cohortes pour des territoires absents du panel : " + ", ".join(unknown[:5]) + ".",
            units=unknown,
        )
    idx = np.asarray([panel.unit_index(u) for u in names], dtype=np.intp)
    y = panel.column(outcome)[:, idx]
    if np.isnan(y).any():
        t, j = np.nonzero(np.isnan(y))
        cells = [
            f"{names[b]} / {format_period(panel.periods[a])}" for a, b in zip(t, j, strict=True)
        ]
        raise EvaluationError(
            "missing_values",
            f"Panel non cylindré : valeurs manquantes de « {outcome} » ("
            + "; ".join(cells[:5])
            + (" …" if len(cells) > 5 else "")
            + ").",
            cells=cells[:20],
            count=len(cells),
        )
    g = np.asarray(
        [math.inf if cohorts.get(u) is None else float(cohorts[u]) for u in names]  # type: ignore[arg-type]
    )
    if np.isfinite(g).sum() == 0:
        raise EvaluationError("no_treated_unit", "Aucun territoire traité dans les cohortes.")
    if len(names) < 2:
        raise EvaluationError("too_few_units", "Il faut au moins deux territoires.")
    return _Data(tuple(names), np.asarray(panel.periods, dtype=np.float64), y, g)


def _within(x: FloatArray) -> FloatArray:
    """Two-way within transformation of ``(T, N)`` arrays (exact for balanced panels)."""
    return x - x.mean(axis=0, keepdims=True) - x.mean(axis=1, keepdims=True) + x.mean()


def _cluster_vcov(
    xs: FloatArray, e: FloatArray, n_obs: int, k_dof: int
) -> tuple[FloatArray, FloatArray]:
    """Coefficients and CR1 vcov. ``xs``: (T, N, p) regressors, ``e``: (T, N) residuals."""
    t, n, p = xs.shape
    x2 = xs.reshape(t * n, p)
    bread = np.linalg.pinv(x2.T @ x2)
    scores = np.einsum("tnp,tn->np", xs, e)  # per-cluster score sums (N, p)
    meat = scores.T @ scores
    g = n
    c = (g / (g - 1)) * ((n_obs - 1) / max(n_obs - k_dof, 1))
    return np.asarray(bread, dtype=np.float64), np.asarray(
        c * bread @ meat @ bread, dtype=np.float64
    )


@dataclass(frozen=True, slots=True)
class TWFEResult:
    """``y_it = a_i + b_t + beta D_it + e_it`` with standard errors clustered by unit."""

    coefficient: float
    std_error: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    n_obs: int
    n_clusters: int
    level: float

    def to_dict(self) -> dict[str, float | int]:
        return {
            "coefficient": self.coefficient,
            "std_error": self.std_error,
            "t_stat": self.t_stat,
            "p_value": self.p_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n_obs": self.n_obs,
            "n_clusters": self.n_clusters,
            "level": self.level,
        }


def twfe(
    panel: Panel,
    *,
    outcome: str,
    cohorts: Mapping[str, float | None],
    units: Sequence[str] | None = None,
    level: float = 0.95,
) -> TWFEResult:
    """Two-way fixed-effects DiD with CR1 cluster-robust standard errors (clusters = units).

    Small-sample factor ``G/(G-1) * (n-1)/(n-K)`` with ``K = 1 + T`` (the coefficient and
    the period effects; unit effects are nested in the clusters), as Stata's ``xtreg, fe
    vce(cluster)``; confidence intervals use Student's t with ``G - 1`` degrees of freedom.
    With staggered adoption and heterogeneous effects TWFE is a biased summary: prefer
    :func:`callaway_santanna`.
    """
    d = _data(panel, outcome, cohorts, units)
    tn, nn = d.y.shape
    treat = (d.periods[:, None] >= d.g[None, :]).astype(np.float64)
    if np.ptp(treat) == 0:
        raise EvaluationError(
            "no_variation", "Le traitement ne varie pas : l'effet n'est pas identifiable."
        )
    xs = _within(treat)[:, :, None]
    ys = _within(d.y)
    beta = float((xs[:, :, 0] * ys).sum() / (xs[:, :, 0] ** 2).sum())
    e = ys - beta * xs[:, :, 0]
    _, vc = _cluster_vcov(xs, e, tn * nn, 1 + tn)
    se = math.sqrt(float(vc[0, 0]))
    dof = nn - 1
    tcrit = float(stats.t.ppf(0.5 + level / 2, dof))
    tstat = beta / se if se > 0 else math.inf
    pval = float(2 * stats.t.sf(abs(tstat), dof)) if se > 0 else 0.0
    return TWFEResult(
        beta, se, tstat, pval, beta - tcrit * se, beta + tcrit * se, tn * nn, nn, level
    )


@dataclass(frozen=True, slots=True)
class EventStudyResult:
    """Event-study coefficients by relative period (reference period omitted, = 0)."""

    relative_periods: tuple[int, ...]
    coefficients: tuple[float, ...]
    std_errors: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    reference: int
    binned: bool
    n_clusters: int
    level: float

    def as_rows(self) -> list[dict[str, float | int]]:
        return [
            {"relative_period": e, "coefficient": b, "std_error": s, "ci_low": lo, "ci_high": hi}
            for e, b, s, lo, hi in zip(
                self.relative_periods,
                self.coefficients,
                self.std_errors,
                self.ci_low,
                self.ci_high,
                strict=True,
            )
        ]


def event_study(
    panel: Panel,
    *,
    outcome: str,
    cohorts: Mapping[str, float | None],
    units: Sequence[str] | None = None,
    window: tuple[int, int] | None = None,
    reference: int = -1,
    level: float = 0.95,
) -> EventStudyResult:
    """Dynamic TWFE: ``y_it = a_i + b_t + sum_e beta_e 1{t - g_i = e} + e_it``.

    Relative periods are counted in panel steps (period rank), so yearly and other regular
    panels behave alike.  ``window=(lo, hi)`` bins the relative periods beyond it into the
    end points.  Standard errors are clustered by unit (CR1, ``K`` = coefficients + periods).
    """
    d = _data(panel, outcome, cohorts, units)
    tn, nn = d.y.shape
    rank = {float(p): i for i, p in enumerate(d.periods)}
    ever = np.isfinite(d.g)
    g_rank = np.full(nn, np.nan)
    for j in np.flatnonzero(ever):
        if d.g[j] in rank:
            g_rank[j] = rank[d.g[j]]
        else:  # adoption outside the panel span
            g_rank[j] = float(np.searchsorted(d.periods, d.g[j]))
    rel = np.arange(tn)[:, None] - g_rank[None, :]  # NaN for never treated
    binned = window is not None
    if window is not None:
        lo, hi = window
        if not lo <= reference <= hi:
            raise EvaluationError(
                "bad_parameter", "La période de référence doit être dans la fenêtre."
            )
        rel = np.where(np.isnan(rel), rel, np.clip(rel, lo, hi))
    values = sorted({int(v) for v in rel[~np.isnan(rel)]} - {reference})
    if not values:
        raise EvaluationError("no_variation", "Aucune période relative à estimer.")
    if reference not in {int(v) for v in rel[~np.isnan(rel)]}:
        raise EvaluationError(
            "bad_parameter",
            f"La période de référence {reference} n'est observée pour aucun territoire traité.",
        )
    xs = np.stack([(rel == e).astype(np.float64) for e in values], axis=2)
    xs = np.stack([_within(xs[:, :, k]) for k in range(len(values))], axis=2)
    ys = _within(d.y)
    x2 = xs.reshape(tn * nn, -1)
    beta = np.linalg.lstsq(x2, ys.reshape(-1), rcond=None)[0]
    e = ys - np.einsum("tnp,p->tn", xs, beta)
    _, vc = _cluster_vcov(xs, e, tn * nn, len(values) + tn)
    se = np.sqrt(np.maximum(np.diag(vc), 0.0))
    tcrit = float(stats.t.ppf(0.5 + level / 2, nn - 1))
    return EventStudyResult(
        relative_periods=tuple(values),
        coefficients=tuple(float(b) for b in beta),
        std_errors=tuple(float(s) for s in se),
        ci_low=tuple(float(b - tcrit * s) for b, s in zip(beta, se, strict=True)),
        ci_high=tuple(float(b + tcrit * s) for b, s in zip(beta, se, strict=True)),
        reference=reference,
        binned=binned,
        n_clusters=nn,
        level=level,
    )


# ------------------------------------------------------------------ Callaway & Sant'Anna
@dataclass(frozen=True, slots=True)
class GroupTimeATT:
    group: float
    period: float
    att: float
    std_error: float
    n_treated: int
    n_control: int
    base_period: float


@dataclass(frozen=True, slots=True)
class AggregateEffect:
    label: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class CSResult:
    """Callaway & Sant'Anna (2021) group-time ATTs (unconditional parallel trends)."""

    att_gt: tuple[GroupTimeATT, ...]
    simple: AggregateEffect
    dynamic: tuple[AggregateEffect, ...]
    """One per event time ``e`` (label ``"e=..."``), then the average over ``e >= 0``."""
    group: tuple[AggregateEffect, ...]
    control_group: Literal["never_treated", "not_yet_treated"]
    base_period: Literal["varying", "universal"]
    n_units: int
    level: float
    influence: FloatArray
    """(n_units, n_cells) influence functions of the ATT(g,t) (for custom aggregations)."""

    def to_dict(self) -> dict[str, object]:
        def agg(a: AggregateEffect) -> dict[str, object]:
            return {
                "label": a.label,
                "estimate": a.estimate,
                "std_error": a.std_error,
                "ci_low": a.ci_low,
                "ci_high": a.ci_high,
            }

        return {
            "att_gt": [
                {
                    "group": format_period(c.group),
                    "period": format_period(c.period),
                    "att": c.att,
                    "std_error": c.std_error,
                    "n_treated": c.n_treated,
                    "n_control": c.n_control,
                }
                for c in self.att_gt
            ],
            "simple": agg(self.simple),
            "dynamic": [agg(a) for a in self.dynamic],
            "group": [agg(a) for a in self.group],
            "control_group": self.control_group,
            "base_period": self.base_period,
        }


def _agg_core(
    pk: FloatArray, k_group: FloatArray, att: FloatArray, psi: FloatArray, g_units: FloatArray
) -> tuple[float, FloatArray]:
    """Weighted average of ``att`` (weights ``pk / sum pk``) and its influence function.

    ``pk`` are group shares estimated from the sample, so the influence function carries
    the weight-estimation term of ``did::aggte`` (``wif``).  ``k_group`` gives the group of
    each aggregated item; with ``g_units`` all NaN the weights are treated as fixed.
    """
    w = pk / pk.sum()
    est = float(w @ att)
    ind = (g_units[:, None] == k_group[None, :]).astype(np.float64)  # (n, K)
    if1 = (ind - pk[None, :]) / pk.sum()
    if2 = np.outer((ind - pk[None, :]).sum(axis=1), pk / pk.sum() ** 2)
    inf = psi @ w + (if1 - if2) @ att
    return est, inf


def _effect(label: str, est: float, inf: FloatArray, z: float) -> AggregateEffect:
    se = float(math.sqrt(float(inf @ inf)) / inf.size)
    return AggregateEffect(label, est, se, est - z * se, est + z * se)


def callaway_santanna(
    panel: Panel,
    *,
    outcome: str,
    cohorts: Mapping[str, float | None],
    units: Sequence[str] | None = None,
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    base_period: Literal["varying", "universal"] = "varying",
    level: float = 0.95,
) -> CSResult:
    """Group-time average treatment effects ATT(g,t) and their aggregations.

    ``ATT(g,t) = E[Y_t - Y_b | G=g] - E[Y_t - Y_b | C]`` with ``b = g - 1`` (the period just
    before adoption) for ``t >= g``, and ``b = t - 1`` (``varying``) or ``g - 1``
    (``universal``) before; ``C`` are never-treated units or units not yet treated at
    ``max(t, b)`` (cohort ``g`` excluded).  Standard errors come from the influence
    functions (clustered by unit), as R ``did`` with ``bstrap=FALSE``; aggregations follow
    ``did::aggte`` (group shares as weights, with the weight-estimation correction).
    Units treated in the first period are dropped (no pre-period), as in ``did``.
    """
    d = _data(panel, outcome, cohorts, units)
    tn, _n_all = d.y.shape
    first = d.periods[0]
    keep_units = ~(d.g <= first)
    y = d.y[:, keep_units]
    g_units = d.g[keep_units]
    n = y.shape[1]
    rank = {float(p): i for i, p in enumerate(d.periods)}
    groups = sorted({float(x) for x in g_units if math.isfinite(x) and x <= d.periods[-1]})
    if not groups:
        raise EvaluationError("no_treated_unit", "Aucune cohorte traitée dans la période.")
    never = ~np.isfinite(g_units)
    if control_group == "never_treated" and not never.any():
        raise EvaluationError(
            "no_control_unit",
            "Aucun territoire jamais traité : utilisez les territoires pas encore traités.",
        )
    z = float(stats.norm.ppf(0.5 + level / 2))
    cells: list[GroupTimeATT] = []
    att_list: list[float] = []
    psi_cols: list[FloatArray] = []
    for g in groups:
        if g not in rank:
            raise EvaluationError(
                "bad_cohort", f"La cohorte {format_period(g)} n'est pas une période du panel."
            )
        gi = rank[g]
        treated = g_units == g
        for ti in range(1, tn):
            bi = gi - 1 if ti >= gi or base_period == "universal" else ti - 1
            if ti == bi:
                continue
            if control_group == "never_treated":
                ctrl = never.copy()
            else:
                horizon = d.periods[max(ti, bi)]
                ctrl = (g_units > horizon) & (g_units != g)
            n_t, n_c = int(treated.sum()), int(ctrl.sum())
            if n_c == 0:
                continue
            dy = y[ti] - y[bi]
            mu_t = float(dy[treated].mean())
            mu_c = float(dy[ctrl].mean())
            psi = np.zeros(n)
            psi[treated] = (n / n_t) * (dy[treated] - mu_t)
            psi[ctrl] -= (n / n_c) * (dy[ctrl] - mu_c)
            att = mu_t - mu_c
            se = math.sqrt(float(psi @ psi)) / n
            cells.append(
                GroupTimeATT(g, float(d.periods[ti]), att, se, n_t, n_c, float(d.periods[bi]))
            )
            att_list.append(att)
            psi_cols.append(psi)
    if not cells:
        raise EvaluationError("no_control_unit", "Aucune cellule (g, t) estimable.")
    att_arr = np.asarray(att_list)
    psi_mat = np.column_stack(psi_cols)
    cell_group = np.asarray([c.group for c in cells])
    cell_t = np.asarray([c.period for c in cells])
    pg_by_group = {g: float(np.mean(g_units == g)) for g in groups}
    pg = np.asarray([pg_by_group[c.group] for c in cells])
    post = [i for i, c in enumerate(cells) if c.period >= c.group]
    if not post:
        raise EvaluationError("no_post_period", "Aucune période après traitement estimable.")
    nan_groups = np.full(n, np.nan)

    def agg(idx: Sequence[int], weighted: bool = True) -> tuple[float, FloatArray]:
        keep = np.asarray(idx, dtype=np.intp)
        pk = pg[keep] if weighted else np.ones(keep.size)
        return _agg_core(
            pk,
            cell_group[keep],
            att_arr[keep],
            psi_mat[:, keep],
            g_units if weighted else nan_groups,
        )

    simple = _effect("simple", *agg(post), z)
    # dynamic (event-time) aggregation; overall = mean of theta(e) over e >= 0
    e_of = np.asarray(
        [rank[float(t)] - rank[float(g)] for g, t in zip(cell_group, cell_t, strict=True)]
    )
    dyn: list[AggregateEffect] = []
    pos_est: list[float] = []
    pos_inf: list[FloatArray] = []
    for e in sorted({int(x) for x in e_of}):
        est, inf = agg([i for i in range(len(cells)) if e_of[i] == e])
        dyn.append(_effect(f"e={e}", est, inf, z))
        if e >= 0:
            pos_est.append(est)
            pos_inf.append(inf)
    dyn.append(_effect("dynamic_average", float(np.mean(pos_est)), np.mean(pos_inf, axis=0), z))
    # group aggregation: theta(g) = mean over t >= g; overall weighted by group shares
    grp: list[AggregateEffect] = []
    g_est: list[float] = []
    g_inf: list[FloatArray] = []
    g_keys: list[float] = []
    for g in groups:
        idx = [i for i in post if cell_group[i] == g]
        if idx:
            est, inf = agg(idx, weighted=False)
            grp.append(_effect(f"g={format_period(g)}", est, inf, z))
            g_est.append(est)
            g_inf.append(inf)
            g_keys.append(g)
    keys = np.asarray(g_keys)
    est, inf = _agg_core(
        np.asarray([pg_by_group[g] for g in g_keys]),
        keys,
        np.asarray(g_est),
        np.column_stack(g_inf),
        g_units,
    )
    grp.append(_effect("group_average", est, inf, z))
    return CSResult(
        att_gt=tuple(cells),
        simple=simple,
        dynamic=tuple(dyn),
        group=tuple(grp),
        control_group=control_group,
        base_period=base_period,
        n_units=n,
        level=level,
        influence=psi_mat,
    )
