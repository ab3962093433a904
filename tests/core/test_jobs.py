"""Leases of background jobs (`core.jobs`) in the test's own process: an attempt holds its
job alone, a job whose lease expired is retried once from the start, then marked failed
with a reason its page shows; a stale attempt writes nothing. And the supervisor of
`region27 serve` restarts its worker with a growing delay.

The same, with a real worker killed by SIGKILL, is in `test_jobs_worker.py`."""

from __future__ import annotations

import datetime as dt
import sys
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from region27.cli import Supervisor
from region27.core.jobs import LeasedJob, LeaseLost, job_kinds, lease_acquire, leases_reap
from region27.evaluation import services as evaluation_services
from region27.evaluation.models import Evaluation, EvaluationSource
from region27.evaluation.synthetic import DEPARTEMENTS, synthetic_panel
from region27.journal.models import Record
from region27.validation.models import ValidationRun
from region27.validation.selectors import schema_resolve
from region27.validation.services import distribution_add_with_schema
from tests import factories
from tests.validation.platform.conftest import subventions_csv

pytestmark = pytest.mark.django_db

Capture = Any


@pytest.fixture
def world() -> dict[str, Any]:
    call_command("load_schemas", stdout=StringIO())
    org = factories.organisation(name="Commune de Valence")
    agent = factories.member(org, "agent")
    dataset = factories.entry(org, agent, kind="dataset", status="published", title="Subventions")
    return {"org": org, "agent": agent, "dataset": dataset}


def _queued_run(world: dict[str, Any], capture: Capture) -> ValidationRun:
    with capture(execute=False):  # queued; no worker runs it
        distribution = distribution_add_with_schema(
            entry=world["dataset"],
            by=world["agent"],
            title="Subventions 2024",
            file=SimpleUploadedFile("s.csv", subventions_csv(), content_type="text/csv"),
            schema_version=schema_resolve("scdl/subventions"),
        )
    return distribution.validation_runs.get()


def _queued_evaluation(capture: Capture) -> Evaluation:
    with capture(execute=False):
        return evaluation_services.evaluation_create_from_panel(
            title="Panel fictif",
            source=EvaluationSource.SYNTHETIC,
            panel_csv=synthetic_panel(DEPARTEMENTS, [f"{n:02d}" for n in range(20, 30)]),
            parameters={
                "unit": "departement",
                "time": "annee",
                "outcome": "taux",
                "treated": DEPARTEMENTS.treated,
                "treatment_start": DEPARTEMENTS.treatment_year,
                "placebos": False,
            },
        )


def _expire(job: Any) -> None:
    """What a dead worker leaves: running, with a lease nobody renews any more."""
    type(job).objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))


def test_every_job_kind_is_registered_and_killed_in_a_test() -> None:
    """A new kind of job (a model with a lease) must register, and join the SIGKILL test."""
    from django.apps import apps

    from tests.core.test_jobs_worker import JOBS

    kinds = job_kinds()
    leased = {m for m in apps.get_models() if issubclass(m, LeasedJob)}
    assert {kind.model for kind in kinds.values()} == leased
    assert {name: kind.model for name, kind in kinds.items()} == {
        "validation": ValidationRun,
        "evaluation": Evaluation,
    }
    assert set(JOBS) == set(kinds)
    assert kinds["validation"].task_path == "region27.validation.tasks.validate_run"


def test_one_attempt_holds_a_job(
    world: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    run = _queued_run(world, django_capture_on_commit_callbacks)
    lease = lease_acquire(ValidationRun, run.pk)
    assert lease is not None and lease.attempt == 1
    assert lease_acquire(ValidationRun, run.pk) is None  # a second worker does not take it
    lease.renew(progress=40)
    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == ("running", 40, 1)
    assert run.lease_until is not None and run.lease_until > timezone.now()
    assert leases_reap() == []  # a live lease is left alone


def test_an_expired_validation_is_retried_from_the_start(
    world: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    run = _queued_run(world, django_capture_on_commit_callbacks)
    stale = lease_acquire(ValidationRun, run.pk)
    assert stale is not None
    stale.renew(progress=20)
    _expire(run)
    with django_capture_on_commit_callbacks(execute=True):  # the retry's task runs at once
        reaped = leases_reap()
    assert [(r.kind, r.pk, r.attempt, r.outcome) for r in reaped] == [
        ("validation", run.pk, 1, "retried")
    ]
    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress, run.valid) == ("done", 2, 100, True)
    assert run.lease_until is None
    # The first attempt, had it only been slow, can no longer write anything.
    with pytest.raises(LeaseLost):
        stale.renew(progress=50)
    run.refresh_from_db()
    assert run.progress == 100


def test_a_validation_interrupted_twice_fails_and_says_why(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    run = _queued_run(world, django_capture_on_commit_callbacks)
    for attempt in (1, 2):
        lease = lease_acquire(ValidationRun, run.pk)
        assert lease is not None and lease.attempt == attempt
        _expire(run)
        if attempt == 1:
            with django_capture_on_commit_callbacks(execute=False) as enqueued:
                assert [r.outcome for r in leases_reap()] == ["retried"]
            assert len(enqueued) == 1  # a new task, run by the next worker
            run.refresh_from_db()
            assert run.retried and run.status == "queued"
            client.force_login(world["agent"])
            distribution = run.distribution
            page = client.get(
                f"/catalogue/{world['dataset'].slug}/fichiers/{distribution.uuid}/validation/{run.uuid}/"
            ).content.decode()
            assert "Nouvel essai depuis le début" in page
    assert [r.outcome for r in leases_reap()] == ["failed"]
    run.refresh_from_db()
    assert (run.status, run.valid, run.failure_code, run.progress) == (
        "failed",
        False,
        "interrupted",
        100,
    )
    assert run.interrupted and run.errors == [] and run.rows is None
    report = client.get(
        f"/catalogue/{world['dataset'].slug}/fichiers/{run.distribution.uuid}/validation/{run.uuid}/"
    ).content.decode()
    assert "La validation n'a pas pu aboutir" in report
    assert "interrompu 2 fois" in report and "déposez le fichier à nouveau" in report
    entry_page = client.get(world["dataset"].get_absolute_url()).content.decode()
    assert "Validation interrompue" in entry_page
    # A later worker finds nothing left to do.
    assert leases_reap() == []
    assert lease_acquire(ValidationRun, run.pk) is None


def test_an_evaluation_interrupted_twice_fails_on_the_record(
    client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    evaluation = _queued_evaluation(django_capture_on_commit_callbacks)
    for _attempt in (1, 2):
        lease = lease_acquire(Evaluation, evaluation.pk)
        assert lease is not None
        lease.renew(progress=20, input_hash="a" * 64)  # written on the way, then the worker dies
        _expire(evaluation)
        with django_capture_on_commit_callbacks(execute=False):
            leases_reap()
        evaluation.refresh_from_db()
        assert (
            evaluation.input_hash == ""
        )  # retried from the start, or failed: nothing half-written
    assert (evaluation.status, evaluation.attempts, evaluation.result) == ("failed", 2, None)
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert "L'évaluation n'a pas pu aboutir" in page and "interrompu 2 fois" in page
    assert "demandez une nouvelle évaluation" in page
    actions = list(
        Record.objects.filter(kind="evaluation", object_id=evaluation.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]
    call_command("journal", "verify", stdout=StringIO(), stderr=StringIO())


def test_an_evaluation_retried_after_its_worker_died_is_done(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    evaluation = _queued_evaluation(django_capture_on_commit_callbacks)
    assert lease_acquire(Evaluation, evaluation.pk) is not None
    _expire(evaluation)
    with django_capture_on_commit_callbacks(execute=True):
        assert [r.outcome for r in leases_reap()] == ["retried"]
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.attempts, evaluation.error) == ("done", 2, "")
    assert evaluation.result is not None
    call_command("journal", "verify", stdout=StringIO(), stderr=StringIO())


def test_the_supervisor_restarts_its_worker_with_a_growing_delay(
    capsys: pytest.CaptureFixture[str],
) -> None:
    worker = [sys.executable, "-c", "import sys; sys.exit(3)"]  # a worker that keeps dying
    web = [sys.executable, "-c", "import time; time.sleep(5)"]  # stops by itself after 5 s
    code = Supervisor(web, worker, max_backoff=2).run()
    log = capsys.readouterr().err
    assert code == 1  # the web server stopping is an error for `serve`
    assert log.count("travailleur des tâches de fond lancé") >= 3
    assert "s'est arrêté (code 3) ; relance dans 1 s." in log
    assert "s'est arrêté (code 3) ; relance dans 2 s." in log
    assert "le serveur web s'est arrêté (code 0)." in log


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection
def test_a_queued_job_without_its_task_gets_one(
    world: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    """The process that queued it died between the commit and storing the task."""
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    backends = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=backends):
        run = _queued_run(world, django_capture_on_commit_callbacks)
        DBTaskResult.objects.all().delete()  # as if its process had died before storing it
        assert leases_reap() == []  # not yet: it may still be on its way
        ValidationRun.objects.filter(pk=run.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=5)
        )
        assert [(r.pk, r.outcome) for r in leases_reap()] == [(run.pk, "requeued")]
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        assert leases_reap() == []  # once is enough
        # A worker claims the task and dies before taking the job: a lease later, the
        # job gets a new task, and the claimed one is failed.
        claimed = DBTaskResult.objects.get()
        DBTaskResult.objects.filter(pk=claimed.pk).update(
            status="RUNNING", started_at=timezone.now() - dt.timedelta(minutes=5)
        )
        assert [(r.pk, r.outcome) for r in leases_reap()] == [(run.pk, "requeued")]
        assert DBTaskResult.objects.get(pk=claimed.pk).status == "FAILED"
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        call_command("jobs_worker", "--batch", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.valid, run.attempts) == ("done", True, 1)
