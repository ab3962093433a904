"""Running a validation (called by the background task, under a lease) and storing its
report and the complete list of its errors."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from region27.accounts.policy import changes_need_approval
from region27.catalog.models import Entry
from region27.core.jobs import INTERRUPTED, Lease, LeaseLost, heartbeat, lease_acquire, lease_stale
from region27.validation.engine import EngineInputError, Report, validate
from region27.validation.models import (
    Decision,
    RunStatus,
    ValidationRun,
)
from region27.validation.services.common import (
    engine_limits,
    engine_version,
    errors_counts_name,
    errors_csv_name,
)
from region27.validation.services.distributions import lock_for_run, promote

log = logging.getLogger(__name__)


def _open_stored(name: str) -> Any:
    from django.core.files.storage import default_storage

    try:
        return Path(default_storage.path(name))
    except NotImplementedError:  # pragma: no cover - remote storage
        return default_storage.open(name, "rb")


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
    run = lock_for_run(run_id)
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
    run = lock_for_run(run_id)
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
        entry = Entry.objects.get(pk=run.distribution.entry_id)
        if changes_need_approval(entry):
            # The entry was published meanwhile where élus validate changes: the file
            # does not replace the public one by itself. The run is done; its file waits
            # for the agents' decision (proposing it goes through an élu).
            return run
        promote(run, by=run.created_by, decision=Decision.PROMOTED)
    return run
