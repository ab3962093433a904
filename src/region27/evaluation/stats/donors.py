"""Donor pools: exclusions (treated, contaminated, other territory levels) and preselection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import EvaluationError
from .panel import Panel
from .synth import Predictor, predictor_matrix

FloatArray = NDArray[np.float64]

__all__ = ["DonorPool", "build_donor_pool", "nearest_donors"]


@dataclass(frozen=True, slots=True)
class DonorPool:
    """A donor pool before and after preselection."""

    treated: str
    level: str | None
    candidates: tuple[str, ...]
    """Eligible donors after exclusions, before preselection."""
    selected: tuple[str, ...]
    """Donors kept after preselection (``== candidates`` without preselection)."""
    excluded: Mapping[str, str]
    """Excluded unit → reason code (``treated``, ``contaminated``, ``other_level``,
    ``not_in_panel``)."""
    distances: Mapping[str, float]
    """Standardised pre-period distance to the treated unit (when preselection ran)."""
    preselection: str

    def summary(self) -> str:
        """One French sentence stating the pool before and after preselection."""
        return (
            f"Vivier de {len(self.candidates)} territoire(s) témoin(s) éligible(s) "
            f"({len(self.excluded)} exclu(s)), {len(self.selected)} retenu(s) après "
            f"présélection ({self.preselection})."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "treated": self.treated,
            "level": self.level,
            "candidates": list(self.candidates),
            "selected": list(self.selected),
            "excluded": dict(self.excluded),
            "distances": dict(self.distances),
            "preselection": self.preselection,
            "summary": self.summary(),
        }


def _features(
    panel: Panel,
    outcome: str,
    treatment_start: float,
    units: Sequence[str],
    predictors: Sequence[Predictor] = (),
    window: Sequence[float] | None = None,
) -> FloatArray:
    """Feature matrix ``(n_units, n_features)``: pre-period outcome values (+ predictors)."""
    idx = np.asarray([panel.unit_index(u) for u in units], dtype=np.intp)
    periods = panel.periods
    if window is None:
        t_idx = np.flatnonzero(periods < float(treatment_start))
    else:
        t_idx = np.asarray([panel.period_index(p) for p in window], dtype=np.intp)
    feats = panel.column(outcome)[np.ix_(t_idx, idx)]
    if predictors:
        feats = np.vstack([feats, predictor_matrix(panel, predictors, idx)])
    if np.isnan(feats).any():
        bad = sorted({units[int(j)] for j in np.nonzero(np.isnan(feats))[1]})
        raise EvaluationError(
            "missing_values",
            "Valeurs manquantes avant traitement pour la présélection : "
            + ", ".join(bad[:5])
            + (" …" if len(bad) > 5 else "")
            + ".",
            units=bad[:20],
        )
    return np.ascontiguousarray(feats.T)


def standardised(feats: FloatArray) -> FloatArray:
    sd = feats.std(axis=0, ddof=1) if feats.shape[0] > 1 else np.ones(feats.shape[1])
    sd = np.where(sd > 0, sd, 1.0)
    return feats / sd


def nearest_donors(
    features: FloatArray, target: int, candidates: NDArray[np.intp], k: int
) -> tuple[NDArray[np.intp], FloatArray]:
    """The ``k`` candidate rows nearest to row ``target`` (Euclidean, ties by index)."""
    diff = features[candidates] - features[target]
    dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    order = np.lexsort((candidates, dist))[: min(k, candidates.size)]
    return candidates[order], dist[order]


def build_donor_pool(
    units: Mapping[str, str | None] | Sequence[str],
    treated: str,
    *,
    contaminated: Sequence[str] = (),
    level: str | None = None,
    panel: Panel | None = None,
    outcome: str | None = None,
    treatment_start: float | None = None,
    predictors: Sequence[Predictor] = (),
    keep: int | None = None,
) -> DonorPool:
    """Build a donor pool for ``treated``.

    ``units`` maps each unit to its territory level (e.g. ``"commune"``, ``"departement"``),
    or is a plain list (no level filter).  The treated unit, ``contaminated`` units (e.g.
    neighbours exposed to spill-overs) and units of another level are excluded.  With
    ``keep`` and a ``panel``, the ``keep`` donors nearest to the treated unit by standardised
    pre-treatment outcome (and predictor) values are preselected.
    """
    levels: dict[str, str | None] = (
        {str(u): (None if lv is None else str(lv)) for u, lv in units.items()}
        if isinstance(units, Mapping)
        else {str(u): None for u in units}
    )
    if treated not in levels:
        raise EvaluationError(
            "unknown_unit", f"Territoire traité inconnu : « {treated} ».", unit=treated
        )
    target_level = level if level is not None else levels[treated]
    contaminated_set = {str(c) for c in contaminated}
    excluded: dict[str, str] = {}
    candidates: list[str] = []
    for u, lv in levels.items():
        if u == treated:
            excluded[u] = "treated"
        elif u in contaminated_set:
            excluded[u] = "contaminated"
        elif target_level is not None and lv != target_level:
            excluded[u] = "other_level"
        elif panel is not None and not panel.has_unit(u):
            excluded[u] = "not_in_panel"
        else:
            candidates.append(u)
    distances: dict[str, float] = {}
    selected = list(candidates)
    description = "aucune"
    if keep is not None:
        if keep < 2:
            raise EvaluationError(
                "bad_parameter", "La présélection doit garder au moins deux témoins."
            )
        if panel is None or outcome is None or treatment_start is None:
            raise EvaluationError(
                "bad_parameter",
                "La présélection demande le panel, la variable de résultat et la date de "
                "traitement.",
            )
        if len(candidates) > keep:
            order = [treated, *candidates]
            feats = standardised(_features(panel, outcome, treatment_start, order, predictors))
            chosen, dist = nearest_donors(feats, 0, np.arange(1, len(order), dtype=np.intp), keep)
            selected = [order[i] for i in chosen]
            distances = {order[i]: float(d) for i, d in zip(chosen, dist, strict=True)}
        description = f"{keep} plus proches voisins sur la trajectoire avant traitement"
    if len(selected) < 2:
        raise EvaluationError(
            "too_few_donors",
            f"Vivier trop petit après exclusions : {len(selected)} territoire(s) témoin(s).",
            candidates=candidates,
        )
    return DonorPool(
        treated=treated,
        level=target_level,
        candidates=tuple(candidates),
        selected=tuple(selected),
        excluded=excluded,
        distances=distances,
        preselection=description,
    )
