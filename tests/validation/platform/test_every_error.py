"""A report listing part of its errors (the first 1,000 of each type): the total, and the
complete list downloaded as CSV, written by the engine while it validated."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from region27.catalog.services import distribution_remove
from region27.validation.models import ValidationRun
from region27.validation.selectors import schema_resolve
from region27.validation.services import (
    distribution_add_with_schema,
    errors_counts_name,
    errors_csv_name,
)
from tests import factories
from tests.validation.platform.conftest import subventions_csv, upload

pytestmark = pytest.mark.django_db
BAD = 1_003  # wrong SIRET keys: three more than a report lists of one type


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


def _run(entry: Any, agent: Any, data: bytes, capture: Any) -> ValidationRun:
    with capture(execute=True):
        distribution = distribution_add_with_schema(
            entry=entry,
            by=agent,
            title="Subventions 2024",
            file=upload(data),
            schema_version=schema_resolve("scdl/subventions"),
        )
    return ValidationRun.objects.get(distribution=distribution)


def _url(run: ValidationRun, suffix: str = "") -> str:
    d = run.distribution
    return f"/catalogue/{d.entry.slug}/fichiers/{d.uuid}/validation/{run.uuid}/{suffix}"


def test_report_lists_a_thousand_per_type_and_the_csv_has_them_all(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    data = subventions_csv(bad_sirets=BAD, bad_amounts=2, rows=BAD)
    run = _run(world["dataset"], world["agent"], data, django_capture_on_commit_callbacks)
    assert run.status == "done" and run.valid is False
    assert run.error_count == BAD + 2
    listed = [(e["type"], e["row"]) for e in run.errors]
    assert len(listed) == 1_000 + 2
    assert [r for t, r in listed if t == "french-siret-value"] == list(range(2, 1_002))
    assert default_storage.exists(errors_csv_name(run))

    page = client.get(_url(run)).content.decode()
    assert "les deux fichiers CSV contiennent la liste complète" in page
    # the groups count every error, not only the listed ones
    assert f"<td>{BAD}</td>" in page and "<td>1000</td>" not in page

    plain = client.get(_url(run, "rapport.csv"))
    assert plain["Content-Type"].startswith("text/csv")
    assert "attachment" in plain["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(plain.streaming_content).decode("utf-8"))))
    assert rows[0] == ["type", "row", "field", "constraint", "value", "message"]
    assert len(rows) == 1 + BAD + 2
    sirets = [int(r[1]) for r in rows[1:] if r[0] == "french-siret-value"]
    assert sirets == list(range(2, BAD + 2))  # in row order, the last three included
    assert rows[2][:5] == ["type-error", "2", "montant", "", "beaucoup"]

    excel = b"".join(client.get(_url(run, "rapport-tableur.csv")).streaming_content)
    assert excel.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(excel.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["type", "ligne", "champ", "contrainte", "valeur", "message"]
    assert [r[:3] for r in table[1:]] == [r[:3] for r in rows[1:]]

    with django_capture_on_commit_callbacks(execute=True):
        distribution_remove(distribution=run.distribution, by=world["agent"])
    assert not default_storage.exists(errors_csv_name(run))
    assert not default_storage.exists(errors_counts_name(run))


def test_a_complete_report_stores_no_second_list(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    data = subventions_csv(bad_sirets=2, rows=3)
    run = _run(world["dataset"], world["agent"], data, django_capture_on_commit_callbacks)
    assert run.error_count == len(run.errors) == 2
    assert not default_storage.exists(errors_csv_name(run))
    assert not default_storage.exists(errors_counts_name(run))


def test_the_complete_list_is_served_only_to_who_may_see_the_report(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    draft = factories.entry(
        world["org"], world["agent"], kind="dataset", status="draft", title="Brouillon"
    )
    data = subventions_csv(bad_sirets=BAD, rows=BAD)
    run = _run(draft, world["agent"], data, django_capture_on_commit_callbacks)
    assert default_storage.exists(errors_csv_name(run))
    assert client.get(_url(run, "rapport.csv")).status_code == 404
    assert client.get(_url(run, "rapport-tableur.csv")).status_code == 404
    client.force_login(world["agent"])
    response = client.get(_url(run, "rapport.csv"))
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).splitlines()) == 1 + BAD
