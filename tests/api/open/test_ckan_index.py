"""package_search reads the search index (`search.ckan`): it follows every write, and
its words, sorts, ranges and facets agree with the catalogue."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

from region27.catalog import services as catalog_services
from region27.catalog.models import Entry
from tests import factories
from tests.api.open.conftest import OpenData


def search(client: Client, **data: Any) -> dict[str, Any]:
    response = client.post(
        "/api/3/action/package_search", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 200, response.content[:300]
    result: dict[str, Any] = response.json()["result"]
    return result


def names(result: dict[str, Any]) -> list[str]:
    return [p["name"] for p in result["results"]]


def test_follows_writes(client: Client, open_data: OpenData) -> None:
    facets = json.dumps(["tags", "organization"])
    before = search(client, **{"facet.field": facets})
    assert before["count"] == 2
    # A new published dataset is found at once, with its tags counted.
    new = factories.entry(
        open_data.org,
        open_data.agent,
        kind="dataset",
        status="published",
        title="Pistes cyclables",
        keywords=["Vélo", "recharge"],
    )
    after = search(client, fq="tags:vélo", **{"facet.field": facets})
    assert names(after) == [new.slug]
    everything = search(client, **{"facet.field": facets})
    assert everything["count"] == 3
    assert everything["facets"]["tags"]["recharge"] == 2
    assert everything["facets"]["tags"]["vélo"] == 1
    assert everything["facets"]["organization"] == {"crest": 2, "drome": 1}
    # Changed keywords replace the old ones; an archived dataset leaves the packages.
    catalog_services.entry_update(entry=new, by=open_data.agent, keywords=["marche"])
    assert search(client, fq="tags:vélo")["count"] == 0
    assert names(search(client, fq="tags:marche")) == [new.slug]
    catalog_services.entry_archive(entry=Entry.objects.get(pk=new.pk), by=open_data.agent)
    assert search(client, fq="tags:marche")["count"] == 0
    assert search(client)["count"] == 2
    # The draft never shows, whatever the query.
    assert open_data.draft.slug not in names(search(client, q="brouillon", rows=100))


def test_words_are_stemmed_and_folded(client: Client, open_data: OpenData) -> None:
    # "borne" finds "Bornes", "deplacement" nothing, "Recharge" any case; a phrase keeps
    # its order; stop words alone match everything, as `*`.
    assert names(search(client, q="borne")) == [open_data.dataset.slug]
    assert names(search(client, q="RECHARGÉ")) == [open_data.dataset.slug]
    assert names(search(client, q='"bornes de recharge"')) == [open_data.dataset.slug]
    assert search(client, q='"recharge de bornes"')["count"] == 0
    assert search(client, q="de la")["count"] == 2
    assert names(search(client, q="title:budget")) == [open_data.dataset2.slug]
    assert names(search(client, q="-budget")) == [open_data.dataset.slug]
    # Many words: all of them are required, even past the index's own word limit.
    many = " ".join(["bornes"] * 15 + ["recharge", "budget"])
    assert search(client, q=many)["count"] == 0


def test_sorts(client: Client, open_data: OpenData) -> None:
    by_name = names(search(client, sort="name asc"))
    assert by_name == sorted(by_name)
    assert names(search(client, sort="name desc")) == by_name[::-1]
    by_title = names(search(client, sort="title_string asc"))
    assert by_title == [open_data.dataset.slug, open_data.dataset2.slug]  # Bornes < Budget
    assert names(search(client, sort="title_string desc")) == by_title[::-1]
    modified = {
        e.slug: e.modified_at
        for e in Entry.objects.filter(pk__in=[open_data.dataset.pk, open_data.dataset2.pk])
    }
    newest = sorted(modified, key=lambda s: modified[s], reverse=True)
    assert names(search(client, sort="metadata_modified desc")) == newest
    assert names(search(client, sort="metadata_modified asc")) == newest[::-1]
    assert names(search(client)) == newest  # score is ignored: newest first
    # Paging walks the same order without repeating.
    first = names(search(client, sort="name asc", rows=1))
    second = names(search(client, sort="name asc", rows=1, start=1))
    assert first + second == by_name
    assert search(client, sort="name asc", start=5)["results"] == []


def test_date_ranges_and_days(client: Client, open_data: OpenData) -> None:
    entry = Entry.objects.get(pk=open_data.dataset.pk)
    moment = entry.modified_at.astimezone(dt.UTC)
    exact = moment.isoformat().replace("+00:00", "Z")
    assert open_data.dataset.slug in names(search(client, fq=f"metadata_modified:[{exact} TO *]"))
    assert open_data.dataset.slug not in names(
        search(client, fq=f"metadata_modified:{{{exact} TO *]")
    )
    assert open_data.dataset.slug in names(search(client, fq=f"metadata_modified:[* TO {exact}]"))
    today = timezone.localdate().isoformat()
    assert search(client, fq=f"metadata_created:{today}")["count"] == 2
    assert search(client, fq="metadata_created:2001-01-01")["count"] == 0
    assert search(client, fq="metadata_modified:[* TO *]")["count"] == 2


def test_ids_and_organisation_ids(client: Client, open_data: OpenData) -> None:
    package = client.get("/api/3/action/package_show", {"id": open_data.dataset.slug}).json()
    result = package["result"]
    assert names(search(client, fq=f"id:{result['id']}")) == [open_data.dataset.slug]
    assert names(search(client, fq=f"owner_org:{result['organization']['id']}")) == [
        open_data.dataset.slug
    ]
    # A well-formed id of another instance or kind matches nothing.
    assert search(client, fq="id:00000000-0000-0000-0000-000000000001")["count"] == 0
    assert search(client, fq=f"organization:{result['id']}")["count"] == 0


def test_lists_count_from_the_index(client: Client, open_data: OpenData) -> None:
    factories.entry(
        open_data.other_org,
        factories.member(open_data.other_org, "agent"),
        kind="dataset",
        status="published",
        title="Subventions",
        themes=["finances"],
        keywords=["budget", "associations"],
    )
    orgs = client.get("/api/3/action/organization_list", {"all_fields": "true"}).json()["result"]
    assert {o["name"]: o["package_count"] for o in orgs} == {"crest": 1, "drome": 2}
    groups = client.get("/api/3/action/group_list", {"all_fields": "true"}).json()["result"]
    assert {g["name"]: g["package_count"] for g in groups}["finances"] == 2
    tags = client.get("/api/3/action/tag_list").json()["result"]
    assert tags == ["associations", "budget", "mobilité", "recharge"]
