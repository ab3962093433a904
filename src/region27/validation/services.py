"""Every write about référentiels and validation runs. Each function's writes are atomic.

Schemas are catalog entries of kind `schema`: they are created and published
through `catalog.services` (so they get versions and journal records like any
entry); this module adds their Table Schema versions. Reference schemas shipped
with region27 are published by a dedicated system account, member (admin) of the
reference organisation, created here through `accounts.services`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from region27.accounts import services as account_services
from region27.accounts.models import Organisation, Role, User
from region27.accounts.policy import Action, can
from region27.catalog import services as catalog_services
from region27.catalog.models import Distribution, Entry, Status
from region27.catalog.services import record_change as catalog_record
from region27.core.errors import NotAllowed
from region27.core.files import (
    delete_stored_after_commit,
    guess_format,
    sanitize_filename,
    sha256_of,
)
from region27.core.hashing import canonical_json
from region27.core.jobs import INTERRUPTED, Lease, LeaseLost, heartbeat, lease_acquire, lease_stale
from region27.validation.engine import EngineInputError, Limits, Report, load_schema, validate
from region27.validation.engine.fetch import fetch_url
from region27.validation.models import (
    Decision,
    DistributionSchema,
    RunStatus,
    SchemaDetail,
    SchemaVersion,
    ValidationRun,
)

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "schemas"
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


def engine_version() -> str:
    try:
        return f"region27 {metadata.version('region27')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "region27"


def engine_limits() -> Limits:
    return Limits(
        max_file_size=settings.REGION27_MAX_UPLOAD_SIZE,
        fetch_timeout=settings.REGION27_VALIDATION_FETCH_TIMEOUT,
        allow_private_addresses=bool(
            getattr(settings, "REGION27_VALIDATION_ALLOW_PRIVATE_URLS", False)
        ),
        allowed_networks=tuple(getattr(settings, "REGION27_VALIDATION_ALLOWED_NETWORKS", ())),
    )


# --- Schemas ---------------------------------------------------------------------------


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


def _add_version(
    detail: SchemaDetail, *, version: str, checked: CheckedSchema, source_url: str
) -> SchemaVersion:
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
    _add_version(
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
    item = _add_version(detail, version=number, checked=checked, source_url=source_url)
    catalog_record(
        entry, action="update", by=by, comment=_("Version %(v)s du schéma") % {"v": number}
    )
    return item


# --- Reference schemas shipped with region27 --------------------------------------------


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
            _add_version(
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
            _add_version(detail, version=version, checked=checked, source_url=source_url)
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


# --- Distributions that declare a schema ------------------------------------------------


def _enqueue(run: ValidationRun) -> None:
    from region27.validation.tasks import validate_run

    run_id = run.pk
    transaction.on_commit(lambda: validate_run.enqueue(run_id))


def _new_run(
    distribution: Distribution, schema_version: SchemaVersion, by: User, **fields: Any
) -> ValidationRun:
    run = ValidationRun(
        distribution=distribution,
        schema_version=schema_version,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        status=RunStatus.QUEUED,
        **fields,
    )
    run.save()
    _enqueue(run)
    return run


@transaction.atomic
def distribution_add_with_schema(
    *,
    entry: Entry,
    by: User,
    title: str,
    file: UploadedFile | None = None,
    url: str = "",
    description: str = "",
    format: str = "",
    schema_version: SchemaVersion | None = None,
) -> Distribution:
    """Add a distribution; when it declares a schema, validate its file in the background."""
    distribution = catalog_services.distribution_add(
        entry=entry,
        by=by,
        title=title,
        file=file,
        url=url,
        description=description,
        format=format,
    )
    if schema_version is None:
        return distribution
    DistributionSchema.objects.update_or_create(
        distribution=distribution, defaults={"schema_version": schema_version}
    )
    if distribution.file:
        _new_run(
            distribution,
            schema_version,
            by,
            file_name=distribution.file.name,
            original_name=((file.name if file else "") or "")[:200],
            size=distribution.size,
            media_type=distribution.media_type,
            checksum=distribution.checksum,
        )
    return distribution


@transaction.atomic
def distribution_declare_schema(
    *, distribution: Distribution, by: User, schema_version: SchemaVersion | None
) -> ValidationRun | None:
    """Declare (or drop) the schema a distribution follows; its file is validated again."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=distribution.entry_id)
    if not can(by, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    if schema_version is None:
        DistributionSchema.objects.filter(distribution=distribution).delete()
        catalog_record(
            entry, action="update", by=by, comment=f"« {distribution.title} » : sans référentiel"
        )
        return None
    DistributionSchema.objects.update_or_create(
        distribution=distribution, defaults={"schema_version": schema_version}
    )
    catalog_record(
        entry,
        action="update",
        by=by,
        comment=f"« {distribution.title} » suit {schema_version}"[:500],
    )
    if not distribution.file:
        return None
    return _new_run(
        distribution,
        schema_version,
        by,
        file_name=distribution.file.name,
        original_name=Path(distribution.file.name).name[:200],
        size=distribution.size,
        media_type=distribution.media_type,
        checksum=distribution.checksum,
    )


@transaction.atomic
def distribution_replace_file(
    *, distribution: Distribution, by: User, file: UploadedFile
) -> ValidationRun | None:
    """Replace a distribution's file.

    With a declared schema the new file is stored beside the published one and
    validated in the background: it replaces the published file only when valid
    (or when an agent publishes it anyway). Without a schema it replaces it at once.
    In both cases the previous published file is kept in storage (the entry's
    versions refer to it). Earlier replacement files that were never published
    (waiting for a decision, refused, or still being validated) are superseded: their
    reports stay, their files are deleted once the transaction commits.
    """
    entry = Entry.objects.select_for_update(no_key=True).get(pk=distribution.entry_id)
    if not can(by, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if not distribution.file:
        raise ValidationError(_("Ce lien n'a pas de fichier à remplacer."))
    limit = settings.REGION27_MAX_UPLOAD_SIZE
    if file.size is not None and file.size > limit:
        raise ValidationError({"file": _("Le fichier est trop volumineux.")})
    _supersede_candidates(distribution)
    file.name = sanitize_filename(file.name or "fichier")
    declared = DistributionSchema.objects.filter(distribution=distribution).first()
    checksum = sha256_of(file)
    file.seek(0)
    run = ValidationRun(
        distribution=distribution,
        schema_version=declared.schema_version if declared else None,
        created_by=by,
        is_replacement=True,
        original_name=(file.name or "")[:200],
        size=file.size,
        media_type=(getattr(file, "content_type", "") or "")[:100],
        checksum=checksum,
    )
    if declared is None:
        # Nothing to check: replace now, keeping the previous file.
        from django.core.files.storage import default_storage

        stored = default_storage.save(_candidate_name(file.name), file)
        try:
            _swap_file(
                distribution,
                name=stored,
                size=file.size,
                checksum=checksum,
                media_type=run.media_type,
                original_name=file.name,
            )
            catalog_record(
                entry,
                action="update",
                by=by,
                comment=_("Nouveau fichier pour « %(t)s »") % {"t": distribution.title},
            )
        except BaseException:
            default_storage.delete(stored)
            raise
        return None
    run.candidate.save(file.name, file, save=False)
    run.file_name = run.candidate.name
    try:
        run.save()
    except BaseException:
        run.candidate.delete(save=False)
        raise
    _enqueue(run)
    return run


def _unpublished_candidates(distribution: Distribution) -> list[ValidationRun]:
    """Replacement files of `distribution` still in storage that were never published."""
    return list(
        ValidationRun.objects.select_for_update()
        .filter(distribution=distribution, is_replacement=True)
        .exclude(candidate="")
        .exclude(decision__in=[Decision.PROMOTED, Decision.FORCED])
    )


def _supersede_candidates(distribution: Distribution) -> None:
    """A newer file replaces the distribution: earlier unpublished candidates go."""
    names = []
    for run in _unpublished_candidates(distribution):
        names.append(run.candidate.name)
        run.candidate = ""
        fields = ["candidate"]
        if not run.decision:
            run.decision = Decision.SUPERSEDED
            fields.append("decision")
        if not run.finished:
            run.status = RunStatus.FAILED
            run.progress = 100
            run.finished_at = timezone.now()
            run.failure_code = "superseded"
            run.failure_message = _(
                "Un fichier plus récent a remplacé celui-ci avant la fin de sa validation."
            )
            fields += ["status", "progress", "finished_at", "failure_code", "failure_message"]
        run.save(update_fields=fields)
    delete_stored_after_commit(names)


def distribution_files_release(*, distribution: Distribution) -> None:
    """Called by `catalog.services.distribution_remove` before the distribution is deleted.

    Its validation runs go with it (cascade), and so do the files they kept: replacements
    never published, refused ones kept for their report, the earlier files that published
    replacements took the place of. Deleted once the removal commits (the catalog deletes
    the current file likewise); the entry's versions keep their names and checksums.
    """
    runs = ValidationRun.objects.select_for_update().filter(distribution=distribution)
    names = []
    for run in runs:
        names += [run.candidate.name or "", run.previous_file]
        names += [errors_csv_name(run), errors_counts_name(run)]
    delete_stored_after_commit(names)


def _candidate_name(filename: str) -> str:
    import uuid

    return f"distributions/{uuid.uuid4().hex}/{Path(filename).name}"


def _swap_file(
    distribution: Distribution,
    *,
    name: str,
    size: int | None,
    checksum: str,
    media_type: str,
    original_name: str,
) -> str:
    """Point the distribution at a new stored file; return the previous file's name."""
    previous = distribution.file.name
    distribution.file.name = name
    distribution.size = size
    distribution.checksum = checksum
    distribution.media_type = media_type or distribution.media_type
    distribution.format = (guess_format(original_name, distribution.media_type) or "")[:20] or (
        distribution.format
    )
    distribution.full_clean()
    distribution.save()
    Entry.objects.filter(pk=distribution.entry_id).update(modified_at=timezone.now())
    return previous


def _lock_for_run(run_id: int) -> ValidationRun | None:
    """Lock a run's entry, then its distribution, then the run: the order every service
    that touches a distribution's files follows (entry first), so that two of them never
    wait for each other (PostgreSQL would abort one as a deadlock)."""
    ids = (
        ValidationRun.objects.filter(pk=run_id)
        .values_list("distribution_id", "distribution__entry_id")
        .first()
    )
    if ids is None:
        return None
    Entry.objects.select_for_update(no_key=True).filter(pk=ids[1]).first()
    Distribution.objects.select_for_update(no_key=True).filter(pk=ids[0]).first()
    return ValidationRun.objects.select_for_update().filter(pk=run_id).first()


def _promote(run: ValidationRun, *, by: Any, decision: str) -> None:
    distribution = Distribution.objects.select_for_update(no_key=True).get(pk=run.distribution_id)
    run.previous_file = _swap_file(
        distribution,
        name=run.candidate.name,
        size=run.size,
        checksum=run.checksum,
        media_type=run.media_type,
        original_name=run.original_name,
    )
    run.decision = decision
    run.save(update_fields=["previous_file", "decision"])
    entry = Entry.objects.get(pk=distribution.entry_id)
    comment = (
        _("Nouveau fichier conforme pour « %(t)s »")
        if decision == Decision.PROMOTED
        else _("Nouveau fichier publié malgré sa validation pour « %(t)s »")
    )
    catalog_record(entry, action="update", by=by, comment=comment % {"t": distribution.title})


@transaction.atomic
def run_decide(*, run: ValidationRun, by: User, publish: bool) -> ValidationRun:
    """The agent's choice for a replacement that failed: publish it anyway, or keep the
    previous file (the rejected file stays stored, linked from the report)."""
    locked = _lock_for_run(run.pk)
    if locked is None:
        raise ValidationError(_("Ce fichier a été retiré entre-temps."))
    run = locked
    entry = Entry.objects.get(pk=run.distribution.entry_id)
    if not can(by, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    if not run.awaiting_decision:
        raise ValidationError(_("Cette validation n'attend pas de décision."))
    if publish:
        _promote(run, by=by, decision=Decision.FORCED)
    else:
        run.decision = Decision.KEPT_PREVIOUS
        run.save(update_fields=["decision"])
    return run


# --- Running a validation (called by the background task) ------------------------------


def _open_stored(name: str) -> Any:
    from django.core.files.storage import default_storage

    try:
        return Path(default_storage.path(name))
    except NotImplementedError:  # pragma: no cover - remote storage
        return default_storage.open(name, "rb")


def max_errors() -> int | None:
    """The cap on errors kept in one report (`REGION27_VALIDATION_MAX_ERRORS`; 0: none)."""
    cap = int(settings.REGION27_VALIDATION_MAX_ERRORS)
    return cap if cap > 0 else None


def run_execute(*, run_id: int) -> ValidationRun | None:
    """Validate the run's file against its schema version and store the report.

    Not atomic as a whole: the progress is written as the work goes (renewing the run's
    lease, see `core.jobs`), so that the report page can show it; the result is written
    in one transaction, only while this attempt still holds the run.
    """
    lease = lease_acquire(ValidationRun, run_id)
    if lease is None:
        return None  # taken by another attempt, already done, or deleted with its distribution
    run = ValidationRun.objects.select_related("schema_version").get(pk=run_id)
    last = [0]

    def progress(done: int, total: int | None) -> None:
        if not total:
            return
        pct = min(99, int(done * 100 / total))
        if pct >= last[0] + 5:
            last[0] = pct
            # Only while this attempt holds the run: a run superseded meanwhile, or taken
            # back after its lease expired, keeps its state (LeaseLost stops the work).
            lease.renew(progress=pct)

    report: Report | None = None
    failure: EngineInputError | None = None
    source = _open_stored(run.file_name)
    # the complete list of errors, written while validating; kept beside the report
    # only when the report lists part of them (first 1,000 of each type)
    every_error = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    try:
        with heartbeat(lease):
            report = validate(
                source,
                run.schema_version.descriptor,
                progress=progress,
                limits=engine_limits(),
                errors_csv=every_error,
            )
            if not report.complete:
                _store_every_error(run, every_error, report)
    except LeaseLost:
        return None
    except EngineInputError as error:
        failure = error
    except Exception as error:
        log.exception("Validation run %s crashed", run_id)
        failure = EngineInputError(
            "internal-error",
            _("La validation a échoué : %(e)s") % {"e": type(error).__name__},
        )
    finally:
        every_error.close()
        if hasattr(source, "close"):
            source.close()
    return _run_finish(run_id=run_id, lease=lease, report=report, failure=failure)


@transaction.atomic
def run_give_up(run_id: int, attempt: int, reason: str) -> bool:
    """Mark a run whose runner stopped `MAX_ATTEMPTS` times as failed, with `reason`
    (called by `core.jobs.leases_reap`). A replacement file is not published."""
    run = _lock_for_run(run_id)
    if run is None or not lease_stale(run, attempt):
        return False
    run.status = RunStatus.FAILED
    run.progress = 100
    run.valid = False
    run.finished_at = timezone.now()
    run.lease_until = None
    run.failure_code = INTERRUPTED
    run.failure_message = " ".join(
        [
            reason,
            _(
                "Pour relancer la validation, déposez le fichier à nouveau ou choisissez "
                "de nouveau son référentiel."
            ),
        ]
    )
    run.save()
    return True


def errors_csv_name(run: ValidationRun) -> str:
    """Stored name of the CSV of every error of ``run`` (when its report lists part)."""
    return f"validation/erreurs/{run.uuid}.csv"


def errors_counts_name(run: ValidationRun) -> str:
    """Stored name of the counts of every error of ``run`` per type, column and
    constraint (JSON, beside the CSV; the run has no field for them)."""
    return f"validation/erreurs/{run.uuid}.json"


def _store_every_error(run: ValidationRun, handle: Any, report: Report) -> None:
    from django.core.files import File
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    counts = json.dumps([c.to_dict() for c in report.counts], ensure_ascii=False)
    for name in (errors_csv_name(run), errors_counts_name(run)):
        default_storage.delete(name)  # a run executed again replaces its list
    handle.seek(0)
    default_storage.save(errors_csv_name(run), File(handle, name=f"{run.uuid}.csv"))
    default_storage.save(errors_counts_name(run), ContentFile(counts.encode("utf-8")))


@transaction.atomic
def _run_finish(
    *, run_id: int, lease: Lease, report: Report | None, failure: EngineInputError | None
) -> ValidationRun | None:
    run = _lock_for_run(run_id)
    if run is None:
        return None
    if not lease.holds(run):
        # A newer file replaced this one while it was being validated, or the lease
        # expired and another attempt took the run back.
        return run
    run.lease_until = None
    run.finished_at = timezone.now()
    run.progress = 100
    run.engine_version = engine_version()
    if report is not None:
        data = report.to_dict()
        run.status = RunStatus.DONE
        run.valid = report.valid
        run.rows = report.rows
        run.encoding = report.encoding or ""
        run.delimiter = report.delimiter or ""
        run.errors = data["errors"]
        run.warnings = data["warnings"]
        run.error_count = report.error_count  # every error, listed or not
        run.warning_count = len(report.warnings)
        run.truncated = report.truncated
    else:
        assert failure is not None
        run.status = RunStatus.FAILED
        run.valid = False
        run.failure_code = failure.code[:64]
        run.failure_message = failure.message
    run.save()
    if run.is_replacement and run.conforms and not run.decision:
        _promote(run, by=run.created_by, decision=Decision.PROMOTED)
    return run
