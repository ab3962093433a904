"""Atom feeds: valid RFC 4287 (feedparser and an XML check), same parameters as the
pages, and every HTML page advertising its feed (and entry pages their oEmbed)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import feedparser
from django.test import Client

from tests.api.open.conftest import OpenData

ATOM = "{http://www.w3.org/2005/Atom}"


def fetch(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/atom+xml")
    check_atom(response.content, url)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    assert parsed.version == "atom10"
    return parsed


def check_atom(content: bytes, url: str) -> None:
    """RFC 4287 §4.1.1 and §4.1.2: the elements a feed and each entry must have."""
    root = ET.fromstring(content)  # noqa: S314 - our own server's output
    assert root.tag == f"{ATOM}feed", url
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, (url, name)
    links = root.findall(f"{ATOM}link")
    selves = [link for link in links if link.get("rel") == "self"]
    assert len(selves) == 1 and selves[0].get("href", "").startswith("http"), url
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, (url, name)
        assert feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert any(
            link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{ATOM}link")
        )
    # Every date is RFC 3339.
    for updated in root.iter(f"{ATOM}updated"):
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)", updated.text or ""
        )


def titles(feed: Any) -> set[str]:
    return {e.title.rsplit(" (", 1)[0] for e in feed.entries}


def test_catalogue_feed_and_its_filters(client: Client, open_data: OpenData) -> None:
    everything = fetch(client, "/catalogue/flux.atom")
    assert titles(everything) == {
        open_data.dataset.title,
        open_data.dataset2.title,
        open_data.service.title,
        open_data.study.title,
    }
    assert everything.feed.links[1].rel == "self" or any(
        link.rel == "self" for link in everything.feed.links
    )
    entry = next(e for e in everything.entries if e.title.startswith(open_data.dataset.title))
    assert entry.link.endswith(f"/catalogue/{open_data.dataset.slug}/")
    assert entry.author == "Commune de Crest"
    assert {t.term for t in entry.tags} == {"Mobilité et transports", "Énergie"}
    assert titles(fetch(client, "/catalogue/flux.atom?kind=dataset")) == {
        open_data.dataset.title,
        open_data.dataset2.title,
    }
    assert titles(fetch(client, "/catalogue/flux.atom?kind=dataset&kind=service")) == {
        open_data.dataset.title,
        open_data.dataset2.title,
        open_data.service.title,
    }
    assert titles(fetch(client, "/catalogue/flux.atom?theme=finances")) == {
        open_data.dataset2.title
    }
    assert titles(fetch(client, "/catalogue/flux.atom?organisation=drome")) == {
        open_data.dataset2.title
    }
    assert titles(fetch(client, "/catalogue/flux.atom?licence=odc-odbl")) == {
        open_data.dataset2.title
    }
    assert titles(fetch(client, "/catalogue/flux.atom?q=bornes")) == {open_data.dataset.title}
    assert open_data.dataset2.title in titles(
        fetch(client, "/catalogue/flux.atom?territory=departement:26")
    )
    assert client.get("/catalogue/flux.atom?territory=departement:00").status_code == 404
    self_link = next(
        link.href
        for link in fetch(client, "/catalogue/flux.atom?kind=dataset").feed.links
        if link.rel == "self"
    )
    assert self_link.endswith("/catalogue/flux.atom?kind=dataset")


def test_scoped_feeds(client: Client, open_data: OpenData) -> None:
    assert titles(fetch(client, "/organisations/drome/flux.atom")) == {open_data.dataset2.title}
    crest = titles(fetch(client, "/organisations/crest/flux.atom"))
    assert open_data.draft.title not in crest and open_data.dataset.title in crest
    assert titles(fetch(client, "/territoires/commune/26108/flux.atom")) == {
        open_data.dataset.title,
        open_data.service.title,
        open_data.study.title,
    }
    assert open_data.dataset.title in titles(fetch(client, "/territoires/region/84/flux.atom"))
    assert titles(fetch(client, "/catalogue/themes/finances/flux.atom")) == {
        open_data.dataset2.title
    }
    assert titles(fetch(client, "/catalogue/natures/service/flux.atom")) == {
        open_data.service.title
    }
    for url in (
        "/organisations/inconnue/flux.atom",
        "/territoires/commune/00000/flux.atom",
        "/catalogue/themes/inconnu/flux.atom",
        "/catalogue/natures/inconnue/flux.atom",
    ):
        assert client.get(url).status_code == 404, url


def test_search_and_journal_feeds(client: Client, open_data: OpenData) -> None:
    found = fetch(client, "/recherche/flux.atom?q=budget")
    assert titles(found) == {open_data.dataset2.title}
    fetch(client, "/recherche/flux.atom?kind=dataset")
    journal = fetch(client, "/journal/flux.atom")
    assert journal.entries and journal.entries[0].link.split("/journal/")[1]
    crest = fetch(client, "/journal/flux.atom?organisation=crest")
    assert crest.entries
    assert client.get("/journal/flux.atom?organisation=inconnue").status_code == 404


def test_journal_feed_takes_the_page_filters_dates_included(
    client: Client, open_data: OpenData
) -> None:
    import datetime as dt

    from django.utils import timezone

    everything = fetch(client, "/journal/flux.atom")
    assert len(everything.entries) >= 2
    # Records are append-only: the dates are those they were written on (a day or two,
    # should the test run across midnight).
    from region27.journal.models import Record

    days = sorted(
        {timezone.localtime(t).date() for t in Record.objects.values_list("time", flat=True)}
    )
    today, tomorrow = days[0], days[-1] + dt.timedelta(days=1)
    yesterday = days[0] - dt.timedelta(days=1)
    assert len(fetch(client, f"/journal/flux.atom?since={today}").entries) == len(
        everything.entries
    )
    assert fetch(client, f"/journal/flux.atom?since={tomorrow}").entries == []
    assert fetch(client, f"/journal/flux.atom?until={yesterday}").entries == []
    assert len(fetch(client, f"/journal/flux.atom?until={days[-1]}").entries) == len(
        everything.entries
    )
    for bad in ("since=hier", "until=2024-13-01", "territory=nulle-part"):
        response = client.get(f"/journal/flux.atom?{bad}")
        assert response.status_code == 404, bad
    # The same filters as the page: it lists the same records.
    rows = re.compile(r'<td><a href="/journal/(\d+)/">')
    page = client.get(f"/journal/?since={today}").content.decode()
    assert len(rows.findall(page)) == len(everything.entries)
    assert rows.findall(client.get(f"/journal/?since={tomorrow}").content.decode()) == []


def _alternates(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tag in re.findall(r"<link [^>]*rel=\"alternate\"[^>]*>", html):
        kind = re.search(r'type="([^"]+)"', tag)
        href = re.search(r'href="([^"]+)"', tag)
        if kind and href:
            found.setdefault(kind.group(1), []).append(href.group(1).replace("&amp;", "&"))
    return found


def test_pages_advertise_their_feeds(client: Client, open_data: OpenData) -> None:
    pages = {
        "/catalogue/?kind=dataset&theme=finances": "/catalogue/flux.atom?kind=dataset&theme=finances",
        "/organisations/crest/": "/organisations/crest/flux.atom",
        "/territoires/commune/26108/": "/territoires/commune/26108/flux.atom",
        f"/catalogue/{open_data.dataset.slug}/": "/organisations/crest/flux.atom",
    }
    for page, feed in pages.items():
        html = client.get(page).content.decode()
        atom = _alternates(html).get("application/atom+xml", [])
        assert feed in atom, (page, atom)
        fetch(client, feed)
    html = client.get(f"/catalogue/{open_data.dataset.slug}/").content.decode()
    oembed = _alternates(html)["application/json+oembed"][0]
    response = client.get(oembed)
    assert response.status_code == 200
    assert response.json()["type"] == "rich"
