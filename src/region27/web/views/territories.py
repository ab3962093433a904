"""Territory pages and the territory picker."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from region27.catalog.selectors import entries_about_territory
from region27.territories.models import Level, Territory
from region27.territories.selectors import (
    territory_ancestors,
    territory_children,
    territory_get,
    territory_label,
    territory_search,
)
from region27.web.views.common import paginate

PUBLIC_LEVELS = {level.value for level in Level}


def territory_index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = territory_search(query=query, limit=30) if query else []
    regions = Territory.objects.filter(level=Level.REGION).order_by("name")
    if request.headers.get("HX-Request"):
        template = (
            "territories/_picker_suggestions.html"
            if request.GET.get("picker")
            else "territories/_picker_results.html"
        )
    else:
        template = "territories/index.html"
    return render(
        request,
        template,
        {
            "query": query,
            "results": [(t, territory_label(t)) for t in results],
            "regions": regions,
            "nav": "territories",
        },
    )


def territory_detail(request: HttpRequest, level: str, code: str) -> HttpResponse:
    if level not in PUBLIC_LEVELS:
        raise Http404(_("Niveau de territoire inconnu."))
    try:
        territory = territory_get(level=level, code=code)
    except Territory.DoesNotExist:
        raise Http404(_("Aucun territoire ne porte ce code.")) from None
    children = territory_children(territory).order_by("level", "name")
    entries = entries_about_territory(user=request.user, territory=territory)
    return render(
        request,
        "territories/detail.html",
        {
            "territory": territory,
            "ancestors": territory_ancestors(territory),
            "children": children[:400],
            "children_count": children.count(),
            "page": paginate(request, entries),
            "nav": "territories",
        },
    )
