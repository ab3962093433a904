"""Writes go through the catalog services and the permission policy; failed writes change nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from region27.accounts.tokens import token_create
from region27.catalog.models import Entry, EntryVersion
from region27.journal.models import Record
from tests import factories
from tests.api.v1.conftest import bearer

NEW = {
    "kind": "dataset",
    "organisation": "ville-test",
    "title": "Comptages vélo",
    "summary": "Les comptages des vélos.",
    "licence": "lov2",
    "themes": ["mobilite"],
    "keywords": ["vélo", "Vélo", "comptage"],
    "detail": {"frequency": "daily", "temporal_start": "2024-01-01"},
}


def _post(client: Any, url: str, token: str, payload: Any = None) -> Any:
    body = json.dumps(payload) if payload is not None else ""
    return client.post(url, data=body, content_type="application/json", **bearer(token))


def _counts() -> tuple[int, int, int]:
    return Entry.objects.count(), EntryVersion.objects.count(), Record.objects.count()


def test_full_lifecycle(client: Any, org: Any, agent: Any, agent_token: str) -> None:
    created = _post(client, "/api/1/entries", agent_token, NEW)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["keywords"] == ["vélo", "comptage"]
    assert data["detail"]["frequency"] == "daily"
    slug = data["slug"]
    patched = client.patch(
        f"/api/1/entries/{slug}",
        data=json.dumps({"summary": "Nouveau résumé.", "comment": "précision"}),
        content_type="application/json",
        **bearer(agent_token),
    )
    assert patched.status_code == 200 and patched.json()["summary"] == "Nouveau résumé."
    assert (
        _post(client, f"/api/1/entries/{slug}/submit", agent_token).json()["status"] == "submitted"
    )
    assert (
        _post(client, f"/api/1/entries/{slug}/publish", agent_token).json()["status"] == "published"
    )
    uploaded = client.post(
        f"/api/1/entries/{slug}/distributions",
        data={"title": "Données", "file": SimpleUploadedFile("v.csv", b"a,b\n1,2\n", "text/csv")},
        **bearer(agent_token),
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["checksum"] and uploaded.json()["format"] == "CSV"
    archived = _post(client, f"/api/1/entries/{slug}/archive", agent_token)
    assert archived.json()["status"] == "archived"
    entry = Entry.objects.get(slug=slug)
    actions = list(entry.versions.order_by("number").values_list("action", flat=True))
    assert actions == ["create", "update", "submit", "publish", "update", "archive"]


def test_elu_validation_policy(client: Any, db: Any) -> None:
    org = factories.organisation(slug="valide", requires_validation=True)
    agent = factories.member(org, "agent")
    elu = factories.member(org, "elu")
    agent_token = token_create(user=agent, name="a")[1]
    elu_token = token_create(user=elu, name="e")[1]
    payload = dict(NEW, organisation="valide")
    slug = _post(client, "/api/1/entries", agent_token, payload).json()["slug"]
    refused = _post(client, f"/api/1/entries/{slug}/publish", agent_token)
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["entry_status"] == "draft"
    assert _post(client, f"/api/1/entries/{slug}/submit", agent_token).status_code == 200
    assert (
        _post(client, f"/api/1/entries/{slug}/reject", elu_token, {"comment": ""}).status_code
        == 422
    )
    rejected = _post(client, f"/api/1/entries/{slug}/reject", elu_token, {"comment": "À revoir"})
    assert rejected.json()["status"] == "draft"
    assert _post(client, "/api/1/entries", elu_token, payload).status_code == 403


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        (dict(NEW, licence="inconnue"), 422, "licence"),
        (dict(NEW, themes=["nope"]), 422, "themes"),
        (dict(NEW, territories=["commune:99999"]), 422, "territories"),
        (dict(NEW, territories=["planete:1"]), 422, "territories"),
        (dict(NEW, kind="vaisseau"), 422, "kind"),
        (dict(NEW, organisation="inconnue"), 422, "organisation"),
        (dict(NEW, detail={"frequency": "parfois"}), 422, "frequency"),
        (dict(NEW, detail={"couleur": "bleu"}), 422, "detail"),
        (dict(NEW, detail={"temporal_start": "2024-05-01", "temporal_end": "2023-01-01"}), 422, ""),
        (dict(NEW, detail={"temporal_start": True}), 422, "temporal_start"),
        (dict(NEW, detail={"temporal_start": 1e308}), 422, "temporal_start"),
        (dict(NEW, title=""), 422, "title"),
        (dict(NEW, title=3), 422, "title"),
        (dict(NEW, extra=1), 422, "extra"),
        (dict(NEW, title="a\u0000b"), 400, None),
        ([1, 2], 422, None),
    ],
)
def test_bad_writes_change_nothing(
    client: Any, org: Any, agent_token: str, payload: Any, status: int, field: str | None
) -> None:
    before = _counts()
    response = _post(client, "/api/1/entries", agent_token, payload)
    assert response.status_code == status, response.content
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["status"] == status and problem["detail"]
    if field:
        assert any(field in e["field"] for e in problem["errors"]), problem
    assert _counts() == before


def test_failed_update_keeps_the_entry(client: Any, org: Any, agent: Any, agent_token: str) -> None:
    entry = factories.entry(org, agent, kind="dataset", title="Avant")
    before = _counts()
    response = client.patch(
        f"/api/1/entries/{entry.slug}",
        data=json.dumps({"title": "Après", "detail": {"frequency": "jamais"}}),
        content_type="application/json",
        **bearer(agent_token),
    )
    assert response.status_code == 422
    entry.refresh_from_db()
    assert entry.title == "Avant" and _counts() == before


def test_malformed_json_and_media_type(client: Any, org: Any, agent_token: str) -> None:
    bad = client.post(
        "/api/1/entries",
        data='{"kind": "dataset",',
        content_type="application/json",
        **bearer(agent_token),
    )
    assert bad.status_code == 400
    assert bad.json()["type"].endswith("malformed-json") and "colonne" in bad.json()["detail"]
    xml = client.post(
        "/api/1/entries", data="<a/>", content_type="application/xml", **bearer(agent_token)
    )
    assert xml.status_code == 415


def test_writes_need_a_token_and_the_right_role(client: Any, org: Any, agent: Any) -> None:
    entry = factories.entry(org, agent, kind="study")
    anonymous = client.post(f"/api/1/entries/{entry.slug}/submit")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    habitant = token_create(user=factories.user(), name="h")[1]
    assert _post(client, f"/api/1/entries/{entry.slug}/submit", habitant).status_code == 404
    assert _post(client, "/api/1/entries", habitant, NEW).status_code == 403
    other_org = factories.organisation()
    outsider = token_create(user=factories.member(other_org, "admin"), name="o")[1]
    assert _post(client, "/api/1/entries", outsider, NEW).status_code == 403


def test_distribution_rules(
    client: Any, org: Any, agent: Any, agent_token: str, settings: Any
) -> None:
    study = factories.entry(org, agent, kind="study")
    before = _counts()
    not_dataset = client.post(
        f"/api/1/entries/{study.slug}/distributions",
        data={"title": "x", "url": "https://ex.org/x.csv"},
        **bearer(agent_token),
    )
    assert not_dataset.status_code == 422
    dataset = factories.entry(org, agent, kind="dataset")
    both = client.post(
        f"/api/1/entries/{dataset.slug}/distributions",
        data={
            "title": "x",
            "url": "https://ex.org/x.csv",
            "file": SimpleUploadedFile("a.csv", b"a"),
        },
        **bearer(agent_token),
    )
    assert both.status_code == 422
    settings.REGION27_MAX_UPLOAD_SIZE = 10
    big = client.post(
        f"/api/1/entries/{dataset.slug}/distributions",
        data={"title": "x", "file": SimpleUploadedFile("a.csv", b"a" * 5000)},
        **bearer(agent_token),
    )
    assert big.status_code == 413
    assert _counts()[0] == before[0] + 1  # only the dataset created above


def test_someone_who_may_not_edit_is_told_so_before_anything_about_the_content(
    client: Any, org: Any, agent: Any
) -> None:
    """403 first, whatever is wrong in what they sent (a body that cannot be read at all,
    malformed JSON or a NUL character in it, is refused before: 400)."""
    dataset = factories.entry(org, agent, kind="dataset", status="published")
    study = factories.entry(org, agent, kind="study", status="published")
    kit = factories.entry(org, agent, kind="kit", status="published")
    outsider = token_create(user=factories.member(factories.organisation(), "admin"), name="o")[1]
    nul = "nul\u0000"
    attempts = [
        client.patch(
            f"/api/1/entries/{study.slug}",
            data=json.dumps({"title": None}),
            content_type="application/json",
            **bearer(outsider),
        ),
        client.post(
            f"/api/1/entries/{dataset.slug}/distributions",
            data={"title": nul, "url": "https://ex.org/x.csv"},
            **bearer(outsider),
        ),
        client.put(
            f"/api/1/entries/{kit.slug}/items",
            data=json.dumps({"items": [{"entry": "fiche-qui-n-existe-pas"}]}),
            content_type="application/json",
            **bearer(outsider),
        ),
        client.post(f"/api/1/entries/{study.slug}/document", data={}, **bearer(outsider)),
    ]
    for response in attempts:
        assert response.status_code == 403, response.content
        assert response.json()["type"].endswith("forbidden")
