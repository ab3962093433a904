"""Search pages: `/recherche/` (HTML, htmx fragment, JSON) and « Déjà fait ailleurs ? »."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from region27.accounts.models import Membership
from region27.search.params import FACET_PARAMS, parse_params
from region27.search.selectors import SearchPage, search
from region27.search.similarity import similar_to_text
from region27.search.text import clean
from region27.territories.selectors import territory_parse_typed
from region27.web.views.common import wants_json

FACET_TITLES = {
    "kind": gettext_lazy("Nature"),
    "theme": gettext_lazy("Thème"),
    "organisation": gettext_lazy("Organisation"),
    "territory": gettext_lazy("Territoire"),
    "licence": gettext_lazy("Licence"),
    "year": gettext_lazy("Année"),
    "format": gettext_lazy("Format de fichier"),
}


def _page_url(request: HttpRequest, page: SearchPage, number: int | None) -> str | None:
    if number is None:
        return None
    pairs = page.params.as_query(page=number)
    if "json" in request.GET.getlist("format"):
        pairs.append(("format", "json"))
    return request.build_absolute_uri(f"{request.path}?{urlencode(pairs)}")


def page_as_json(request: HttpRequest, page: SearchPage) -> dict[str, Any]:
    """The API's page shape plus facets (the public API serves this same shape)."""
    return {
        "data": [
            {
                "kind": hit.entry.kind,
                "title": hit.entry.title,
                "url": request.build_absolute_uri(hit.entry.get_absolute_url()),
                "organisation": hit.entry.organisation.name if hit.show_organisation else None,
                "snippet": str(hit.snippet),
                "score": hit.score,
            }
            for hit in page.hits
        ],
        "page": page.page,
        "page_size": page.page_size,
        "total": page.total,
        "next_page": _page_url(request, page, page.next_page),
        "previous_page": _page_url(request, page, page.previous_page),
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in page.facets.items()
        },
    }


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    # `format=json` chooses the answer; upper-case formats (CSV, JSON...) are file formats.
    data.setlist("format", [f for f in data.getlist("format") if f != "json"])
    params, problems = parse_params(data)
    page = search(user=request.user, params=params)
    problems += page.problems
    if wants_json(request):
        body = page_as_json(request, page)
        if problems:
            body["messages"] = problems
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    facets = [
        (name, FACET_TITLES[name], page.facets.get(name, []))
        for name in ("kind", "theme", "territory", "organisation", "licence", "year", "format")
    ]
    box, box_code = _territory_box(request)
    box_code = box_code if box_code in page.params.territory else ""
    base_pairs = page.params.as_query(page=1)
    context = {
        "page": page,
        "params": page.params,
        # The « Territoire » box is the form's first `territory` field: what it sent (even
        # empty, after an htmx update that does not redraw it) is not a facet checkbox.
        "territory_box": box,
        "territory_box_code": box_code,
        "problems": problems,
        "facets": facets,
        "active": [
            (name, value, _link([p for p in base_pairs if p != (name, value)], box_code))
            for name in FACET_PARAMS
            for value in getattr(page.params, name)
        ],
        "querystring_page": _link([p for p in base_pairs if p[0] != "page"], box_code),
        "querystring_nosort": _link([p for p in base_pairs if p[0] != "sort"], box_code),
        "sorts": [
            ("relevance", _("pertinence")),
            ("date", _("date")),
            ("title", _("titre")),
        ],
        "first_rank": (page.page - 1) * page.page_size + 1,
        "nav": "search",
    }
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/page.html"
    return render(request, template, context)


def _link(pairs: list[tuple[str, str]], box_code: str) -> str:
    """A query string of the page's links. The first `territory` is what the box shows:
    when the box holds none of them, an empty one first keeps the ticked ones ticked."""
    territories = [value for key, value in pairs if key == "territory"]
    if territories and territories[0] != box_code:
        pairs = [("territory", ""), *pairs]
    return urlencode(pairs)


def _territory_box(request: HttpRequest) -> tuple[str, str]:
    """What the « Territoire » box sent (the first `territory` value), and its code."""
    raw = request.GET.getlist("territory")
    box = clean(raw[0]).strip()[:60] if raw else ""
    try:
        level, code = territory_parse_typed(box)
    except ValueError:
        return box, ""
    return box, f"{level}:{code}"


@require_GET
def similar_page(request: HttpRequest) -> HttpResponse:
    """Entries of other organisations like the title and summary being typed."""
    title = request.GET.get("title", "")[:200]
    summary = request.GET.get("summary", "")[:500]
    organisation_id = None
    raw_org = request.GET.get("organisation", "")
    if (
        raw_org.isdigit()
        and len(raw_org) < 12
        and request.user.is_authenticated
        and Membership.objects.filter(user=request.user, organisation_id=int(raw_org)).exists()
    ):
        organisation_id = int(raw_org)
    entries = (
        similar_to_text(
            user=request.user, title=title, summary=summary, organisation_id=organisation_id
        )
        if (title.strip() or summary.strip())
        else []
    )
    context = {
        "similar": entries,
        "title": title,
        "summary": summary,
        "typed": bool(title or summary),
    }
    template = (
        "search/_similar.html" if request.headers.get("HX-Request") else "search/similar.html"
    )
    return render(request, template, context)
