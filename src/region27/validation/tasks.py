"""Background tasks of the validation app (django-tasks; the database backend in production).

A validation run is a leased job (`core.jobs`): registered here, so that a run whose
worker died is retried once from the start, then marked failed with its reason."""

from __future__ import annotations

from django_tasks import task

from region27.core.jobs import JobKind, job_kind_register


@task()
def validate_run(run_id: int) -> None:
    """Validate one stored file against its declared schema version."""
    from region27.validation.services import run_execute

    run_execute(run_id=run_id)


def _give_up(run_id: int, attempt: int, reason: str) -> bool:
    from region27.validation.services import run_give_up

    return run_give_up(run_id, attempt, reason)


def _register() -> None:
    from region27.validation.models import ValidationRun

    job_kind_register(JobKind("validation", ValidationRun, validate_run, _give_up))


_register()
