"""Every write to the catalog. Each function is atomic and records a version.

`_record` is the one place where a change becomes history: it stores the new
public content as a version (and, once the journal exists, appends its record in
the same transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from region27.accounts.models import Membership, Organisation, Role, User
from region27.accounts.policy import Action, actor_kind, can, role_in
from region27.catalog.kinds import KindSpec, kind_get
from region27.catalog.licences import licence_get
from region27.catalog.models import (
    Distribution,
    Entry,
    EntryVersion,
    KitItem,
    SlugRedirect,
    Status,
    Theme,
)
from region27.core.errors import NotAllowed
from region27.core.files import (
    delete_stored_after_commit,
    guess_format,
    sanitize_filename,
    sha256_of,
    storage_name,
)
from region27.core.hashing import canonical_json, sha256_hex
from region27.territories.models import Territory

MAX_KEYWORDS = 30


def _require(user: Any, action: Action, target: Entry | Organisation) -> None:
    if not can(user, action, target):
        raise NotAllowed()


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def entry_snapshot(entry: Entry) -> dict[str, Any]:
    """The entry's public content, as stored in each version and hashed by the journal."""
    spec = kind_get(entry.kind)
    snapshot: dict[str, Any] = {
        "kind": entry.kind,
        "title": entry.title,
        "slug": entry.slug,
        "summary": entry.summary,
        "body": entry.body,
        "organisation": entry.organisation.slug,
        "territories": sorted(t.typed_code for t in entry.territories.all()),
        "themes": sorted(t.slug for t in entry.themes.all()),
        "keywords": list(entry.keywords),
        "licence": entry.licence,
        "status": entry.status,
    }
    if spec is not None:
        detail = spec.detail_of(entry)
        if detail is not None:
            snapshot["detail"] = {
                name: _json_value(getattr(detail, name)) for name in spec.form_fields
            }
        if spec.extra_snapshot is not None:
            snapshot.update(spec.extra_snapshot(entry))
    return snapshot


def _record(entry: Entry, *, action: str, by: Any, comment: str = "") -> EntryVersion:
    """Keep the entry's new public content as a version (the journal hooks in here)."""
    if entry.versions.exists():
        entry.version = entry.versions.count() + 1
        Entry.objects.filter(pk=entry.pk).update(version=entry.version)
    snapshot = entry_snapshot(entry)
    role = role_in(by, entry.organisation) or actor_kind(by)
    version = EntryVersion.objects.create(
        entry=entry,
        number=entry.version,
        action=action,
        snapshot=snapshot,
        content_hash=sha256_hex(canonical_json(snapshot)),
        actor=by if getattr(by, "is_authenticated", False) else None,
        role=str(role),
        comment=comment[:500],
    )
    from region27.journal.services import journal_record_version

    journal_record_version(version=version, by=by)
    from region27.search.services import search_index_entry

    search_index_entry(entry=entry)
    return version


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    base = (slugify(base) or "fiche")[:100].strip("-") or "fiche"
    candidate, n = base, 1
    while True:
        taken = Entry.objects.filter(slug=candidate)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        redirected = SlugRedirect.objects.filter(old_slug=candidate)
        if exclude_pk is not None:
            redirected = redirected.exclude(entry_id=exclude_pk)
        if not taken.exists() and not redirected.exists():
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def _clean_keywords(keywords: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in keywords:
        word = " ".join(str(raw).split()).strip().lower()[:60]
        if word:
            seen.setdefault(word, None)
    words = list(seen)
    if len(words) > MAX_KEYWORDS:
        raise ValidationError({"keywords": _("Pas plus de %(n)d mots-clés.") % {"n": MAX_KEYWORDS}})
    return words


def _check_licence(kind: str, licence: str) -> None:
    if licence_get(licence) is None:
        raise ValidationError({"licence": _("Licence inconnue : « %(l)s ».") % {"l": licence}})


def _check_upload(upload: UploadedFile | None, field: str) -> None:
    if upload is None:
        return
    limit = settings.REGION27_MAX_UPLOAD_SIZE
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                field: _("Le fichier est trop volumineux (%(size)s) : la limite est de %(limit)s.")
                % {"size": _mb(upload.size), "limit": _mb(limit)}
            }
        )
    upload.name = sanitize_filename(upload.name or "fichier")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def _apply_detail(
    spec: KindSpec, entry: Entry, detail: dict[str, Any], *, create: bool
) -> list[tuple[Any, str]]:
    """Set the kind's detail fields; returns the files it stored (storage, name)."""
    instance = spec.detail_of(entry) if not create else None
    if instance is None:
        instance = spec.detail_model(entry=entry)
    unknown = set(detail) - set(spec.form_fields)
    if unknown:
        raise ValidationError(
            _("Champs inconnus pour cette nature de fiche : %(f)s.")
            % {"f": ", ".join(sorted(unknown))}
        )
    for name, value in detail.items():
        if name in spec.file_fields:
            if value is None or value is False:
                if value is False:
                    setattr(instance, name, "")
                continue
            _check_upload(value, name)
        setattr(instance, name, value)
    if spec.slug == "software":
        _software_parse(instance)
    instance.full_clean(exclude=["entry"])
    files = [getattr(instance, name) for name in spec.file_fields]
    new = [f for f in files if f and not f._committed]
    try:
        instance.save()  # stores the new files
    except BaseException:
        _delete_stored([(f.storage, f.name) for f in new if f._committed])
        raise
    return [(f.storage, f.name) for f in new]


def _delete_stored(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        if name:
            storage.delete(name)


def _record_or_forget_files(
    entry: Entry, files: list[tuple[Any, str]], *, action: str, by: Any, comment: str = ""
) -> None:
    """Record the change; when that fails, the files just stored go with the rolled-back
    rows (nothing half-written)."""
    try:
        _record(entry, action=action, by=by, comment=comment)
    except BaseException:
        _delete_stored(files)
        raise


def _software_parse(detail: Any) -> None:
    from region27.catalog.publiccode import parse_publiccode

    text = (detail.publiccode_yml or "").strip()
    if not text:
        detail.publiccode = {}
        detail.development_status = ""
        return
    result = parse_publiccode(text)
    if not result.valid:
        raise ValidationError(
            {
                "publiccode_yml": [
                    f"{issue.key} : {issue.message}" if issue.key else issue.message
                    for issue in result.errors
                ]
            }
        )
    detail.publiccode = result.data or {}
    detail.development_status = result.development_status or ""


def _set_relations(
    entry: Entry,
    *,
    territories: Sequence[Territory] | None,
    themes: Sequence[Theme | str] | None,
) -> None:
    if territories is not None:
        entry.territories.set(territories)
    if themes is not None:
        theme_objs = [t if isinstance(t, Theme) else None for t in themes]
        slugs = [t for t in themes if isinstance(t, str)]
        if slugs:
            found = {t.slug: t for t in Theme.objects.filter(slug__in=slugs)}
            missing = sorted(set(slugs) - set(found))
            if missing:
                raise ValidationError(
                    {"themes": _("Thème inconnu : %(t)s.") % {"t": ", ".join(missing)}}
                )
            theme_objs += list(found.values())
        entry.themes.set([t for t in theme_objs if t is not None])


@transaction.atomic
def entry_create(
    *,
    by: User,
    organisation: Organisation,
    kind: str,
    title: str,
    summary: str,
    licence: str,
    body: str = "",
    slug: str = "",
    territories: Sequence[Territory] = (),
    themes: Sequence[Theme | str] = (),
    keywords: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    is_demo: bool = False,
) -> Entry:
    """Create a draft entry of `kind` for `organisation`."""
    _require(by, Action.ENTRY_CREATE, organisation)
    spec = kind_get(kind)
    if spec is None:
        raise ValidationError({"kind": _("Nature de fiche inconnue : « %(k)s ».") % {"k": kind}})
    _check_licence(kind, licence)
    entry = Entry(
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        body=body,
        organisation=organisation,
        licence=licence,
        keywords=_clean_keywords(keywords),
        status=Status.DRAFT,
        created_by=by,
        is_demo=is_demo,
    )
    entry.slug = _unique_slug(slug or title)
    entry.full_clean()
    entry.save()
    _set_relations(entry, territories=territories, themes=themes)
    stored = _apply_detail(spec, entry, detail or {}, create=True)
    _record_or_forget_files(entry, stored, action="create", by=by)
    return entry


ENTRY_FIELDS = ("title", "summary", "body", "licence", "keywords", "slug")


@transaction.atomic
def entry_update(
    *,
    entry: Entry,
    by: User,
    territories: Sequence[Territory] | None = None,
    themes: Sequence[Theme | str] | None = None,
    detail: dict[str, Any] | None = None,
    comment: str = "",
    **changes: Any,
) -> Entry:
    """Change an entry's content; a new slug leaves a 301 behind the old one."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_EDIT, entry)
    unknown = set(changes) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(_("Champs inconnus : %(f)s.") % {"f": ", ".join(sorted(unknown))})
    old_slug = entry.slug
    for name, value in changes.items():
        if name == "keywords":
            value = _clean_keywords(value)
        elif name == "licence":
            _check_licence(entry.kind, value)
        elif name in ("title", "summary") and isinstance(value, str):
            value = value.strip()
        setattr(entry, name, value)
    if "slug" in changes:
        # A slug of punctuation only ("%%%") slugifies to nothing: keep the title's.
        wanted = slugify(changes["slug"] or "") or slugify(entry.title)
        entry.slug = _unique_slug(wanted, exclude_pk=entry.pk) if wanted != old_slug else old_slug
    entry.full_clean()
    entry.save()
    if entry.slug != old_slug:
        SlugRedirect.objects.filter(old_slug=entry.slug).delete()
        SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"entry": entry})
    _set_relations(entry, territories=territories, themes=themes)
    spec = kind_get(entry.kind)
    stored = []
    if detail is not None and spec is not None:
        stored = _apply_detail(spec, entry, detail, create=False)
    _record_or_forget_files(entry, stored, action="update", by=by, comment=comment)
    return entry


def _notify_elus(entry: Entry) -> None:
    if entry.is_demo:
        return  # demonstration content is created in bulk for fictitious addresses
    emails = list(
        Membership.objects.filter(organisation=entry.organisation, role=Role.ELU)
        .select_related("user")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    url = f"{settings.SITE_URL}{entry.get_absolute_url()}"
    subject = f"{settings.EMAIL_SUBJECT_PREFIX}" + _("À valider : %(t)s") % {"t": entry.title}
    body = _(
        "Bonjour,\n\nUne fiche de %(org)s attend votre validation :\n%(title)s\n%(url)s\n\n"
        "Votre file « à valider » : %(queue)s\n\n— %(site)s"
    ) % {
        "org": entry.organisation.name,
        "title": entry.title,
        "url": url,
        "queue": f"{settings.SITE_URL}/a-valider/",
        "site": settings.SITE_NAME,
    }
    messages = tuple((subject, body, settings.DEFAULT_FROM_EMAIL, [e]) for e in emails)
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))


@transaction.atomic
def entry_submit(*, entry: Entry, by: User) -> Entry:
    """Ask the élus to validate a draft (or, where none is required, mark it ready)."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_SUBMIT, entry)
    entry.status = Status.SUBMITTED
    entry.submitted_at = timezone.now()
    entry.save(update_fields=["status", "submitted_at", "modified_at"])
    _record(entry, action="submit", by=by)
    if entry.organisation.requires_validation:
        _notify_elus(entry)
    return entry


@transaction.atomic
def entry_publish(*, entry: Entry, by: User) -> Entry:
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_PUBLISH, entry)
    entry.status = Status.PUBLISHED
    entry.published_at = timezone.now()
    entry.archived_at = None
    entry.save(update_fields=["status", "published_at", "archived_at", "modified_at"])
    _record(entry, action="publish", by=by)
    return entry


@transaction.atomic
def entry_reject(*, entry: Entry, by: User, comment: str) -> Entry:
    """An élu sends a submitted entry back to its authors, saying why."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_REJECT, entry)
    if not comment.strip():
        raise ValidationError({"comment": _("Dites aux agents ce qui doit changer.")})
    entry.status = Status.DRAFT
    entry.save(update_fields=["status", "modified_at"])
    _record(entry, action="reject", by=by, comment=comment.strip())
    return entry


@transaction.atomic
def entry_archive(*, entry: Entry, by: User) -> Entry:
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_ARCHIVE, entry)
    entry.status = Status.ARCHIVED
    entry.archived_at = timezone.now()
    entry.save(update_fields=["status", "archived_at", "modified_at"])
    _record(entry, action="archive", by=by)
    return entry


@transaction.atomic
def distribution_add(
    *,
    entry: Entry,
    by: User,
    title: str,
    file: UploadedFile | None = None,
    url: str = "",
    description: str = "",
    format: str = "",
) -> Distribution:
    """Attach a file or a link to a dataset."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_EDIT, entry)
    if entry.kind != "dataset":
        raise ValidationError(_("Seuls les jeux de données ont des fichiers ou liens."))
    if (file is None) == (not url):
        raise ValidationError(_("Donnez soit un fichier, soit une adresse, pas les deux."))
    _check_upload(file, "file")
    distribution = Distribution(
        entry=entry,
        title=title.strip() or ((file.name if file else url) or "")[:200],
        description=description,
        url=url,
        position=entry.distributions.count(),
    )
    if file is not None:
        distribution.media_type = (getattr(file, "content_type", "") or "")[:100]
        distribution.size = file.size
        distribution.checksum = sha256_of(file)
        file.seek(0)
        distribution.format = (format or guess_format(file.name or "", distribution.media_type))[
            :20
        ]
        distribution.file.save(file.name or "fichier", file, save=False)
    else:
        distribution.format = (format or guess_format(url.split("?")[0], None))[:20]
    try:
        distribution.full_clean()
        distribution.save()
        Entry.objects.filter(pk=entry.pk).update(modified_at=timezone.now())
        _record(
            entry,
            action="update",
            by=by,
            comment=_("Ajout de « %(t)s »") % {"t": distribution.title},
        )
    except BaseException:
        # Nothing half-written: the stored file goes with the rolled-back row.
        if distribution.file:
            distribution.file.delete(save=False)
        raise
    return distribution


@transaction.atomic
def distribution_remove(*, distribution: Distribution, by: User) -> None:
    entry = Entry.objects.select_for_update(no_key=True).get(pk=distribution.entry_id)
    _require(by, Action.ENTRY_EDIT, entry)
    # Its current row (a replacement may have been promoted since it was read).
    current = Distribution.objects.filter(pk=distribution.pk).first()
    if current is None:
        return  # removed meanwhile (a second click): nothing left to do, nothing to record
    distribution = current
    title = distribution.title
    from region27.validation.services import distribution_files_release

    # Every file it served or received goes once the removal commits (the usual reason
    # to remove one is a mistake): the current one, those the entry's versions name for
    # it (files it replaced), those its validations kept. The versions keep their names
    # and checksums.
    names = {distribution.file.name} if distribution.file else set()
    uuid = str(distribution.uuid)
    for snapshot in EntryVersion.objects.filter(entry=entry).values_list("snapshot", flat=True):
        for item in (snapshot or {}).get("distributions", []):
            if isinstance(item, dict) and item.get("uuid") == uuid and item.get("file"):
                names.add(str(item["file"]))
    distribution_files_release(distribution=distribution)  # the files of its validations
    distribution.delete()
    delete_stored_after_commit(sorted(names))
    _record(entry, action="update", by=by, comment=_("Retrait de « %(t)s »") % {"t": title})


@dataclass
class PurgeReport:
    name: str
    exists: bool
    in_use: list[str]  # what serves the file now (the purge is refused while it does)
    versions: int  # versions of entries that name it (they keep its name and checksum)
    deleted: bool = False


def _stored_name(name: str) -> str:
    """A name inside the storage, as the models store it (no absolute path, no `..`)."""
    clean = storage_name(name)
    if clean is None:
        raise ValidationError(
            _("Nom de fichier stocké invalide : « %(n)s » (exemple : distributions/…/a.csv).")
            % {"n": name[:200]}
        )
    return clean


def stored_file_purge(*, name: str, apply: bool = False) -> PurgeReport:
    """Delete a stored file published by mistake (personal data, say) that a distribution
    still present keeps: an earlier file it replaced, a file refused at validation.

    Refused while a distribution, a kind's own file field or a pending replacement
    serves it: remove or replace that first (removing a distribution deletes its files).
    The versions that name it keep its name and checksum (the public journal stays
    verifiable: it holds checksums, not files). Without `apply`, only says what would
    happen.
    """
    from django.core.files.storage import default_storage

    from region27.catalog.kinds import kind_all
    from region27.validation.models import ValidationRun

    name = _stored_name(name)
    in_use = [
        _("fichier « %(t)s » de la fiche « %(e)s »") % {"t": d.title, "e": d.entry.slug}
        for d in Distribution.objects.filter(file=name).select_related("entry")
    ]
    for spec in kind_all():
        model: Any = spec.detail_model
        for field_name in spec.file_fields:
            for detail in model.objects.filter(**{field_name: name}).select_related("entry"):
                in_use.append(_("document de la fiche « %(e)s »") % {"e": detail.entry.slug})
    for run in ValidationRun.objects.filter(candidate=name, decision="").select_related(
        "distribution__entry"
    ):
        in_use.append(
            _("remplacement en attente pour la fiche « %(e)s »")
            % {"e": run.distribution.entry.slug}
        )
    report = PurgeReport(
        name=name,
        exists=_is_stored_file(default_storage, name),
        in_use=in_use,
        versions=_versions_naming(name),
    )
    if apply and report.exists and not in_use:
        try:
            default_storage.delete(name)
        except OSError as error:
            raise ValidationError(
                _("Le fichier n'a pas pu être supprimé : %(e)s") % {"e": error}
            ) from error
        # Reports stop linking it (a refused file kept for its report, say).
        ValidationRun.objects.filter(candidate=name).update(candidate="")
        report.deleted = True
    return report


def _is_stored_file(storage: Any, name: str) -> bool:
    """A file (not a folder) in the storage."""
    import os

    try:
        return os.path.isfile(storage.path(name))
    except NotImplementedError:  # a storage without local paths
        return bool(storage.exists(name))


def _versions_naming(name: str) -> int:
    """How many entry versions name the file exactly (JSON may escape its accents)."""
    import json

    escaped = json.dumps(name)[1:-1]
    found = EntryVersion.objects.filter(
        models.Q(snapshot__icontains=name) | models.Q(snapshot__icontains=escaped)
    )

    def names(value: Any) -> bool:
        if isinstance(value, str):
            return value == name
        if isinstance(value, dict):
            return any(names(v) for v in value.values())
        if isinstance(value, list):
            return any(names(v) for v in value)
        return False

    return sum(1 for snapshot in found.values_list("snapshot", flat=True) if names(snapshot))


@transaction.atomic
def kit_set_items(*, entry: Entry, by: User, items: Sequence[tuple[Entry, str]]) -> Entry:
    """Replace a kit's ordered list of entries."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_EDIT, entry)
    if entry.kind != "kit":
        raise ValidationError(_("Seuls les kits contiennent d'autres fiches."))
    ids = [item.pk for item, _note in items]
    if entry.pk in ids:
        raise ValidationError(_("Un kit ne peut pas se contenir lui-même."))
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Une fiche apparaît deux fois dans le kit."))
    entry.kit_items.all().delete()
    KitItem.objects.bulk_create(
        KitItem(kit=entry, item=item, position=i, note=note[:300])
        for i, (item, note) in enumerate(items)
    )
    _record(entry, action="update", by=by)
    return entry
