"""CKAN dictionaries (package, resource, organization, group, tag, licence) built from
entries read through the catalog selectors.

Keys follow CKAN 2.10's API, with every key data.gouv.fr's CKAN harvester (udata-ckan)
reads, and the `spatial-uri`, `spatial-text`, `frequency`, `temporal_start`,
`temporal_end` extras it understands.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from region27.accounts.models import Organisation
from region27.api.dcat.export import site_url
from region27.api.dcat.ids import public_id
from region27.api.dcat.mapping import spatial_uri
from region27.catalog.licences import LICENCES, Licence, licence_get
from region27.catalog.models import Distribution, Entry, Theme


def ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset."""
    if value is None:
        return None
    return timezone.localtime(value, dt.UTC).replace(tzinfo=None).isoformat()


def package_queryset(qs: QuerySet[Entry]) -> QuerySet[Entry]:
    return qs.select_related("organisation", "dataset").prefetch_related(
        "territories",
        "themes",
        Prefetch("distributions", queryset=Distribution.objects.order_by("position", "id")),
    )


def organization_dict(org: Organisation, *, package_count: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": public_id("organisation", org.pk),
        "name": org.slug,
        "title": org.name,
        "display_name": org.name,
        "description": org.description,
        "type": "organization",
        "is_organization": True,
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(org.created_at),
        "state": "active",
        "approval_status": "approved",
        "url": f"{site_url()}{org.get_absolute_url()}",
    }
    if package_count is not None:
        data["package_count"] = package_count
    return data


def group_dict(theme: Theme, *, package_count: int | None = None) -> dict[str, Any]:
    label = str(theme.label)
    data: dict[str, Any] = {
        "id": public_id("theme", theme.pk),
        "name": theme.slug,
        "title": label,
        "display_name": label,
        "description": "",
        "type": "group",
        "is_organization": False,
        "image_url": "",
        "image_display_url": "",
        "state": "active",
        "approval_status": "approved",
    }
    if theme.eu_code:
        data["eu_data_theme"] = (
            f"http://publications.europa.eu/resource/authority/data-theme/{theme.eu_code}"
        )
    if package_count is not None:
        data["package_count"] = package_count
    return data


def tag_dict(name: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site_url()}/tags/{name}")),
        "name": name,
        "display_name": name,
        "state": "active",
        "vocabulary_id": None,
    }


def licence_dict(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.id,
        "title": str(licence.title),
        "url": licence.url,
        "status": "active",
        "maintainer": "",
        "family": "",
        "od_conformance": "approved" if licence.open and not licence.software else "not reviewed",
        "osd_conformance": "approved" if licence.software else "not reviewed",
        "domain_content": not licence.software,
        "domain_data": not licence.software,
        "domain_software": licence.software,
        "is_okd_compliant": licence.open,
        "is_osi_compliant": licence.software,
        "is_generic": licence.id.startswith("other"),
    }


def resource_dict(entry: Entry, distribution: Distribution, position: int) -> dict[str, Any]:
    url = f"{site_url()}{distribution.file.url}" if distribution.file else distribution.url
    return {
        "id": str(distribution.uuid),
        "package_id": public_id("entry", entry.pk),
        "position": position,
        "name": distribution.title,
        "description": distribution.description,
        "format": distribution.format.upper(),
        "mimetype": distribution.media_type or None,
        "mimetype_inner": None,
        "size": distribution.size,
        "hash": f"sha256:{distribution.checksum}" if distribution.checksum else "",
        "created": ckan_time(distribution.created_at),
        "last_modified": ckan_time(distribution.modified_at),
        "metadata_modified": ckan_time(distribution.modified_at),
        "url": url,
        "url_type": "upload" if distribution.file else None,
        "resource_type": "file.upload" if distribution.file else "file",
        "state": "active",
        "cache_url": None,
        "datastore_active": False,
    }


def package_dict(entry: Entry) -> dict[str, Any]:
    """One dataset entry as a CKAN package."""
    licence = licence_get(entry.licence)
    detail = getattr(entry, "dataset", None)
    contact = (detail.contact_email if detail is not None else "") or None
    notes = f"{entry.summary}\n\n{entry.body}" if entry.body.strip() else entry.summary
    tags = sorted({str(k) for k in entry.keywords or [] if str(k).strip()})
    territories = list(entry.territories.all())
    extras: list[dict[str, str]] = []
    if territories:
        first = territories[0]
        extras.append({"key": "spatial-uri", "value": spatial_uri(first.level, first.code)})
        extras.append({"key": "spatial-text", "value": first.name})
        if len(territories) > 1:
            extras.append(
                {
                    "key": "spatial-uris",
                    "value": " ".join(spatial_uri(t.level, t.code) for t in territories),
                }
            )
    if detail is not None:
        if detail.frequency:
            extras.append({"key": "frequency", "value": detail.frequency})
        if detail.temporal_start:
            extras.append({"key": "temporal_start", "value": detail.temporal_start.isoformat()})
        if detail.temporal_end:
            extras.append({"key": "temporal_end", "value": detail.temporal_end.isoformat()})
    page = f"{site_url()}{entry.get_absolute_url()}"
    extras.append({"key": "remote_url", "value": page})
    resources = [
        resource_dict(entry, d, position) for position, d in enumerate(entry.distributions.all())
    ]
    organization = organization_dict(entry.organisation)
    return {
        "id": public_id("entry", entry.pk),
        "name": entry.slug,
        "title": entry.title,
        "notes": notes,
        "url": page,
        "version": str(entry.version),
        "license_id": entry.licence,
        "license_title": str(licence.title) if licence else entry.licence,
        "license_url": licence.url if licence else "",
        "isopen": bool(licence and licence.open),
        "tags": [tag_dict(t) for t in tags],
        "num_tags": len(tags),
        "groups": [
            {k: v for k, v in group_dict(t).items() if k != "package_count"}
            for t in entry.themes.all()
        ],
        "metadata_created": ckan_time(entry.created_at),
        "metadata_modified": ckan_time(entry.modified_at),
        "organization": organization,
        "owner_org": organization["id"],
        "resources": resources,
        "num_resources": len(resources),
        "private": False,
        "type": "dataset",
        "state": "active",
        "author": entry.organisation.name,
        "author_email": contact,
        "maintainer": entry.organisation.name,
        "maintainer_email": contact,
        "creator_user_id": None,
        "extras": extras,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


def licences() -> list[dict[str, Any]]:
    return [licence_dict(licence) for licence in LICENCES]


def status() -> dict[str, Any]:
    return {
        "site_title": str(settings.SITE_NAME),
        "site_url": site_url(),
        "site_description": "",
        "ckan_version": "2.10.4",
        "locale_default": "fr",
        "error_emails_to": None,
        "extensions": ["region27"],
    }
