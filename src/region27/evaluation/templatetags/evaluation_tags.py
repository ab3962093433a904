"""The evaluations block of an experiment's page (`{% experiment_evaluations entry %}`)."""

from __future__ import annotations

from typing import Any

from django import template

from region27.accounts.policy import Action, can
from region27.evaluation.selectors import evaluations_of

register = template.Library()


@register.inclusion_tag("evaluation/_experiment_evaluations.html", takes_context=True)
def experiment_evaluations(context: template.Context, entry: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    detail = getattr(entry, "experiment", None)
    return {
        "entry": entry,
        "detail": detail,
        "phases": list(detail.phases.all()) if detail is not None else [],
        "indicators": list(detail.indicators.all()) if detail is not None else [],
        "evaluations": list(evaluations_of(user=user, entry=entry)),
        "can_request": detail is not None and can(user, Action.ENTRY_EVALUATE, entry),
    }
