"""The facet arrays follow index writes by patching, and never miss a committed write."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from region27.catalog import services as catalog_services
from region27.search import store
from region27.search.services import search_reindex, search_remove_entry
from tests import factories
from tests.search.helpers import author, geography

pytestmark = pytest.mark.django_db


def snapshot(facets: store.FacetStore) -> dict[str, Any]:
    """Everything a search reads from the arrays, independent of codes and row layout."""
    everyone = np.ones(facets.size, dtype=bool)
    by_title = facets.ids[np.argsort(facets.title_rank, kind="stable")]
    return {
        "ids": facets.ids.tolist(),
        "published": facets.published.tolist(),
        "org_ids": facets.org_ids.tolist(),
        "dates": facets.dates.tolist(),
        "boost": facets.boost.tolist(),
        "by_title": by_title.tolist(),
        "facets": {
            name: {
                facet.values[code]: int(count)
                for code, count in enumerate(facet.counts(everyone))
                if count
            }
            for name, facet in facets.facets.items()
        },
        "pairs": {
            name: sorted(
                (int(facets.ids[d]), facet.values[v])
                for d, v in zip(facet.pair_doc, facet.pair_val, strict=True)
            )
            for name, facet in facets.facets.items()
        },
    }


def reloaded() -> dict[str, Any]:
    return snapshot(store._load("default"))


def patched() -> tuple[store.FacetStore, bool]:
    """The current arrays, and whether getting them read the whole index."""
    with CaptureQueriesContext(connection) as queries:
        current = store.get_store()
    whole = "FROM search_document ORDER BY entry_id"
    return current, any(whole in q["sql"] for q in queries.captured_queries)


@pytest.fixture
def org_agent() -> tuple[Any, Any]:
    return author("Ville de Rouen")


def test_writes_patch_the_arrays_like_a_full_load(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    geo = geography()
    first = factories.entry(org, agent, status="published", title="Mobilité douce")
    store.get_store()  # built once
    second = factories.entry(
        org,
        agent,
        kind="dataset",
        status="published",
        title="Abribus et vélos",
        themes=["mobilite"],
        territories=[geo.commune],
    )
    current, full = patched()
    assert not full
    assert snapshot(current) == reloaded()
    assert current.facets["within"].codes.get("departement:84") is not None
    # A change of title, themes, territory and status of an existing entry.
    catalog_services.entry_update(
        entry=first,
        by=agent,
        title="Zones à faibles émissions",
        themes=["environnement"],
        territories=[geo.other_commune],
    )
    catalog_services.entry_archive(entry=second, by=agent)
    current, full = patched()
    assert not full
    assert snapshot(current) == reloaded()
    assert current.facets["theme"].counts(current.published).tolist().count(1) == 1
    # Entries created in between and a removal.
    for n in range(3):
        factories.entry(org, agent, status="published", title=f"Atlas {n}")
    search_remove_entry(entry_id=first.pk)
    current, full = patched()
    assert not full
    assert first.pk not in current.ids.tolist()
    assert snapshot(current) == reloaded()


def test_rolled_back_write_is_never_served(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    entry = factories.entry(org, agent, status="published", title="Budget primitif")
    store.get_store()
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.entry_update(entry=entry, by=agent, themes=["finances"])
        inside = store.get_store()
        assert inside.facets["theme"].codes.get("finances") is not None
        raise RuntimeError
    # Another write takes the same seq as the rolled-back one, with another token.
    catalog_services.entry_update(entry=entry, by=agent, themes=["culture"])
    current = store.get_store()
    counts = snapshot(current)["facets"]["theme"]
    assert counts == {"culture": 1}
    assert snapshot(current) == reloaded()


def test_a_stale_process_catches_up_or_reloads(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    factories.entry(org, agent, status="published", title="Cantines")
    old = store.get_store()
    factories.entry(org, agent, status="published", title="Piscines")
    # A second process still holding the old arrays catches up from the log.
    store._CACHE["default"] = old
    current, full = patched()
    assert not full and current.size == old.size + 1
    # After a full reindex (not warmed), a process cannot catch up: it reloads.
    search_reindex(warm=False)
    store._CACHE["default"] = old
    store._snapshot_path("default").unlink(missing_ok=True)
    current, full = patched()
    assert full
    assert snapshot(current) == reloaded()


def test_title_order_follows_renames(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    entries = [
        factories.entry(org, agent, status="published", title=title)
        for title in ("Bravo", "Delta", "Foxtrot")
    ]
    store.get_store()
    factories.entry(org, agent, status="published", title="Charlie")
    catalog_services.entry_update(entry=entries[2], by=agent, title="Alpha")
    current, full = patched()
    assert not full
    order = current.ids[np.argsort(current.title_rank, kind="stable")].tolist()
    assert snapshot(current)["by_title"] == reloaded()["by_title"] == order


def test_titles_placed_during_another_write_are_placed_again(
    org_agent: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, agent = org_agent
    made = {
        title: factories.entry(org, agent, status="published", title=title)
        for title in ("Alpha", "Charlie", "Delta", "Hotel", "Kilo")
    }
    store.get_store()
    catalog_services.entry_update(entry=made["Kilo"], by=agent, title="Golf")
    real = store._changes_since

    def renamed_meanwhile(alias: str, facets: store.FacetStore) -> Any:
        # « Alpha » becomes « Fz » right after the log was read: placing « Golf », the
        # database gives « Fz » as its neighbour, whose rank here is still Alpha's.
        found = real(alias, facets)
        monkeypatch.setattr(store, "_changes_since", real)
        catalog_services.entry_update(entry=made["Alpha"], by=agent, title="Fz")
        return found

    monkeypatch.setattr(store, "_changes_since", renamed_meanwhile)
    current = store.get_store()
    assert current.unsure_titles == (made["Kilo"].pk,)
    # « Golf » was placed after « Fz » whose rank here is still Alpha's (first): wrong.
    # « Fz » then leaves the index: nothing else would place « Golf » again.
    search_remove_entry(entry_id=made["Alpha"].pk)
    current, full = patched()
    assert not full and current.unsure_titles == ()
    order = current.ids[np.argsort(current.title_rank, kind="stable")].tolist()
    assert order == reloaded()["by_title"]
    assert order == [made[t].pk for t in ("Charlie", "Delta", "Kilo", "Hotel")]


def test_counts_of_few_documents_read_only_their_pairs() -> None:
    # Pairs out of document order (as another module may build them), some documents
    # without any value: the sparse and dense ways of counting agree.
    rng = np.random.default_rng(4)
    size = 1000
    pair_doc = rng.integers(0, size, 5000)
    pair_val = rng.integers(0, 7, 5000)
    facet = store.Facet(
        [str(v) for v in range(7)], {str(v): v for v in range(7)}, pair_doc, pair_val
    )
    for share in (0.001, 0.01, 0.1, 0.5):
        docs = rng.random(size) < share
        expected = np.bincount(pair_val[docs[pair_doc]], minlength=7)
        assert facet.counts(docs).tolist() == expected.tolist()
    assert facet.counts(np.zeros(size, dtype=bool)).tolist() == [0] * 7


def test_first_write_after_the_migration_is_patched(org_agent: tuple[Any, Any]) -> None:
    # The state the migration leaves (seq 0, and its change row) is enough to catch up.
    before = store.get_store()
    assert before.seq == 0
    org, agent = org_agent
    factories.entry(org, agent, status="published", title="Premier")
    current, full = patched()
    assert not full and current.size == before.size + 1


def test_a_new_process_starts_from_the_snapshot(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    entry = factories.entry(org, agent, status="published", title="Cantines", themes=["sante"])
    loaded, full = patched()
    assert full  # a full load writes the snapshot
    store.forget()  # a new process
    current, full = patched()
    assert not full and snapshot(current) == snapshot(loaded)
    # Written since the snapshot: the new process catches up from the change log.
    catalog_services.entry_update(entry=entry, by=agent, themes=["culture"])
    store.forget()
    current, full = patched()
    assert not full
    assert snapshot(current) == reloaded()
    assert snapshot(current)["facets"]["theme"] == {"culture": 1}


def test_a_snapshot_of_a_rolled_back_state_is_not_used(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    entry = factories.entry(org, agent, status="published", title="Budget", themes=["sante"])
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.entry_update(entry=entry, by=agent, themes=["finances"])
        store.forget()
        _inside, full = patched()
        assert full  # the snapshot now stands for a state about to be rolled back
        raise RuntimeError
    catalog_services.entry_update(entry=entry, by=agent, themes=["culture"])
    store.forget()
    current, full = patched()
    assert full
    assert snapshot(current)["facets"]["theme"] == {"culture": 1}
    assert snapshot(current) == reloaded()


def test_after_a_reindex_one_process_loads_the_others_read_its_snapshot(
    org_agent: tuple[Any, Any],
) -> None:
    org, agent = org_agent
    factories.entry(org, agent, status="published", title="Cantines")
    stale = store.get_store()
    with CaptureQueriesContext(connection) as queries:
        search_reindex()  # warmed: the rebuilding process loads once, writes the snapshot
    assert any("FROM search_document ORDER BY entry_id" in q["sql"] for q in queries)
    current, full = patched()
    assert not full  # its own arrays are current
    store._CACHE["default"] = stale  # another process, still at the state before
    current, full = patched()
    assert not full  # it starts from the snapshot, not from the whole index
    assert snapshot(current) == reloaded()


@pytest.mark.parametrize("damage", ["empty", "garbage", "inconsistent"])
def test_a_damaged_snapshot_is_ignored_and_removed(org_agent: tuple[Any, Any], damage: str) -> None:
    """A snapshot is a cache: an empty file (a crash while writing), garbage or arrays
    that do not fit together never reach a search; the file is removed."""
    org, agent = org_agent
    factories.entry(org, agent, status="published", title="Cantines", themes=["sante"])
    loaded, full = patched()
    assert full
    path = store._snapshot_path("default")
    assert path.exists()
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip file")
    else:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        arrays["theme.doc"] = arrays["theme.doc"] + 1000  # rows that do not exist
        np.savez(path, **arrays)
    store.forget()  # a new process
    current, full = patched()
    assert full  # read from the database instead
    assert snapshot(current) == snapshot(loaded)
    # The bad file was removed, then a good one written by the full load.
    with np.load(path, allow_pickle=False) as data:
        assert int(data["theme.doc"].max()) < current.size


def test_a_newer_state_of_another_thread_is_served_a_rolled_back_one_is_not(
    org_agent: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, agent = org_agent
    entry = factories.entry(org, agent, status="published", title="Budget", themes=["sante"])
    store.get_store()
    seq, token = store._state("default")
    catalog_services.entry_update(entry=entry, by=agent, themes=["culture"])
    newer = store.get_store()  # another thread got there first
    assert newer.seq > seq
    # This thread read the older state before the other one published its arrays (the
    # interleaving is forced here): the newer arrays are served as they are.
    real_state = store._state
    reads = iter([(seq, token)])
    monkeypatch.setattr(store, "_state", lambda alias: next(reads, None) or real_state(alias))
    with CaptureQueriesContext(connection) as queries:
        assert store.get_store() is newer
    assert not any("FROM search_document" in q["sql"] for q in queries.captured_queries)
    monkeypatch.undo()
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.entry_update(entry=entry, by=agent, themes=["finances"])
        store.get_store()  # arrays of a state about to be rolled back
        raise RuntimeError
    current, _full = patched()
    assert snapshot(current)["facets"]["theme"] == {"culture": 1}
