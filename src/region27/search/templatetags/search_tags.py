"""`{% similar_elsewhere entry %}`: the « Déjà fait ailleurs ? » block of an entry page."""

from __future__ import annotations

from typing import Any

from django import template

from region27.search.similarity import similar_entries

register = template.Library()


@register.inclusion_tag("search/_similar_block.html", takes_context=True)
def similar_elsewhere(context: template.Context, entry: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    try:
        found = similar_entries(user=user, entry=entry)
    except Exception:
        found = []
    return {"similar": found, "entry": entry}
