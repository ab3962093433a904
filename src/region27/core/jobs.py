"""Background jobs that never stay "running" forever: leases, one retry, a stated failure.

A job is a row (a validation run, an evaluation, later a harvest or an export) with a
`status` going queued → running → done | failed, a `progress`, a `started_at`, and the
two fields of `LeasedJob`. Its django-tasks task calls, in this order:

1. `lease_acquire(Model, pk)`: queued → running, one more attempt, a lease of
   `REGION27_JOB_LEASE_SECONDS`; `None` if someone else has it (or it is finished).
2. `with heartbeat(lease):` the work, calling `lease.renew(progress=...)` as it goes
   (a lost lease raises `LeaseLost` there: another attempt owns the job now); the
   heartbeat renews the lease every `REGION27_JOB_HEARTBEAT_SECONDS` meanwhile.
3. The result is written in one transaction that locks the row and checks
   `lease.holds(row)` first (a stale attempt writes nothing).

`leases_reap()` (run by `region27 worker` when it starts and every
`REGION27_JOB_REAP_SECONDS`) finds running jobs whose lease expired, because the process
that ran them died: the first time the job is queued again and a new task is enqueued
(it starts from the beginning); after `MAX_ATTEMPTS` the job kind's `give_up` marks it
failed with a French reason that its page shows. The django-tasks row the dead worker
had claimed is marked failed too, so that nothing stays "running". A job queued for a
whole lease with no task waiting for it (its process died between the commit and the
enqueue) gets a new task.

Each app registers its job kinds with `job_kind_register` from its `tasks` module
(imported by `job_kinds()`); `core` imports no other app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
MAX_ATTEMPTS = 2  # the first try and one retry from the start
INTERRUPTED = "interrupted"  # the failure code of a job given up after MAX_ATTEMPTS


class LeasedJob(models.Model):
    """The fields a background job needs besides its own `status`, `progress` and
    `started_at`: how many times it was started, and until when its runner holds it."""

    attempts = models.PositiveSmallIntegerField(gettext_lazy("essais"), default=0)
    lease_until = models.DateTimeField(
        gettext_lazy("bail jusqu'à"), null=True, blank=True, db_index=True
    )

    class Meta:
        abstract = True

    @property
    def retried(self) -> bool:
        """Started again after its runner stopped (the page says so)."""
        status = getattr(self, "status", "")
        return self.attempts > 1 or (self.attempts == 1 and status == QUEUED)


class LeaseLost(Exception):
    """The job's lease expired and the job was taken back: stop, write nothing."""


def lease_seconds() -> float:
    return float(getattr(settings, "REGION27_JOB_LEASE_SECONDS", 120))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "REGION27_JOB_HEARTBEAT_SECONDS", 20))


def reap_seconds() -> float:
    return float(getattr(settings, "REGION27_JOB_REAP_SECONDS", 30))


def interrupted_reason() -> str:
    """The first part of the reason shown on a job given up; its kind's `give_up` adds how
    to start it again."""
    return _(
        "Le calcul a été interrompu %(n)s fois, le service des tâches de fond s'étant "
        "arrêté pendant le travail ; rien n'a été enregistré. Si cela se reproduit, "
        "prévenez l'équipe technique de la plateforme."
    ) % {"n": MAX_ATTEMPTS}


# --- Job kinds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    """A kind of background job.

    `task` is the django-tasks task that runs one job (its only argument is the job's
    primary key); `give_up(pk, attempt, reason)` marks the job failed in its own
    transaction, after locking it and checking `lease_stale(job, attempt)` (it returns
    False when the job moved on meanwhile); `retry_reset` are the fields a retry
    clears besides the status, progress and lease."""

    name: str
    model: type[models.Model]
    task: Any
    give_up: Callable[[int, int, str], bool]
    retry_reset: dict[str, Any] = field(default_factory=dict)

    @property
    def task_path(self) -> str:
        return f"{self.task.func.__module__}.{self.task.func.__qualname__}"


_KINDS: dict[str, JobKind] = {}
_discovered = False


def job_kind_register(kind: JobKind) -> None:
    _KINDS[kind.name] = kind


def job_kinds() -> dict[str, JobKind]:
    """Every registered kind (each installed app's `tasks` module registers its own)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return dict(_KINDS)


# --- Leases --------------------------------------------------------------------------------


def _lease_end(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=lease_seconds())


@dataclass
class Lease:
    """The right of one attempt to work on a job and write its result."""

    model: type[models.Model]
    pk: int
    attempt: int
    lost: bool = False

    def _mine(self) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(pk=self.pk, status=RUNNING, attempts=self.attempt)

    def renew(self, **fields: Any) -> None:
        """Extend the lease (and write `fields`, e.g. progress); raise `LeaseLost` when the
        job is no longer this attempt's (taken back, superseded or removed)."""
        if self.lost or not self._mine().update(lease_until=_lease_end(), **fields):
            self.lost = True
            raise LeaseLost(f"{self.model.__name__} {self.pk}, essai {self.attempt}")

    def holds(self, job: Any) -> bool:
        """Does this attempt still own `job` (a row read under lock)?"""
        return bool(job.status == RUNNING and job.attempts == self.attempt)


def lease_acquire(model: type[models.Model], pk: int) -> Lease | None:
    """Start one attempt of a queued job; `None` when it is not queued (already taken,
    finished, or removed)."""
    now = timezone.now()
    updated = model._default_manager.filter(pk=pk, status=QUEUED).update(
        status=RUNNING,
        attempts=F("attempts") + 1,
        lease_until=_lease_end(now),
        started_at=now,
        progress=0,
    )
    if not updated:
        return None
    attempt = model._default_manager.filter(pk=pk).values_list("attempts", flat=True).first()
    return None if attempt is None else Lease(model, pk, int(attempt))


@contextmanager
def heartbeat(lease: Lease) -> Iterator[Lease]:
    """Renew `lease` every `REGION27_JOB_HEARTBEAT_SECONDS` while the block runs (0: only
    the job's own `renew` calls do). Long computations without progress stay leased."""
    every = heartbeat_seconds()
    if every <= 0:
        yield lease
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    lease.renew()
                except LeaseLost:
                    log.warning("Bail perdu : %s %s", lease.model.__name__, lease.pk)
                    return
                except Exception:  # the database is busy: try again at the next beat
                    log.exception("Bail non renouvelé : %s %s", lease.model.__name__, lease.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{lease.pk}", daemon=True)
    thread.start()
    try:
        yield lease
    finally:
        stop.set()
        thread.join()


def lease_stale(job: Any, attempt: int, now: datetime | None = None) -> bool:
    """Is `job` (read under lock) still running attempt `attempt` with an expired lease?"""
    now = now or timezone.now()
    return bool(
        job.status == RUNNING
        and job.attempts == attempt
        and job.lease_until is not None
        and job.lease_until < now
    )


# --- Reaping expired leases ----------------------------------------------------------------


@dataclass(frozen=True)
class Reaped:
    kind: str
    pk: int
    attempt: int
    outcome: str  # "retried", "failed", or "requeued" (a queued job had no task)


def _fail_claimed_tasks(kind: JobKind, pk: int) -> None:
    """The django-tasks row the dead worker claimed stays "running" otherwise."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(
        status="RUNNING", task_path=kind.task_path, args_kwargs__args__0=pk
    ).update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path=f"{__name__}.LeaseLost",
        traceback="Bail expiré : le travailleur s'est arrêté pendant la tâche.",
    )


def _enqueue_on_commit(kind: JobKind, pk: int) -> None:
    transaction.on_commit(lambda: kind.task.enqueue(pk))


def _requeue_orphans(kind: JobKind, now: datetime) -> list[Reaped]:
    """Queued jobs with no task waiting for them: the process that committed the job died
    before its task was stored (it is enqueued once the transaction commits), or the
    worker that claimed the task died before it took the job. Only with
    the database backend, the one that keeps tasks; a job is an orphan once it has been
    queued a whole lease without a task."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(kind.task.get_backend(), DatabaseBackend):
        return []
    manager = kind.model._default_manager
    old = now - timedelta(seconds=lease_seconds())
    queued = list(manager.filter(status=QUEUED, created_at__lt=old).values_list("pk", "attempts"))
    if not queued:
        return []
    # A task claimed a whole lease ago for a job still queued: its worker died before it
    # took the job (between django-tasks' claim and `lease_acquire`).
    alive = models.Q(status="READY") | models.Q(status="RUNNING", started_at__gte=old)
    waiting = set(
        DBTaskResult.objects.filter(
            alive,
            task_path=kind.task_path,
            args_kwargs__args__0__in=[pk for pk, _attempts in queued],
        ).values_list("args_kwargs__args__0", flat=True)
    )
    found = []
    for pk, attempts in queued:
        if pk not in waiting:
            _fail_claimed_tasks(kind, pk)
            kind.task.enqueue(pk)
            log.warning("Tâche %s %s : en attente sans tâche, remise dans la file", kind.name, pk)
            found.append(Reaped(kind.name, pk, attempts, "requeued"))
    return found


def leases_reap(now: datetime | None = None) -> list[Reaped]:
    """Retry (once) or give up every running job whose lease has expired; give a new task
    to every job queued without one."""
    now = now or timezone.now()
    done: list[Reaped] = []
    for kind in job_kinds().values():
        manager = kind.model._default_manager
        expired = list(
            manager.filter(status=RUNNING, lease_until__lt=now).values_list("pk", "attempts")
        )
        for pk, attempt in expired:
            with transaction.atomic():
                if attempt < MAX_ATTEMPTS:
                    retried = manager.filter(
                        pk=pk, status=RUNNING, attempts=attempt, lease_until__lt=now
                    ).update(status=QUEUED, progress=0, lease_until=None, **kind.retry_reset)
                    if not retried:
                        continue
                    _enqueue_on_commit(kind, pk)
                    outcome = "retried"
                else:
                    if not kind.give_up(pk, attempt, interrupted_reason()):
                        continue
                    outcome = "failed"
                _fail_claimed_tasks(kind, pk)
            log.warning(
                "Tâche %s %s : bail expiré à l'essai %s, %s",
                kind.name,
                pk,
                attempt,
                "relancée depuis le début" if outcome == "retried" else "abandonnée (échec)",
            )
            done.append(Reaped(kind.name, pk, attempt, outcome))
        done += _requeue_orphans(kind, now)
    return done
