"""A distribution that declares a schema: background validation, report, downloads,
and replacement files that only replace the published one when valid."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from region27.catalog.models import Distribution
from region27.validation.models import DistributionSchema, ValidationRun
from region27.validation.selectors import schema_resolve
from region27.validation.services import (
    distribution_add_with_schema,
    distribution_replace_file,
    run_decide,
)
from tests import factories
from tests.validation.platform.conftest import subventions_csv, upload

pytestmark = pytest.mark.django_db


def _add(world: dict[str, Any], data: bytes, capture: Any) -> Distribution:
    with capture(execute=True):
        return distribution_add_with_schema(
            entry=world["dataset"],
            by=world["agent"],
            title="Subventions 2024",
            file=upload(data),
            schema_version=schema_resolve("scdl/subventions"),
        )


def _run_url(run: ValidationRun, suffix: str = "") -> str:
    d = run.distribution
    return f"/catalogue/{d.entry.slug}/fichiers/{d.uuid}/validation/{run.uuid}/{suffix}"


def test_valid_file_gets_badge(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
    run = ValidationRun.objects.get(distribution=distribution)
    assert run.status == "done" and run.valid is True
    assert run.rows == 3 and run.error_count == 0 and run.progress == 100
    assert run.checksum == distribution.checksum
    assert run.engine_version.startswith("region27")
    assert run.started_at and run.finished_at
    page = client.get(world["dataset"].get_absolute_url()).content.decode()
    assert "Conforme au schéma scdl/subventions v2.1.1" in page
    report = client.get(
        f"/catalogue/{world['dataset'].slug}/fichiers/{distribution.uuid}/validation/"
    )
    assert report.status_code == 200
    assert "Conforme au schéma scdl/subventions v2.1.1." in report.content.decode()


def test_invalid_file_report_and_downloads(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    data = subventions_csv(bad_sirets=2, bad_amounts=1)
    distribution = _add(world, data, django_capture_on_commit_callbacks)
    run = ValidationRun.objects.get(distribution=distribution)
    assert run.status == "done" and run.valid is False
    types = sorted((e["type"], e["row"], e["field"]) for e in run.errors)
    assert types == [
        ("french-siret-value", 2, "idBeneficiaire"),
        ("french-siret-value", 3, "idBeneficiaire"),
        ("type-error", 2, "montant"),
    ]
    assert run.error_count == 3
    # The file is still published (first upload): the badge says it does not conform.
    page = client.get(world["dataset"].get_absolute_url()).content.decode()
    assert "Non conforme au schéma scdl/subventions v2.1.1 (3 erreurs)" in page

    html = client.get(_run_url(run)).content.decode()
    assert "Erreurs regroupées" in html and "idBeneficiaire" in html and "beaucoup" in html
    filtered = client.get(_run_url(run), {"type": "type-error"}).content.decode()
    assert "Erreurs 1 à 1 sur 1" in filtered

    payload = client.get(_run_url(run, "rapport.json")).json()
    assert payload["valid"] is False and payload["rows"] == 3
    assert payload["schema"] == {
        "name": "scdl/subventions",
        "version": "2.1.1",
        "sha256": run.schema_version.sha256,
    }
    assert {e["type"] for e in payload["errors"]} == {"french-siret-value", "type-error"}
    assert set(payload["errors"][0]) == {"type", "row", "field", "constraint", "value", "message"}

    plain = client.get(_run_url(run, "rapport.csv"))
    assert plain["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8"))))
    assert rows[0] == ["type", "row", "field", "constraint", "value", "message"]
    assert len(rows) == 4

    excel = client.get(_run_url(run, "rapport-tableur.csv")).content
    assert excel.startswith(b"\xef\xbb\xbf")
    text = excel.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["type", "ligne", "champ", "contrainte", "valeur", "message"]
    assert len(rows) == 4


def test_unreadable_file_fails_cleanly(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, b"\x89PNG\r\n\x1a\n\x00\x00\x00", django_capture_on_commit_callbacks)
    run = ValidationRun.objects.get(distribution=distribution)
    assert run.status == "failed" and run.valid is False
    assert run.failure_code == "binary-file" and run.failure_message


def test_failing_replacement_keeps_previous_file(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
    published_name = distribution.file.name
    published_checksum = distribution.checksum
    client.force_login(world["agent"])
    url = f"/catalogue/{world['dataset'].slug}/fichiers/{distribution.uuid}/remplacer/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload(subventions_csv(bad_sirets=1), "v2.csv")})
    assert response.status_code == 302
    run = ValidationRun.objects.get(distribution=distribution, is_replacement=True)
    assert response["Location"] == _run_url(run)
    assert run.status == "done" and run.valid is False and run.awaiting_decision
    distribution.refresh_from_db()
    assert distribution.file.name == published_name
    assert distribution.checksum == published_checksum
    assert default_storage.exists(run.candidate.name)  # nothing is lost
    page = client.get(world["dataset"].get_absolute_url()).content.decode()
    assert "Conforme au schéma scdl/subventions v2.1.1" in page
    assert "le fichier publié reste en place" in page
    # Visitors do not see the report of a file that is not published.
    anonymous = Client()
    assert anonymous.get(_run_url(run)).status_code == 404
    assert anonymous.get(_run_url(run, "rapport.json")).status_code == 404
    # The agent chooses to publish it anyway: it replaces the file, the old one stays stored.
    response = client.post(_run_url(run, "decision/"), {"decision": "publish"})
    assert response.status_code == 302
    distribution.refresh_from_db()
    run.refresh_from_db()
    assert distribution.file.name == run.candidate.name
    assert run.decision == "forced" and run.previous_file == published_name
    assert default_storage.exists(published_name)
    assert (
        "Non conforme au schéma" in client.get(world["dataset"].get_absolute_url()).content.decode()
    )


def test_keep_previous_decision(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run = distribution_replace_file(
            distribution=distribution, by=world["agent"], file=upload(b"a,b\n1,2\n")
        )
    assert run is not None
    run = run_decide(run=run, by=world["agent"], publish=False)
    assert run.decision == "kept_previous" and not run.awaiting_decision
    distribution.refresh_from_db()
    assert distribution.file.name != run.candidate.name


def test_valid_replacement_is_promoted(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, subventions_csv(bad_sirets=1), django_capture_on_commit_callbacks)
    old = distribution.file.name
    versions = world["dataset"].versions.count()
    with django_capture_on_commit_callbacks(execute=True):
        run = distribution_replace_file(
            distribution=distribution, by=world["agent"], file=upload(subventions_csv(rows=5))
        )
    assert run is not None
    run.refresh_from_db()
    distribution.refresh_from_db()
    assert run.decision == "promoted" and run.valid
    assert distribution.file.name == run.candidate.name != old
    assert distribution.checksum == run.checksum
    assert world["dataset"].versions.count() == versions + 1
    assert default_storage.exists(old)


def test_others_cannot_replace_or_decide(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
    outsider = factories.member(factories.organisation(), "agent")
    client.force_login(outsider)
    url = f"/catalogue/{world['dataset'].slug}/fichiers/{distribution.uuid}/remplacer/"
    assert client.post(url, {"file": upload(subventions_csv())}).status_code == 403
    assert not ValidationRun.objects.filter(is_replacement=True).exists()


def test_form_declares_schema_and_status_polling(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["agent"])
    version = schema_resolve("scdl/subventions@2.1.1")
    url = f"/catalogue/{world['dataset'].slug}/fichiers/"
    assert "scdl/subventions v2.1.1" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            url, {"title": "S", "file": upload(subventions_csv()), "schema": version.pk}
        )
    assert response.status_code == 302
    distribution = Distribution.objects.get(entry=world["dataset"])
    assert DistributionSchema.objects.get(distribution=distribution).schema_version == version
    run = ValidationRun.objects.get(distribution=distribution)
    assert run.status == "queued"
    status_url = _run_url(run, "etat/")
    page = client.get(_run_url(run)).content.decode()
    assert f'hx-get="{status_url}"' in page and "Actualiser la page" in page
    for callback in callbacks:
        callback()  # the task runs (ImmediateBackend)
    response = client.get(status_url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    run.refresh_from_db()
    assert run.conforms


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection
def test_database_backend_and_worker(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """In production the run is stored as a task and `region27 worker` (db_worker) runs it."""
    from django.core.management import call_command
    from django.test import override_settings

    backends = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=backends):  # django-tasks resets its backends on this signal
        distribution = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
        run = ValidationRun.objects.get(distribution=distribution)
        assert run.status == "queued"
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert run.status == "done" and run.valid is True


def test_entry_page_reads_every_badge_in_three_queries(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from region27.validation.selectors import current_run, declared_schema, pending_run

    def page_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(world["dataset"].get_absolute_url()).content.decode()
        validation = [q for q in queries.captured_queries if "validation_" in q["sql"]]
        return len(validation), page

    client.force_login(world["agent"])
    first = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
    one, _page = page_queries()
    for bad in (1, 2, 0):
        _add(world, subventions_csv(bad_sirets=bad), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        distribution_replace_file(
            distribution=first, by=world["agent"], file=upload(subventions_csv(bad_sirets=3))
        )
    four, page = page_queries()
    assert four == one
    assert page.count("Conforme au schéma scdl/subventions v2.1.1") == 2
    assert "Non conforme au schéma scdl/subventions v2.1.1 (1 erreur)" in page
    assert "Non conforme au schéma scdl/subventions v2.1.1 (2 erreurs)" in page
    # The same answers as one distribution at a time.
    from region27.validation.selectors import validation_states

    states = validation_states(entry=world["dataset"], member=True)
    for distribution in Distribution.objects.filter(entry=world["dataset"]):
        state = states[distribution.pk]
        assert state.declared == declared_schema(distribution)
        assert state.run == current_run(distribution)
        assert state.pending == pending_run(distribution)
    assert states[first.pk].pending is not None
    assert validation_states(entry=world["dataset"], member=False)[first.pk].pending is None


def test_a_replacement_validated_after_publication_waits_for_the_elu(
    schemas: None, django_capture_on_commit_callbacks: Any
) -> None:
    """A file replaced on a submitted entry, validated after an élu published it: the run
    finishes (never stuck "running"), and the file does not become public by itself."""
    from region27.catalog import services as catalog_services
    from region27.catalog.models import Entry
    from region27.validation.selectors import schema_resolve
    from region27.validation.services import (
        distribution_add_with_schema,
        distribution_replace_file,
        run_execute,
    )

    org = factories.organisation(requires_validation=True)
    agent = factories.member(org, "agent")
    elu = factories.member(org, "elu")
    entry = factories.entry(org, agent, kind="dataset", status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        distribution = distribution_add_with_schema(
            entry=entry,
            by=agent,
            title="Subventions",
            file=upload(subventions_csv()),
            schema_version=schema_resolve("scdl/subventions"),
        )
    public_file = distribution.file.name
    with django_capture_on_commit_callbacks(execute=False):
        run = distribution_replace_file(
            distribution=distribution, by=agent, file=upload(subventions_csv(rows=5))
        )
    catalog_services.entry_publish(entry=Entry.objects.get(pk=entry.pk), by=elu)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    distribution.refresh_from_db()
    assert run.status == "done" and run.valid and run.decision == ""
    assert distribution.file.name == public_file
