"""The public journal's records of indicators and evaluations (the state the journal hashes)."""

from __future__ import annotations

from typing import Any

from region27.accounts.models import Organisation
from region27.accounts.policy import Action, can, role_in
from region27.core.errors import NotAllowed
from region27.evaluation.models import (
    Evaluation,
    Indicator,
)
from region27.evaluation.snapshots import (
    EVALUATION_KIND,
    INDICATOR_KIND,
    evaluation_organisation,
    evaluation_snapshot,
    indicator_snapshot,
)


def journal_indicator(indicator: Indicator, *, action: str, by: Any) -> None:
    from region27.journal.services import journal_record_state

    journal_record_state(
        kind=INDICATOR_KIND,
        object_id=indicator.pk,
        content=indicator_snapshot(indicator),
        action=action,
        by=by,
        organisation_id=indicator.organisation_id,
        role=role_of(by, indicator.organisation),
    )


def journal_evaluation(evaluation_id: int, *, action: str, by: Any) -> None:
    """Recorded from the stored row, so that the hash is that of what `verify` reads."""
    from region27.journal.services import journal_record_state

    stored = Evaluation.objects.select_related("experiment__entry__organisation").get(
        pk=evaluation_id
    )
    organisation = stored.experiment.entry.organisation if stored.experiment is not None else None
    journal_record_state(
        kind=EVALUATION_KIND,
        object_id=stored.pk,
        content=evaluation_snapshot(stored),
        action=action,
        by=by,
        organisation_id=evaluation_organisation(stored),
        role=role_of(by, organisation),
    )


def role_of(by: Any, organisation: Organisation | None) -> str:
    if by is None:
        return ""
    return str(role_in(by, organisation) or "")


def require_indicator_rights(by: Any, organisation: Organisation | None) -> None:
    """Agents and admins of the indicator's organisation; platform indicators
    (no organisation) only from the command line (`by=None`)."""
    if by is None:
        return
    if organisation is None or not can(by, Action.ENTRY_CREATE, organisation):
        raise NotAllowed()
