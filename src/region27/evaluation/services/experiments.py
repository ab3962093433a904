"""An experiment's parts (phases, followed indicators): changes that are new versions of
the entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from region27.accounts.policy import Action, can
from region27.catalog.models import Entry
from region27.catalog.services import record_change as catalog_record
from region27.core.errors import NotAllowed
from region27.evaluation.models import (
    ExperimentDetail,
    ExperimentPhase,
    Indicator,
)


def _require_edit(by: Any, entry: Entry) -> str:
    """The version action of a change to an experiment's parts (phases, indicators).

    Its writers change it ("update"); once it is published in an organisation whose
    élus validate, nobody changes it behind them, so only an élu does, and the change
    is approved by that élu ("approve")."""
    if can(by, Action.ENTRY_EDIT, entry):
        return "update"
    if can(by, Action.ENTRY_REVIEW, entry):
        return "approve"
    if can(by, Action.ENTRY_PROPOSE, entry):
        raise NotAllowed(
            _(
                "Cette expérimentation est publiée et son organisation fait valider ses "
                "changements par un élu : demandez à un élu de faire cette modification."
            )
        )
    raise NotAllowed()


@transaction.atomic
def experiment_phase_add(
    *,
    experiment: ExperimentDetail,
    by: Any,
    name: str,
    start: Any,
    end: Any = None,
    review: str = "",
) -> ExperimentPhase:
    action = _require_edit(by, experiment.entry)
    phase = ExperimentPhase(experiment=experiment, name=name, start=start, end=end, review=review)
    phase.full_clean()
    phase.save()
    # Phases are part of the experiment's public content: a new version and its record.
    catalog_record(experiment.entry, action=action, by=by, comment=f"Phase « {name} »"[:500])
    return phase


@transaction.atomic
def experiment_set_indicators(
    *, experiment: ExperimentDetail, by: Any, indicators: Sequence[Indicator]
) -> None:
    action = _require_edit(by, experiment.entry)
    experiment.indicators.set(indicators)
    catalog_record(experiment.entry, action=action, by=by, comment="Indicateurs suivis")
