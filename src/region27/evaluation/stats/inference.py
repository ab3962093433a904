"""Inference for synthetic control: in-space and in-time placebos, leave-one-out."""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Unpack

import numpy as np
from numpy.typing import NDArray

from .donors import nearest_donors, standardised
from .errors import EvaluationError, SpecificationWarning
from .panel import Panel, format_period
from .synth import (
    FitSpec,
    Predictor,
    Prepared,
    SynthOptions,
    SynthResult,
    fit_prepared,
    fit_spec,
    fit_synth,
    prepare_fit,
)

FloatArray = NDArray[np.float64]

__all__ = [
    "InTimePlaceboResult",
    "LeaveOneOutResult",
    "PlaceboFit",
    "PlaceboResult",
    "in_space_placebos",
    "in_time_placebo",
    "leave_one_out",
]


@dataclass(frozen=True, slots=True)
class PlaceboFit:
    unit: str
    pre_mspe: float
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    excluded: bool
    """Dropped from the p-value for a poor pre-treatment fit."""
    donors_used: int
    gaps: tuple[float, ...]
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlaceboResult:
    """In-space placebo test (Abadie, Diamond & Hainmueller 2010)."""

    treated: SynthResult
    placebos: tuple[PlaceboFit, ...]
    p_value: float
    """rank / (placebos kept + 1), the treated counted; rank 1 = the largest ratio."""
    rank: int
    n_units: int
    """Units in the comparison (kept placebos + the treated)."""
    exclude_poor_fit: float | None
    poor_fit_metric: Literal["mspe", "rmspe"]
    preselect: int | None
    periods: tuple[float, ...]

    @property
    def ratios(self) -> dict[str, float]:
        out = {self.treated.treated: self.treated.rmspe_ratio}
        out.update({p.unit: p.rmspe_ratio for p in self.placebos})
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "p_value": self.p_value,
            "rank": self.rank,
            "n_units": self.n_units,
            "exclude_poor_fit": self.exclude_poor_fit,
            "poor_fit_metric": self.poor_fit_metric,
            "preselect": self.preselect,
            "treated_ratio": self.treated.rmspe_ratio,
            "placebos": [
                {
                    "unit": p.unit,
                    "rmspe_ratio": p.rmspe_ratio,
                    "pre_rmspe": p.pre_rmspe,
                    "post_rmspe": p.post_rmspe,
                    "excluded": p.excluded,
                    "donors_used": p.donors_used,
                }
                for p in self.placebos
            ],
        }


def _placebo_worker(
    args: tuple[Prepared, list[str], list[tuple[int, list[int]]], SynthOptions],
) -> list[PlaceboFit]:
    prep, names, jobs, options = args
    out: list[PlaceboFit] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        for target, pool in jobs:
            cols = np.asarray([target, *pool], dtype=np.intp)
            units = [names[c] for c in cols]
            r = fit_prepared(prep, units, cols, options, emit_warnings=False)
            out.append(
                PlaceboFit(
                    unit=names[target],
                    pre_mspe=r.pre_mspe,
                    pre_rmspe=r.pre_rmspe,
                    post_rmspe=r.post_rmspe,
                    rmspe_ratio=r.rmspe_ratio,
                    excluded=False,
                    donors_used=len(pool),
                    gaps=r.gaps,
                    weights=r.positive_weights,
                )
            )
    return out


def in_space_placebos(
    panel: Panel,
    *,
    outcome: str,
    treated: str,
    treatment_start: float,
    exclude_poor_fit: float | None = None,
    poor_fit_metric: Literal["mspe", "rmspe"] = "mspe",
    preselect: int | None = None,
    placebo_units: Sequence[str] | None = None,
    n_jobs: int = 1,
    placebo_options: SynthOptions | None = None,
    **spec: Unpack[FitSpec],
) -> PlaceboResult:
    """Treat each donor in turn (the other donors as its pool, the treated unit left out).

    The p-value is the rank of the treated unit's post/pre RMSPE ratio among all units
    (treated counted) divided by their number.  ``exclude_poor_fit=k`` drops placebos whose
    pre-treatment MSPE exceeds ``k`` times the treated's (ADH 2010 use 20, 5 and 2); with
    ``poor_fit_metric="rmspe"`` the comparison is on RMSPE.  ``preselect=k`` restricts each
    fit (treated and placebos) to its ``k`` nearest donors by standardised pre-period
    outcome.  ``placebo_units`` limits the placebos to a subset of donors;
    ``placebo_options`` (default: ``options``) sets the solver for the placebo fits.
    """
    options = spec.get("options")
    if exclude_poor_fit is not None and not (
        np.isfinite(exclude_poor_fit) and exclude_poor_fit >= 1
    ):
        # 0 or less would drop every placebo and report p = 1 as if it meant something.
        raise EvaluationError(
            "bad_parameter",
            "Le seuil d'exclusion des placebos mal ajustés doit être un nombre au moins "
            f"égal à 1 (reçu : {exclude_poor_fit}).",
        )
    opts = options or SynthOptions()
    p_opts = placebo_options or opts
    prep, units = prepare_fit(panel, outcome, treated, treatment_start, spec=spec, options=opts)
    n = len(units)
    all_donors = np.arange(1, n, dtype=np.intp)
    feats: FloatArray | None = None
    if preselect is not None:
        if preselect < 2:
            raise EvaluationError(
                "bad_parameter", "La présélection doit garder au moins deux témoins."
            )
        pre_idx = np.flatnonzero(prep.pre_mask)
        feats = standardised(np.ascontiguousarray(prep.y[pre_idx].T))

    def pool_for(target: int) -> list[int]:
        cands = all_donors[all_donors != target]
        if feats is not None and cands.size > (preselect or 0):
            chosen, _ = nearest_donors(feats, target, cands, preselect or 0)
            return [int(c) for c in chosen]
        return [int(c) for c in cands]

    treated_pool = pool_for(0)
    treated_cols = np.asarray([0, *treated_pool], dtype=np.intp)
    treated_res = fit_prepared(prep, [units[c] for c in treated_cols], treated_cols, opts)
    if placebo_units is None:
        targets = [int(i) for i in all_donors]
    else:
        pos = {u: i for i, u in enumerate(units)}
        unknown = [u for u in placebo_units if u not in pos or u == treated]
        if unknown:
            raise EvaluationError(
                "unknown_unit",
                "Placebos hors du vivier : " + ", ".join(unknown) + ".",
                units=unknown,
            )
        targets = [pos[u] for u in placebo_units]
    jobs = [(t, pool_for(t)) for t in targets]
    fits: list[PlaceboFit] = []
    if n_jobs > 1 and len(jobs) > 1:
        chunks = [jobs[i::n_jobs] for i in range(n_jobs)]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as ex:
            parts = list(ex.map(_placebo_worker, [(prep, units, c, p_opts) for c in chunks]))
        by_unit = {f.unit: f for part in parts for f in part}
        fits = [by_unit[units[t]] for t, _ in jobs]
    else:
        fits = _placebo_worker((prep, units, jobs, p_opts))
    # exclusion of poorly fitted placebos
    kept: list[PlaceboFit] = []
    final: list[PlaceboFit] = []
    for f in fits:
        excluded = False
        if exclude_poor_fit is not None:
            if poor_fit_metric == "mspe":
                excluded = f.pre_mspe > exclude_poor_fit * treated_res.pre_mspe
            else:
                excluded = f.pre_rmspe > exclude_poor_fit * treated_res.pre_rmspe
        g = PlaceboFit(
            f.unit,
            f.pre_mspe,
            f.pre_rmspe,
            f.post_rmspe,
            f.rmspe_ratio,
            excluded,
            f.donors_used,
            f.gaps,
            f.weights,
        )
        final.append(g)
        if not excluded:
            kept.append(g)
    t_ratio = treated_res.rmspe_ratio
    rank = 1 + sum(1 for f in kept if f.rmspe_ratio >= t_ratio)
    n_units = len(kept) + 1
    return PlaceboResult(
        treated=treated_res,
        placebos=tuple(final),
        p_value=rank / n_units,
        rank=rank,
        n_units=n_units,
        exclude_poor_fit=exclude_poor_fit,
        poor_fit_metric=poor_fit_metric,
        preselect=preselect,
        periods=tuple(float(p) for p in panel.periods),
    )


@dataclass(frozen=True, slots=True)
class InTimePlaceboResult:
    """Fit with a fake treatment date, using only periods before the real one."""

    fake_start: float
    result: SynthResult
    predictors: tuple[Predictor, ...]
    adjustments: tuple[str, ...]

    @property
    def average_placebo_gap(self) -> float:
        return self.result.average_post_gap


def _shift_predictors(
    panel: Panel,
    predictors: Sequence[Predictor],
    delta: float,
    fake_start: float,
    units: Sequence[str],
) -> tuple[list[Predictor], list[str]]:
    idx = np.asarray([panel.unit_index(u) for u in units], dtype=np.intp)
    out: list[Predictor] = []
    notes: list[str] = []
    for p in predictors:
        col = panel.column(p.column)
        kept: list[float] = []
        for t in p.periods:
            s = t - delta
            if s >= fake_start or not panel.has_period(s):
                continue
            if np.isnan(col[panel.period_index(s), idx]).any():
                continue
            kept.append(s)
        if not kept:
            notes.append(f"prédicteur « {p.name} » abandonné (aucune période disponible)")
            continue
        q = (
            Predictor(p.column, "value", (kept[0],))
            if p.op == "value"
            else Predictor(p.column, "mean", tuple(kept))
        )
        if len(kept) < len(p.periods):
            notes.append(f"prédicteur « {p.name} » → « {q.name} » (périodes manquantes retirées)")
        out.append(q)
    return out, notes


def in_time_placebo(
    panel: Panel,
    *,
    outcome: str,
    treated: str,
    treatment_start: float,
    fake_start: float,
    placebo_predictors: Sequence[Predictor | str] | None = None,
    **spec: Unpack[FitSpec],
) -> InTimePlaceboResult:
    """Backdate the treatment to ``fake_start`` using only periods before ``treatment_start``.

    Unless ``placebo_predictors`` are given, every predictor period and the fit window are
    shifted back by ``treatment_start - fake_start``; shifted periods outside the panel or
    with missing values are dropped (and a predictor left with none is dropped), each
    adjustment being reported and warned about.  A large placebo gap before the real
    treatment casts doubt on the estimated effect.
    """
    donors, predictors, fit_window, options = fit_spec(spec)
    fake = float(fake_start)
    start = float(treatment_start)
    if fake >= start:
        raise EvaluationError(
            "bad_parameter",
            f"La date placebo ({format_period(fake)}) doit précéder le traitement "
            f"({format_period(start)}).",
        )
    sub = panel.restrict_periods(start)
    delta = start - fake
    pool = [u for u in panel.units if u != treated] if donors is None else list(donors)
    notes: list[str] = []
    if placebo_predictors is not None:
        preds = [Predictor.parse(p) if isinstance(p, str) else p for p in placebo_predictors]
    else:
        base = [Predictor.parse(p) if isinstance(p, str) else p for p in predictors or ()]
        preds, notes = _shift_predictors(sub, base, delta, fake, [treated, *pool])
    fw: tuple[float, ...] | None = None
    if fit_window is not None:
        from .synth import parse_window

        raw = parse_window(fit_window) if isinstance(fit_window, str) else tuple(fit_window)
        fw = tuple(p - delta for p in raw if p - delta < fake and sub.has_period(p - delta))
        if len(fw) < len(raw):
            notes.append("fenêtre d'ajustement raccourcie au début du panel")
    for note in notes:
        warnings.warn(SpecificationWarning(note, "in_time_adjustment"), stacklevel=2)
    result = fit_synth(
        sub,
        outcome=outcome,
        treated=treated,
        treatment_start=fake,
        donors=pool,
        predictors=preds,
        fit_window=fw,
        options=options,
    )
    return InTimePlaceboResult(fake, result, tuple(preds), tuple(notes))


@dataclass(frozen=True, slots=True)
class LeaveOneOutResult:
    """Refits dropping, in turn, each donor with a positive weight."""

    base: SynthResult
    fits: Mapping[str, SynthResult]
    """Dropped donor → refit without it."""

    @property
    def max_abs_deviation(self) -> float:
        """Largest post-treatment gap deviation from the base fit over all refits."""
        post = [i for i, p in enumerate(self.base.periods) if p >= self.base.treatment_start]
        dev = 0.0
        for r in self.fits.values():
            for i in post:
                dev = max(dev, abs(r.gaps[i] - self.base.gaps[i]))
        return dev

    def average_post_gaps(self) -> dict[str, float]:
        return {u: r.average_post_gap for u, r in self.fits.items()}


def leave_one_out(
    panel: Panel,
    *,
    outcome: str,
    treated: str,
    treatment_start: float,
    base: SynthResult | None = None,
    **spec: Unpack[FitSpec],
) -> LeaveOneOutResult:
    """Drop each donor with a positive weight and refit (Abadie, Diamond & Hainmueller 2015)."""
    donors, predictors, fit_window, options = fit_spec(spec)

    def refit(pool: Sequence[str] | None) -> SynthResult:
        return fit_synth(
            panel,
            outcome=outcome,
            treated=treated,
            treatment_start=treatment_start,
            donors=pool,
            predictors=predictors,
            fit_window=fit_window,
            options=options,
        )

    if base is None:
        base = refit(donors)
    fits: dict[str, SynthResult] = {}
    for u in [d for d, w in base.weights.items() if w > 0]:
        pool = [d for d in base.donors if d != u]
        if len(pool) < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpecificationWarning)
            fits[u] = refit(pool)
    return LeaveOneOutResult(base=base, fits=fits)
