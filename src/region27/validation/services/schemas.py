"""Référentiels: schema entries and their Table Schema versions (checked, fetched, stored)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from region27.accounts.models import Organisation, User
from region27.accounts.policy import Action, can
from region27.catalog import services as catalog_services
from region27.catalog.models import Entry
from region27.catalog.services import record_change as catalog_record
from region27.core.errors import NotAllowed
from region27.core.hashing import canonical_json
from region27.validation.engine import EngineInputError, Limits, load_schema
from region27.validation.engine.fetch import fetch_url
from region27.validation.models import (
    SchemaDetail,
    SchemaVersion,
)
from region27.validation.services.common import engine_limits


@dataclass(frozen=True)
class CheckedSchema:
    descriptor: dict[str, Any]
    sha256: str


def schema_fetch(url: str) -> bytes:
    """Download a schema from a public http(s) address.

    The engine checks every redirect hop: an address that leads to the local
    network (private, loopback, link-local, reserved) is refused, unless the
    `REGION27_VALIDATION_ALLOW_PRIVATE_URLS` setting allows it (tests, development)
    or the address is in `REGION27_VALIDATION_ALLOWED_NETWORKS` (CIDR list).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"schema_url": _("Donnez une adresse http:// ou https:// complète.")})
    try:
        return fetch_url(url.strip(), engine_limits())
    except EngineInputError as error:
        if error.code == "schema-url-forbidden":
            message = _(
                "Cette adresse n'est pas joignable depuis la plateforme : elle mène à une "
                "adresse privée, locale ou réservée. Donnez l'adresse publique du schéma."
            )
            raise ValidationError({"schema_url": message}) from error
        raise ValidationError({"schema_url": error.message}) from error


def schema_check(
    data: bytes | str | dict[str, Any], *, field: str = "schema_file"
) -> CheckedSchema:
    """Check that `data` is a usable Table Schema (French errors under `field`)."""
    if isinstance(data, dict):
        raw_bytes = canonical_json(data)
        text: Any = data
    else:
        raw_bytes = data.encode() if isinstance(data, str) else data
        if len(raw_bytes) > Limits().max_schema_size:
            raise ValidationError({field: _("Le schéma dépasse 5 Mo.")})
        try:
            text = json.loads(raw_bytes.decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise ValidationError(
                {field: _("Le schéma doit être un fichier JSON encodé en UTF-8.")}
            ) from error
        except json.JSONDecodeError as error:
            raise ValidationError(
                {field: _("Le schéma n'est pas un document JSON valide : %(e)s.") % {"e": error}}
            ) from error
        # Never a path or a name: the engine would read a file of the server.
        if not isinstance(text, dict):
            raise ValidationError(
                {field: _("Le schéma doit être un objet JSON (entre accolades).")}
            )
    try:
        schema = load_schema(text, limits=engine_limits())
    except EngineInputError as error:
        raise ValidationError({field: error.message}) from error
    return CheckedSchema(
        descriptor=schema.descriptor or text, sha256=hashlib.sha256(raw_bytes).hexdigest()
    )


def _read_upload(upload: UploadedFile) -> bytes:
    limit = Limits().max_schema_size
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"schema_file": _("Le schéma dépasse 5 Mo.")})
    return data


def _schema_source(upload: UploadedFile | None, url: str) -> tuple[CheckedSchema, str]:
    if (upload is None) == (not url):
        raise ValidationError(_("Donnez soit le fichier du schéma, soit son adresse."))
    if upload is not None:
        return schema_check(_read_upload(upload), field="schema_file"), ""
    return schema_check(schema_fetch(url), field="schema_url"), url.strip()


def _version_of(version: str, checked: CheckedSchema) -> str:
    version = (version or str(checked.descriptor.get("version") or "")).strip().lstrip("vV")
    if not version:
        raise ValidationError({"version": _("Indiquez le numéro de version du schéma.")})
    return version[:40]


def add_version(
    detail: SchemaDetail, *, version: str, checked: CheckedSchema, source_url: str
) -> SchemaVersion:
    """Store a schema version row: a step of the services that then record the entry's
    new version (`schema_create`, `schema_version_add`, `schemas_load_shipped`)."""
    if detail.versions.filter(version=version).exists():
        raise ValidationError(
            {"version": _("La version %(v)s de ce schéma existe déjà.") % {"v": version}}
        )
    item = SchemaVersion(
        schema=detail,
        version=version,
        descriptor=checked.descriptor,
        source_url=source_url[:1000],
        sha256=checked.sha256,
    )
    item.full_clean(exclude=["schema"])
    item.save()
    return item


def schema_create(
    *,
    by: User,
    organisation: Organisation,
    title: str,
    summary: str,
    licence: str,
    name: str,
    schema_file: UploadedFile | None = None,
    schema_url: str = "",
    version: str = "",
    homepage: str = "",
    attribution: str = "",
    body: str = "",
) -> Entry:
    """Create a draft référentiel from an uploaded or downloaded Table Schema.

    The schema is read (downloaded: up to the fetch timeout) and checked before any
    transaction opens; an invalid one saves nothing.
    """
    if not can(by, Action.ENTRY_CREATE, organisation):
        raise NotAllowed()
    checked, source_url = _schema_source(schema_file, schema_url)
    try:
        return _schema_create_store(
            by=by,
            organisation=organisation,
            checked=checked,
            source_url=source_url,
            version=version,
            name=name,
            entry_fields={"title": title, "summary": summary, "licence": licence, "body": body},
            detail={"homepage": homepage, "attribution": attribution},
        )
    except IntegrityError as error:
        # Two agents creating the same name at once: the second is told, nothing saved.
        if not _name_taken(name):
            raise
        raise ValidationError({"name": _("Un référentiel porte déjà ce nom.")}) from error


def _name_taken(name: str) -> bool:
    return SchemaDetail.objects.filter(name=name.strip().lower()).exists()


@transaction.atomic
def _schema_create_store(
    *,
    by: User,
    organisation: Organisation,
    checked: CheckedSchema,
    source_url: str,
    version: str,
    name: str,
    entry_fields: dict[str, str],
    detail: dict[str, str],
) -> Entry:
    number = _version_of(version, checked)
    if _name_taken(name):
        raise ValidationError({"name": _("Un référentiel porte déjà ce nom.")})
    name = name.strip().lower()
    entry = catalog_services.entry_create(
        by=by,
        organisation=organisation,
        kind="schema",
        title=entry_fields["title"],
        summary=entry_fields["summary"],
        licence=entry_fields["licence"],
        body=entry_fields["body"],
        detail={"name": name, **detail},
    )
    add_version(
        SchemaDetail.objects.get(entry=entry),
        version=number,
        checked=checked,
        source_url=source_url,
    )
    catalog_record(
        entry, action="update", by=by, comment=_("Version %(v)s du schéma") % {"v": number}
    )
    return entry


def schema_version_add(
    *,
    entry: Entry,
    by: User,
    schema_file: UploadedFile | None = None,
    schema_url: str = "",
    version: str = "",
) -> SchemaVersion:
    """Add a version to a référentiel (checked as a Table Schema first).

    The schema is downloaded and checked before the entry is locked: a slow server
    never keeps the référentiel's other changes waiting.
    """
    if not can(by, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    if entry.kind != "schema":
        raise ValidationError(_("Seuls les référentiels ont des versions de schéma."))
    checked, source_url = _schema_source(schema_file, schema_url)
    return _schema_version_store(
        entry=entry, by=by, checked=checked, source_url=source_url, version=version
    )


@transaction.atomic
def _schema_version_store(
    *, entry: Entry, by: User, checked: CheckedSchema, source_url: str, version: str
) -> SchemaVersion:
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    # Checked again under the lock: rights or kind may have changed during the download.
    if not can(by, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    if entry.kind != "schema":
        raise ValidationError(_("Seuls les référentiels ont des versions de schéma."))
    number = _version_of(version, checked)
    detail = SchemaDetail.objects.get(entry=entry)
    item = add_version(detail, version=number, checked=checked, source_url=source_url)
    catalog_record(
        entry, action="update", by=by, comment=_("Version %(v)s du schéma") % {"v": number}
    )
    return item
