"""A real `region27 worker` killed with SIGKILL in the middle of each job kind: the job is
retried once from the start, then marked failed with its reason; nothing stays running,
nothing is half-written (`region27 journal verify` passes). And `region27 serve` restarts
a worker that dies, so that a job queued meanwhile is run.

Each test runs the platform in subprocesses on its own SQLite file (the test settings with
the database task backend and short leases); the test reads that file with `sqlite3`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEASE = 5.0

PRELUDE = """
import django
django.setup()
"""

VALIDATION_SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from region27.validation.selectors import schema_resolve
from region27.validation.services import distribution_add_with_schema
from tests import factories
from tests.validation.platform.conftest import subventions_csv

org = factories.organisation(name="Commune de Valence")
agent = factories.member(org, "agent")
dataset = factories.entry(org, agent, kind="dataset", status="published", title="Subventions")
data = subventions_csv(rows={rows}, bad_sirets=2)
distribution = distribution_add_with_schema(
    entry=dataset, by=agent, title="Subventions",
    file=SimpleUploadedFile("subventions.csv", data, content_type="text/csv"),
    schema_version=schema_resolve("scdl/subventions"),
)
print(distribution.validation_runs.get().pk)
"""

EVALUATION_SETUP = """
from region27.evaluation.models import EvaluationSource
from region27.evaluation.services import evaluation_create_from_panel
from region27.evaluation.synthetic import DEPARTEMENTS, synthetic_panel

codes = [f"{{n:02d}}" for n in range(1, {units} + 1)]
evaluation = evaluation_create_from_panel(
    title="Panel fictif",
    source=EvaluationSource.SYNTHETIC,
    panel_csv=synthetic_panel(DEPARTEMENTS, codes),
    parameters={{
        "unit": "departement", "time": "annee", "outcome": "taux",
        "treated": DEPARTEMENTS.treated, "treatment_start": DEPARTEMENTS.treatment_year,
        "placebos": True,
    }},
)
print(evaluation.pk)
"""


class Platform:
    """The platform's processes on one SQLite file, as in production but with short leases."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database = folder / "region27.sqlite3"
        self.workers: list[subprocess.Popen[bytes]] = []
        self.log = folder / "worker.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            DJANGO_SETTINGS_MODULE="region27.config.settings.test",
            REGION27_DATA_DIR=str(self.folder),
            REGION27_TEST_MEDIA_ROOT=str(self.folder / "media"),
            DATABASE_URL=f"sqlite:///{self.database}",
            REGION27_TEST_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            REGION27_JOB_LEASE_SECONDS=str(LEASE),
            REGION27_JOB_HEARTBEAT_SECONDS="0.5",
            REGION27_JOB_REAP_SECONDS="0.5",
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        )
        return env

    def region27(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "region27.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def python(self, script: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", PRELUDE + script],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    def start_worker(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "region27.cli",
                    "worker",
                    "--no-startup-delay",
                    "--interval",
                    "0.2",
                    "--no-reload",
                ],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.workers.append(worker)
        return worker

    def row(self, sql: str, *params: Any) -> tuple[Any, ...] | None:
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        try:
            found: tuple[Any, ...] | None = connection.execute(sql, params).fetchone()
            return found
        finally:
            connection.close()

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the shipped référentiels, copied by each test."""
    folder = tmp_path_factory.mktemp("jobs-template")
    platform = Platform(folder)
    for command in (["migrate", "-v0"], ["load-schemas"]):
        done = platform.region27(*command)
        assert done.returncode == 0, done.stderr[-3000:]
    return folder


@pytest.fixture
def platform(template: Path, tmp_path: Path) -> Iterator[Platform]:
    folder = tmp_path / "platform"
    shutil.copytree(template, folder)
    running = Platform(folder)
    try:
        yield running
    finally:
        running.stop()


def wait_for(
    what: str, check: Callable[[], Any], timeout: float = 300, platform: Platform | None = None
) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    log = (
        platform.log.read_text(errors="replace")[-4000:]
        if platform and platform.log.exists()
        else ""
    )
    raise AssertionError(f"Délai dépassé : {what}\n{log}")


JOBS = {
    # kind: (table, setup script, failure column)
    "validation": (
        "validation_validationrun",
        VALIDATION_SETUP.format(rows=400_000),
        "failure_message",
    ),
    "evaluation": ("evaluation_evaluation", EVALUATION_SETUP.format(units=40), "error"),
}


def _state(platform: Platform, table: str, pk: int, failure: str) -> tuple[Any, ...]:
    row = platform.row(
        f"SELECT status, attempts, progress, {failure} FROM {table} WHERE id = ?",
        pk,
    )
    assert row is not None
    return row


def _kill_while_running(
    platform: Platform, table: str, pk: int, failure: str, attempt: int
) -> None:
    """Start a worker, wait until it runs attempt `attempt` of the job, SIGKILL it."""
    worker = platform.start_worker()
    wait_for(
        f"essai {attempt} en cours",
        lambda: _state(platform, table, pk, failure)[:2] == ("running", attempt),
        platform=platform,
    )
    worker.send_signal(
        signal.SIGSTOP
    )  # frozen where it is, then killed without a chance to clean up
    state = _state(platform, table, pk, failure)
    assert state[:2] == ("running", attempt), f"la tâche a fini avant d'être interrompue : {state}"
    worker.kill()
    worker.wait(timeout=30)


def _claimed_tasks(platform: Platform) -> int:
    row = platform.row(
        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
    )
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_a_job_killed_once_is_done_after_its_retry(platform: Platform, kind: str) -> None:
    table, setup, failure = JOBS[kind]
    pk = int(platform.python(setup))
    _kill_while_running(platform, table, pk, failure, attempt=1)
    assert _claimed_tasks(platform) == 1  # the dead worker's task row
    platform.start_worker()  # what `region27 serve` does when its worker dies
    status, attempts, progress, reason = wait_for(
        "tâche terminée",
        lambda: (s := _state(platform, table, pk, failure))[0] in ("done", "failed") and s,
        platform=platform,
    )
    assert (status, attempts, progress, reason) == ("done", 2, 100, "")
    assert _claimed_tasks(platform) == 0
    log = platform.log.read_text()
    assert f"Tâche {kind} {pk} : bail expiré à l'essai 1, relancée depuis le début" in log
    verify = platform.region27("journal", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_a_job_killed_twice_fails_with_its_reason(platform: Platform, kind: str) -> None:
    table, setup, failure = JOBS[kind]
    pk = int(platform.python(setup))
    _kill_while_running(platform, table, pk, failure, attempt=1)
    _kill_while_running(platform, table, pk, failure, attempt=2)
    platform.start_worker()
    status, attempts, progress, reason = wait_for(
        "tâche abandonnée",
        lambda: (s := _state(platform, table, pk, failure))[0] in ("done", "failed") and s,
        platform=platform,
    )
    assert (status, attempts, progress) == ("failed", 2, 100)
    assert "interrompu 2 fois" in reason and "rien n'a été enregistré" in reason
    assert ("déposez le fichier" if kind == "validation" else "nouvelle évaluation") in reason
    assert _claimed_tasks(platform) == 0
    if kind == "validation":
        # Nothing of a report was kept, and the file was not declared valid.
        kept = platform.row(
            "SELECT valid, error_count, rows, failure_code FROM validation_validationrun "
            "WHERE id = ?",
            pk,
        )
        assert kept == (0, 0, None, "interrupted")
    else:
        kept = platform.row("SELECT result, input_hash FROM evaluation_evaluation WHERE id = ?", pk)
        assert kept == (None, "")
        # The failure is on the public journal (create, then the outcome).
        actions = platform.row(
            "SELECT group_concat(action) FROM (SELECT action FROM journal_record "
            "WHERE kind = 'evaluation' AND object_id = ? ORDER BY seq)",
            pk,
        )
        assert actions == ("create,update",)
    verify = platform.region27("journal", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_restarts_its_worker_and_runs_what_was_queued_meanwhile(platform: Platform) -> None:
    """The worker dies; a validation is queued while it is dead; `serve` restarts it (and
    says so) and the validation is done, without restarting the server."""
    table, setup, failure = JOBS["validation"]
    log = platform.folder / "serve.log"
    port = _free_port()
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "region27.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=platform.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        first = wait_for(
            "travailleur lancé",
            lambda: [
                line
                for line in log.read_text().splitlines()
                if "travailleur des tâches de fond lancé" in line
            ],
        )
        worker_pid = int(first[0].rsplit("pid ", 1)[1].split(")")[0])
        os.kill(worker_pid, signal.SIGKILL)
        wait_for("arrêt signalé", lambda: "(signal SIGKILL) ; relance dans 1 s" in log.read_text())
        pk = int(platform.python(setup.replace("rows=400000", "rows=50")))
        wait_for("validation faite", lambda: _state(platform, table, pk, failure)[0] == "done")
        text = log.read_text()
        assert text.count("travailleur des tâches de fond lancé") == 2
        assert serve.poll() is None  # the server itself kept running
    finally:
        serve.terminate()
        assert serve.wait(timeout=60) == 0
