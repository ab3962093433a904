"""PostgreSQL: a validation that finishes (and promotes its file) while an agent uploads
a newer file neither deadlocks nor loses either change.

Both lock the entry, then the distribution, then the runs. Before, the finishing
validation locked its run first: the upload then held the entry and the distribution
and waited for the run, the validation waited for the distribution, and PostgreSQL
aborted one of them.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from region27.validation import services
from region27.validation.models import ValidationRun
from region27.validation.selectors import schema_resolve
from tests import factories
from tests.validation.platform.conftest import subventions_csv, upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_finishing_validation_and_new_upload_do_not_deadlock(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serialises whole transactions")
    # The validations run when this test says so, not when their upload commits.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("load_schemas", stdout=None)
    org = factories.organisation()
    agent = factories.member(org, "agent")
    dataset = factories.entry(org, agent, kind="dataset", status="published")
    distribution = services.distribution_add_with_schema(
        entry=dataset,
        by=agent,
        title="Subventions",
        file=upload(subventions_csv()),
        schema_version=schema_resolve("scdl/subventions"),
    )
    first = services.distribution_replace_file(
        distribution=distribution, by=agent, file=upload(subventions_csv(rows=4))
    )
    assert first is not None
    finishing = threading.Event()
    proceed = threading.Event()
    real_version = services.engine_version

    def paused_version() -> str:
        # Called by the finishing validation once it holds its locks.
        if threading.current_thread().name == "validation":
            finishing.set()
            proceed.wait(5)
        return real_version()

    monkeypatch.setattr(services.runs, "engine_version", paused_version)
    errors: list[BaseException] = []

    def validation() -> None:
        try:
            services.run_execute(run_id=first.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def newer_upload() -> None:
        try:
            finishing.wait(10)
            threading.Timer(1.0, proceed.set).start()  # let the validation go on later
            services.distribution_replace_file(
                distribution=distribution, by=agent, file=upload(subventions_csv(rows=5))
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            proceed.set()
            connections.close_all()

    threads = [
        threading.Thread(target=validation, name="validation"),
        threading.Thread(target=newer_upload, name="upload"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    first.refresh_from_db()
    assert first.decision == "promoted"  # finished first, then superseded nothing
    assert ValidationRun.objects.filter(distribution=distribution).count() == 3
