"""The entry page's view of a pending revision (members only)."""

from __future__ import annotations

from typing import Any

from django import template

from region27.accounts.policy import Action, can, can_change
from region27.catalog.models import EntryRevision, RevisionState

register = template.Library()


@register.simple_tag(takes_context=True)
def revision_state(context: template.Context, entry: Any) -> dict[str, Any]:
    """What the user may do about changes that wait for an élu, and the pending or last
    sent-back revision (only to the organisation's members; the public sees nothing)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not can(user, Action.ENTRY_VIEW_DRAFT, entry):
        return {}
    revisions = list(
        EntryRevision.objects.filter(entry=entry)
        .exclude(state=RevisionState.ABANDONED)
        .select_related("decided_by")[:1]
    )
    latest = revisions[0] if revisions else None
    return {
        "pending": latest if latest is not None and latest.is_pending else None,
        "rejected": latest if latest is not None and latest.state == "rejected" else None,
        "can_propose": can(user, Action.ENTRY_PROPOSE, entry),
        "can_review": can(user, Action.ENTRY_REVIEW, entry),
        "can_change": can_change(user, entry),
    }
