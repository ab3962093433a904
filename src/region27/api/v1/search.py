"""Search, with the search app's parameters, page shape and facets."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Router

from region27.api.v1.auth import READ_AUTH
from region27.api.v1.common import MAX_PAGE, MAX_PAGE_SIZE, READ_ERRORS, gettext_lazy
from region27.api.v1.schemas import SearchPageOut
from region27.api.v1.serialize import entry_summary
from region27.search.params import FACET_PARAMS, parse_params
from region27.search.selectors import search as search_entries

router = Router(tags=["search"])

_LIST = Query([], max_length=20)


@router.get(
    "/search",
    response={200: SearchPageOut, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy(
        "Chercher des fiches (texte intégral, facettes ; répéter un filtre pour un OU)"
    ),
)
def search(
    request: HttpRequest,
    q: str = Query("", max_length=500),
    kind: list[str] = _LIST,
    theme: list[str] = _LIST,
    organisation: list[str] = _LIST,
    licence: list[str] = _LIST,
    year: list[str] = _LIST,
    format: list[str] = _LIST,
    territory: list[str] = _LIST,
    sort: str = Query("relevance", pattern="^(relevance|date|title)$"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    raw: dict[str, Any] = {
        "q": [q],
        "kind": kind,
        "theme": theme,
        "organisation": organisation,
        "licence": licence,
        "year": year,
        "format": format,
        "territory": territory,
        "sort": [sort],
        "page": [str(page)],
        "page_size": [str(page_size)],
    }
    params, problems = parse_params(raw)
    result = search_entries(user=request.user, params=params)
    prefetch_related_objects([hit.entry for hit in result.hits], "themes")
    data = []
    for hit in result.hits:
        item = entry_summary(request, hit.entry)
        item["snippet"] = str(hit.snippet)
        item["score"] = hit.score
        data.append(item)
    return {
        "data": data,
        "page": result.page,
        "page_size": result.page_size,
        "total": result.total,
        "next_page": result.next_page,
        "previous_page": result.previous_page,
        "facets": {
            name: [
                {"value": f.value, "label": f.label, "count": f.count, "selected": f.selected}
                for f in values
            ]
            for name, values in result.facets.items()
        },
        "problems": [str(p) for p in problems + result.problems],
        "query": {
            "q": params.q,
            **{name: getattr(params, name) for name in FACET_PARAMS},
            "sort": params.sort,
        },
    }
