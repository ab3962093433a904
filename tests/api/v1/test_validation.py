"""Validation reports of distributions through the JSON API (read-only), as visible as on
the web: a published file's report for everyone, a pending replacement's for members."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.management import call_command

from region27.accounts.tokens import token_create
from region27.catalog import services as catalog_services
from region27.catalog.models import Distribution
from region27.validation.models import ValidationRun
from region27.validation.selectors import schema_resolve
from region27.validation.services import distribution_add_with_schema, distribution_replace_file
from tests import factories
from tests.api.v1.conftest import bearer
from tests.validation.platform.conftest import subventions_csv, upload


@pytest.fixture
def world(org: Any, agent: Any) -> dict[str, Any]:
    call_command("load_schemas", stdout=None)
    dataset = factories.entry(org, agent, kind="dataset", status="published", title="Subventions")
    return {"dataset": dataset, "agent": agent}


def _add(world: dict[str, Any], data: bytes, capture: Any) -> Distribution:
    with capture(execute=True):
        return distribution_add_with_schema(
            entry=world["dataset"],
            by=world["agent"],
            title="Subventions 2024",
            file=upload(data),
            schema_version=schema_resolve("scdl/subventions"),
        )


def _base(world: dict[str, Any], distribution: Distribution) -> str:
    return f"/api/1/entries/{world['dataset'].slug}/distributions/{distribution.uuid}"


def test_latest_report_and_list(
    client: Any, world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(
        world, subventions_csv(bad_sirets=2, bad_amounts=1), django_capture_on_commit_callbacks
    )
    run = ValidationRun.objects.get(distribution=distribution)
    answer = client.get(_base(world, distribution) + "/validation")
    assert answer.status_code == 200, answer.content
    report = answer.json()
    assert report["uuid"] == str(run.uuid)
    assert report["status"] == "done" and report["valid"] is False
    assert report["rows"] == 3 and report["error_count"] == 3
    assert report["schema_version"]["name"] == "scdl/subventions"
    assert report["file"]["published"] is True
    assert report["file"]["sha256"] == distribution.checksum
    types = sorted((e["type"], e["row"], e["field"]) for e in report["errors"])
    assert types == [
        ("french-siret-value", 2, "idBeneficiaire"),
        ("french-siret-value", 3, "idBeneficiaire"),
        ("type-error", 2, "montant"),
    ]
    assert report["url"].endswith(f"/validation/{run.uuid}/")
    # The same report at its own address; the list has it without the errors.
    again = client.get(report["api_url"])
    assert again.status_code == 200 and again.json()["errors"] == report["errors"]
    listed = client.get(_base(world, distribution) + "/validations").json()
    assert listed["total"] == 1 and listed["data"][0]["uuid"] == str(run.uuid)
    assert "errors" not in listed["data"][0]


def test_pending_replacement_is_for_members_only(
    client: Any,
    world: dict[str, Any],
    agent_token: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    distribution = _add(world, subventions_csv(), django_capture_on_commit_callbacks)
    first = ValidationRun.objects.get(distribution=distribution)
    with django_capture_on_commit_callbacks(execute=True):
        distribution_replace_file(
            distribution=distribution,
            by=world["agent"],
            file=upload(subventions_csv(bad_sirets=1)),
        )
    pending = ValidationRun.objects.exclude(pk=first.pk).get(distribution=distribution)
    assert pending.is_replacement and pending.valid is False
    base = _base(world, distribution)
    # Anyone: the published file's report only.
    public = client.get(base + "/validation").json()
    assert public["uuid"] == str(first.uuid) and public["valid"] is True
    assert client.get(f"{base}/validations/{pending.uuid}").status_code == 404
    assert client.get(base + "/validations").json()["total"] == 1
    # A member: the pending replacement too, newest first.
    member = client.get(base + "/validation", **bearer(agent_token)).json()
    assert member["uuid"] == str(pending.uuid) and member["file"]["published"] is False
    assert member["is_replacement"] is True
    listed = client.get(base + "/validations", **bearer(agent_token)).json()
    assert [r["uuid"] for r in listed["data"]] == [str(pending.uuid), str(first.uuid)]


def test_missing_reports_are_precise_problems(
    client: Any, world: dict[str, Any], org: Any, agent: Any
) -> None:
    plain = catalog_services.distribution_add(
        entry=world["dataset"], by=agent, title="Lien", url="https://e.org/a"
    )
    base = _base(world, plain)
    none_yet = client.get(base + "/validation")
    assert none_yet.status_code == 404
    assert none_yet["Content-Type"] == "application/problem+json"
    assert "validé" in none_yet.json()["detail"]
    assert client.get(base + "/validations").json()["total"] == 0
    for path in (
        f"/api/1/entries/{world['dataset'].slug}/distributions/pas-un-uuid/validation",
        f"/api/1/entries/{world['dataset'].slug}/distributions/{uuid.uuid4()}/validation",
        f"{base}/validations/pas-un-uuid",
        f"{base}/validations/{uuid.uuid4()}",
        f"/api/1/entries/nulle-part/distributions/{plain.uuid}/validation",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["type"].endswith("not-found")
    # A draft's distributions are no one's business but its organisation's.
    draft = factories.entry(org, agent, kind="dataset", title="Brouillon")
    hidden = catalog_services.distribution_add(
        entry=draft, by=agent, title="Lien", url="https://e.org/b"
    )
    path = f"/api/1/entries/{draft.slug}/distributions/{hidden.uuid}/validations"
    assert client.get(path).status_code == 404
    token = token_create(user=agent, name="a")[1]
    assert client.get(path, **bearer(token)).json()["total"] == 0
