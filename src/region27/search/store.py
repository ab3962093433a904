"""Facet values of every indexed entry, held in numpy arrays in each process.

Counting facets with SQL `GROUP BY` over the matching ids grows with the result size
(about 1.3 s for a common word at 1,000,000 entries). Here each facet is a pair of
arrays (document row, value code); a filter is a boolean mask over documents, and a
facet's counts are one `np.bincount` over the pairs whose document is in the mask:
milliseconds even at 1,000,000 entries.

The arrays are reloaded when the index changes: every index write sets a new random
token in `search_state` (in the same transaction), and a search compares it with the
token its arrays were built from.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connections

from region27.catalog.models import Status

# Facet name -> search_document column; multi-valued columns are space-separated.
FACET_COLUMNS: dict[str, tuple[str, bool]] = {
    "kind": ("kind", False),
    "theme": ("themes", True),
    "organisation": ("organisation", False),
    "licence": ("licence", False),
    "year": ("year", False),
    "format": ("formats", True),
    "territory": ("territories", True),
    "within": ("territories_within", True),
}
_COLUMNS = ["entry_id", "status", "organisation_id", "date", "boost"] + [
    column for column, _multi in FACET_COLUMNS.values()
]
_EPOCH = {
    "sqlite": "CAST(strftime('%s', date) AS REAL) + 0.0",
    "postgresql": "FLOOR(EXTRACT(EPOCH FROM date))::float8",
}
# Byte order of the folded titles: the same on both databases (and in Python).
_TITLE_ORDER = {
    "sqlite": "SELECT entry_id FROM search_document ORDER BY title_sort, entry_id",
    "postgresql": 'SELECT entry_id FROM search_document ORDER BY title_sort COLLATE "C", entry_id',
}


@dataclass
class Facet:
    values: list[str]
    codes: dict[str, int]
    pair_doc: np.ndarray  # row of the document
    pair_val: np.ndarray  # code of the value

    def mask_for(self, wanted: Iterable[str], size: int) -> np.ndarray:
        """Documents having any of the wanted values."""
        codes = [self.codes[v] for v in wanted if v in self.codes]
        mask = np.zeros(size, dtype=bool)
        if codes:
            mask[self.pair_doc[np.isin(self.pair_val, codes)]] = True
        return mask

    def counts(self, docs: np.ndarray) -> np.ndarray:
        return np.bincount(self.pair_val[docs[self.pair_doc]], minlength=len(self.values))


@dataclass
class FacetStore:
    token: str
    ids: np.ndarray
    published: np.ndarray
    org_ids: np.ndarray
    dates: np.ndarray  # seconds since the epoch
    title_rank: np.ndarray
    boost: np.ndarray
    facets: dict[str, Facet] = field(default_factory=dict)
    # Facet labels read from the database (organisation names, territory labels), kept
    # as long as these arrays: any index write gives a new token, hence a new store.
    labels: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the given entry ids, and which of the ids were found."""
        if self.size == 0 or ids.size == 0:
            return np.empty(0, dtype=np.int64), np.zeros(ids.shape[0], dtype=bool)
        pos = np.searchsorted(self.ids, ids)
        pos = np.clip(pos, 0, self.size - 1)
        found = self.ids[pos] == ids
        return pos[found], found

    def visible(self, org_ids: Sequence[int]) -> np.ndarray:
        if not org_ids:
            return self.published.copy()
        return self.published | np.isin(self.org_ids, list(org_ids))


def _load(alias: str, token: str) -> FacetStore:
    connection = connections[alias]
    vendor = connection.vendor
    columns = [_EPOCH[vendor] if c == "date" else c for c in _COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM search_document ORDER BY entry_id"  # noqa: S608
        )
        rows = cursor.fetchall()
        cursor.execute(_TITLE_ORDER[vendor])
        by_title = np.fromiter((r[0] for r in cursor.fetchall()), dtype=np.int64)
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in _COLUMNS]
    ids = np.fromiter(cols[0], dtype=np.int64, count=n)
    published = np.fromiter((s == Status.PUBLISHED for s in cols[1]), dtype=bool, count=n)
    org_ids = np.fromiter(cols[2], dtype=np.int64, count=n)
    dates = np.fromiter((d or 0.0 for d in cols[3]), dtype=np.float64, count=n)
    title_rank = np.empty(n, dtype=np.int64)
    if n:
        title_rank[np.searchsorted(ids, by_title)] = np.arange(n, dtype=np.int64)
    boost = np.fromiter(cols[4], dtype=np.float64, count=n)
    store = FacetStore(token, ids, published, org_ids, dates, title_rank, boost)
    for index, (name, (_column, multi)) in enumerate(FACET_COLUMNS.items()):
        store.facets[name] = _facet(cols[5 + index], multi=multi)
    return store


def _facet(column: Sequence[Any], *, multi: bool) -> Facet:
    if not multi:
        present = [(row, str(v)) for row, v in enumerate(column) if v is not None and v != ""]
        if not present:
            return Facet([], {}, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        values, inverse = np.unique(np.array([v for _r, v in present]), return_inverse=True)
        names = [str(v) for v in values]
        return Facet(
            values=names,
            codes={v: i for i, v in enumerate(names)},
            pair_doc=np.array([r for r, _v in present], dtype=np.int64),
            pair_val=inverse.astype(np.int64).ravel(),
        )
    codes: dict[str, int] = {}
    docs: list[int] = []
    vals: list[int] = []
    for row, raw in enumerate(column):
        if raw is None or raw == "":
            continue
        items = str(raw).split() if multi else [str(raw)]
        for item in items:
            code = codes.get(item)
            if code is None:
                code = codes[item] = len(codes)
            docs.append(row)
            vals.append(code)
    return Facet(
        values=list(codes),
        codes=codes,
        pair_doc=np.array(docs, dtype=np.int64),
        pair_val=np.array(vals, dtype=np.int64),
    )


_CACHE: dict[str, FacetStore] = {}
_LOCK = threading.Lock()


def current_token(alias: str = "default") -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT token FROM search_state ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def get_store(alias: str = "default") -> FacetStore:
    """The facet arrays matching the index as this connection sees it now."""
    token = current_token(alias)
    store = _CACHE.get(alias)
    if store is not None and store.token == token and token:
        return store
    with _LOCK:
        store = _load(alias, token)
        if token:
            _CACHE[alias] = store
    return store


def forget() -> None:
    _CACHE.clear()
