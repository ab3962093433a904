"""The published datasets as the CKAN API searches them, over the search index.

CKAN's `package_search` combines field conditions with AND, OR and NOT, counts facets
over every match and sorts by dates, names or titles. Filtering and counting with the
ORM took seconds at 100,000 entries; here every condition is a boolean mask over the
rows of the search app's facet store (`search.store`), full-text words go through the
search backend, and facets are `np.bincount`s, as for the search pages.

The store lacks three things CKAN needs; they are read once per store (so again after
any index write, which gives the store a new token) for the published datasets only:
the keywords as typed (CKAN's `tags`), the creation and modification times
(`metadata_created`, `metadata_modified`) and the names (slugs).

Visibility is an anonymous visitor's: CKAN clients read what anyone sees (published
entries of kind `dataset`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connections

from region27.catalog.models import Entry, Status
from region27.search import clausecache
from region27.search.store import Facet, FacetStore, get_store
from region27.search.text import parse_query

KIND = "dataset"
# Field name -> facet of the store.
STORE_FACETS = {
    "organisation": "organisation",
    "theme": "theme",
    "format": "format",
    "licence": "licence",
}
SORT_KEYS = ("modified", "created", "name", "title")
FACET_FIELDS = (*STORE_FACETS, "tag")


@dataclass
class DatasetIndex:
    """The published datasets as rows of one facet store, with CKAN's extra columns."""

    store: FacetStore
    token: str  # the store's token when this was built
    alias: str
    base: np.ndarray  # bool per store row: a published dataset
    modified: np.ndarray  # seconds since the epoch, per store row (0 outside `base`)
    created: np.ndarray
    name_rank: np.ndarray  # position of the row when sorted by name (slug)
    names: dict[str, int]  # slug -> row
    tags: Facet  # keywords as typed, one pair per (row, distinct keyword)
    tag_codes: dict[str, list[int]] = field(default_factory=dict)  # casefolded -> codes

    @property
    def size(self) -> int:
        return self.store.size

    def nothing(self) -> np.ndarray:
        return np.zeros(self.size, dtype=bool)

    def everything(self) -> np.ndarray:
        return self.base.copy()

    def values_mask(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Rows having any of the values of a field.

        `organisation` (slug), `theme` (slug), `licence` (identifier), `format`
        (case-insensitive), `tag` (case-insensitive), `name` (slug).
        """
        wanted = [str(v) for v in values]
        if name == "tag":
            codes = [c for v in wanted for c in self.tag_codes.get(v.casefold(), [])]
            mask = self.nothing()
            if codes:
                mask[self.tags.pair_doc[np.isin(self.tags.pair_val, codes)]] = True
            return mask
        if name == "name":
            mask = self.nothing()
            rows = [self.names[v] for v in wanted if v in self.names]
            mask[rows] = True
            return mask
        if name == "format":
            wanted = [v.strip().upper() for v in wanted]
        if name not in STORE_FACETS:
            raise ValueError(f"Unknown field {name!r}.")
        return self.store.facets[STORE_FACETS[name]].mask_for(wanted, self.size)

    def organisation_mask(self, organisation_id: int) -> np.ndarray:
        return np.asarray(self.store.org_ids == organisation_id)

    def entry_mask(self, entry_ids: Sequence[int]) -> np.ndarray:
        mask = self.nothing()
        rows, _found = self.store.rows_of(np.array(sorted(entry_ids), dtype=np.int64))
        mask[rows] = True
        return mask

    def date_mask(
        self,
        name: str,
        low: float | None,
        high: float | None,
        *,
        low_inclusive: bool = True,
        high_inclusive: bool = True,
    ) -> np.ndarray:
        """Rows whose `modified` or `created` time (seconds) is within the bounds."""
        if name not in ("modified", "created"):
            raise ValueError(f"Unknown date {name!r}.")
        values = self.modified if name == "modified" else self.created
        mask = self.everything()
        if low is not None:
            mask &= (values >= low) if low_inclusive else (values > low)
        if high is not None:
            mask &= (values <= high) if high_inclusive else (values < high)
        return mask

    def text_mask(self, text: str) -> np.ndarray | None:
        """Rows whose indexed text (title, keywords, summary, body) has every word of the
        text (stemmed, accents folded; a quoted part is a phrase), or None when the text
        has no word to look for (empty, punctuation or stop words only)."""
        plan = parse_query(text, prefix_last=False)
        if plan.empty:
            return None
        return clausecache.match(self.store, plan, self.alias) != 0

    def ordered_ids(self, mask: np.ndarray, keys: Sequence[tuple[str, bool]]) -> np.ndarray:
        """Entry ids of the rows in the mask (restricted to `base`), sorted by the keys
        (`(name, descending)`, first key first), then newest modification, then id."""
        rows = np.flatnonzero(mask & self.base)
        columns = {
            "modified": self.modified,
            "created": self.created,
            "name": self.name_rank,
            # The store's order of folded titles (the same on both databases).
            "title": self.store.title_rank,
        }
        sort_keys: list[np.ndarray] = [self.store.ids[rows], -self.modified[rows]]
        for name, descending in reversed(keys):
            values = columns[name][rows]
            sort_keys.append(-values if descending else values)
        return np.asarray(self.store.ids[rows[np.lexsort(sort_keys)]])

    def count(self, mask: np.ndarray) -> int:
        return int(np.count_nonzero(mask & self.base))

    def facet_counts(self, mask: np.ndarray, name: str) -> list[tuple[str, int]]:
        """(value, number of rows) for every value present in the mask's rows, most
        frequent first, then by value."""
        docs = mask & self.base
        facet = self.tags if name == "tag" else self.store.facets[STORE_FACETS[name]]
        if not facet.values:
            return []
        counts = facet.counts(docs)
        nonzero = np.flatnonzero(counts)
        pairs = [(facet.values[code], int(counts[code])) for code in nonzero]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        return pairs


def _read_datasets(alias: str, ids: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
    """(id, slug, keywords, created_at, modified_at) of the published datasets (all of
    them, or those among `ids`).

    Raw SQL: the ORM's per-row conversions (JSON, dates) took three quarters of the time
    at 100,000 entries; the few conversions needed are done in `_build`.
    """
    connection = connections[alias]
    table = connection.ops.quote_name(Entry._meta.db_table)
    select = (
        "SELECT id, slug, keywords, created_at, modified_at "  # noqa: S608
        f"FROM {table} WHERE kind = %s AND status = %s"
    )
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"{select} ORDER BY id", [KIND, Status.PUBLISHED])
            return cursor.fetchall()
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[start : start + 500]]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"{select} AND id IN ({marks}) ORDER BY id", [KIND, Status.PUBLISHED, *chunk]
            )
            rows.extend(cursor.fetchall())
        return rows


def _seconds(value: Any) -> float:
    """Seconds since the epoch of a stored time (a string on SQLite, in UTC)."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    return 0.0


def _keywords(value: Any) -> list[Any]:
    """The keywords column: JSON text on SQLite, already a list on PostgreSQL."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def _build(store: FacetStore, alias: str) -> DatasetIndex:
    size = store.size
    kinds = store.facets["kind"].mask_for([KIND], size)
    rows_data = _read_datasets(alias)
    ids = np.fromiter((r[0] for r in rows_data), dtype=np.int64, count=len(rows_data))
    rows, found = store.rows_of(ids)
    kept = [r for r, ok in zip(rows_data, found, strict=True) if ok]
    base = np.zeros(size, dtype=bool)
    base[rows] = True
    base &= store.published & kinds
    modified = np.zeros(size, dtype=np.float64)
    created = np.zeros(size, dtype=np.float64)
    names: dict[str, int] = {}
    tag_values: dict[str, int] = {}
    pair_doc: list[int] = []
    pair_val: list[int] = []
    for row, (_pk, slug, keywords, created_at, modified_at) in zip(
        rows.tolist(), kept, strict=True
    ):
        modified[row] = _seconds(modified_at)
        created[row] = _seconds(created_at)
        names[slug] = row
        for tag in sorted({str(k) for k in _keywords(keywords) if str(k).strip()}):
            code = tag_values.setdefault(tag, len(tag_values))
            pair_doc.append(row)
            pair_val.append(code)
    return _assemble(
        store,
        alias,
        base,
        modified,
        created,
        names,
        list(tag_values),
        dict(tag_values),
        [np.array(pair_doc, dtype=np.int64)],
        [np.array(pair_val, dtype=np.int64)],
    )


# More index changes than this between two stores: rebuild instead of patching.
MAX_PATCH = 5000


def _changed_between(alias: str, old: FacetStore, new: FacetStore) -> np.ndarray | None:
    """Entry ids changed from one store's state to a later one's, if the change log
    links them without a gap or a full reindex (else None)."""
    if new.seq <= old.seq or new.seq - old.seq > MAX_PATCH:
        return None
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT seq, token, entry_id FROM search_change "
            "WHERE seq >= %s AND seq <= %s ORDER BY seq",
            [old.seq, new.seq],
        )
        changes = cursor.fetchall()
    if (
        len(changes) != new.seq - old.seq + 1
        or (int(changes[0][0]), str(changes[0][1])) != (old.seq, old.token)
        or (int(changes[-1][0]), str(changes[-1][1])) != (new.seq, new.token)
        or any(row[2] is None for row in changes[1:])
    ):
        return None
    return np.unique(np.array([int(row[2]) for row in changes[1:]], dtype=np.int64))


def _patched(old: DatasetIndex, store: FacetStore, alias: str) -> DatasetIndex | None:
    """The index of a later store, from an earlier one: the unchanged datasets' columns
    are moved to their new rows, only the changed entries are read again."""
    changed = _changed_between(alias, old.store, store)
    if changed is None:
        return None
    size = store.size
    old_rows = np.flatnonzero(old.base)
    keep = ~np.isin(old.store.ids[old_rows], changed)
    old_rows = old_rows[keep]
    new_rows, found = store.rows_of(old.store.ids[old_rows])
    if not bool(found.all()):
        return None
    row_map = np.full(old.size, -1, dtype=np.int64)
    row_map[old_rows] = new_rows
    base = np.zeros(size, dtype=bool)
    base[new_rows] = True
    modified = np.zeros(size, dtype=np.float64)
    created = np.zeros(size, dtype=np.float64)
    modified[new_rows] = old.modified[old_rows]
    created[new_rows] = old.created[old_rows]
    names = {slug: int(row_map[row]) for slug, row in old.names.items() if row_map[row] >= 0}
    values = list(old.tags.values)
    codes = dict(old.tags.codes)
    kept_pairs = row_map[old.tags.pair_doc] >= 0
    pair_doc = [row_map[old.tags.pair_doc[kept_pairs]]]
    pair_val = [old.tags.pair_val[kept_pairs]]
    fresh = _read_datasets(alias, ids=changed.tolist())
    fresh_ids = np.array([r[0] for r in fresh], dtype=np.int64)
    rows, present = store.rows_of(fresh_ids)
    extra_doc: list[int] = []
    extra_val: list[int] = []
    for row, (_pk, slug, keywords, created_at, modified_at) in zip(
        rows.tolist(), [r for r, ok in zip(fresh, present, strict=True) if ok], strict=True
    ):
        base[row] = True
        modified[row] = _seconds(modified_at)
        created[row] = _seconds(created_at)
        names[slug] = row
        for tag in sorted({str(k) for k in _keywords(keywords) if str(k).strip()}):
            code = codes.get(tag)
            if code is None:
                code = codes[tag] = len(values)
                values.append(tag)
            extra_doc.append(row)
            extra_val.append(code)
    base &= store.published & store.facets["kind"].mask_for([KIND], size)
    pair_doc.append(np.array(extra_doc, dtype=np.int64))
    pair_val.append(np.array(extra_val, dtype=np.int64))
    return _assemble(
        store, alias, base, modified, created, names, values, codes, pair_doc, pair_val
    )


def _assemble(
    store: FacetStore,
    alias: str,
    base: np.ndarray,
    modified: np.ndarray,
    created: np.ndarray,
    names: dict[str, int],
    values: list[str],
    codes: dict[str, int],
    pair_doc: list[np.ndarray],
    pair_val: list[np.ndarray],
) -> DatasetIndex:
    name_rank = np.zeros(store.size, dtype=np.int64)
    for rank, slug in enumerate(sorted(names)):
        name_rank[names[slug]] = rank
    tags = Facet(
        values=values,
        codes=codes,
        pair_doc=np.concatenate(pair_doc).astype(np.int64),
        pair_val=np.concatenate(pair_val).astype(np.int64),
    )
    tag_codes: dict[str, list[int]] = {}
    for tag, code in codes.items():
        tag_codes.setdefault(tag.casefold(), []).append(code)
    return DatasetIndex(
        store=store,
        token=store.token,
        alias=alias,
        base=base,
        modified=modified,
        created=created,
        name_rank=name_rank,
        names=names,
        tags=tags,
        tag_codes=tag_codes,
    )


_CACHE: dict[str, DatasetIndex] = {}
_LOCK = threading.Lock()


def ckan_datasets(alias: str = "default") -> DatasetIndex:
    """The published datasets matching the index as this connection sees it now."""
    store = get_store(alias)
    index = _CACHE.get(alias)
    if index is not None and index.store is store and index.token == store.token:
        return index
    with _LOCK:
        index = _CACHE.get(alias)
        if index is not None and index.store is store and index.token == store.token:
            return index
        patched = _patched(index, store, alias) if index is not None else None
        index = patched if patched is not None else _build(store, alias)
        # Tied to this very store object (same arrays), even on a new database whose
        # state has no token yet.
        _CACHE[alias] = index
    return index


def forget() -> None:
    _CACHE.clear()


__all__ = ["FACET_FIELDS", "SORT_KEYS", "DatasetIndex", "ckan_datasets", "forget"]
