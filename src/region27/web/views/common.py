"""Helpers shared by the views."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest

PAGE_SIZE = 20


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    paginator = Paginator(items, per_page)
    try:
        number = int(request.GET.get("page", "1"))
    except (TypeError, ValueError):
        number = 1
    try:
        return paginator.page(max(number, 1))
    except (EmptyPage, PageNotAnInteger):
        return paginator.page(paginator.num_pages or 1)


def querystring_without(request: HttpRequest, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def too_large_message(name: str) -> str:
    """The French message of an upload refused while it was read (over the size limit)."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    from region27.core.files import human_size

    return _(
        "Le fichier « %(name)s » dépasse la taille maximale de %(limit)s : rien n'a été enregistré."
    ) % {"name": name[:100], "limit": human_size(settings.REGION27_MAX_UPLOAD_SIZE)}


def wants_json(request: HttpRequest) -> bool:
    """`format=json`, or JSON asked for (and not HTML) in `Accept`."""
    if "json" in request.GET.getlist("format"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept
