"""The public content of indicators and evaluations, as the public journal hashes it.

Indicators and evaluations keep only their current state (no version table): each
change appends a record whose content hash is the SHA-256 of the canonical JSON of
these snapshots, and `journal verify` recomputes them from the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from region27.core.hashing import canonical_json, sha256_hex
from region27.evaluation.models import (
    Evaluation,
    EvaluationStatus,
    Indicator,
    IndicatorValue,
)
from region27.journal.registry import ObjectState

INDICATOR_KIND = "indicator"
EVALUATION_KIND = "evaluation"
FINISHED = (EvaluationStatus.DONE, EvaluationStatus.FAILED)


def _values_digest(indicator_id: int) -> dict[str, Any]:
    digest = hashlib.sha256()
    count = 0
    rows = (
        IndicatorValue.objects.filter(indicator_id=indicator_id)
        .order_by("territory__code", "territory_id", "period")
        .values_list("territory__code", "period", "value")
    )
    for code, period, value in rows.iterator(chunk_size=5000):
        digest.update(f"{code}\t{period}\t{float(value)!r}\n".encode())
        count += 1
    return {"count": count, "sha256": digest.hexdigest()}


def indicator_snapshot(indicator: Indicator) -> dict[str, Any]:
    """Its description and a digest of all its values (territory code, period, value)."""
    return {
        "name": indicator.name,
        "slug": indicator.slug,
        "unit": indicator.unit,
        "source": indicator.source,
        "description": indicator.description,
        "level": indicator.level,
        "organisation": indicator.organisation_id,
        "values": _values_digest(indicator.pk),
    }


def evaluation_snapshot(evaluation: Evaluation) -> dict[str, Any]:
    """Its inputs and parameters; once finished, its outcome (status, input hash,
    software versions, error, and the SHA-256 of the stored result). Progress and the
    running state are not public content: they change without a record."""
    experiment = evaluation.experiment
    snapshot: dict[str, Any] = {
        "title": evaluation.title,
        "source": evaluation.source,
        "reference_key": evaluation.reference_key,
        "experiment": experiment.entry_id if experiment is not None else None,
        "indicator": evaluation.indicator_id,
        "parameters": evaluation.parameters,
        "panel": sha256_hex(evaluation.panel_csv.encode()) if evaluation.panel_csv else None,
        "panel_description": evaluation.panel_description,
        "outcome": None,
    }
    if evaluation.status in FINISHED:
        result = evaluation.result
        snapshot["outcome"] = {
            "status": evaluation.status,
            "input_hash": evaluation.input_hash,
            "versions": evaluation.versions,
            "error": evaluation.error,
            "result": None if result is None else sha256_hex(canonical_json(result)),
        }
    return snapshot


def evaluation_organisation(evaluation: Evaluation) -> int | None:
    experiment = evaluation.experiment
    return experiment.entry.organisation_id if experiment is not None else None


def indicator_states() -> Iterator[ObjectState]:
    for indicator in Indicator.objects.order_by("pk"):
        content = sha256_hex(canonical_json(indicator_snapshot(indicator)))
        yield ObjectState(indicator.pk, content, indicator.slug)


def evaluation_states() -> Iterator[ObjectState]:
    rows = Evaluation.objects.select_related("experiment").order_by("pk")
    for evaluation in rows.iterator(chunk_size=200):
        content = sha256_hex(canonical_json(evaluation_snapshot(evaluation)))
        yield ObjectState(evaluation.pk, content, evaluation.title)


def indicators_visible(user: Any, ids: set[int]) -> dict[int, Any]:
    """Indicators are public."""
    return Indicator.objects.in_bulk(list(ids))


def evaluations_visible(user: Any, ids: set[int]) -> dict[int, Any]:
    from region27.evaluation.selectors import evaluations_visible_to

    return {e.pk: e for e in evaluations_visible_to(user).filter(pk__in=ids)}
