"""The reference schemas shipped with region27, published by a system account of the
reference organisation (created through `accounts.services`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from region27.accounts import services as account_services
from region27.accounts.models import Organisation, Role, User
from region27.catalog import services as catalog_services
from region27.catalog.models import Status
from region27.catalog.services import record_change as catalog_record
from region27.validation.models import (
    SchemaDetail,
)
from region27.validation.services.schemas import add_version, schema_check

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas"
# (folder in data/schemas, catalogue name, version): the versions of the shipped copies.
SHIPPED_SCHEMAS: tuple[tuple[str, str, str], ...] = (
    ("subventions", "scdl/subventions", "2.1.1"),
    ("deliberations", "scdl/deliberations", "2.1.5"),
    ("budget", "scdl/budget", "0.8.3"),
    ("equipements", "scdl/equipements", "0.1.5"),
    ("catalogue", "scdl/catalogue", "0.1.3"),
    ("irve-statique", "etalab/schema-irve-statique", "2.3.1"),
)
SHIPPED_ATTRIBUTION = "Source : schema.data.gouv.fr, OpenDataFrance, Etalab — Licence Ouverte 2.0"
REFERENCE_ORGANISATION = "Socle commun des données locales (SCDL)"
REFERENCE_ORGANISATION_SLUG = "scdl"
SYSTEM_EMAIL = "referentiels@region27.invalid"


@transaction.atomic
def reference_publisher() -> tuple[Organisation, User]:
    """The reference organisation and the system account that publishes its schemas.

    Created once, idempotently. The system account cannot log in (no usable password).
    """
    organisation = Organisation.objects.filter(slug=REFERENCE_ORGANISATION_SLUG).first()
    if organisation is None:
        organisation = account_services.organisation_create(
            name=REFERENCE_ORGANISATION,
            slug=REFERENCE_ORGANISATION_SLUG,
            kind="reseau",
            website="https://schema.data.gouv.fr/",
            description=_(
                "Les schémas nationaux du socle commun des données locales, publiés par "
                "OpenDataFrance et Etalab sur schema.data.gouv.fr, repris tels quels."
            ),
        )
    user = User.objects.filter(email=SYSTEM_EMAIL).first()
    if user is None:
        user = account_services.user_register(
            email=SYSTEM_EMAIL,
            password=secrets.token_urlsafe(48),
            display_name=_("Référentiels nationaux (système)"),
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    account_services.membership_set(organisation=organisation, user=user, role=Role.ADMIN, by=None)
    return organisation, user


@dataclass
class LoadResult:
    name: str
    version: str
    action: str  # "created", "version-added", "unchanged", "differs"


def _summary_of(descriptor: dict[str, Any]) -> str:
    text = " ".join(str(descriptor.get("description") or "").split())
    if not text:
        return str(descriptor.get("title") or "Schéma de données")
    if len(text) <= 500:
        return text
    cut = text[:497].rsplit(" ", 1)[0]
    return cut + "…"


@transaction.atomic
def schemas_load_shipped() -> list[LoadResult]:
    """Load the SCDL schemas shipped in `data/schemas/` as published référentiels (idempotent)."""
    organisation, system = reference_publisher()
    results: list[LoadResult] = []
    for folder, name, version in SHIPPED_SCHEMAS:
        raw = (SHIPPED_DIR / folder / "schema.json").read_bytes()
        checked = schema_check(raw)
        descriptor = checked.descriptor
        source_url = str(descriptor.get("path") or "")
        detail = SchemaDetail.objects.select_related("entry").filter(name=name).first()
        if detail is None:
            title = str(descriptor.get("title") or name)
            entry = catalog_services.entry_create(
                by=system,
                organisation=organisation,
                kind="schema",
                title=title,
                slug=f"schema-{name.replace('/', '-')}",
                summary=_summary_of(descriptor),
                body=(
                    str(descriptor.get("description") or "") + "\n\n" + SHIPPED_ATTRIBUTION + "."
                ),
                licence="lov2",
                keywords=["schéma", "référentiel", name.split("/")[0]],
                detail={
                    "name": name,
                    "homepage": str(descriptor.get("homepage") or "")[:500],
                    "attribution": SHIPPED_ATTRIBUTION,
                },
            )
            add_version(
                SchemaDetail.objects.get(entry=entry),
                version=version,
                checked=checked,
                source_url=source_url,
            )
            catalog_record(
                entry,
                action="update",
                by=system,
                comment=_("Version %(v)s du schéma") % {"v": version},
            )
            catalog_services.entry_publish(entry=entry, by=system)
            results.append(LoadResult(name, version, "created"))
            continue
        existing = detail.versions.filter(version=version).first()
        if existing is None:
            if detail.entry.organisation_id != organisation.pk:
                results.append(LoadResult(name, version, "differs"))
                continue
            add_version(detail, version=version, checked=checked, source_url=source_url)
            catalog_record(
                detail.entry,
                action="update",
                by=system,
                comment=_("Version %(v)s du schéma") % {"v": version},
            )
            results.append(LoadResult(name, version, "version-added"))
        elif existing.sha256 != checked.sha256:
            results.append(LoadResult(name, version, "differs"))
        else:
            results.append(LoadResult(name, version, "unchanged"))
        if (
            detail.entry.organisation_id == organisation.pk
            and detail.entry.status != Status.PUBLISHED
        ):
            catalog_services.entry_publish(entry=detail.entry, by=system)
    return results
