"""Validation blocks of the entry page: a distribution's conformance badge and report
links (`{% distribution_validation entry d can_edit %}`), a référentiel's versions
(`{% schema_versions entry can_edit %}`)."""

from __future__ import annotations

from typing import Any

from django import template

from region27.accounts.policy import Action, can
from region27.validation.selectors import (
    ValidationState,
    schema_versions_of,
    validation_states,
)

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("validation/_distribution_badge.html", takes_context=True)
def distribution_validation(
    context: template.Context, entry: Any, distribution: Any, can_edit: bool = False
) -> dict[str, Any]:
    user = _user(context)
    member = can(user, Action.ENTRY_VIEW_DRAFT, entry)
    # Read once for every distribution of the entry (three queries), kept for this render.
    render: Any = context.render_context
    cache: dict[tuple[int, bool], dict[int, ValidationState]]
    cache = render.setdefault("validation_states", {})
    key = (entry.pk, member)
    if key not in cache:
        cache[key] = validation_states(entry=entry, member=member)
    state = cache[key].get(distribution.pk) or ValidationState()
    return {
        "entry": entry,
        "d": distribution,
        "declared": state.declared,
        "run": state.run,
        "pending": state.pending,
        "can_edit": can_edit,
    }


@register.inclusion_tag("validation/_schema_versions.html", takes_context=True)
def schema_versions(
    context: template.Context, entry: Any, can_edit: bool = False
) -> dict[str, Any]:
    user = _user(context)
    detail = getattr(entry, "schema", None)
    return {
        "entry": entry,
        "detail": detail,
        "versions": schema_versions_of(user=user, entry=entry),
        "can_edit": can_edit,
    }
