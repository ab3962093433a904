"""Reads: every resource, the page shape, visibility of drafts, CORS."""

from __future__ import annotations

from typing import Any

import pytest

from region27.accounts.tokens import token_create
from region27.territories.models import Level
from tests import factories
from tests.api.v1.conftest import bearer

PAGE_KEYS = {"data", "page", "page_size", "total", "next_page", "previous_page"}
LISTS = [
    "/api/1/entries",
    "/api/1/organisations",
    "/api/1/territories",
    "/api/1/themes",
    "/api/1/licences",
    "/api/1/kinds",
    "/api/1/search",
    "/api/1/journal",
]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_has_the_page_shape_and_cors(client: Any, org: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert set(response.json()) >= PAGE_KEYS
    assert response["Access-Control-Allow-Origin"] == "*"


def test_entries_pagination_and_filters(client: Any, org: Any, agent: Any) -> None:
    for i in range(5):
        factories.entry(org, agent, kind="dataset", status="published", title=f"Vélos {i}")
    factories.entry(org, agent, kind="study", status="published", title="Étude")
    page = client.get("/api/1/entries?kind=dataset&page_size=2&page=2").json()
    assert page["total"] == 5 and len(page["data"]) == 2
    assert page["next_page"] == 3 and page["previous_page"] == 1
    last = client.get("/api/1/entries?kind=dataset&page_size=2&page=3").json()
    assert last["next_page"] is None and len(last["data"]) == 1
    assert client.get("/api/1/entries?kind=study").json()["total"] == 1
    assert client.get("/api/1/entries?q=V%C3%A9los").json()["total"] == 5


def test_drafts_only_with_a_member_token(
    client: Any, org: Any, agent: Any, agent_token: str
) -> None:
    draft = factories.entry(org, agent, kind="study", title="Brouillon secret")
    assert client.get(f"/api/1/entries/{draft.slug}").status_code == 404
    assert client.get("/api/1/entries?status=draft").json()["total"] == 0
    outsider = factories.user()
    other = token_create(user=outsider, name="x")[1]
    assert client.get(f"/api/1/entries/{draft.slug}", **bearer(other)).status_code == 404
    mine = client.get(f"/api/1/entries/{draft.slug}", **bearer(agent_token))
    assert mine.status_code == 200 and mine.json()["status"] == "draft"
    assert (
        client.get("/api/1/entries?status=draft", HTTP_X_API_KEY=agent_token).json()["total"] == 1
    )


def test_entry_detail_fields_and_distributions(client: Any, org: Any, agent: Any) -> None:
    from region27.catalog import services

    entry = factories.entry(
        org, agent, kind="dataset", status="published", detail={"frequency": "monthly"}
    )
    services.distribution_add(entry=entry, by=agent, title="Lien", url="https://ex.org/a.csv")
    data = client.get(f"/api/1/entries/{entry.slug}").json()
    assert data["detail"]["frequency"] == "monthly"
    assert data["distributions"][0]["url"] == "https://ex.org/a.csv"
    assert data["distributions"][0]["format"] == "CSV"


def test_moved_entry_answers_301(client: Any, org: Any, agent: Any) -> None:
    from region27.catalog import services

    entry = factories.entry(org, agent, kind="study", status="published", title="Ancien titre")
    old = entry.slug
    services.entry_update(entry=entry, by=agent, slug="nouveau-titre")
    response = client.get(f"/api/1/entries/{old}")
    assert response.status_code == 301
    assert response["Location"] == "/api/1/entries/nouveau-titre"


def test_anonymised_failure_hides_the_organisation(client: Any, org: Any, agent: Any) -> None:
    detail = dict(factories.DEFAULT_DETAILS["failure"], anonymised=True)
    entry = factories.entry(org, agent, kind="failure", status="published", detail=detail)
    data = client.get(f"/api/1/entries/{entry.slug}").json()
    assert data["organisation"] is None and "anonymised" not in data["detail"]
    listed = client.get("/api/1/entries?kind=failure").json()["data"][0]
    assert listed["organisation"] is None


def test_organisations_territories_themes_licences(client: Any, org: Any) -> None:
    region = factories.territory(Level.REGION, code="93", name="Provence")
    dep = factories.territory(Level.DEPARTEMENT, code="84", name="Vaucluse", region=region)
    one = client.get("/api/1/organisations/ville-test").json()
    assert one["slug"] == "ville-test"
    assert client.get("/api/1/organisations/inconnue").status_code == 404
    found = client.get("/api/1/territories?q=vaucluse").json()
    assert [t["code"] for t in found["data"]] == ["departement:84"]
    detail = client.get("/api/1/territories/departement/84").json()
    assert detail["ancestors"] == [{"code": "region:93", "level": "region", "name": "Provence"}]
    assert dep.pk
    assert client.get("/api/1/territories?level=planete").status_code == 422
    themes = client.get("/api/1/themes?page_size=5").json()
    assert themes["total"] == 20 and themes["next_page"] == 2
    licences = client.get("/api/1/licences").json()["data"]
    assert any(lic["id"] == "lov2" for lic in licences)


def test_search_has_facets(client: Any, org: Any, agent: Any) -> None:
    factories.entry(org, agent, kind="dataset", status="published", title="Pistes cyclables")
    factories.entry(org, agent, kind="study", status="published", title="Pistes de ski")
    data = client.get("/api/1/search?q=pistes&kind=dataset").json()
    assert data["total"] == 1 and data["data"][0]["title"] == "Pistes cyclables"
    kinds = {f["value"]: f["count"] for f in data["facets"]["kind"]}
    assert kinds == {"dataset": 1, "study": 1}
    assert "<mark>" in data["data"][0]["snippet"] or data["data"][0]["snippet"]


def test_journal_lists_records(client: Any, org: Any, agent: Any) -> None:
    entry = factories.entry(org, agent, kind="study", status="published")
    data = client.get("/api/1/journal?organisation=ville-test").json()
    assert data["total"] >= 3
    assert {r["action"] for r in data["data"]} >= {"create", "submit", "publish"}
    assert data["data"][0]["entry"] == entry.slug
    seq = data["data"][0]["seq"]
    assert client.get(f"/api/1/journal/{seq}").json()["seq"] == seq
    assert client.get("/api/1/journal/999999").status_code == 404
    assert client.get("/api/1/journal?organisation=nope").status_code == 422
    assert client.get("/api/1/journal?since=hier").status_code == 422


def test_openapi_and_docs(client: Any) -> None:
    schema = client.get("/api/1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    paths = schema["paths"]
    for path in ("/api/1/entries", "/api/1/entries/{slug}/publish", "/api/1/search"):
        assert path in paths
    errors = paths["/api/1/entries"]["post"]["responses"]["422"]["content"]
    assert "application/problem+json" in errors
    docs = client.get("/api/1/docs/")
    assert docs.status_code == 200
    assert b"problem-token-expired" in docs.content and b"<script" not in docs.content
    # Operations are summed up in the reader's language, in the document and on the page.
    french = docs.content.decode()
    assert '<html lang="fr">' in french and docs["Content-Language"] == "fr"
    assert "Chercher des fiches" in french and "Search entries" not in french
    assert paths["/api/1/search"]["get"]["summary"].startswith("Chercher des fiches")
    client.cookies["django_language"] = "en"
    english = client.get("/api/1/docs/")
    assert '<html lang="en">' in english.content.decode() and english["Content-Language"] == "en"
    assert "Search entries (full text" in english.content.decode()
    schema_en = client.get("/api/1/openapi.json").json()
    assert schema_en["paths"]["/api/1/search"]["get"]["summary"].startswith("Search entries")


def test_preflight_allows_reads_only(client: Any) -> None:
    response = client.options(
        "/api/1/entries",
        HTTP_ORIGIN="https://ailleurs.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in response["Access-Control-Allow-Methods"]
    post = client.post("/api/1/entries", data="{}", content_type="application/json")
    assert "Access-Control-Allow-Origin" not in post
