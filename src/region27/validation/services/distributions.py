"""Distributions that declare a schema: adding, declaring, replacing their files, and the
élu-free decisions on a validated replacement."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from region27.accounts.models import User
from region27.accounts.policy import Action, can
from region27.catalog import services as catalog_services
from region27.catalog.models import Distribution, Entry
from region27.catalog.services import DistributionFields
from region27.catalog.services import record_change as catalog_record
from region27.core.errors import NotAllowed
from region27.core.files import (
    delete_stored_after_commit,
    guess_format,
    sanitize_filename,
    sha256_of,
)
from region27.validation.models import (
    Decision,
    DistributionSchema,
    RunStatus,
    SchemaVersion,
    ValidationRun,
)
from region27.validation.services.common import errors_counts_name, errors_csv_name


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
    schema_version: SchemaVersion | None = None,
    **fields: Unpack[DistributionFields],
) -> Distribution:
    """Add a distribution; when it declares a schema, validate its file in the background."""
    distribution = catalog_services.distribution_add(entry=entry, by=by, **fields)
    file = fields.get("file")
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


def lock_for_run(run_id: int) -> ValidationRun | None:
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


def promote(run: ValidationRun, *, by: Any, decision: str) -> None:
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
    locked = lock_for_run(run.pk)
    if locked is None:
        raise ValidationError(_("Ce fichier a été retiré entre-temps."))
    run = locked
    entry = Entry.objects.get(pk=run.distribution.entry_id)
    if not can(by, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    if not run.awaiting_decision:
        raise ValidationError(_("Cette validation n'attend pas de décision."))
    if publish:
        promote(run, by=by, decision=Decision.FORCED)
    else:
        run.decision = Decision.KEPT_PREVIOUS
        run.save(update_fields=["decision"])
    return run
