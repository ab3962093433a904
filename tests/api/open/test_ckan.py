"""The CKAN Action API: envelopes, errors, package_search's q/fq/facets, every action,
and the real `ckanapi` client against a live server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.api.open.conftest import OpenData

# Every key data.gouv.fr's CKAN harvester reads.
PACKAGE_KEYS = {
    "id", "name", "title", "notes", "license_id", "license_title", "tags",
    "metadata_created", "metadata_modified", "organization", "resources", "private",
    "type", "author", "author_email", "maintainer", "maintainer_email", "state",
}  # fmt: skip
RESOURCE_KEYS = {
    "id", "position", "name", "description", "format", "mimetype", "size", "hash",
    "created", "last_modified", "url", "resource_type",
}  # fmt: skip


def call(
    client: Client, action: str, method: str = "get", prefix: str = "/api/3/action/", /, **data: Any
) -> tuple[int, dict[str, Any]]:
    url = f"{prefix}{action}"
    if method == "get":
        response = client.get(url, data)
    else:
        response = client.post(url, json.dumps(data), content_type="application/json")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


def search(client: Client, **data: Any) -> dict[str, Any]:
    status, body = call(client, "package_search", "post", **data)
    assert status == 200, body
    assert body["success"] is True
    return body["result"]


def names(result: dict[str, Any]) -> set[str]:
    return {p["name"] for p in result["results"]}


def test_envelope_get_post_and_both_prefixes(client: Client, open_data: OpenData) -> None:
    for prefix in ("/api/3/action/", "/api/action/"):
        for method in ("get", "post"):
            status, body = call(client, "package_list", method, prefix)
            assert status == 200
            assert set(body) == {"help", "success", "result"}
            assert body["help"].endswith("help_show?name=package_list")
            assert sorted(body["result"]) == sorted(
                [open_data.dataset.slug, open_data.dataset2.slug]
            )


def test_only_public_datasets_are_packages(client: Client, open_data: OpenData) -> None:
    result = search(client, rows=100)
    assert result["count"] == 2
    assert names(result) == {open_data.dataset.slug, open_data.dataset2.slug}
    for slug in (open_data.service.slug, open_data.study.slug, open_data.draft.slug):
        status, body = call(client, "package_show", id=slug)
        assert status == 404
        assert body["success"] is False
        assert body["error"]["__type"] == "Not Found Error"


def test_package_dict_has_every_harvester_key(client: Client, open_data: OpenData) -> None:
    status, body = call(client, "package_show", id=open_data.dataset.slug)
    assert status == 200
    package = body["result"]
    assert set(package) >= PACKAGE_KEYS
    assert package["type"] == "dataset" and package["private"] is False
    assert package["state"] == "active"
    assert package["license_id"] == "lov2"
    assert package["license_title"].startswith("Licence Ouverte")
    assert {t["name"] for t in package["tags"]} == {"recharge", "mobilité"}
    assert all(set(t) >= {"id", "name"} for t in package["tags"])
    assert package["organization"]["name"] == "crest"
    assert package["maintainer_email"] == "donnees@crest.example"
    assert {g["name"] for g in package["groups"]} == {"mobilite", "energie"}
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["spatial-uri"] == "http://id.insee.fr/geo/commune/26108"
    assert extras["spatial-text"] == "Crest"
    assert extras["frequency"] == "annual"
    assert extras["temporal_start"] == "2020-01-01"
    assert extras["temporal_end"] == "2024-12-31"
    assert len(package["resources"]) == 2
    for position, resource in enumerate(package["resources"]):
        assert set(resource) >= RESOURCE_KEYS
        assert resource["position"] == position
    upload = package["resources"][0]
    assert upload["format"] == "CSV"
    assert upload["url"].startswith("http") and upload["url"].endswith("bornes.csv")
    assert upload["hash"].startswith("sha256:") and upload["size"] == 19
    # By id too, and the id is stable.
    status, again = call(client, "package_show", "post", id=package["id"])
    assert status == 200 and again["result"]["name"] == package["name"]


FQ_CASES: list[tuple[str, set[str]]] = [
    ("organization:crest", {"dataset"}),
    ("-organization:crest", {"dataset2"}),
    ("NOT organization:crest", {"dataset2"}),
    ("tags:recharge", {"dataset"}),
    ("tags:RECHARGE", {"dataset"}),
    ('tags:"mobilité"', {"dataset"}),
    ("res_format:CSV", {"dataset"}),
    ("res_format:json", {"dataset2"}),
    ("license_id:odc-odbl", {"dataset2"}),
    ("groups:finances", {"dataset2"}),
    ("groups:mobilite AND groups:energie", {"dataset"}),
    ("groups:mobilite groups:finances", set()),
    ("tags:recharge OR organization:drome", {"dataset", "dataset2"}),
    ("organization:(crest OR drome)", {"dataset", "dataset2"}),
    ("+organization:drome -tags:recharge", {"dataset2"}),
    ("metadata_modified:[2000-01-01T00:00:00Z TO *]", {"dataset", "dataset2"}),
    ("metadata_modified:[NOW-1DAY TO *]", {"dataset", "dataset2"}),
    ("metadata_modified:[* TO 2000-01-01T00:00:00Z]", set()),
    ("metadata_created:[2000-01-01 TO NOW]", {"dataset", "dataset2"}),
    ("(organization:crest OR groups:finances) AND -res_format:HTML", {"dataset2"}),
    ("type:dataset", {"dataset", "dataset2"}),
    ("*:*", {"dataset", "dataset2"}),
]


def test_fq(client: Client, open_data: OpenData) -> None:
    for fq, expected in FQ_CASES:
        wanted = {getattr(open_data, key).slug for key in expected}
        assert names(search(client, fq=fq, rows=100)) == wanted, fq


def test_q_text_and_fields(client: Client, open_data: OpenData) -> None:
    assert names(search(client, q="budget")) == {open_data.dataset2.slug}
    assert names(search(client, q="recharge publiques")) == {open_data.dataset.slug}
    assert names(search(client, q="recharge OR budget")) == {
        open_data.dataset.slug,
        open_data.dataset2.slug,
    }
    assert names(search(client, q="name:budget-primitif")) == {open_data.dataset2.slug}
    assert search(client, q="introuvable")["count"] == 0


def test_rows_start_sort(client: Client, open_data: OpenData) -> None:
    by_name = search(client, sort="name asc", rows=1)
    assert by_name["count"] == 2 and len(by_name["results"]) == 1
    first = by_name["results"][0]["name"]
    second = search(client, sort="name asc", rows=1, start=1)["results"][0]["name"]
    assert sorted([first, second]) == [first, second]
    assert search(client, sort="name desc", rows=1)["results"][0]["name"] == second
    assert search(client, rows=0)["results"] == []
    # Huge rows are capped at 1000, as CKAN does.
    assert search(client, rows=10**9)["count"] == 2
    # GET passes strings.
    status, body = call(
        client, "package_search", rows="1", start="1", sort="metadata_modified desc"
    )
    assert status == 200 and len(body["result"]["results"]) == 1


def test_facets(client: Client, open_data: OpenData) -> None:
    fields = ["organization", "tags", "res_format", "license_id", "groups"]
    result = search(client, **{"facet.field": json.dumps(fields), "facet.limit": 50})
    assert result["facets"]["organization"] == {"crest": 1, "drome": 1}
    assert result["facets"]["tags"] == {"recharge": 1, "mobilité": 1, "budget": 1}
    assert result["facets"]["res_format"] == {"CSV": 1, "HTML": 1, "JSON": 1}
    assert result["facets"]["license_id"] == {"lov2": 1, "odc-odbl": 1}
    assert result["facets"]["groups"] == {"mobilite": 1, "energie": 1, "finances": 1}
    items = result["search_facets"]["organization"]["items"]
    assert {i["name"]: i["display_name"] for i in items}["drome"] == "Département de la Drôme"
    limited = search(
        client, fq="organization:crest", **{"facet.field": ["groups"], "facet.limit": 1}
    )
    assert len(limited["search_facets"]["groups"]["items"]) == 1
    assert sum(limited["facets"]["groups"].values()) == 1
    # GET with the JSON list in the query string.
    status, body = call(client, "package_search", **{"facet.field": '["license_id"]'})
    assert status == 200 and body["result"]["facets"]["license_id"] == {"lov2": 1, "odc-odbl": 1}


ERROR_CASES: list[tuple[dict[str, Any], int, str]] = [
    ({"fq": "organization:(crest"}, 409, "Search Query Error"),
    ({"fq": "unknown_field:x"}, 409, "Search Query Error"),
    ({"fq": "metadata_modified:[yesterday TO *]"}, 409, "Search Query Error"),
    ({"fq": "metadata_modified:[2020-01-01 TO"}, 409, "Search Query Error"),
    ({"fq": "a" * 3000}, 409, "Search Query Error"),
    ({"fq": "(" * 50 + "x" + ")" * 50}, 409, "Search Query Error"),
    ({"sort": "bogus desc"}, 409, "Search Query Error"),
    ({"rows": -1}, 409, "Validation Error"),
    ({"rows": "beaucoup"}, 409, "Validation Error"),
    ({"start": [1]}, 409, "Validation Error"),
    ({"facet.field": "[not json"}, 409, "Validation Error"),
    ({"facet.field": {"a": 1}}, 409, "Validation Error"),
    ({"q": {"a": 1}}, 409, "Validation Error"),
]


def test_search_errors(client: Client, open_data: OpenData) -> None:
    for data, status, error_type in ERROR_CASES:
        got, body = call(client, "package_search", "post", **data)
        assert got == status, (data, body)
        assert body["success"] is False
        assert body["error"]["__type"] == error_type, (data, body)


def test_protocol_errors(client: Client, open_data: OpenData) -> None:
    response = client.get("/api/3/action/no_such_action")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "__type": "Bad request",
        "message": "Bad request - Action name not known: no_such_action",
    }
    response = client.post("/api/action/package_search", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Bad request"
    response = client.post("/api/action/package_search", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    status, body = call(client, "package_create", "post", name="x")
    assert status == 403 and body["error"]["__type"] == "Authorization Error"
    status, body = call(client, "package_show")
    assert status == 409 and body["error"]["__type"] == "Validation Error"
    assert "id" in body["error"]
    status, body = call(client, "organization_show", id="nope")
    assert status == 404 and body["error"]["__type"] == "Not Found Error"
    # No redirect, even with a trailing slash.
    assert client.get("/api/3/action/package_list/").status_code == 200
    assert client.delete("/api/3/action/package_list").status_code == 400


def test_organizations_groups_tags_licences_status(client: Client, open_data: OpenData) -> None:
    status, body = call(client, "organization_list")
    assert body["result"] == ["crest", "drome"]
    status, body = call(client, "organization_list", "post", all_fields=True)
    orgs = {o["name"]: o for o in body["result"]}
    assert orgs["crest"]["package_count"] == 1 and orgs["crest"]["title"] == "Commune de Crest"
    status, body = call(client, "organization_list", sort="name desc", limit=1)
    assert body["result"] == ["drome"]
    status, body = call(client, "organization_show", id="crest", include_datasets=True)
    assert status == 200 and body["result"]["package_count"] == 1
    assert [p["name"] for p in body["result"]["packages"]] == [open_data.dataset.slug]
    status, by_id = call(client, "organization_show", id=body["result"]["id"])
    assert by_id["result"]["name"] == "crest"

    status, body = call(client, "group_list", all_fields="true")
    groups = {g["name"]: g for g in body["result"]}
    assert len(groups) == 20
    assert groups["finances"]["package_count"] == 1
    assert groups["finances"]["title"] == "Finances publiques et budget"
    status, body = call(client, "group_show", id="mobilite", include_datasets="true")
    assert body["result"]["package_count"] == 1
    assert body["result"]["packages"][0]["name"] == open_data.dataset.slug
    status, body = call(client, "group_show", id="nope")
    assert status == 404

    status, body = call(client, "tag_list")
    assert body["result"] == ["budget", "mobilité", "recharge"]
    status, body = call(client, "tag_list", query="rech")
    assert body["result"] == ["recharge"]

    status, body = call(client, "license_list")
    licences = {lic["id"]: lic for lic in body["result"]}
    assert {"lov2", "odc-odbl", "cc-by", "fr-lo", "notspecified"} <= set(licences)
    assert licences["lov2"]["title"].startswith("Licence Ouverte")

    status, body = call(client, "status_show")
    assert body["result"]["ckan_version"].startswith("2.")
    assert "site_title" in body["result"]

    status, body = call(client, "current_package_list_with_resources", limit=1)
    assert len(body["result"]) == 1 and body["result"][0]["resources"] is not None
    status, body = call(client, "help_show", name="package_search")
    assert status == 200 and isinstance(body["result"], str)


def test_ckanapi_against_live_server_with_the_demo_catalogue(live_server: Any) -> None:
    """The real client (RemoteCKAN POSTs JSON to /api/action/) lists, reads and searches
    the whole demonstration catalogue."""
    import ckanapi

    from region27.catalog.demo.builder import build_demo_data
    from region27.catalog.models import Entry
    from tests.api.open.conftest import seed_themes

    seed_themes()
    build_demo_data()
    datasets = set(
        Entry.objects.filter(kind="dataset", status="published").values_list("slug", flat=True)
    )
    assert datasets, "the demonstration catalogue has published datasets"

    for get_only in (False, True):
        remote = ckanapi.RemoteCKAN(live_server.url, user_agent="region27-tests", get_only=get_only)
        try:
            listed = remote.action.package_list()
            assert set(listed) == datasets
            seen: set[str] = set()
            start = 0
            while True:
                page = remote.action.package_search(
                    rows=7,
                    start=start,
                    sort="name asc",
                    **{
                        "facet.field": [
                            "organization",
                            "tags",
                            "res_format",
                            "groups",
                            "license_id",
                        ]
                    },
                )
                seen.update(p["name"] for p in page["results"])
                start += 7
                if start >= page["count"]:
                    break
            assert seen == datasets
            assert set(page["search_facets"]) == {
                "organization",
                "tags",
                "res_format",
                "groups",
                "license_id",
            }
            for name in sorted(datasets)[:5]:
                package = remote.action.package_show(id=name)
                assert set(package) >= PACKAGE_KEYS
                for resource in package["resources"]:
                    assert set(resource) >= RESOURCE_KEYS
            org = remote.action.organization_list(all_fields=True)[0]
            only = remote.action.package_search(fq=f"organization:{org['name']}", rows=1000)
            assert only["count"] == org["package_count"]
            assert remote.action.group_list()
            assert remote.action.license_list()
            assert remote.action.status_show()["site_title"]
            with pytest.raises(ckanapi.NotFound):
                remote.action.package_show(id="does-not-exist")
            with pytest.raises(ckanapi.SearchQueryError):
                remote.action.package_search(fq="organization:(unclosed")
            with pytest.raises(ckanapi.ValidationError):
                remote.action.package_search(rows=-5)
            if not get_only:
                with pytest.raises(ckanapi.NotAuthorized):
                    remote.action.package_create(name="x")
        finally:
            remote.close()


NASTY = [
    "tags:", ":", "()", "(", ")", "[", "]", "{", "}", "\\", '"unterminated', "OR", "AND AND",
    "-", "NOT", "+", "organization:(", "organization:()", "organization:(a OR)",
    "metadata_modified:[NOW-99999YEARS TO *]", "metadata_modified:[NOW+99999YEARS TO *]",
    "metadata_modified:[0000-00-00 TO *]", "metadata_modified:", "metadata_modified:[a b c d]",
    "*:x", "a:b:c", "tags:\x00", "tags:\\", 'tags:"', "title:*", "groups:[a TO b]",
    "metadata_created:x", "-(-(-(tags:a)))", "tags:a OR", "OR tags:a", "&& ||", "ünïcode:ö",
]  # fmt: skip


def test_bad_queries_never_fail_the_server(client: Client, open_data: OpenData) -> None:
    for text in NASTY:
        for key in ("q", "fq"):
            status, body = call(client, "package_search", "post", **{key: text})
            assert status in (200, 409), (key, text, status, body)
            if status == 409:
                expected = "Validation Error" if "\x00" in text else "Search Query Error"
                assert body["error"]["__type"] == expected, (key, text)


def test_nul_characters_are_refused(client: Client, open_data: OpenData) -> None:
    status, body = call(client, "package_show", "post", id="a\x00b")
    assert status == 409 and body["error"]["__type"] == "Validation Error"
    status, body = call(client, "tag_list", "post", query="\x00")
    assert status == 409


def test_huge_offsets_and_limits_are_not_server_errors(client: Any, open_data: Any) -> None:
    huge = "99999999999999999999999"
    for action, params in (
        ("package_list", {"offset": huge}),
        ("package_list", {"limit": huge}),
        ("current_package_list_with_resources", {"offset": huge}),
    ):
        response = client.get(f"/api/3/action/{action}", params)
        assert response.status_code == 200, (action, response.content[:200])
        assert response.json()["success"] is True
