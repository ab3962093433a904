"""Model instances to plain dictionaries matching `schemas` (no query per row in lists)."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from region27.accounts.models import Organisation
from region27.accounts.policy import can_view
from region27.catalog.kinds import kind_get
from region27.catalog.models import Distribution, Entry
from region27.catalog.visibility import public_territories, shown_organisation, shows_organisation
from region27.core.hashing import json_value
from region27.territories.models import Territory
from region27.territories.selectors import territory_label

API = "/api/1"


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def page_of(items: Any, *, page: int, page_size: int, total: int | None = None) -> dict[str, Any]:
    """The page shape shared by every list; `items` is sliced here."""
    if total is None:
        total = items.count() if isinstance(items, QuerySet) else len(items)
    pages = max(1, math.ceil(total / page_size))
    start = (page - 1) * page_size
    data = list(items[start : start + page_size]) if start < total else []
    return {
        "data": data,
        "page": page,
        "page_size": page_size,
        "total": total,
        "next_page": page + 1 if page < pages and total else None,
        "previous_page": min(page - 1, pages) if page > 1 else None,
    }


def organisation_ref(request: HttpRequest, org: Organisation) -> dict[str, Any]:
    return {"slug": org.slug, "name": org.name, "url": absolute(request, org.get_absolute_url())}


def territory_ref(t: Territory) -> dict[str, Any]:
    return {"code": t.typed_code, "level": t.level, "name": t.name}


def entry_summary(request: HttpRequest, entry: Entry) -> dict[str, Any]:
    organisation = shown_organisation(request.user, entry)
    return {
        "slug": entry.slug,
        "kind": entry.kind,
        "title": entry.title,
        "summary": entry.summary,
        "status": entry.status,
        "version": entry.version,
        "organisation": None if organisation is None else organisation_ref(request, organisation),
        "themes": sorted(t.slug for t in entry.themes.all()),
        "keywords": [str(k) for k in entry.keywords or []],
        "licence": entry.licence,
        "url": absolute(request, entry.get_absolute_url()),
        "api_url": absolute(request, f"{API}/entries/{entry.slug}"),
        "created_at": entry.created_at,
        "modified_at": entry.modified_at,
        "published_at": entry.published_at,
    }


def distribution_out(request: HttpRequest, d: Distribution) -> dict[str, Any]:
    return {
        "uuid": str(d.uuid),
        "title": d.title,
        "description": d.description,
        "url": absolute(request, d.file.url) if d.file else d.url,
        "format": d.format,
        "media_type": d.media_type,
        "size": d.size,
        "checksum": d.checksum,
        "created_at": d.created_at,
        "modified_at": d.modified_at,
    }


def _detail(request: HttpRequest, entry: Entry) -> dict[str, Any]:
    spec = kind_get(entry.kind)
    if spec is None:
        return {}
    detail = spec.detail_of(entry)
    if detail is None:
        return {}
    out: dict[str, Any] = {}
    for name in spec.form_fields:
        value = getattr(detail, name)
        if hasattr(value, "storage"):  # a file: its public address
            out[name] = absolute(request, value.url) if value else ""
        else:
            out[name] = json_value(value)
    if not shows_organisation(request.user, entry):
        out.pop("anonymised", None)
    return out


def kit_items_out(request: HttpRequest, entry: Entry) -> list[dict[str, Any]]:
    """A kit's entries the user may see, in the kit's order."""
    if entry.kind != "kit":
        return []
    items = entry.kit_items.select_related("item").order_by("position", "pk")
    return [
        {
            "position": i.position,
            "note": i.note,
            "slug": i.item.slug,
            "kind": i.item.kind,
            "title": i.item.title,
            "status": i.item.status,
            "url": absolute(request, i.item.get_absolute_url()),
            "api_url": absolute(request, f"{API}/entries/{i.item.slug}"),
        }
        for i in items
        if can_view(request.user, i.item)
    ]


def entry_full(request: HttpRequest, entry: Entry) -> dict[str, Any]:
    data = entry_summary(request, entry)
    data.update(
        {
            "body": entry.body,
            "territories": [territory_ref(t) for t in public_territories(request.user, entry)],
            "detail": _detail(request, entry),
            "distributions": [distribution_out(request, d) for d in entry.distributions.all()]
            if entry.kind == "dataset"
            else [],
            "items": kit_items_out(request, entry),
            "archived_at": entry.archived_at,
            "submitted_at": entry.submitted_at,
        }
    )
    return data


def organisation_out(request: HttpRequest, org: Organisation) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "siren": org.siren,
        "description": org.description,
        "website": org.website,
        "territory": territory_ref(org.territory) if org.territory else None,
        "requires_validation": org.requires_validation,
        "url": absolute(request, org.get_absolute_url()),
        "api_url": absolute(request, f"{API}/organisations/{org.slug}"),
        "created_at": org.created_at,
    }


def territory_out(request: HttpRequest, t: Territory) -> dict[str, Any]:
    return {
        "code": t.typed_code,
        "level": t.level,
        "insee_code": t.code,
        "name": t.name,
        "label": territory_label(t),
        "siren": t.siren,
        "population": t.population,
        "postal_codes": t.postal_codes.split(),
        "url": absolute(request, t.get_absolute_url()),
        "api_url": absolute(request, f"{API}/territories/{t.level}/{t.code}"),
    }
