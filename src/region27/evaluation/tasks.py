"""Background tasks of the evaluation app (django-tasks; the database backend in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def evaluation_run(evaluation_id: int) -> None:
    """Run one queued evaluation (synthetic control and its placebos)."""
    from region27.evaluation.services import evaluation_execute

    evaluation_execute(evaluation_id=evaluation_id)
