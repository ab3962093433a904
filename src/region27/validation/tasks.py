"""Background tasks of the validation app (django-tasks; the database backend in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def validate_run(run_id: int) -> None:
    """Validate one stored file against its declared schema version."""
    from region27.validation.services import run_execute

    run_execute(run_id=run_id)
