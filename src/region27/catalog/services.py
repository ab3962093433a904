"""Every write to the catalog. Each function is atomic and records a version.

`record_change` is the one place where a change becomes history: it stores the new
public content as a version, appends its record to the public journal and updates
the search index, in the caller's transaction. Other apps that change an entry's
public content (validation, evaluation) call it too.

Where the organisation's élus validate, a change to a published entry is a pending
`EntryRevision` (`entry_update`, `distribution_add`, `distribution_remove`,
`kit_set_items` turn into one): the entry stays as approved until an élu calls
`revision_approve`, which applies the revision through the same functions as a
direct change, then `record_change`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from region27.accounts.models import Membership, Organisation, Role, User
from region27.accounts.policy import (
    Action,
    actor_kind,
    can,
    can_change,
    changes_need_approval,
    role_in,
)
from region27.catalog import hooks
from region27.catalog.kinds import KindSpec, kind_get
from region27.catalog.licences import licence_get
from region27.catalog.models import (
    Distribution,
    Entry,
    EntryRevision,
    EntryVersion,
    KitItem,
    RevisionState,
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
from region27.core.hashing import canonical_json, json_value, sha256_hex
from region27.territories.models import Territory

MAX_KEYWORDS = 30


def _require(user: Any, action: Action, target: Entry | Organisation) -> None:
    if not can(user, action, target):
        raise NotAllowed()


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
                name: json_value(getattr(detail, name)) for name in spec.form_fields
            }
        if spec.extra_snapshot is not None:
            snapshot.update(spec.extra_snapshot(entry))
    return snapshot


def record_change(entry: Entry, *, action: str, by: Any, comment: str = "") -> EntryVersion:
    """Keep the entry's current content as its next version, in the caller's transaction.

    Call it after every change of what `entry_snapshot` shows (the entry, its detail,
    its files, or what a kind adds to the snapshot), once per change, inside the
    same `transaction.atomic` as the change: it stores the `EntryVersion` (snapshot
    and SHA-256, with who and in which role), appends the public journal's record
    and updates the search index. `action` is one of `VERSION_ACTIONS` ("update" for
    an ordinary change); `comment` (500 characters) says what changed.

    Refuses an ordinary change of a published entry whose organisation's élus validate
    (`NotAllowed`, the caller's transaction rolls back): there, only an approved
    revision (`revision_approve`) changes what the public sees, whichever app writes.
    """
    if action == "update" and changes_need_approval(entry):
        raise NotAllowed(
            _(
                "Cette fiche publiée ne change qu'après la validation d'un élu de son "
                "organisation : proposez la modification."
            )
        )
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
            if isinstance(value, str):  # a file already stored (an approved revision's)
                setattr(instance, name, value)
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
        record_change(entry, action=action, by=by, comment=comment)
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


def _apply_content(
    entry: Entry,
    *,
    changes: dict[str, Any],
    territories: Sequence[Territory] | None,
    themes: Sequence[Theme | str] | None,
    detail: dict[str, Any] | None,
) -> list[tuple[Any, str]]:
    """Change the locked entry's content (a new slug leaves a 301 behind the old one);
    returns the files it stored. Shared by a direct change and an approved revision."""
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
    if detail is not None and spec is not None:
        return _apply_detail(spec, entry, detail, create=False)
    return []


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
    """Change an entry's content; a new slug leaves a 301 behind the old one.

    Where an élu must approve the change (a published entry of an organisation with
    validation), the change becomes the entry's pending revision instead (checked as
    a direct change would be) and the entry is returned unchanged.
    """
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    if _proposes(by, entry):
        _revision_propose_content(
            entry,
            by=by,
            changes=changes,
            territories=territories,
            themes=themes,
            detail=detail,
            comment=comment,
        )
        return entry
    _require(by, Action.ENTRY_EDIT, entry)
    stored = _apply_content(
        entry, changes=changes, territories=territories, themes=themes, detail=detail
    )
    _record_or_forget_files(entry, stored, action="update", by=by, comment=comment)
    return entry


def _proposes(by: Any, entry: Entry) -> bool:
    """The change waits for an élu: a pending revision, not a direct change."""
    return not can(by, Action.ENTRY_EDIT, entry) and can(by, Action.ENTRY_PROPOSE, entry)


def _notify_elus(entry: Entry, *, revision: bool = False) -> None:
    if entry.is_demo:
        return  # demonstration content is created in bulk for fictitious addresses
    emails = list(
        Membership.objects.filter(organisation=entry.organisation, role=Role.ELU)
        .select_related("user")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    url = f"{settings.SITE_URL}{reverse('web:entry_review', kwargs={'slug': entry.slug})}"
    subject = f"{settings.EMAIL_SUBJECT_PREFIX}" + (
        _("Modification à valider : %(t)s") if revision else _("À valider : %(t)s")
    ) % {"t": entry.title}
    body = (
        _(
            "Bonjour,\n\nLes agents de %(org)s proposent une modification de la fiche "
            "publiée :\n%(title)s\nLe public voit la version validée tant que vous "
            "n'avez pas validé la modification.\nLa relire : %(url)s\n\n"
            "Votre file « à valider » : %(queue)s\n\n— %(site)s"
        )
        if revision
        else _(
            "Bonjour,\n\nUne fiche de %(org)s attend votre validation :\n%(title)s\n%(url)s\n\n"
            "Votre file « à valider » : %(queue)s\n\n— %(site)s"
        )
    ) % {
        "org": entry.organisation.name,
        "title": entry.title,
        "url": url,
        "queue": f"{settings.SITE_URL}{reverse('web:queue')}",
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
    record_change(entry, action="submit", by=by)
    if entry.organisation.requires_validation:
        _notify_elus(entry)
    return entry


@transaction.atomic
def entry_publish(*, entry: Entry, by: User, seen_version: int | None = None) -> Entry:
    """Publish the entry. `seen_version` is the version the élu reviewed: if the entry
    changed since, nothing is published."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_PUBLISH, entry)
    if seen_version is not None and seen_version != entry.version:
        raise ValidationError(
            _("La fiche a changé pendant votre relecture : relisez-la."), code="changed"
        )
    entry.status = Status.PUBLISHED
    entry.published_at = timezone.now()
    entry.archived_at = None
    entry.save(update_fields=["status", "published_at", "archived_at", "modified_at"])
    record_change(entry, action="publish", by=by)
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
    record_change(entry, action="reject", by=by, comment=comment.strip())
    return entry


@transaction.atomic
def entry_archive(*, entry: Entry, by: User) -> Entry:
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    _require(by, Action.ENTRY_ARCHIVE, entry)
    pending = _pending(entry)
    if pending is not None:  # nobody could decide on it any more
        _revision_close(pending, state=RevisionState.ABANDONED, by=by)
    entry.status = Status.ARCHIVED
    entry.archived_at = timezone.now()
    entry.save(update_fields=["status", "archived_at", "modified_at"])
    record_change(entry, action="archive", by=by)
    return entry


class DistributionFields(TypedDict, total=False):
    """What `distribution_add` takes besides the entry and the person (for services of
    other apps that add a distribution and do more)."""

    title: Required[str]
    file: UploadedFile | None
    url: str
    description: str
    format: str


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
    """Attach a file or a link to a dataset.

    Where an élu must approve the change, the file is stored as a candidate of the
    entry's pending revision and the distribution returned is not saved (the public
    sees it once an élu approves the revision).
    """
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    proposes = _proposes(by, entry)
    if not proposes:
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
    if proposes:
        return _revision_propose_distribution(
            entry, by=by, distribution=distribution, file=file, format=format
        )
    if file is not None:
        _describe_file(distribution, file, format)
        distribution.file.save(file.name or "fichier", file, save=False)
    else:
        distribution.format = (format or guess_format(url.split("?")[0], None))[:20]
    try:
        distribution.full_clean()
        distribution.save()
        Entry.objects.filter(pk=entry.pk).update(modified_at=timezone.now())
        record_change(
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


def _describe_file(distribution: Distribution, file: UploadedFile, format: str = "") -> None:
    """Size, type, checksum and format of a distribution's new file."""
    distribution.media_type = (getattr(file, "content_type", "") or "")[:100]
    distribution.size = file.size
    distribution.checksum = sha256_of(file)
    file.seek(0)
    distribution.format = (format or guess_format(file.name or "", distribution.media_type))[:20]


@transaction.atomic
def distribution_remove(*, distribution: Distribution, by: User) -> None:
    """Remove a file or link (a pending revision's removal where an élu must approve)."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=distribution.entry_id)
    proposes = _proposes(by, entry)
    if not proposes:
        _require(by, Action.ENTRY_EDIT, entry)
    # Its current row (a replacement may have been promoted since it was read).
    current = Distribution.objects.filter(pk=distribution.pk).first()
    if current is None:
        return  # removed meanwhile (a second click): nothing left to do, nothing to record
    if proposes:
        _revision_propose_removal(entry, by=by, distribution=current)
        return
    title = current.title
    _distribution_delete(entry, current)
    record_change(entry, action="update", by=by, comment=_("Retrait de « %(t)s »") % {"t": title})


def _distribution_delete(entry: Entry, distribution: Distribution) -> None:
    """Delete a distribution and, once that commits, every file it served or received
    (the usual reason to remove one is a mistake): the current one, those the entry's
    versions name for it (files it replaced), those the apps kept for it (registered
    with `hooks.on_distribution_removed`). The versions keep their names and checksums."""
    names = {distribution.file.name} if distribution.file else set()
    uuid = str(distribution.uuid)
    for snapshot in EntryVersion.objects.filter(entry=entry).values_list("snapshot", flat=True):
        for item in (snapshot or {}).get("distributions", []):
            if isinstance(item, dict) and item.get("uuid") == uuid and item.get("file"):
                names.add(str(item["file"]))
    hooks.distribution_removed(distribution)
    distribution.delete()
    delete_stored_after_commit(sorted(names))


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

    Refused while a distribution, a kind's own file field, a pending revision or what
    another app registered (`hooks.on_stored_file_uses`: a pending replacement, say)
    uses it: remove or replace that first (removing a distribution deletes its files).
    The versions that name it keep its name and checksum (the public journal stays
    verifiable: it holds checksums, not files). Without `apply`, only says what would
    happen.
    """
    from django.core.files.storage import default_storage

    from region27.catalog.kinds import kind_all

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
    for revision in EntryRevision.objects.filter(state=RevisionState.PENDING).select_related(
        "entry"
    ):
        if name in revision.stored_files:
            in_use.append(
                _("modification en attente de validation de la fiche « %(e)s »")
                % {"e": revision.entry.slug}
            )
    in_use += hooks.stored_file_uses(name)
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
        hooks.stored_file_purged(name)
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
    """Replace a kit's ordered list of entries (a pending revision where an élu must
    approve the change)."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    proposes = _proposes(by, entry)
    if not proposes:
        _require(by, Action.ENTRY_EDIT, entry)
    if entry.kind != "kit":
        raise ValidationError(_("Seuls les kits contiennent d'autres fiches."))
    ids = [item.pk for item, _note in items]
    if entry.pk in ids:
        raise ValidationError(_("Un kit ne peut pas se contenir lui-même."))
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Une fiche apparaît deux fois dans le kit."))
    pairs = [(item.pk, note[:300]) for item, note in items]
    if proposes:
        wanted = [list(pair) for pair in pairs]
        differs = [[i.item_id, i.note] for i in entry.kit_items.all()] != wanted
        revision = _pending(entry)
        if differs or revision is not None:
            revision = revision or _revision_open(entry, by=by)
            if differs:
                revision.changes["kit"] = wanted
            else:
                revision.changes.pop("kit", None)
            _revision_save(revision, entry)
        return entry
    _apply_kit(entry, pairs)
    record_change(entry, action="update", by=by)
    return entry


def _apply_kit(entry: Entry, pairs: Sequence[tuple[int, str]]) -> None:
    entry.kit_items.all().delete()
    KitItem.objects.bulk_create(
        KitItem(kit=entry, item_id=item_id, position=i, note=note)
        for i, (item_id, note) in enumerate(pairs)
    )


# --- Pending revisions: changes to a published entry that wait for an élu -------------


class _Rollback(Exception):
    """Raised inside a savepoint to undo a trial application."""


def _pending(entry: Entry) -> EntryRevision | None:
    return (
        EntryRevision.objects.select_for_update()
        .filter(entry=entry, state=RevisionState.PENDING)
        .first()
    )


def _revision_open(entry: Entry, *, by: Any) -> EntryRevision:
    """The entry's pending revision, or a new one (saved by `_revision_save`)."""
    revision = _pending(entry)
    if revision is None:
        revision = EntryRevision(entry=entry, created_by=by, changes={}, files=[])
    return revision


def _revision_is_empty(revision: EntryRevision) -> bool:
    return not any(revision.changes.get(k) is not None for k in revision.changes) and not (
        revision.files
    )


def _revision_save(revision: EntryRevision, entry: Entry) -> None:
    """Save the revision; an empty one (every change undone) is abandoned; the élus are
    told of a new one."""
    new = revision.pk is None
    if _revision_is_empty(revision):
        if not new:
            revision.state = RevisionState.ABANDONED
            revision.decided_at = timezone.now()
            revision.save()
        return
    revision.full_clean()
    revision.save()
    if new:
        _notify_elus(entry, revision=True)


def _store_candidate(revision: EntryRevision, upload: UploadedFile) -> str:
    """Store a revision's candidate file beside the published ones (not served to the
    public: no distribution names it until an élu approves)."""
    from pathlib import PurePath

    from django.core.files.storage import default_storage

    name = PurePath(upload.name or "fichier").name
    return str(default_storage.save(f"revisions/{revision.uuid.hex}/{name}", upload))


def _content_state(entry: Entry) -> dict[str, Any]:
    """What a revision may change, read from the database, comparable as JSON."""
    spec = kind_get(entry.kind)
    state: dict[str, Any] = {
        "fields": {name: getattr(entry, name) for name in ENTRY_FIELDS},
        "territories": sorted(entry.territories.values_list("pk", flat=True)),
        "themes": sorted(entry.themes.values_list("slug", flat=True)),
        "detail": {},
    }
    detail = spec.detail_of(entry) if spec is not None else None
    if spec is not None and detail is not None:
        state["detail"] = {
            name: json_value(getattr(detail, name))
            for name in spec.form_fields
            if name not in spec.file_fields
        }
    return state


def _revision_propose_content(
    entry: Entry,
    *,
    by: Any,
    changes: dict[str, Any],
    territories: Sequence[Territory] | None,
    themes: Sequence[Theme | str] | None,
    detail: dict[str, Any] | None,
    comment: str,
) -> EntryRevision | None:
    """Turn a change of a published entry into its pending revision: the change is
    tried (and checked) exactly as a direct one, then undone; what differs from the
    published entry is kept in the revision."""
    spec = kind_get(entry.kind)
    file_fields = spec.file_fields if spec is not None else ()
    plain = {k: v for k, v in (detail or {}).items() if k not in file_fields}
    uploads = {k: v for k, v in (detail or {}).items() if k in file_fields and v is not None}
    for name, upload in uploads.items():
        if upload is not False:
            _check_upload(upload, name)
    scratch = Entry.objects.get(pk=entry.pk)
    before = _content_state(scratch)
    try:
        with transaction.atomic():
            _apply_content(
                scratch,
                changes=changes,
                territories=territories,
                themes=themes,
                detail=plain if detail is not None else None,
            )
            after = _content_state(Entry.objects.get(pk=entry.pk))
            raise _Rollback
    except _Rollback:
        pass
    revision = _revision_open(entry, by=by)
    proposed: dict[str, Any] = revision.changes
    fields = dict(proposed.get("fields") or {})
    for name in changes:
        if after["fields"][name] != before["fields"][name]:
            fields[name] = after["fields"][name]
        else:
            fields.pop(name, None)
    proposed["fields"] = fields or None
    for key, given in (("territories", territories), ("themes", themes)):
        if given is not None:
            proposed[key] = after[key] if after[key] != before[key] else None
    details = dict(proposed.get("detail") or {})
    for name in plain:
        if after["detail"].get(name) != before["detail"].get(name):
            details[name] = after["detail"].get(name)
        else:
            details.pop(name, None)
    replaced: list[str] = []
    stored: list[str] = []
    try:
        for name, upload in uploads.items():
            earlier = details.get(name)
            if isinstance(earlier, dict) and earlier.get("file"):
                replaced.append(earlier["file"])
            if upload is False:
                details[name] = False
            else:
                saved = _store_candidate(revision, upload)
                stored.append(saved)
                details[name] = {"file": saved, "name": upload.name, "size": upload.size}
        proposed["detail"] = details or None
        revision.changes = {k: v for k, v in proposed.items() if v is not None}
        if comment.strip():
            revision.comment = comment.strip()[:500]
        _revision_save(revision, entry)
    except BaseException:
        _delete_stored([(_default_storage(), name) for name in stored])
        raise
    delete_stored_after_commit(replaced)
    return revision


def _default_storage() -> Any:
    from django.core.files.storage import default_storage

    return default_storage


def _revision_propose_distribution(
    entry: Entry, *, by: Any, distribution: Distribution, file: UploadedFile | None, format: str
) -> Distribution:
    revision = _revision_open(entry, by=by)
    if file is not None:
        _describe_file(distribution, file, format)
    else:
        distribution.format = (format or guess_format(distribution.url.split("?")[0], None))[:20]
    distribution.full_clean(exclude=["file", "entry"])
    stored = ""
    try:
        if file is not None:
            stored = _store_candidate(revision, file)
            distribution.file.name = stored
        revision.files = [
            *revision.files,
            {
                "op": "add",
                "key": distribution.uuid.hex,
                "title": distribution.title,
                "description": distribution.description,
                "url": distribution.url,
                "file": stored,
                "original_name": (file.name if file else "") or "",
                "format": distribution.format,
                "media_type": distribution.media_type,
                "size": distribution.size,
                "checksum": distribution.checksum,
            },
        ]
        _revision_save(revision, entry)
    except BaseException:
        if stored:
            _default_storage().delete(stored)
        raise
    return distribution


def _revision_propose_removal(entry: Entry, *, by: Any, distribution: Distribution) -> None:
    revision = _revision_open(entry, by=by)
    uuid = str(distribution.uuid)
    dropped = [op for op in revision.files if op.get("uuid") == uuid and op["op"] == "replace"]
    kept = [op for op in revision.files if op not in dropped]
    if not any(op.get("uuid") == uuid and op["op"] == "remove" for op in kept):
        kept.append({"op": "remove", "key": _uuid_hex(), "uuid": uuid, "title": distribution.title})
    revision.files = kept
    _revision_save(revision, entry)
    delete_stored_after_commit([op.get("file") or "" for op in dropped])


def _uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex


@transaction.atomic
def revision_distribution_replace(
    *, distribution: Distribution, by: User, file: UploadedFile
) -> EntryRevision:
    """Propose a new file for a distribution of a published entry whose organisation's
    élus validate: the public keeps the current file until an élu approves."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=distribution.entry_id)
    _require(by, Action.ENTRY_PROPOSE, entry)
    distribution = Distribution.objects.get(pk=distribution.pk)
    if not distribution.file:
        raise ValidationError(_("Ce lien n'a pas de fichier à remplacer."))
    _check_upload(file, "file")
    revision = _revision_open(entry, by=by)
    uuid = str(distribution.uuid)
    dropped = [op for op in revision.files if op.get("uuid") == uuid]
    candidate = Distribution(entry=entry, title=distribution.title)
    _describe_file(candidate, file)
    stored = _store_candidate(revision, file)
    try:
        revision.files = [op for op in revision.files if op not in dropped] + [
            {
                "op": "replace",
                "key": _uuid_hex(),
                "uuid": uuid,
                "title": distribution.title,
                "file": stored,
                "original_name": file.name or "",
                "format": candidate.format,
                "media_type": candidate.media_type,
                "size": candidate.size,
                "checksum": candidate.checksum,
            }
        ]
        _revision_save(revision, entry)
    except BaseException:
        _default_storage().delete(stored)
        raise
    delete_stored_after_commit([op.get("file") or "" for op in dropped])
    return revision


@transaction.atomic
def revision_withdraw_file(*, revision: EntryRevision, by: User, key: str) -> EntryRevision:
    """Take one file operation (an addition, a replacement, a removal) out of the
    pending revision; its candidate file is deleted after commit."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=revision.entry_id)
    _require(by, Action.ENTRY_PROPOSE, entry)
    locked = _pending(entry)
    if locked is None or locked.pk != revision.pk:
        raise ValidationError(_("Cette modification n'est plus en attente."))
    op = locked.file_op(key)
    if op is None:
        return locked
    locked.files = [o for o in locked.files if o.get("key") != key]
    _revision_save(locked, entry)
    delete_stored_after_commit([op.get("file") or ""])
    return locked


def _apply_file_op(entry: Entry, op: dict[str, Any]) -> None:
    """One file operation of an approved revision, as a direct change would do it."""
    import uuid

    if op["op"] == "add":
        distribution = Distribution(
            entry=entry,
            uuid=uuid.UUID(op["key"]),
            title=op["title"],
            description=op.get("description", ""),
            url=op.get("url", ""),
            format=op.get("format", ""),
            media_type=op.get("media_type", ""),
            size=op.get("size"),
            checksum=op.get("checksum", ""),
            position=entry.distributions.count(),
        )
        distribution.file.name = op.get("file") or ""
        distribution.full_clean()
        distribution.save()
        return
    found = Distribution.objects.filter(entry=entry, uuid=op["uuid"]).first()
    if found is None:
        return  # removed meanwhile
    if op["op"] == "remove":
        _distribution_delete(entry, found)
    elif op["op"] == "replace":
        # The previous file stays stored: the entry's versions name it.
        found.file.name = op["file"]
        found.size = op.get("size")
        found.checksum = op.get("checksum", "")
        found.media_type = op.get("media_type") or found.media_type
        found.format = op.get("format") or found.format
        found.full_clean()
        found.save()


def _apply_revision(entry: Entry, revision: EntryRevision) -> None:
    """Apply a revision to the locked entry through the direct change's functions."""
    proposed = revision.changes
    detail = None
    if proposed.get("detail"):
        detail = {
            name: value["file"] if isinstance(value, dict) else value
            for name, value in proposed["detail"].items()
        }
    territories = None
    if proposed.get("territories") is not None:
        territories = list(Territory.objects.filter(pk__in=proposed["territories"]))
    _apply_content(
        entry,
        changes=dict(proposed.get("fields") or {}),
        territories=territories,
        themes=proposed.get("themes"),
        detail=detail,
    )
    if proposed.get("kit") is not None:
        ids = [i for i, _n in proposed["kit"]]
        existing = set(Entry.objects.filter(pk__in=ids).values_list("pk", flat=True))
        _apply_kit(entry, [(i, n) for i, n in proposed["kit"] if i in existing])
    for op in revision.files:
        _apply_file_op(entry, op)
    Entry.objects.filter(pk=entry.pk).update(modified_at=timezone.now())


def revision_preview(*, revision: EntryRevision, user: Any) -> dict[str, Any]:
    """The snapshot the entry would have once the revision is approved (tried in a
    savepoint, then undone: the same code as the approval)."""
    entry = Entry.objects.get(pk=revision.entry_id)
    if not can(user, Action.ENTRY_VIEW_DRAFT, entry):
        raise NotAllowed()
    snapshot: dict[str, Any] = {}
    try:
        with transaction.atomic():
            _apply_revision(entry, revision)
            snapshot = entry_snapshot(Entry.objects.get(pk=entry.pk))
            raise _Rollback
    except _Rollback:
        pass
    return snapshot


@transaction.atomic
def revision_approve(
    *, revision: EntryRevision, by: User, comment: str = "", seen: str | None = None
) -> Entry:
    """An élu approves the pending revision: it becomes the public entry (a new version,
    its journal record and the search index, in one transaction). `seen` is the
    revision's `digest` as the élu read it: if the agents changed it since, nothing is
    approved."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=revision.entry_id)
    _require(by, Action.ENTRY_REVIEW, entry)
    locked = _pending(entry)
    if locked is None or locked.pk != revision.pk:
        raise ValidationError(_("Cette modification a déjà été traitée."))
    if seen is not None and seen != locked.digest:
        raise ValidationError(
            _("La modification a changé pendant votre relecture : relisez-la."), code="changed"
        )
    _apply_revision(entry, locked)
    locked.state = RevisionState.APPROVED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    entry = Entry.objects.get(pk=entry.pk)
    record_change(
        entry,
        action="approve",
        by=by,
        comment=comment.strip() or locked.comment,
    )
    return entry


def _revision_close(revision: EntryRevision, *, state: str, by: Any, reason: str = "") -> None:
    revision.state = state
    revision.reason = reason[:500]
    revision.decided_by = by if getattr(by, "is_authenticated", False) else None
    revision.decided_at = timezone.now()
    revision.save()
    delete_stored_after_commit(revision.stored_files)


@transaction.atomic
def revision_reject(*, revision: EntryRevision, by: User, reason: str) -> EntryRevision:
    """An élu sends the pending revision back to the agents, saying why; the public entry
    does not change and the candidate files are deleted."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=revision.entry_id)
    _require(by, Action.ENTRY_REVIEW, entry)
    if not reason.strip():
        raise ValidationError({"reason": _("Dites aux agents ce qui doit changer.")})
    locked = _pending(entry)
    if locked is None or locked.pk != revision.pk:
        raise ValidationError(_("Cette modification a déjà été traitée."))
    _revision_close(locked, state=RevisionState.REJECTED, by=by, reason=reason.strip())
    return locked


@transaction.atomic
def revision_abandon(*, revision: EntryRevision, by: User) -> EntryRevision:
    """The agents drop their pending revision (its candidate files are deleted)."""
    entry = Entry.objects.select_for_update(no_key=True).get(pk=revision.entry_id)
    if not can_change(by, entry):
        raise NotAllowed()
    locked = _pending(entry)
    if locked is None or locked.pk != revision.pk:
        raise ValidationError(_("Cette modification n'est plus en attente."))
    _revision_close(locked, state=RevisionState.ABANDONED, by=by)
    return locked
