"""DCAT-AP endpoints: the whole catalogue, one entry, one organisation, one territory."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from rdflib import Graph

from region27.accounts.models import Organisation
from region27.api.dcat.export import (
    FORMATS,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    CatalogPage,
    catalogue_graph,
    dcat_entries,
    dcat_kinds,
    entry_graph,
    prefetch_for_dcat,
    site_url,
)
from region27.api.dcat.mapping import PROFILE_3, PROFILES
from region27.catalog.models import Entry
from region27.catalog.selectors import entry_get_followed
from region27.territories.models import Territory
from region27.territories.selectors import territory_get


def _int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return min(max(value, low), high)


def _profile(request: HttpRequest) -> str:
    """`?profile=2.1.1` gives the DCAT-AP 2.1.1 variant; anything else DCAT-AP 3.0."""
    wanted = request.GET.get("profile", "").removeprefix("dcat-ap-")
    return wanted if wanted in PROFILES else PROFILE_3


def rdf_response(graph: Graph, fmt: str) -> HttpResponse:
    mime, rdflib_format = FORMATS[fmt]
    with warnings.catch_warnings():
        # rdflib's JSON-LD plugin still builds a ConjunctiveGraph internally.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        body = graph.serialize(format=rdflib_format, encoding="utf-8")
    response = HttpResponse(body, content_type=f"{mime}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _paged(
    request: HttpRequest,
    entries: QuerySet[Entry],
    fmt: str,
    *,
    catalog_uri: str,
    title: str,
    description: str,
) -> HttpResponse:
    size = _int(request.GET.get("page_size"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
    total = entries.count()
    page = CatalogPage(number=1, size=size, total=total)
    page.number = _int(request.GET.get("page"), 1, 1, page.last)
    start = (page.number - 1) * size
    rows = list(entries[start : start + size])
    page_url = request.build_absolute_uri(request.path)
    graph = catalogue_graph(
        rows,
        profile=_profile(request),
        catalog_uri=catalog_uri,
        title=title,
        description=description,
        page=page,
        page_url=page_url,
    )
    return rdf_response(graph, fmt)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404(_("Format inconnu."))
    return fmt


@require_GET
def catalogue(request: HttpRequest, fmt: str) -> HttpResponse:
    return _paged(
        request,
        dcat_entries(),
        _format(fmt),
        catalog_uri=f"{site_url()}/catalogue/",
        title=str(settings.SITE_NAME),
        description=_("Catalogue des jeux de données et des services de %(site)s.")
        % {"site": settings.SITE_NAME},
    )


@require_GET
def organisation_catalogue(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    return _paged(
        request,
        dcat_entries(organisation=organisation.slug),
        _format(fmt),
        catalog_uri=f"{site_url()}{organisation.get_absolute_url()}catalogue",
        title=_("Catalogue de %(name)s") % {"name": organisation.name},
        description=_("Jeux de données et services publiés par %(name)s sur %(site)s.")
        % {"name": organisation.name, "site": settings.SITE_NAME},
    )


@require_GET
def territory_catalogue(request: HttpRequest, level: str, code: str, fmt: str) -> HttpResponse:
    try:
        territory = territory_get(level=level, code=code)
    except Territory.DoesNotExist as exc:
        raise Http404(_("Territoire inconnu.")) from exc
    return _paged(
        request,
        dcat_entries(territory=territory),
        _format(fmt),
        catalog_uri=f"{site_url()}{territory.get_absolute_url()}catalogue",
        title=_("Catalogue : %(name)s") % {"name": territory.name},
        description=_("Jeux de données et services qui couvrent %(name)s, sur %(site)s.")
        % {"name": territory.name, "site": settings.SITE_NAME},
    )


@require_GET
def entry_rdf(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    _format(fmt)
    entry = entry_get_followed(user=AnonymousUser(), slug=slug)
    if entry is None or entry.kind not in dcat_kinds() or not entry.is_public:
        raise Http404(_("Aucun jeu de données ni service à cette adresse."))
    entry = prefetch_for_dcat(Entry.objects.filter(pk=entry.pk)).get()
    return rdf_response(entry_graph(entry, profile=_profile(request)), fmt)


NEGOTIABLE = ["text/html", *[mime for mime, _f in FORMATS.values()]]


def negotiated(html_view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap the HTML catalogue page: RDF clients asking for Turtle, RDF/XML or JSON-LD
    in `Accept` get the DCAT catalogue; everyone else gets the page (Vary: Accept)."""

    def view(request: HttpRequest) -> HttpResponse:
        preferred = request.get_preferred_type(NEGOTIABLE) if request.method == "GET" else None
        if preferred and preferred != "text/html" and "HX-Request" not in request.headers:
            fmt = next(ext for ext, (mime, _f) in FORMATS.items() if mime == preferred)
            response = catalogue(request, fmt)
        else:
            response = html_view(request)
        patch_vary_headers(response, ["Accept"])
        return response

    view.__name__ = getattr(html_view, "__name__", "catalogue_negotiated")
    view.__doc__ = html_view.__doc__
    return view
