"""Validation blocks of the entry page: a distribution's conformance badge and report
links (`{% distribution_validation entry d can_edit %}`), a référentiel's versions
(`{% schema_versions entry can_edit %}`)."""

from __future__ import annotations

from typing import Any

from django import template

from region27.accounts.policy import Action, can
from region27.validation.selectors import (
    current_run,
    declared_schema,
    pending_run,
    schema_versions_of,
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
    return {
        "entry": entry,
        "d": distribution,
        "declared": declared_schema(distribution),
        "run": current_run(distribution),
        "pending": pending_run(distribution) if member else None,
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
