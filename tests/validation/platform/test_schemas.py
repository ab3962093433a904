"""Référentiels: the shipped SCDL schemas, schemas added by agents, names in the catalogue."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings

from region27.catalog.models import Entry, EntryVersion
from region27.core.errors import NotAllowed
from region27.validation.models import SchemaDetail, SchemaVersion
from region27.validation.selectors import schema_resolve
from region27.validation.services import SHIPPED_SCHEMAS, schema_create, schema_version_add
from tests import factories
from tests.validation.conftest import SCHEMA, SERVER_HOST
from tests.validation.platform.conftest import upload

pytestmark = pytest.mark.django_db

TINY = {"fields": [{"name": "code", "type": "integer", "constraints": {"required": True}}]}


def test_load_schemas_is_idempotent() -> None:
    out = io.StringIO()
    call_command("load_schemas", stdout=out)
    assert "scdl/subventions 2.1.1 : créé et publié" in out.getvalue()
    entries = Entry.objects.filter(kind="schema")
    assert entries.count() == len(SHIPPED_SCHEMAS)
    assert all(e.status == "published" for e in entries)
    versions = EntryVersion.objects.count()
    out = io.StringIO()
    call_command("load_schemas", stdout=out)
    assert "déjà à jour" in out.getvalue()
    assert Entry.objects.filter(kind="schema").count() == len(SHIPPED_SCHEMAS)
    assert SchemaVersion.objects.count() == len(SHIPPED_SCHEMAS)
    assert EntryVersion.objects.count() == versions
    subventions = SchemaDetail.objects.get(name="scdl/subventions")
    assert subventions.entry.licence == "lov2"
    assert "Licence Ouverte 2.0" in subventions.attribution
    assert "Licence Ouverte 2.0" in subventions.entry.body
    assert subventions.entry.organisation.kind == "reseau"
    assert subventions.latest is not None and subventions.latest.version == "2.1.1"
    assert len(subventions.latest.sha256) == 64


def test_schema_names_resolve(schemas: None) -> None:
    assert schema_resolve("scdl/subventions").version == "2.1.1"
    assert schema_resolve("scdl/subventions@2.1.1").version == "2.1.1"
    with pytest.raises(LookupError):
        schema_resolve("scdl/subventions@9.9.9")
    with pytest.raises(LookupError):
        schema_resolve("inconnu/schema")


def test_latest_version_orders_numbers(schemas: None) -> None:
    detail = SchemaDetail.objects.get(name="scdl/subventions")
    agent = factories.member(detail.entry.organisation, "agent")
    newer = dict(detail.latest.descriptor, version="2.10.0")  # type: ignore[union-attr]
    schema_version_add(
        entry=detail.entry, by=agent, schema_file=upload(json.dumps(newer).encode(), "s.json")
    )
    assert schema_resolve("scdl/subventions").version == "2.10.0"


def test_invalid_schema_upload_saves_nothing(db: Any) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    before = Entry.objects.count()
    bad = {"fields": [{"name": "x", "type": "couleur"}]}
    with pytest.raises(ValidationError) as caught:
        schema_create(
            by=agent,
            organisation=org,
            title="Arbres",
            summary="Les arbres.",
            licence="lov2",
            name="valence/arbres",
            version="1.0",
            schema_file=upload(json.dumps(bad).encode(), "schema.json"),
        )
    assert "couleur" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        schema_create(
            by=agent,
            organisation=org,
            title="Arbres",
            summary="Les arbres.",
            licence="lov2",
            name="valence/arbres",
            version="1.0",
            schema_file=upload(b"{pas du json", "schema.json"),
        )
    assert "JSON" in " ".join(caught.value.messages)
    assert Entry.objects.count() == before
    assert not SchemaDetail.objects.exists()


def test_agent_adds_schema_through_the_page(client: Client, db: Any) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    client.force_login(agent)
    data = {
        "organisation": org.pk,
        "title": "Arbres remarquables",
        "summary": "Le schéma des arbres.",
        "name": "valence/arbres",
        "licence": "lov2",
        "version": "",
        "schema_file": upload(b'{"fields": [{"name": "x", "type": "couleur"}]}', "s.json"),
    }
    response = client.post("/referentiels/nouveau/", data)
    assert response.status_code == 400
    assert "couleur" in response.content.decode()
    assert not SchemaDetail.objects.exists()
    data["schema_file"] = upload(json.dumps(TINY).encode(), "s.json")
    response = client.post("/referentiels/nouveau/", data)
    assert response.status_code == 400
    assert "Indiquez le numéro de version" in response.content.decode()
    data["schema_file"] = upload(json.dumps(dict(TINY, version="1.0.0")).encode(), "s.json")
    response = client.post("/referentiels/nouveau/", data)
    assert response.status_code == 302
    detail = SchemaDetail.objects.get(name="valence/arbres")
    assert detail.entry.status == "draft"
    assert detail.latest is not None and detail.latest.version == "1.0.0"
    page = client.get(detail.entry.get_absolute_url()).content.decode()
    assert "Versions du schéma" in page
    assert "valence/arbres" in page
    assert client.get(f"/catalogue/{detail.entry.slug}/versions/1.0.0/schema.json").json() == dict(
        TINY, version="1.0.0"
    )


def test_schema_from_private_address_refused(db: Any) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    with pytest.raises(ValidationError) as caught:
        schema_create(
            by=agent,
            organisation=org,
            title="Arbres",
            summary="Les arbres.",
            licence="lov2",
            name="valence/arbres",
            version="1.0",
            schema_url="http://127.0.0.1:9/schema.json",
        )
    assert "pas joignable" in " ".join(caught.value.messages)


@pytest.mark.parametrize("path", ["/to-loopback", "/to-metadata"])
def test_schema_url_redirecting_to_private_address_refused(db: Any, server: str, path: str) -> None:
    """The first address is accepted by the setting; where it redirects is checked again."""
    org = factories.organisation()
    agent = factories.member(org, "agent")
    arguments: dict[str, Any] = {
        "by": agent,
        "organisation": org,
        "title": "Noms",
        "summary": "Des noms.",
        "licence": "lov2",
        "version": "1.0",
    }
    with override_settings(REGION27_VALIDATION_ALLOWED_NETWORKS=[f"{SERVER_HOST}/32"]):
        with pytest.raises(ValidationError) as caught:
            schema_create(name="valence/noms", schema_url=f"{server}{path}", **arguments)
        assert "pas joignable" in " ".join(caught.value.messages)
        assert not SchemaDetail.objects.filter(name="valence/noms").exists()
        entry = schema_create(name="valence/noms", schema_url=f"{server}/hop", **arguments)
    version = SchemaDetail.objects.get(entry=entry).latest
    assert version is not None and version.descriptor == SCHEMA
    assert version.source_url == f"{server}/hop"


def test_shipped_schema_page_is_public(client: Client, schemas: None) -> None:
    entry = SchemaDetail.objects.get(name="scdl/deliberations").entry
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "2.1.5" in page
    response = client.get(f"/catalogue/{entry.slug}/versions/2.1.5/schema.json")
    assert response.status_code == 200
    assert response.json()["name"] == "deliberations"


def test_generic_form_creates_schema_without_versions(client: Client, db: Any) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    client.force_login(agent)
    assert client.get("/catalogue/nouvelle/schema/").status_code == 200
    entry = factories.entry(
        org, agent, kind="schema", detail={"name": "valence/bancs", "homepage": ""}
    )
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Aucune version pour l" in page and "Ajouter une version" in page
    with pytest.raises(ValidationError):
        factories.entry(org, agent, kind="schema", detail={"name": "Pas Valide !"})


def test_a_schema_is_downloaded_before_any_transaction_or_lock(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow server (up to the fetch timeout) must not hold the référentiel's lock."""
    from django.db import connection

    from region27.validation import services

    org = factories.organisation()
    agent = factories.member(org, "agent")
    depth: list[int] = []

    def fetch(url: str, limits: Any) -> bytes:
        depth.append(len(connection.atomic_blocks))
        return json.dumps(dict(TINY, version="2.0")).encode()

    monkeypatch.setattr(services.schemas, "fetch_url", fetch)
    outside = len(connection.atomic_blocks)  # the test's own transaction
    entry = schema_create(
        by=agent,
        organisation=org,
        title="Arbres",
        summary="Les arbres.",
        licence="lov2",
        name="valence/arbres",
        schema_url="https://schemas.example.fr/arbres.json",
    )
    schema_version_add(
        entry=entry, by=agent, schema_url="https://schemas.example.fr/arbres-3.json", version="3.0"
    )
    assert depth == [outside, outside]
    versions = SchemaDetail.objects.get(entry=entry).versions.order_by("version")
    assert [v.version for v in versions] == ["2.0", "3.0"]
    # Someone who may not change it is refused before anything is downloaded.
    other = factories.member(factories.organisation(), "agent")
    with pytest.raises(NotAllowed):
        schema_version_add(entry=entry, by=other, schema_url="https://x.example/s.json")
    assert len(depth) == 2


def test_two_agents_creating_the_same_name_at_once(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second one, past the check before the first committed, hits the unique name:
    a clear message on the name, not a 500, and nothing saved."""
    from region27.validation import services

    org = factories.organisation()
    agent = factories.member(org, "agent")
    arguments: dict[str, Any] = {
        "by": agent,
        "organisation": org,
        "title": "Arbres",
        "summary": "Les arbres.",
        "licence": "lov2",
        "name": "valence/arbres",
        "version": "1.0",
        "schema_file": upload(json.dumps(TINY).encode(), "schema.json"),
    }
    schema_create(**arguments)
    entries = Entry.objects.count()
    real = services.schemas._name_taken
    calls: list[bool] = []

    def taken(name: str) -> bool:
        # The check in the transaction sees the name free (the other agent had not
        # committed yet); the unique index then refuses the second row.
        calls.append(True)
        return False if len(calls) == 1 else real(name)

    monkeypatch.setattr(services.schemas, "_name_taken", taken)
    # Nor does the model's own uniqueness check (the other row is not committed yet).
    monkeypatch.setattr(SchemaDetail, "validate_unique", lambda self, exclude=None: None)
    arguments["schema_file"] = upload(json.dumps(TINY).encode(), "schema.json")
    with pytest.raises(ValidationError) as caught:
        schema_create(**arguments)
    assert "porte déjà ce nom" in " ".join(caught.value.messages)
    assert len(calls) == 2  # the IntegrityError branch asked again
    assert Entry.objects.count() == entries
