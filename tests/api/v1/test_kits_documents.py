"""Kit items and study documents through the JSON API: the catalog services, the one
permission policy, RFC 9457 problems, and failed writes that change nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from region27.accounts.tokens import token_create
from region27.catalog.models import Entry, EntryVersion, KitItem
from region27.catalog.models.kinds import StudyDetail
from region27.journal.models import Record
from tests import factories
from tests.api.v1.conftest import bearer


def _put(client: Any, url: str, token: str, payload: Any) -> Any:
    return client.put(
        url, data=json.dumps(payload), content_type="application/json", **bearer(token)
    )


def _counts() -> tuple[int, int, int]:
    return KitItem.objects.count(), EntryVersion.objects.count(), Record.objects.count()


@pytest.fixture
def kit_world(org: Any, agent: Any) -> dict[str, Any]:
    kit = factories.entry(org, agent, kind="kit", title="Kit vélo")
    other_org = factories.organisation(slug="ailleurs")
    other_agent = factories.member(other_org, "agent")
    published = factories.entry(other_org, other_agent, kind="study", status="published")
    dataset = factories.entry(org, agent, kind="dataset", status="published")
    draft = factories.entry(other_org, other_agent, kind="study", title="Brouillon d'ailleurs")
    return {"kit": kit, "published": published, "dataset": dataset, "draft": draft}


def test_kit_items_replace_and_read(
    client: Any, kit_world: dict[str, Any], agent_token: str
) -> None:
    kit, published, dataset = kit_world["kit"], kit_world["published"], kit_world["dataset"]
    url = f"/api/1/entries/{kit.slug}/items"
    answer = _put(
        client,
        url,
        agent_token,
        {"items": [{"entry": dataset.slug, "note": "D'abord"}, {"entry": published.slug}]},
    )
    assert answer.status_code == 200, answer.content
    items = answer.json()["items"]
    assert [(i["position"], i["slug"], i["note"]) for i in items] == [
        (0, dataset.slug, "D'abord"),
        (1, published.slug, ""),
    ]
    assert items[0]["api_url"].endswith(f"/api/1/entries/{dataset.slug}")
    # The kit's history has the change; the entry's reading shows the same list.
    assert Entry.objects.get(pk=kit.pk).versions.filter(action="update").exists()
    read = client.get(f"/api/1/entries/{kit.slug}", **bearer(agent_token)).json()
    assert [i["slug"] for i in read["items"]] == [dataset.slug, published.slug]
    # Replacing with a shorter list (or none) replaces the whole list.
    again = _put(client, url, agent_token, {"items": [{"entry": published.slug}]})
    assert [i["slug"] for i in again.json()["items"]] == [published.slug]
    empty = _put(client, url, agent_token, {"items": []})
    assert empty.status_code == 200 and empty.json()["items"] == []
    # Other kinds list no items.
    assert client.get(f"/api/1/entries/{dataset.slug}").json()["items"] == []


@pytest.mark.parametrize(
    ("items", "status", "field"),
    [
        ([{"entry": "nulle-part"}], 422, "items[0].entry"),
        ([{"entry": "DRAFT"}], 422, "items[0].entry"),  # a draft elsewhere is not public
        ([{"entry": "PUBLISHED"}, {"entry": "PUBLISHED"}], 422, ""),  # twice
        ([{"entry": "KIT"}], 422, ""),  # itself
        ([{"entry": "PUBLISHED", "extra": 1}], 422, "items.0.extra"),
        ([{"entry": ""}], 422, "items.0.entry"),
        ([{"entry": "PUBLISHED", "note": "x" * 301}], 422, "items.0.note"),
        ([{"entry": "a\u0000b"}], 400, None),
        ("pas une liste", 422, "items"),
    ],
)
def test_bad_kit_items_change_nothing(
    client: Any,
    kit_world: dict[str, Any],
    agent_token: str,
    items: Any,
    status: int,
    field: str | None,
) -> None:
    kit = kit_world["kit"]
    KitItem.objects.create(kit=kit, item=kit_world["dataset"], position=0)
    if isinstance(items, list):
        names = {"DRAFT": "draft", "PUBLISHED": "published", "KIT": "kit"}
        items = [
            dict(i, entry=kit_world[names[i["entry"]]].slug) if i["entry"] in names else i
            for i in items
        ]
    before = _counts()
    answer = _put(client, f"/api/1/entries/{kit.slug}/items", agent_token, {"items": items})
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and problem["detail"]
    if field:
        assert any(e["field"] == field for e in problem["errors"]), problem
    assert _counts() == before
    assert list(kit.kit_items.values_list("item_id", flat=True)) == [kit_world["dataset"].pk]


def test_kit_items_permissions(client: Any, kit_world: dict[str, Any], org: Any) -> None:
    kit, published = kit_world["kit"], kit_world["published"]
    url = f"/api/1/entries/{kit.slug}/items"
    payload = {"items": [{"entry": published.slug}]}
    before = _counts()
    anonymous = client.put(url, data=json.dumps(payload), content_type="application/json")
    assert anonymous.status_code == 401
    # Someone who cannot see the draft kit: 404, as for every other write.
    habitant = token_create(user=factories.user(), name="h")[1]
    assert _put(client, url, habitant, payload).status_code == 404
    # An élu of the organisation sees the draft but does not edit it.
    elu = token_create(user=factories.member(org, "elu"), name="e")[1]
    refused = _put(client, url, elu, payload)
    assert refused.status_code == 403 and refused.json()["type"].endswith("forbidden")
    # Not a kit.
    agent_token = token_create(user=kit.created_by, name="a")[1]
    not_kit = _put(
        client, f"/api/1/entries/{kit_world['dataset'].slug}/items", agent_token, payload
    )
    assert not_kit.status_code == 422 and not_kit.json()["errors"][0]["field"] == "items"
    assert _counts() == before


def test_study_document_upload_and_removal(
    client: Any, org: Any, agent: Any, agent_token: str
) -> None:
    study = factories.entry(org, agent, kind="study", title="Étude des mobilités")
    url = f"/api/1/entries/{study.slug}/document"
    sent = client.post(
        url,
        data={"file": SimpleUploadedFile("étude finale.pdf", b"%PDF-1.4 test", "application/pdf")},
        **bearer(agent_token),
    )
    assert sent.status_code == 200, sent.content
    address = sent.json()["detail"]["document"]
    assert address.startswith("http") and address.endswith(".pdf")
    detail = StudyDetail.objects.get(entry=study)
    assert detail.document.read() == b"%PDF-1.4 test"
    detail.document.close()
    versions = list(study.versions.order_by("number").values_list("action", flat=True))
    assert versions == ["create", "update"]
    removed = client.delete(url, **bearer(agent_token))
    assert removed.status_code == 200 and removed.json()["detail"]["document"] == ""
    assert not StudyDetail.objects.get(entry=study).document


def test_bad_documents_change_nothing(
    client: Any, org: Any, agent: Any, agent_token: str, settings: Any
) -> None:
    study = factories.entry(org, agent, kind="study")
    dataset = factories.entry(org, agent, kind="dataset")
    before = (EntryVersion.objects.count(), Record.objects.count())
    url = f"/api/1/entries/{study.slug}/document"
    missing = client.post(url, data={}, **bearer(agent_token))
    assert missing.status_code == 422 and missing["Content-Type"] == "application/problem+json"
    assert missing.json()["errors"][0]["field"] == "file"
    not_study = client.post(
        f"/api/1/entries/{dataset.slug}/document",
        data={"file": SimpleUploadedFile("a.pdf", b"%PDF")},
        **bearer(agent_token),
    )
    assert not_study.status_code == 422
    assert not_study.json()["errors"][0]["field"] == "document"
    settings.REGION27_MAX_UPLOAD_SIZE = 10
    big = client.post(
        url, data={"file": SimpleUploadedFile("a.pdf", b"a" * 5000)}, **bearer(agent_token)
    )
    assert big.status_code == 413
    habitant = token_create(user=factories.user(), name="h")[1]
    assert (
        client.post(url, data={"file": SimpleUploadedFile("a.pdf", b"%PDF")}, **bearer(habitant))
    ).status_code == 404
    assert client.delete(url).status_code == 401
    assert (EntryVersion.objects.count(), Record.objects.count()) == before
    assert not StudyDetail.objects.get(entry=study).document


def test_new_operations_are_in_the_openapi_document(client: Any, db: Any) -> None:
    paths = client.get("/api/1/openapi.json").json()["paths"]
    assert "put" in paths["/api/1/entries/{slug}/items"]
    assert {"post", "delete"} <= set(paths["/api/1/entries/{slug}/document"])
    upload = paths["/api/1/entries/{slug}/document"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert "get" in paths["/api/1/entries/{slug}/distributions/{distribution}/validation"]
    assert "get" in paths["/api/1/entries/{slug}/distributions/{distribution}/validations"]
