"""Background tasks of the evaluation app (django-tasks; the database backend in production).

An evaluation is a leased job (`core.jobs`): registered here, so that an evaluation whose
worker died is retried once from the start, then marked failed with its reason."""

from __future__ import annotations

from django_tasks import task

from region27.core.jobs import JobKind, job_kind_register


@task()
def evaluation_run(evaluation_id: int) -> None:
    """Run one queued evaluation (synthetic control and its placebos)."""
    from region27.evaluation.services import evaluation_execute

    evaluation_execute(evaluation_id=evaluation_id)


def _give_up(evaluation_id: int, attempt: int, reason: str) -> bool:
    from region27.evaluation.services import evaluation_give_up

    return evaluation_give_up(evaluation_id, attempt, reason)


def _register() -> None:
    from region27.evaluation.models import Evaluation
    from region27.evaluation.services import RETRY_RESET

    job_kind_register(JobKind("evaluation", Evaluation, evaluation_run, _give_up, RETRY_RESET))


_register()
