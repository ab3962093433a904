"""Organisations, territories, themes and licences (public reads)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from region27.accounts.models import Organisation, OrganisationKind
from region27.api.v1.auth import READ_AUTH
from region27.api.v1.common import MAX_PAGE, MAX_PAGE_SIZE, READ_ERRORS, gettext_lazy
from region27.api.v1.problems import Problem
from region27.api.v1.schemas import (
    LicencePage,
    OrganisationOut,
    OrganisationPage,
    TerritoryDetailOut,
    TerritoryPage,
    ThemePage,
)
from region27.api.v1.serialize import organisation_out, page_of, territory_out, territory_ref
from region27.catalog.licences import LICENCES
from region27.catalog.themes import EU_THEME, THEMES
from region27.territories.models import Level, Territory
from region27.territories.selectors import territory_ancestors, territory_search

router = Router()


@router.get(
    "/organisations",
    response={200: OrganisationPage, **READ_ERRORS},
    auth=READ_AUTH,
    tags=["organisations"],
    summary=gettext_lazy("Lister les organisations"),
)
def organisation_index(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Words in the name"),
    kind: list[str] = Query([], max_length=10),  # noqa: B008
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    for value in kind:
        if value not in OrganisationKind.values:
            raise Problem(
                422,
                "invalid-parameters",
                _("Nature d'organisation inconnue : « %(k)s » (possibles : %(a)s).")
                % {"k": value[:40], "a": ", ".join(OrganisationKind.values)},
                title=_("Paramètres invalides"),
            )
    qs = Organisation.objects.select_related("territory").order_by("name", "pk")
    if kind:
        qs = qs.filter(kind__in=kind)
    for word in q.split()[:10]:
        qs = qs.filter(Q(name__icontains=word) | Q(slug__icontains=word))
    result = page_of(qs, page=page, page_size=page_size)
    result["data"] = [organisation_out(request, o) for o in result["data"]]
    return result


@router.get(
    "/organisations/{slug}",
    response={200: OrganisationOut, **READ_ERRORS},
    auth=READ_AUTH,
    tags=["organisations"],
    summary=gettext_lazy("Une organisation"),
)
def organisation_read(request: HttpRequest, slug: str) -> Any:
    org = Organisation.objects.select_related("territory").filter(slug=slug[:100]).first()
    if org is None:
        raise Problem(
            404, "not-found", _("Aucune organisation à cette adresse."), title=_("Introuvable")
        )
    return organisation_out(request, org)


@router.get(
    "/territories",
    response={200: TerritoryPage, **READ_ERRORS},
    auth=READ_AUTH,
    tags=["territories"],
    summary=gettext_lazy("Les territoires du COG (recherche par nom, code INSEE ou code postal)"),
)
def territory_index(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="Name, code, postal code or level:code"),
    level: str = Query("", max_length=32, description=", ".join(Level.values)),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    if level and level not in Level.values:
        raise Problem(
            422,
            "invalid-parameters",
            _("Niveau inconnu : « %(l)s » (niveaux : %(a)s).")
            % {"l": level[:40], "a": ", ".join(Level.values)},
            title=_("Paramètres invalides"),
        )
    if q.strip():
        found = territory_search(query=q, limit=MAX_PAGE_SIZE * 5)
        if level:
            found = [t for t in found if t.level == level]
        result = page_of(found, page=page, page_size=page_size)
    else:
        qs = Territory.objects.select_related("departement").order_by("level", "code")
        if level:
            qs = qs.filter(level=level)
        result = page_of(qs, page=page, page_size=page_size)
    result["data"] = [territory_out(request, t) for t in result["data"]]
    return result


@router.get(
    "/territories/{level}/{code}",
    response={200: TerritoryDetailOut, **READ_ERRORS},
    auth=READ_AUTH,
    tags=["territories"],
    summary=gettext_lazy("Un territoire, avec les territoires qui le contiennent"),
)
def territory_read(request: HttpRequest, level: str, code: str) -> Any:
    territory = (
        Territory.objects.select_related("departement")
        .filter(level=level[:32], code=code[:16].upper())
        .first()
    )
    if territory is None:
        raise Problem(
            404, "not-found", _("Aucun territoire à cette adresse."), title=_("Introuvable")
        )
    data = territory_out(request, territory)
    data["ancestors"] = [territory_ref(t) for t in territory_ancestors(territory)]
    return data


@router.get(
    "/themes",
    response={200: ThemePage, **READ_ERRORS},
    auth=READ_AUTH,
    tags=["reference"],
    summary=gettext_lazy("La liste des thèmes (avec les thèmes de données européens)"),
)
def theme_index(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    items = [
        {"slug": slug, "label": str(label), "eu_theme": EU_THEME + eu if eu else ""}
        for slug, label, eu in THEMES
    ]
    return page_of(items, page=page, page_size=page_size)


@router.get(
    "/licences",
    response={200: LicencePage, **READ_ERRORS},
    auth=READ_AUTH,
    tags=["reference"],
    summary=gettext_lazy("Les licences (identifiants de data.gouv.fr, SPDX pour les logiciels)"),
)
def licence_index(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    items = [
        {
            "id": lic.id,
            "title": str(lic.title),
            "url": lic.url,
            "eu_uri": lic.eu_uri,
            "open": lic.open,
            "software": lic.software,
        }
        for lic in LICENCES
    ]
    return page_of(items, page=page, page_size=page_size)
