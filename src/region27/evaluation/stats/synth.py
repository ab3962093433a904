"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010).

Nested optimisation, as in R ``Synth``:

* inner problem: for a diagonal predictor weighting ``V``, the donor weights ``W`` minimise
  ``(X1 - X0 W)' V (X1 - X0 W)`` on the simplex; solved *exactly* by Wolfe's minimum-norm-point
  algorithm (:mod:`.simplex`);
* outer problem: ``V`` (non-negative, summing to one) minimises the outcome's mean squared
  prediction error over the fit window, ``MSPE(V) = mean_t (Z1_t - Z0_t W(V))^2``, searched
  over ``theta`` with ``V ∝ theta^2`` (floored at ~1e-6, see :data:`._kernels.V_FLOOR`):
  L-BFGS from several starts (equal V, Synth's regression-based V, each predictor mixed
  with equal weights, random Dirichlet draws from a fixed seed, and the best of a screening
  of sparse V), then Nelder-Mead and L-BFGS restarts from the best few.  The result is the
  best V any step evaluated, with the W computed for it.

The hot loops (inner solver, loss, gradient, both local searches) are compiled with numba
in :mod:`._kernels`; numba is imported on the first fit.

Predictors are divided by their standard deviation across all units (treated and donors),
as Synth does.  Without predictors, ``W`` directly minimises the outcome's pre-treatment MSPE.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypedDict, Unpack

import numpy as np
from numpy.typing import NDArray

from .errors import EvaluationError, PoorFitWarning, SpecificationWarning
from .panel import Panel, format_period
from .simplex import SimplexSolution, simplex_least_squares

FloatArray = NDArray[np.float64]

__all__ = [
    "BalanceRow",
    "Predictor",
    "ReferenceComparison",
    "SolverReport",
    "SynthOptions",
    "SynthResult",
    "fit_synth",
    "parse_window",
]


# ---------------------------------------------------------------------------- specification
def _describe_periods(periods: Sequence[float]) -> str:
    ps = [float(p) for p in periods]
    if len(ps) == 1:
        return format_period(ps[0])
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ps)}
    if len(steps) == 1:
        step = steps.pop()
        base = f"{format_period(ps[0])}-{format_period(ps[-1])}"
        return base if step == 1 else f"{base}/{format_period(step)}"
    return ",".join(format_period(p) for p in ps)


def parse_window(text: str) -> tuple[float, ...]:
    """Parse ``FROM-TO``, ``FROM-TO/STEP``, ``T`` or ``T1,T2,...`` into a tuple of periods."""
    raw = text.strip()
    try:
        if "," in raw:
            return tuple(float(x) for x in raw.split(","))
        step = 1.0
        if "/" in raw:
            raw, step_txt = raw.split("/", 1)
            step = float(step_txt)
        # a leading minus sign belongs to the number, not to the range
        head, sep, tail = raw[1:].partition("-")
        if sep:
            start, end = float(raw[0] + head), float(tail)
            if step <= 0 or end < start:
                raise ValueError
            n = math.floor((end - start) / step + 1e-9) + 1
            return tuple(start + i * step for i in range(n))
        return (float(raw),)
    except ValueError:
        raise EvaluationError(
            "bad_window",
            f"Fenêtre de périodes illisible : « {text} » (attendu DEBUT-FIN, DEBUT-FIN/PAS, "
            "T ou T1,T2,…).",
            text=text,
        ) from None


@dataclass(frozen=True, slots=True)
class Predictor:
    """One row of the predictor matrix: a covariate averaged over periods, or its value."""

    column: str
    op: Literal["mean", "value"]
    periods: tuple[float, ...]
    label: str = ""

    def __post_init__(self) -> None:
        if self.op not in ("mean", "value"):
            raise EvaluationError(
                "bad_predictor",
                f"Opération de prédicteur inconnue : « {self.op} » (mean ou value).",
            )
        if not self.periods:
            raise EvaluationError(
                "bad_predictor", f"Le prédicteur « {self.column} » n'a aucune période."
            )
        if self.op == "value" and len(self.periods) != 1:
            raise EvaluationError(
                "bad_predictor",
                f"Le prédicteur « {self.column}:value » attend une seule période.",
            )

    @classmethod
    def mean(cls, column: str, start: float, end: float, step: float = 1) -> Predictor:
        """Average of ``column`` over ``start..end`` (inclusive) every ``step`` periods."""
        text = f"{start}-{end}" + (f"/{step}" if step != 1 else "")
        return cls(column, "mean", parse_window(text))

    @classmethod
    def value(cls, column: str, period: float) -> Predictor:
        """Value of ``column`` at ``period``."""
        return cls(column, "value", (float(period),))

    @classmethod
    def parse(cls, text: str) -> Predictor:
        """Parse ``COL:mean:FROM-TO[/STEP]``, ``COL:mean:T1,T2`` or ``COL:value:T``."""
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or parts[1] not in ("mean", "value") or not parts[0]:
            raise EvaluationError(
                "bad_predictor",
                f"Prédicteur illisible : « {text} » (attendu COL:mean:DEBUT-FIN ou COL:value:T).",
                text=text,
            )
        column, op, window = parts
        periods = parse_window(window)
        return cls(column, "mean" if op == "mean" else "value", periods)

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        return f"{self.column}:{self.op}:{_describe_periods(self.periods)}"


@dataclass(frozen=True, slots=True)
class SynthOptions:
    """Solver and diagnostic settings (defaults are deterministic)."""

    n_random_starts: int = 4
    """Random Dirichlet starts for V, on top of equal V, regression V and one-hot mixes."""
    seed: int = 12345
    screen_fev_per_predictor: int = 30
    """Nelder-Mead evaluations per start and per predictor in the screening stage."""
    polish_top: int = 2
    """How many of the best screened starts are polished."""
    polish_fev_per_predictor: int = 80
    polish_rounds: int = 2
    lbfgs_maxiter: int = 200
    screen_sparse: int = 128
    """Sparse random V (Dirichlet 0.3) screened by their loss, on top of every pair of
    predictors; the ``screen_keep`` best screened V become starts of the local search."""
    screen_keep: int = 10
    """Nelder-Mead restarts while they improve the loss (Nelder-Mead can stall)."""
    standardize: bool = True
    min_pre_periods: int = 3
    warn_pre_periods: int = 5
    poor_fit_threshold: float = 0.5
    """Flag a poor fit when the pre-RMSPE exceeds this share of the standard deviation of the
    treated unit's own outcome over the fit window (the movement the fit must track)."""
    weight_tol: float = 1e-8
    """Weights below this are reported as zero (the solver already returns exact zeros)."""


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class BalanceRow:
    predictor: str
    treated: float
    synthetic: float
    donor_mean: float
    v: float


@dataclass(frozen=True, slots=True)
class SolverReport:
    starts: tuple[str, ...]
    start_losses: tuple[float, ...]
    best_start: str
    evaluations: int
    loss_lower_bound: float
    """Best outcome MSPE any simplex weights can reach (ignoring predictors)."""


@dataclass(frozen=True, slots=True)
class ReferenceComparison:
    """The engine's fit compared with reference weights (e.g. published ones)."""

    reference_weights: Mapping[str, float]
    reference_loss: float
    reference_pre_rmspe: float
    max_abs_weight_difference: float
    verdict: Literal["matches_reference", "lower_loss_than_reference", "worse_than_reference"]
    tolerance: float

    @property
    def message(self) -> str:
        if self.verdict == "matches_reference":
            return (
                "Poids conformes à la référence (écart maximal "
                f"{self.max_abs_weight_difference:.3f} ≤ {self.tolerance})."
            )
        if self.verdict == "lower_loss_than_reference":
            return (
                "Poids différents de la référence mais perte avant traitement strictement "
                f"plus faible ({self.reference_loss:.6g} pour la référence)."
            )
        return (
            "Poids différents de la référence et ajustement moins bon "
            f"(perte de référence {self.reference_loss:.6g})."
        )


@dataclass(frozen=True, slots=True)
class SynthResult:
    """Fitted synthetic control.  Periods are panel periods (floats; see ``period_labels``)."""

    treated: str
    outcome: str
    treatment_start: float
    donors: tuple[str, ...]
    weights: Mapping[str, float]
    v: Mapping[str, float]
    predictor_balance: tuple[BalanceRow, ...]
    periods: tuple[float, ...]
    fit_window: tuple[float, ...]
    treated_series: tuple[float, ...]
    synthetic_series: tuple[float, ...]
    gaps: tuple[float, ...]
    loss: float
    """Outcome MSPE over the fit window (the outer objective)."""
    pre_mspe: float
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    predictor_loss: float
    """``(X1 - X0 W)' V (X1 - X0 W)`` on standardised predictors."""
    average_post_gap: float
    poor_fit: bool
    outside_hull_periods: tuple[float, ...]
    solver: SolverReport
    warnings: tuple[str, ...] = ()
    reference: ReferenceComparison | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def pre_periods(self) -> tuple[float, ...]:
        return tuple(p for p in self.periods if p < self.treatment_start)

    @property
    def post_periods(self) -> tuple[float, ...]:
        return tuple(p for p in self.periods if p >= self.treatment_start)

    @property
    def positive_weights(self) -> dict[str, float]:
        return {u: w for u, w in self.weights.items() if w > 0}

    def gap_at(self, period: float) -> float:
        return self.gaps[self.periods.index(float(period))]

    def gaps_by_label(self) -> dict[str, float]:
        return {format_period(p): g for p, g in zip(self.periods, self.gaps, strict=True)}

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary (periods written as in the file)."""
        out: dict[str, object] = {
            "treated": self.treated,
            "outcome": self.outcome,
            "treatment_start": format_period(self.treatment_start),
            "donors": list(self.donors),
            "weights": dict(self.weights),
            "v": dict(self.v),
            "loss": self.loss,
            "pre_mspe": self.pre_mspe,
            "pre_rmspe": self.pre_rmspe,
            "post_rmspe": self.post_rmspe,
            "rmspe_ratio": self.rmspe_ratio,
            "predictor_loss": self.predictor_loss,
            "average_post_gap": self.average_post_gap,
            "fit_window": [format_period(p) for p in self.fit_window],
            "gaps": self.gaps_by_label(),
            "treated_series": {
                format_period(p): y for p, y in zip(self.periods, self.treated_series, strict=True)
            },
            "synthetic_series": {
                format_period(p): y
                for p, y in zip(self.periods, self.synthetic_series, strict=True)
            },
            "predictor_balance": [
                {
                    "predictor": r.predictor,
                    "treated": r.treated,
                    "synthetic": r.synthetic,
                    "donor_mean": r.donor_mean,
                    "v": r.v,
                }
                for r in self.predictor_balance
            ],
            "poor_fit": self.poor_fit,
            "outside_hull_periods": [format_period(p) for p in self.outside_hull_periods],
            "solver": {
                "starts": list(self.solver.starts),
                "start_losses": list(self.solver.start_losses),
                "best_start": self.solver.best_start,
                "evaluations": self.solver.evaluations,
                "loss_lower_bound": self.solver.loss_lower_bound,
            },
            "warnings": list(self.warnings),
        }
        if self.reference is not None:
            out["reference"] = {
                "weights": dict(self.reference.reference_weights),
                "loss": self.reference.reference_loss,
                "pre_rmspe": self.reference.reference_pre_rmspe,
                "max_abs_weight_difference": self.reference.max_abs_weight_difference,
                "verdict": self.reference.verdict,
                "message": self.reference.message,
            }
        return out


# ---------------------------------------------------------------------------- internals
@dataclass(frozen=True, slots=True)
class _Design:
    """Arrays for one (treated, donors) problem."""

    x1: FloatArray  # (k,) standardised predictors of the treated unit
    x0: FloatArray  # (k, J)
    z1: FloatArray  # (T_fit,)
    z0: FloatArray  # (T_fit, J)


def _regression_v(x1: FloatArray, x0: FloatArray, z1: FloatArray, z0: FloatArray) -> FloatArray:
    """Synth's regression-based starting V: squared coefficients of Z on X (with intercept)."""
    xall = np.column_stack([np.ones(x0.shape[1] + 1), np.column_stack([x1, x0]).T])
    zall = np.column_stack([z1, z0]).T
    beta = np.linalg.lstsq(xall, zall, rcond=None)[0][1:, :]
    v = np.einsum("ij,ij->i", beta, beta)
    total = v.sum()
    if not np.isfinite(total) or total <= 0:
        return np.full(x0.shape[0], 1.0 / x0.shape[0])
    return v / total


class _Objective:
    """Outer objective ``MSPE(V)`` with warm-started exact inner solves (compiled).

    The loss, its gradient and the two local optimisers run in :mod:`._kernels`; this class
    holds the problem's arrays and the inner problem's last corral, which warm-starts the
    next solve (successive V are close, so the corral rarely changes much).
    """

    def __init__(self, design: _Design) -> None:
        from . import _kernels  # numba loads on the first fit, not when Django starts

        self.d = design
        self._kern = _kernels
        self._diff = np.ascontiguousarray(design.x0 - design.x1[:, None])  # (k, J)
        self._z0 = np.ascontiguousarray(design.z0)
        self._z1 = np.ascontiguousarray(design.z1)
        n = self._diff.shape[1]
        self._sup = np.zeros(n, dtype=np.int64)
        self._lam = np.zeros(n)
        self._state = np.zeros(2, dtype=np.int64)  # [corral size, evaluations]
        self._k = self._diff.shape[0]
        self._best = np.zeros(1 + self._k + n)  # incumbent: [loss, theta (k), W (J)]
        self._best[0] = math.inf
        self._prob = (self._diff, self._z0, self._z1, self._sup, self._lam, self._state, self._best)

    @property
    def evaluations(self) -> int:
        return int(self._state[1])

    def incumbent(self) -> tuple[FloatArray, SimplexSolution]:
        """The best V evaluated so far and the exact inner solution computed for it."""
        if not math.isfinite(self._best[0]):  # nothing evaluated to a finite loss
            v = np.full(self._k, 1.0 / self._k)
            return v, self.solve_w(v)
        v = _normalise(self._best[1 : 1 + self._k])
        w = self._best[1 + self._k :].copy()
        w /= w.sum()
        resid = (self._diff * np.sqrt(v)[:, None]) @ w
        sol = SimplexSolution(
            weights=w,
            support=np.flatnonzero(w > 0).astype(np.intp),
            objective=float(resid @ resid),
            iterations=0,
        )
        return v, sol

    def solve_w(self, v: FloatArray) -> SimplexSolution:
        """Exact inner solve for the weighting ``v`` from a cold start."""
        pts = self._diff * np.sqrt(np.maximum(v, 0.0))[:, None]
        return simplex_least_squares(pts, np.zeros(pts.shape[0]))

    def loss_of_w(self, w: FloatArray) -> float:
        r = self.d.z1 - self.d.z0 @ w
        return float(r @ r) / r.size

    def __call__(self, theta: FloatArray) -> float:
        return float(self._kern.loss(np.asarray(theta, dtype=np.float64), self._prob))

    def losses_at(self, thetas: FloatArray) -> list[float]:
        """The loss at each row of ``thetas``, evaluated in order in one compiled call."""
        return [float(x) for x in self._kern.losses_at(np.ascontiguousarray(thetas), self._prob)]

    def value_and_grad(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Loss and its gradient in ``theta`` (see :func:`._kernels.loss_and_grad`)."""
        f, g = self._kern.loss_and_grad(np.asarray(theta, dtype=np.float64), self._prob)
        return float(f), np.asarray(g)

    def lbfgs(self, theta0: FloatArray, maxiter: int) -> FloatArray:
        theta = self._kern.lbfgs(np.asarray(theta0, dtype=np.float64), maxiter, self._prob)
        return np.asarray(theta, dtype=np.float64)

    def nelder_mead(self, theta0: FloatArray, maxfev: int, step: float) -> FloatArray:
        theta = self._kern.nelder_mead(
            np.asarray(theta0, dtype=np.float64), maxfev, step, self._prob
        )
        return np.asarray(theta, dtype=np.float64)


def _inside_hull_solution(design: _Design, tie_break: float = 1e-6) -> SimplexSolution:
    """W when the treated unit lies inside the donors' predictor hull.

    Then every V gives an exact predictor fit with many W; Synth returns an arbitrary one.
    Here the inner problem adds ``tie_break`` times the outcome's fit-window MSPE (relative
    to the outcome's variance) to the predictor discrepancy under equal V, which returns
    the exact predictor fit that best reproduces the pre-treatment outcome.
    """
    k = design.x0.shape[0]
    diff = (design.x0 - design.x1[:, None]) * math.sqrt(1.0 / k)
    out = design.z0 - design.z1[:, None]
    var = float(np.var(np.column_stack([design.z1, design.z0])))
    tb = math.sqrt(tie_break / (out.shape[0] * (var if var > 0 else 1.0)))
    pts = np.vstack([diff, tb * out])
    return simplex_least_squares(pts, np.zeros(pts.shape[0]))


def _normalise(theta: FloatArray) -> FloatArray:
    """The predictor weighting V of the search variable ``theta`` (floored, see
    :data:`._kernels.V_FLOOR`)."""
    from . import _kernels

    return np.asarray(_kernels.v_of_theta(np.asarray(theta, dtype=np.float64)))


def _optimise_v(
    design: _Design, options: SynthOptions
) -> tuple[FloatArray, SimplexSolution, SolverReport]:
    k, _n_donors = design.x0.shape
    obj = _Objective(design)
    lb_sol = simplex_least_squares(design.z0, design.z1)
    lower_bound = lb_sol.objective / design.z1.size
    if k == 0:
        report = SolverReport(("outcome_only",), (lower_bound,), "outcome_only", 1, lower_bound)
        return np.zeros(0), lb_sol, report
    # Treated inside the donors' predictor hull: every V fits the predictors exactly, so V
    # is irrelevant and W is taken as the exact predictor fit that best fits the outcome.
    probe = obj.solve_w(np.full(k, 1.0 / k))
    scale = float(np.max(np.sum((design.x0 - design.x1[:, None]) ** 2, axis=0)))
    if probe.objective <= 1e-12 * max(scale, 1e-300) * k:
        v_eq = np.full(k, 1.0 / k)
        sol = _inside_hull_solution(design)
        loss = obj.loss_of_w(sol.weights)
        report = SolverReport(("inside_hull",), (loss,), "inside_hull", 2, lower_bound)
        return v_eq, sol, report
    if k == 1:
        sol = obj.solve_w(np.ones(1))
        loss = obj.loss_of_w(sol.weights)
        report = SolverReport(("single_predictor",), (loss,), "single_predictor", 1, lower_bound)
        return np.ones(1), sol, report
    starts: list[tuple[str, FloatArray]] = [
        ("equal", np.full(k, 1.0 / k)),
        ("regression", _regression_v(design.x1, design.x0, design.z1, design.z0)),
    ]
    for i in range(k):
        v = np.full(k, 0.2 / max(k - 1, 1))
        v[i] = 0.8
        starts.append((f"predictor_{i}", v / v.sum()))
    rng = np.random.default_rng(options.seed)
    for i in range(options.n_random_starts):
        starts.append((f"dirichlet_{i}", rng.dirichlet(np.ones(k))))
    # Screening: the loss at many more V (a few microseconds each), kept only when among
    # the best.  Good V are often sparse (one to three predictors carry the weight), so the
    # screened points are pairs of predictors and sparse Dirichlet draws.
    screened: list[tuple[str, FloatArray]] = []
    for i, j in itertools.combinations(range(k), 2):
        v = np.full(k, 0.1 / max(k - 2, 1)) if k > 2 else np.zeros(k)
        v[i] = v[j] = 0.45
        screened.append((f"pair_{i}_{j}", v / v.sum()))
    for i in range(options.screen_sparse):
        screened.append((f"sparse_{i}", rng.dirichlet(np.full(k, 0.3)) + 1e-9))
    if screened:
        losses = obj.losses_at(np.sqrt(np.vstack([v0 for _, v0 in screened])))
        order = sorted(range(len(screened)), key=lambda i: (losses[i], i))
        starts.extend(screened[i] for i in order[: options.screen_keep])
    polish_fev = options.polish_fev_per_predictor * k
    # Stage 1: a local search (L-BFGS) from every start; stage 2: polish the best few with
    # Nelder-Mead restarts until a restart no longer improves the loss.
    stage1: list[tuple[float, str, FloatArray]] = []
    for name, v0 in starts:
        if stage1 and min(r[0] for r in stage1) - lower_bound <= 1e-10 * max(lower_bound, 1e-300):
            break
        theta0 = np.sqrt(v0)
        theta = obj.lbfgs(theta0, options.lbfgs_maxiter)
        stage1.append((obj(theta), name, theta))
    stage1.sort(key=lambda r: (r[0], r[1]))
    best_loss, best_name, _ = stage1[0]
    at_bound = 1e-10 * max(abs(lower_bound), 1e-300)
    for loss0, name, theta_start in stage1[: max(options.polish_top, 1)]:
        if best_loss - lower_bound <= at_bound:
            break  # the best any weights can do: global optimum reached
        theta = theta_start / np.linalg.norm(theta_start)
        loss = loss0
        for r in range(max(options.polish_rounds, 1)):
            theta_new = obj.nelder_mead(theta, polish_fev, 0.2 / (r + 1))
            theta_new = obj.lbfgs(theta_new / np.linalg.norm(theta_new), options.lbfgs_maxiter)
            theta_new = theta_new / np.linalg.norm(theta_new)
            loss_new = obj(theta_new)
            improved = loss - loss_new
            if loss_new <= loss:
                theta, loss = theta_new, loss_new
            if improved <= 1e-8 * max(loss, 1e-300):
                break
        if loss < best_loss:
            best_loss, best_name = loss, name
    v_best, final = obj.incumbent()  # ≤ best_loss: the best V any search step evaluated
    report = SolverReport(
        starts=tuple(s[1] for s in stage1),
        start_losses=tuple(s[0] for s in stage1),
        best_start=best_name,
        evaluations=obj.evaluations,
        loss_lower_bound=lower_bound,
    )
    return v_best, final, report


def predictor_matrix(
    panel: Panel, predictors: Sequence[Predictor], unit_idx: NDArray[np.intp]
) -> FloatArray:
    """Raw predictor values, shape ``(k, len(unit_idx))``; raises on missing cells."""
    rows: list[FloatArray] = []
    for p in predictors:
        col = panel.column(p.column)
        pidx = np.asarray([panel.period_index(t) for t in p.periods], dtype=np.intp)
        block = col[np.ix_(pidx, unit_idx)]
        if np.isnan(block).any():
            bad_u, bad_t = [], []
            for ti, ui in zip(*np.nonzero(np.isnan(block)), strict=True):
                bad_t.append(format_period(p.periods[ti]))
                bad_u.append(panel.units[unit_idx[ui]])
            ex = [f"{u} / {t}" for u, t in zip(bad_u, bad_t, strict=True)][:5]
            raise EvaluationError(
                "missing_values",
                f"Valeurs manquantes pour le prédicteur « {p.name} » : "
                + "; ".join(ex)
                + (" …" if len(bad_u) > 5 else "")
                + ".",
                predictor=p.name,
                cells=ex,
                count=len(bad_u),
            )
        rows.append(block.mean(axis=0))
    if not rows:
        return np.zeros((0, unit_idx.size))
    return np.vstack(rows)


def _standardise(raw: FloatArray, enabled: bool) -> tuple[FloatArray, FloatArray]:
    """Divide each predictor by its standard deviation across units (Synth)."""
    if raw.shape[0] == 0:
        return raw, np.ones(0)
    sd = raw.std(axis=1, ddof=1) if raw.shape[1] > 1 else np.ones(raw.shape[0])
    if not enabled:
        return raw, np.ones(raw.shape[0])
    return raw / sd[:, None], sd


@dataclass(frozen=True, slots=True)
class Prepared:
    panel: Panel
    outcome: str
    treatment_start: float
    predictors: tuple[Predictor, ...]
    fit_window: tuple[float, ...]
    y: FloatArray  # (T, N) outcome, all panel periods
    raw_x: FloatArray  # (k, N) raw predictors for all units
    pre_mask: NDArray[np.bool_]
    fit_idx: NDArray[np.intp]
    notes: tuple[str, ...]


def _check_units(panel: Panel, treated: str, donors: Sequence[str] | None) -> list[str]:
    panel.unit_index(treated)
    if donors is None:
        pool = [u for u in panel.units if u != treated]
    else:
        pool = [str(d) for d in donors]
        if treated in pool:
            raise EvaluationError(
                "treated_in_donors",
                f"Le territoire traité « {treated} » figure aussi dans la liste des "
                "territoires témoins.",
                unit=treated,
            )
        dups = sorted({d for d in pool if pool.count(d) > 1})
        if dups:
            raise EvaluationError(
                "duplicate_donors",
                "Territoires témoins en double : " + ", ".join(dups) + ".",
                units=dups,
            )
        unknown = [d for d in pool if not panel.has_unit(d)]
        if unknown:
            raise EvaluationError(
                "unknown_unit",
                "Territoires témoins absents du panel : " + ", ".join(unknown) + ".",
                units=unknown,
            )
    if len(pool) < 2:
        raise EvaluationError(
            "too_few_donors",
            f"Il faut au moins deux territoires témoins ({len(pool)} fourni) : avec un seul, "
            "le contrôle synthétique se réduit à ce territoire et ne peut pas être estimé.",
            donors=pool,
        )
    return pool


def prepare_fit(
    panel: Panel,
    outcome: str,
    treated: str,
    treatment_start: float,
    *,
    spec: FitSpec,
    options: SynthOptions,
) -> tuple[Prepared, list[str]]:
    """The arrays a fit works on (the treated unit first, then its donors), and the units;
    `options` are the spec's options with their defaults."""
    donors, predictors, fit_window, _given = fit_spec(spec)
    pool = _check_units(panel, treated, donors)
    y_all = panel.column(outcome)
    treatment_start = float(treatment_start)
    periods = panel.periods
    pre_mask = periods < treatment_start
    n_pre = int(pre_mask.sum())
    if not (periods >= treatment_start).any():
        raise EvaluationError(
            "no_post_period",
            f"Aucune période à partir du début du traitement ({format_period(treatment_start)}).",
        )
    if n_pre < options.min_pre_periods:
        raise EvaluationError(
            "too_few_pre_periods",
            f"Trop peu de périodes avant traitement : {n_pre} (au moins "
            f"{options.min_pre_periods} requises).",
            n_pre=n_pre,
        )
    notes: list[str] = []
    if n_pre < options.warn_pre_periods:
        msg = (
            f"Seulement {n_pre} périodes avant traitement : l'ajustement et l'inférence "
            "sont fragiles."
        )
        warnings.warn(SpecificationWarning(msg, "few_pre_periods"), stacklevel=3)
        notes.append("few_pre_periods: " + msg)
    # fit window
    if fit_window is None:
        fw = tuple(float(p) for p in periods[pre_mask])
    else:
        fw = (
            parse_window(fit_window)
            if isinstance(fit_window, str)
            else tuple(float(p) for p in fit_window)
        )
    late = [p for p in fw if p >= treatment_start]
    if late:
        raise EvaluationError(
            "fit_window_after_treatment",
            "La fenêtre d'ajustement doit précéder le traitement : "
            + ", ".join(format_period(p) for p in late)
            + ".",
        )
    fit_idx = np.asarray([panel.period_index(p) for p in fw], dtype=np.intp)
    if fit_idx.size == 0:
        raise EvaluationError("bad_window", "La fenêtre d'ajustement est vide.")
    # predictors
    preds: list[Predictor] = []
    for p in predictors or ():
        preds.append(Predictor.parse(p) if isinstance(p, str) else p)
    for p in preds:
        if any(t >= treatment_start for t in p.periods):
            msg = (
                f"Le prédicteur « {p.name} » utilise des périodes postérieures au début du "
                "traitement."
            )
            raise EvaluationError("predictor_after_treatment", msg, predictor=p.name)
    idx = np.asarray([panel.unit_index(treated)] + [panel.unit_index(d) for d in pool])
    # outcome completeness over every panel period
    y = y_all[:, idx]
    if np.isnan(y).any():
        cells = [
            f"{panel.units[idx[u]]} / {format_period(periods[t])}"
            for t, u in zip(*np.nonzero(np.isnan(y)), strict=True)
        ]
        raise EvaluationError(
            "missing_values",
            f"Valeurs manquantes pour la variable de résultat « {outcome} » : "
            + "; ".join(cells[:5])
            + (" …" if len(cells) > 5 else "")
            + ".",
            column=outcome,
            cells=cells[:20],
            count=len(cells),
        )
    yfit = y[fit_idx]
    if np.ptp(yfit) == 0:
        raise EvaluationError(
            "constant_outcome",
            f"La variable de résultat « {outcome} » est constante sur la fenêtre d'ajustement "
            "pour tous les territoires : rien à ajuster.",
        )
    if np.ptp(yfit[:, 0]) == 0:
        msg = f"La série du territoire traité « {treated} » est constante avant le traitement."
        warnings.warn(SpecificationWarning(msg, "constant_treated_series"), stacklevel=3)
        notes.append("constant_treated_series: " + msg)
    raw = predictor_matrix(panel, preds, idx)
    kept: list[int] = []
    for i, p in enumerate(preds):
        if raw.shape[1] > 1 and np.ptp(raw[i]) == 0:
            msg = f"Le prédicteur « {p.name} » est constant entre territoires : il est ignoré."
            warnings.warn(SpecificationWarning(msg, "constant_predictor"), stacklevel=3)
            notes.append("constant_predictor: " + msg)
        else:
            kept.append(i)
    preds = [preds[i] for i in kept]
    raw = raw[kept] if kept else np.zeros((0, idx.size))
    prepared = Prepared(
        panel=panel,
        outcome=outcome,
        treatment_start=treatment_start,
        predictors=tuple(preds),
        fit_window=fw,
        y=y,
        raw_x=raw,
        pre_mask=pre_mask,
        fit_idx=fit_idx,
        notes=tuple(notes),
    )
    return prepared, [treated, *pool]


def fit_prepared(
    prep: Prepared,
    units: Sequence[str],
    cols: NDArray[np.intp],
    options: SynthOptions,
    *,
    reference_weights: Mapping[str, float] | None = None,
    emit_warnings: bool = True,
) -> SynthResult:
    """Fit with unit ``cols[0]`` treated and ``cols[1:]`` donors (columns of ``prep.y``)."""
    treated = units[0]
    donors = tuple(units[1:])
    raw = prep.raw_x[:, cols]
    scaled, _sd = _standardise(raw, options.standardize)
    y = prep.y[:, cols]
    design = _Design(
        x1=scaled[:, 0].copy(),
        x0=scaled[:, 1:].copy(),
        z1=y[prep.fit_idx, 0].copy(),
        z0=y[prep.fit_idx, 1:].copy(),
    )
    v, sol, report = _optimise_v(design, options)
    w = sol.weights.copy()
    w[w < options.weight_tol] = 0.0
    w /= w.sum()
    synth = y[:, 1:] @ w
    gaps = y[:, 0] - synth
    pre = prep.pre_mask
    pre_mspe = float(np.mean(gaps[pre] ** 2))
    post_mspe = float(np.mean(gaps[~pre] ** 2))
    loss = float(np.mean(gaps[prep.fit_idx] ** 2))
    pre_rmspe = math.sqrt(pre_mspe)
    post_rmspe = math.sqrt(post_mspe)
    ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else math.inf
    if raw.shape[0]:
        diff = design.x1 - design.x0 @ w
        pred_loss = float(np.sum(v * diff * diff))
    else:
        pred_loss = 0.0
    balance = tuple(
        BalanceRow(
            predictor=p.name,
            treated=float(raw[i, 0]),
            synthetic=float(raw[i, 1:] @ w),
            donor_mean=float(raw[i, 1:].mean()),
            v=float(v[i]),
        )
        for i, p in enumerate(prep.predictors)
    )
    # diagnostics: convex hull and fit quality
    zfit = y[prep.fit_idx]
    outside = zfit[:, 0] > zfit[:, 1:].max(axis=1)
    outside |= zfit[:, 0] < zfit[:, 1:].min(axis=1)
    outside_periods = tuple(
        float(prep.panel.periods[t]) for t, o in zip(prep.fit_idx, outside, strict=True) if o
    )
    spread = float(np.std(zfit[:, 0], ddof=0))
    notes = list(prep.notes)
    poor = bool(spread > 0 and pre_rmspe > options.poor_fit_threshold * spread)
    if outside_periods:
        msg = (
            f"Le territoire traité « {treated} » sort de l'enveloppe des territoires témoins "
            f"sur {len(outside_periods)} période(s) de la fenêtre d'ajustement : aucune "
            "combinaison convexe ne peut le reproduire exactement."
        )
        notes.append("outside_convex_hull: " + msg)
        if emit_warnings:
            warnings.warn(PoorFitWarning(msg, "outside_convex_hull"), stacklevel=3)
    if poor:
        msg = (
            f"Ajustement avant traitement médiocre pour « {treated} » : RMSPE {pre_rmspe:.4g} "
            f"pour un écart-type de la série de {spread:.4g} ; les écarts après traitement "
            "ne sont pas interprétables comme un effet."
        )
        notes.append("poor_pre_treatment_fit: " + msg)
        if emit_warnings:
            warnings.warn(PoorFitWarning(msg, "poor_pre_treatment_fit"), stacklevel=3)
    reference = None
    if reference_weights is not None:
        reference = _compare_reference(reference_weights, donors, y, prep, w, loss)
    return SynthResult(
        treated=treated,
        outcome=prep.outcome,
        treatment_start=prep.treatment_start,
        donors=donors,
        weights={d: float(x) for d, x in zip(donors, w, strict=True)},
        v={p.name: float(x) for p, x in zip(prep.predictors, v, strict=True)},
        predictor_balance=balance,
        periods=tuple(float(p) for p in prep.panel.periods),
        fit_window=prep.fit_window,
        treated_series=tuple(float(x) for x in y[:, 0]),
        synthetic_series=tuple(float(x) for x in synth),
        gaps=tuple(float(x) for x in gaps),
        loss=loss,
        pre_mspe=pre_mspe,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        rmspe_ratio=ratio,
        predictor_loss=pred_loss,
        average_post_gap=float(gaps[~pre].mean()),
        poor_fit=poor or bool(outside_periods),
        outside_hull_periods=outside_periods,
        solver=report,
        warnings=tuple(notes),
        reference=reference,
    )


def _compare_reference(
    reference_weights: Mapping[str, float],
    donors: Sequence[str],
    y: FloatArray,
    prep: Prepared,
    w: FloatArray,
    loss: float,
    tolerance: float = 0.02,
) -> ReferenceComparison:
    unknown = [u for u in reference_weights if u not in donors]
    if unknown:
        raise EvaluationError(
            "unknown_unit",
            "Poids de référence pour des territoires hors du vivier : " + ", ".join(unknown) + ".",
            units=unknown,
        )
    ref = np.asarray([float(reference_weights.get(d, 0.0)) for d in donors])
    ref_gap = y[:, 0] - y[:, 1:] @ ref
    ref_loss = float(np.mean(ref_gap[prep.fit_idx] ** 2))
    ref_pre = math.sqrt(float(np.mean(ref_gap[prep.pre_mask] ** 2)))
    max_diff = float(np.max(np.abs(ref - w)))
    verdict: Literal["matches_reference", "lower_loss_than_reference", "worse_than_reference"]
    if max_diff <= tolerance:
        verdict = "matches_reference"
    elif loss < ref_loss:
        verdict = "lower_loss_than_reference"
    else:
        verdict = "worse_than_reference"
    return ReferenceComparison(
        reference_weights=dict(reference_weights),
        reference_loss=ref_loss,
        reference_pre_rmspe=ref_pre,
        max_abs_weight_difference=max_diff,
        verdict=verdict,
        tolerance=tolerance,
    )


class FitSpec(TypedDict, total=False):
    """The settings of a fit that every estimator takes, as keywords (see `fit_synth`):
    the donor pool, the predictors, the fit window and the solver's options."""

    donors: Sequence[str] | None
    predictors: Sequence[Predictor | str] | None
    fit_window: Sequence[float] | str | None
    options: SynthOptions | None


def fit_spec(
    spec: FitSpec,
) -> tuple[
    Sequence[str] | None,
    Sequence[Predictor | str] | None,
    Sequence[float] | str | None,
    SynthOptions | None,
]:
    """The settings of `spec` (None where not given): donors, predictors, window, options."""
    return spec.get("donors"), spec.get("predictors"), spec.get("fit_window"), spec.get("options")


def fit_synth(
    panel: Panel,
    *,
    outcome: str,
    treated: str,
    treatment_start: float,
    reference_weights: Mapping[str, float] | None = None,
    **spec: Unpack[FitSpec],
) -> SynthResult:
    """Fit a synthetic control for ``treated`` from ``donors`` (default: every other unit).

    ``predictors`` are :class:`Predictor` objects or strings ``COL:mean:FROM-TO`` /
    ``COL:value:T``; with none, the weights minimise the outcome's MSPE over ``fit_window``
    (default: every period before ``treatment_start``).  ``reference_weights`` (e.g.
    published weights) are compared with the fit in ``result.reference``.
    """
    options = spec.get("options")
    opts = options or SynthOptions()
    prep, units = prepare_fit(panel, outcome, treated, treatment_start, spec=spec, options=opts)
    cols = np.arange(len(units), dtype=np.intp)
    return fit_prepared(prep, units, cols, opts, reference_weights=reference_weights)
