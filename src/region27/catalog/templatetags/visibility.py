"""Template side of `catalog.visibility`: what the page's user may see of an entry.

`{% shown_organisation entry as organisation %}` gives the organisation to name, or
None for an anonymised report the user is not a member of (entry cards, lists).
"""

from __future__ import annotations

from typing import Any

from django import template

from region27.catalog import visibility

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def shown_organisation(context: template.Context, entry: Any) -> Any:
    return visibility.shown_organisation(_user(context), entry)
