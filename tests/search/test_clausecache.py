"""Common clauses kept in memory answer exactly as the full-text engine does.

Each test compares the page a search gives from the clauses kept in memory with the page
the engine gives (cache off, arrays reloaded): same entries in the same order, same
scores, same total, same facet counts; and checks that the memory path sent no
full-text query to the database.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from region27.catalog import services as catalog_services
from region27.search import clausecache, store
from region27.search.backends import get_backend
from region27.search.params import parse_params
from region27.search.selectors import search
from region27.search.services import search_remove_entry
from region27.search.text import parse_query
from tests import factories
from tests.search.helpers import author, geography

pytestmark = pytest.mark.django_db

LEARN_ALL = {"REGION27_SEARCH_CLAUSE_MIN_MATCHES": 1}
LEARN_NONE = {"REGION27_SEARCH_CLAUSE_MIN_MATCHES": 10**9}
FULL_TEXT = ("search_fts MATCH", "to_tsquery")


def page_of(query: dict[str, Any], user: Any = None) -> dict[str, Any]:
    params, _problems = parse_params(query)
    page = search(user=user, params=params)
    return {
        "total": page.total,
        "hits": [(hit.entry.slug, hit.score) for hit in page.hits],
        "facets": {
            name: [(v.value, v.count, v.selected) for v in values]
            for name, values in page.facets.items()
        },
    }


def engine_page(query: dict[str, Any], user: Any = None) -> dict[str, Any]:
    """The engine's answer: nothing kept, arrays read again (this process's arrays,
    with their kept clauses, are put back afterwards)."""
    kept = dict(store._CACHE)
    store.forget()
    with override_settings(**LEARN_NONE):
        page = page_of(query, user)
    store._CACHE.clear()
    store._CACHE.update(kept)
    return page


def memory_page(query: dict[str, Any], user: Any = None) -> tuple[dict[str, Any], bool]:
    """The answer and whether the full-text engine was asked."""
    with CaptureQueriesContext(connection) as queries:
        page = page_of(query, user)
    return page, asked_engine(queries.captured_queries)


def asked_engine(captured: list[dict[str, Any]]) -> bool:
    """Whether a full-text query ran over the whole index (not the patch of a kept clause
    on a few changed entries, `match_tiers_among`)."""
    return any(
        marker in q["sql"] and "entry_id = ANY(" not in q["sql"]
        for q in captured
        for marker in FULL_TEXT
    )


@pytest.fixture
def corpus() -> dict[str, Any]:
    org, agent = author("Métropole de Lyon")
    other_org, other_agent = author("Ville de Nantes")
    geo = geography()
    made = {
        "collecte": factories.entry(
            org,
            agent,
            status="published",
            title="Collecte des déchets ménagers",
            summary="Tournées de collecte et données de tonnage.",
            keywords=["déchets", "collecte"],
            themes=["environnement"],
            territories=[geo.commune],
        ),
        "tri": factories.entry(
            org,
            agent,
            kind="dataset",
            status="published",
            title="Points de tri",
            summary="Les données des points d'apport volontaire des déchets.",
            body="Mutualisation des bornes entre communes. Données ouvertes.",
        ),
        "velo": factories.entry(
            other_org,
            other_agent,
            status="published",
            title="Vélo en libre service",
            summary="Données de fréquentation des stations.",
            keywords=["mobilité"],
            territories=[geo.other_commune],
        ),
        "brouillon": factories.entry(
            other_org,
            other_agent,
            status="draft",
            title="Déchets verts, projet",
            summary="Mutualiser le broyage des déchets verts.",
        ),
        "budget": factories.entry(
            org,
            agent,
            kind="dataset",
            status="published",
            title="Budget primitif",
            summary="Données budgétaires mutualisées.",
        ),
    }
    return {"org": org, "agent": agent, "other_agent": other_agent, "geo": geo, **made}


QUERIES: list[dict[str, Any]] = [
    {"q": "déchets"},
    {"q": "données"},
    {"q": "données "},
    {"q": "mutualis"},
    {"q": "données déchets"},
    {"q": "donnees collecte", "kind": "study"},
    {"q": "déchets", "theme": "environnement"},
    {"q": "données", "sort": "title"},
    {"q": "données", "sort": "date", "page_size": "2", "page": "2"},
    {"q": "velo mobilite"},
]


@override_settings(**LEARN_ALL)
def test_kept_clauses_answer_like_the_engine(corpus: dict[str, Any]) -> None:
    for query in QUERIES:
        expected = engine_page(query)
        first, asked_first = memory_page(query)  # the engine answers, and teaches
        if query == {"q": "données déchets"}:
            # Both clauses were kept by earlier searches (« données », « déchets »):
            # answered without the engine the first time already.
            assert not asked_first
        again, asked_again = memory_page(query)
        assert not asked_again, query
        assert first == expected == again, query
    kept = store.get_store().clauses
    assert parse_query("données").clauses[0] in kept
    assert parse_query("données ").clauses[0] in kept  # the word, not being typed


@override_settings(**LEARN_ALL)
def test_members_see_their_drafts_from_memory_too(corpus: dict[str, Any]) -> None:
    member = corpus["other_agent"]
    query = {"q": "déchets"}
    expected = engine_page(query, member)
    memory_page(query, member)
    page, asked = memory_page(query, member)
    assert not asked
    assert page == expected
    assert "dechets-verts-projet" in [slug for slug, _s in page["hits"]]
    assert page != engine_page(query)  # an anonymous visitor does not see the draft


@override_settings(**LEARN_ALL)
def test_kept_clauses_follow_every_write(corpus: dict[str, Any]) -> None:
    org, agent, geo = corpus["org"], corpus["agent"], corpus["geo"]
    for query in QUERIES:
        memory_page(query)
    # Writes after the clauses were learned: a new entry, a changed title and summary,
    # an archived entry, an index row removed.
    factories.entry(
        org,
        agent,
        status="published",
        title="Déchèteries mutualisées",
        summary="Horaires et données des déchèteries.",
        territories=[geo.epci],
    )
    catalog_services.entry_update(
        entry=corpus["tri"], by=agent, title="Bornes d'apport", summary="Plan des bornes."
    )
    catalog_services.entry_update(entry=corpus["velo"], by=corpus["other_agent"], body="Déchets.")
    catalog_services.entry_archive(entry=corpus["budget"], by=agent)
    search_remove_entry(entry_id=corpus["collecte"].pk)
    for query in QUERIES:
        page, asked = memory_page(query)
        assert not asked, query
        assert page == engine_page(query), query
        memory_page(query)  # learned again after the engine's answer


@override_settings(**LEARN_ALL)
def test_phrases_are_kept_and_stay_within_one_field(corpus: dict[str, Any]) -> None:
    org, agent = corpus["org"], corpus["agent"]
    query = {"q": '"collecte des déchets" données'}
    expected = engine_page(query)
    memory_page(query)
    page, asked = memory_page(query)
    assert not asked
    assert page == expected
    kept = store.get_store().clauses
    assert parse_query('"collecte des déchets" ').clauses[0] in kept
    # A new entry whose title ends with "collecte" and keywords start with "déchets":
    # not the phrase, on the engines as in Python.
    factories.entry(
        org,
        agent,
        status="published",
        title="Plan de collecte",
        summary="Données des tournées.",
        keywords=["déchets verts"],
    )
    factories.entry(
        org,
        agent,
        status="published",
        title="Rapport",
        summary="La collecte des déchets en données.",
    )
    page, asked = memory_page(query)
    assert not asked
    assert page == engine_page(query)
    assert page["total"] == expected["total"] + 1


def test_rare_clauses_are_not_kept(corpus: dict[str, Any]) -> None:
    # The default threshold (10,000 matches) is far above this corpus.
    memory_page({"q": "données"})
    _page, asked = memory_page({"q": "données"})
    assert asked
    assert store.get_store().clauses == {}


@override_settings(**LEARN_ALL)
def test_nothing_is_learned_from_an_answer_older_or_newer_than_the_arrays(
    corpus: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index write commits between the engine's answer and the check of the state.
    monkeypatch.setattr("region27.search.store.is_current", lambda s, alias: False)
    memory_page({"q": "données"})
    assert store.get_store().clauses == {}


def test_the_least_recently_used_clause_goes_first(corpus: dict[str, Any]) -> None:
    current = store.get_store()
    size = current.size
    names = ["donnees", "dechet", "collect"]
    with override_settings(REGION27_SEARCH_CLAUSE_MIN_MATCHES=1):
        with override_settings(REGION27_SEARCH_CLAUSE_CACHE_BYTES=2 * size):
            for name in names:
                memory_page({"q": name + " "})
            kept = [c.stems[0] for c in store.get_store().clauses]
            assert kept == ["dechet", "collect"]
            memory_page({"q": "dechet "})  # used again: now the most recent
            memory_page({"q": "budget "})
            kept = sorted(c.stems[0] for c in store.get_store().clauses)
            assert kept == ["budget", "dechet"]
        with override_settings(REGION27_SEARCH_CLAUSE_CACHE_BYTES=size - 1):
            store.forget()
            memory_page({"q": "donnees "})
            assert store.get_store().clauses == {}  # one clause alone is over the budget


def test_field_bits_follow_the_engine_rules() -> None:
    word = parse_query("déchets ").clauses[0]
    typed = parse_query("mutualis").clauses[0]
    phrase = parse_query('"collecte déchets" ').clauses[0]
    fields = ("collect dechet", "", "mutualis bornes", "dechets")
    assert clausecache.field_bits(word, fields) == 1 + 8
    assert clausecache.field_bits(typed, fields) == 1 + 2
    assert clausecache.field_bits(phrase, fields) == 1 + 8
    assert clausecache.field_bits(phrase, ("collect", "dechet", "", "")) == 0  # two fields
    assert clausecache.field_bits(word, ("", "", "", "")) == 0
    assert clausecache.field_bits(word, ("", "dechet", "dechet", "dechet")) == 1 + 4 + 2
    assert clausecache.field_bits(typed, ("", "", "", "mutualisation")) == 1


def engine_bits(query: str) -> np.ndarray:
    current = store.get_store()
    backend = get_backend()
    return clausecache.bits_of(current, *backend.match_tiers(parse_query(query)))


@override_settings(**LEARN_ALL)
def test_kept_bytes_equal_the_engine_bytes_after_writes(corpus: dict[str, Any]) -> None:
    """Pages re-rank every hit, so they cannot show a wrong title/keyword/summary byte:
    the bytes themselves are compared here."""
    org, agent = corpus["org"], corpus["agent"]
    queries = ["données", "déchets données ", "mutualis", '"collecte des déchets"', "vélo"]
    for query in queries:
        memory_page({"q": query})
    factories.entry(
        org,
        agent,
        status="published",
        title="Déchets et données",
        summary="Collecte des déchets, mutualisation.",
        keywords=["données", "vélo"],
    )
    catalog_services.entry_update(
        entry=corpus["collecte"], by=agent, title="Tournées", keywords=["mutualisation"]
    )
    current = store.get_store()
    for query in queries:
        plan = parse_query(query)
        kept = clausecache.lookup(current, plan)
        assert kept is not None, query
        assert kept.tolist() == engine_bits(query).tolist(), query
    kept = clausecache.lookup(current, parse_query("données"))
    assert kept is not None and {3, 13} <= set(kept.tolist())  # tiers, not just matched


@override_settings(**LEARN_ALL)
def test_a_phrase_after_the_engine_limits_is_patched_as_the_engine_answers(
    corpus: dict[str, Any],
) -> None:
    # PostgreSQL keeps at most 255 positions of a word in a field: the phrase at the end
    # of this body is not found there (SQLite finds it); the kept clause must agree.
    org, agent = corpus["org"], corpus["agent"]
    query = '"données ouvertes" '
    memory_page({"q": query})
    assert parse_query(query).clauses[0] in store.get_store().clauses
    factories.entry(
        org,
        agent,
        status="published",
        title="Répétitions",
        summary="Un texte long.",
        body="données " * 300 + "données ouvertes",
    )
    current = store.get_store()
    kept = clausecache.lookup(current, parse_query(query))
    assert kept is not None
    assert kept.tolist() == engine_bits(query).tolist()
    page, asked = memory_page({"q": query})
    assert not asked and page == engine_page({"q": query})


def test_lookup_ands_the_kept_bytes() -> None:
    current = store.FacetStore(
        token="t",
        ids=np.array([1, 2, 3, 4], dtype=np.int64),
        published=np.ones(4, dtype=bool),
        org_ids=np.zeros(4, dtype=np.int64),
        dates=np.zeros(4),
        title_rank=np.arange(4, dtype=np.float64),
        boost=np.ones(4),
    )
    first, second = parse_query("budget ").clauses[0], parse_query("vélo ").clauses[0]
    assert clausecache.learn(current, first, np.array([9, 3, 1, 0], dtype=np.uint8))
    assert clausecache.lookup(current, parse_query("budget vélo ")) is None  # one missing
    assert clausecache.learn(current, second, np.array([15, 1, 3, 9], dtype=np.uint8))
    both = clausecache.lookup(current, parse_query("budget vélo "))
    assert both is not None and both.tolist() == [9, 1, 1, 0]
    assert not clausecache.learn(current, first, np.zeros(3, dtype=np.uint8))  # wrong size


@override_settings(**LEARN_ALL)
def test_ckan_package_search_uses_the_kept_clauses_too(corpus: dict[str, Any]) -> None:
    from django.test import Client

    from region27.search import ckan

    client = Client()

    def package_search(q: str) -> tuple[list[str], int, bool]:
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/3/action/package_search", {"q": q, "rows": 50}).json()
        asked = asked_engine(queries.captured_queries)
        result = body["result"]
        return sorted(p["name"] for p in result["results"]), result["count"], asked

    for q in ("données", "déchets données", "mutualisation"):
        store.forget()
        ckan.forget()
        with override_settings(**LEARN_NONE):
            expected = package_search(q)[:2]
        learned = package_search(q)
        again = package_search(q)
        assert learned[:2] == again[:2] == expected, q
        assert learned[2] and not again[2], q
    assert expected[1]  # the datasets with « mutualisation » are found
