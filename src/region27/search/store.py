"""Facet values of every indexed entry, held in numpy arrays in each process.

Counting facets with SQL `GROUP BY` over the matching ids grows with the result size
(about 1.3 s for a common word at 1,000,000 entries). Here each facet is a pair of
arrays (document row, value code); a filter is a boolean mask over documents, and a
facet's counts are one `np.bincount` over the pairs whose document is in the mask:
milliseconds even at 1,000,000 entries.

Keeping the arrays in step with the database, across processes (several web workers
and a task worker share it):

* every index write, in its transaction, increments `search_state.seq`, gives it a
  new random `token` and logs `(seq, token, entry_id)` in `search_change`. Updating
  the single state row locks it until the transaction ends, so writers take their
  `seq` one after the other, in commit order: once change `n` is visible, every change
  before it is too (no gap can fill in later);
* a search reads `(seq, token)`. If it is the state its arrays were built at, they
  are used as they are. Otherwise the process reads the changes logged since, checks
  that the first one is the very change its arrays stopped at (same `seq` *and*
  `token`: a rolled-back write reuses the `seq` with another token), reads the rows of
  the changed entries and builds new arrays from the old ones (numpy copies, no SQL
  over the whole index). A gap it cannot bridge (rollback, too many changes, a full
  reindex, pruned log) means a full reload;
* new arrays replace the old ones as a whole (copy on write): a search running in
  another thread keeps reading a consistent state;
* after a full load, the arrays are written to a snapshot file tagged with their
  `(seq, token)` (`DATA_DIR/search/`). A new process starts from it if the database
  vouches for that state — the same `(seq, token)` now, or a logged change with them —
  and catches up from the log; otherwise it loads everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections

from region27.catalog.models import Status
from region27.search import clausecache
from region27.search.text import Clause

logger = logging.getLogger(__name__)

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
_COLUMNS = ["entry_id", "status", "organisation_id", "date", "boost", "title_sort"] + [
    column for column, _multi in FACET_COLUMNS.values()
]
_FIRST_FACET = 6
_EPOCH = {
    "sqlite": "CAST(strftime('%s', date) AS REAL) + 0.0",
    "postgresql": "FLOOR(EXTRACT(EPOCH FROM date))::float8",
}
# Byte order of the folded titles: the same on both databases (and in Python).
_TITLE = {"sqlite": "title_sort", "postgresql": 'title_sort COLLATE "C"'}

# Changes applied to the arrays; more than this since a process's last search, and it
# reloads everything (cheaper than that many small patches).
MAX_PATCH = 5000
# New or changed titles placed between their neighbours (two indexed queries each);
# more, and the title order is read again in full.
MAX_TITLE_LOOKUPS = 50


@dataclass
class Facet:
    values: list[str]
    codes: dict[str, int]
    pair_doc: np.ndarray  # row of the document
    pair_val: np.ndarray  # code of the value
    _starting: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)
    _grouped: tuple[int, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def mask_for(self, wanted: Iterable[str], size: int) -> np.ndarray:
        """Documents having any of the wanted values."""
        codes = [self.codes[v] for v in wanted if v in self.codes]
        mask = np.zeros(size, dtype=bool)
        if codes:
            mask[self.pair_doc[np.isin(self.pair_val, codes)]] = True
        return mask

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of the documents (a boolean mask over rows) have each value."""
        size = int(docs.shape[0])
        rows = np.flatnonzero(docs)
        if rows.size * 8 >= size:
            return np.bincount(self.pair_val[docs[self.pair_doc]], minlength=len(self.values))
        # Few documents: read only their pairs (pairs grouped by document, CSR-like).
        indptr, vals = self._by_doc(size)
        starts = indptr[rows]
        lens = indptr[rows + 1] - starts
        total = int(lens.sum())
        if not total:
            return np.zeros(len(self.values), dtype=np.int64)
        positions = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        return np.bincount(vals[positions], minlength=len(self.values))

    def _by_doc(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(indptr, values): the values of document row r are values[indptr[r]:indptr[r+1]]."""
        cached = self._grouped
        if cached is not None and cached[0] == size:
            return cached[1], cached[2]
        docs, vals = self.pair_doc, self.pair_val
        if docs.size and bool(np.any(docs[1:] < docs[:-1])):
            order = np.argsort(docs, kind="stable")
            docs, vals = docs[order], vals[order]
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(docs, minlength=size), out=indptr[1:])
        self._grouped = (size, indptr, vals)
        return indptr, vals

    def starting_with(self, prefixes: tuple[str, ...]) -> np.ndarray:
        """Which value codes start with one of the prefixes (computed once per facet)."""
        found = self._starting.get(prefixes)
        if found is None:
            found = self._starting[prefixes] = np.fromiter(
                (v.startswith(prefixes) for v in self.values), dtype=bool, count=len(self.values)
            )
        return found


@dataclass
class FacetStore:
    token: str
    ids: np.ndarray  # entry ids, increasing: row i is entry ids[i]
    published: np.ndarray
    org_ids: np.ndarray
    dates: np.ndarray  # seconds since the epoch
    title_rank: np.ndarray  # increasing with (title_sort, entry_id); not contiguous
    boost: np.ndarray
    facets: dict[str, Facet] = field(default_factory=dict)
    # Facet labels read from the database (organisation names, territory labels), kept
    # as long as these arrays: any index write gives new arrays, hence new labels.
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    seq: int = 0
    # The matches of very common clauses at this same state (see `clausecache`).
    clauses: dict[Clause, clausecache.ClauseMask] = field(default_factory=dict)
    # Entries whose titles were placed while another write committed (their neighbours'
    # ranks may have been stale): placed again at the next catch-up.
    unsure_titles: tuple[int, ...] = ()

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


@dataclass
class _Rows:
    """Index rows read from the database, as arrays (in the order read)."""

    ids: np.ndarray
    published: np.ndarray
    org_ids: np.ndarray
    dates: np.ndarray
    boost: np.ndarray
    titles: list[str]
    facet_columns: list[Sequence[Any]]


def _select(vendor: str) -> str:
    """The columns read (for a query run with parameters: `%` doubled)."""
    return ", ".join(_EPOCH[vendor] if c == "date" else c for c in _COLUMNS).replace("%", "%%")


def _rows(rows: list[tuple[Any, ...]]) -> _Rows:
    n = len(rows)
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS)
    return _Rows(
        ids=np.fromiter(cols[0], dtype=np.int64, count=n),
        published=np.fromiter((s == Status.PUBLISHED for s in cols[1]), dtype=bool, count=n),
        org_ids=np.fromiter(cols[2], dtype=np.int64, count=n),
        dates=np.fromiter((d or 0.0 for d in cols[3]), dtype=np.float64, count=n),
        boost=np.fromiter(cols[4], dtype=np.float64, count=n),
        titles=list(cols[5]),
        facet_columns=cols[_FIRST_FACET:],
    )


def is_current(store: FacetStore, alias: str = "default") -> bool:
    """Whether the index, as this connection sees it now, is at the arrays' state."""
    return _state(alias) == (store.seq, store.token)


def _state(alias: str) -> tuple[int, str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT seq, token FROM search_state WHERE id = 1")
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _load(alias: str) -> FacetStore:
    """Every row of the index, then the title order.

    The state is read first: the rows read after it may hold later writes, never fewer,
    and those later writes are in the change log after the state, so the next search
    reads their rows (and places their titles) again. The same holds for the title
    order, read in a second statement (cheaper than a window function over every row).
    """
    seq, token = _state(alias)
    connection = connections[alias]
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_select(vendor)} FROM search_document ORDER BY entry_id",  # noqa: S608
            [],
        )
        read = _rows(cursor.fetchall())
    n = read.ids.shape[0]
    store = FacetStore(
        token=token,
        ids=read.ids,
        published=read.published,
        org_ids=read.org_ids,
        dates=read.dates,
        title_rank=np.zeros(n, dtype=np.float64),
        boost=read.boost,
        seq=seq,
    )
    _read_title_order(alias, store)
    for index, (name, (_column, multi)) in enumerate(FACET_COLUMNS.items()):
        store.facets[name] = _facet(read.facet_columns[index], multi=multi)
    return store


def _items(raw: Any, multi: bool) -> list[str]:
    if raw is None or raw == "":
        return []
    return str(raw).split() if multi else [str(raw)]


def _facet(column: Sequence[Any], *, multi: bool) -> Facet:
    """The pairs of one facet column (row i of the column is document row i).

    Many rows hold the same raw value (the same themes, the same territories): each
    distinct raw value is split and coded once, then its codes are copied, by numpy,
    to every row holding it.
    """
    distinct: dict[Any, int] = {}
    add = distinct.setdefault
    n = len(column)
    row_raw = np.fromiter((add(raw, len(distinct)) for raw in column), dtype=np.int64, count=n)
    codes: dict[str, int] = {}
    raw_codes: list[int] = []
    raw_lengths: list[int] = []
    for raw in distinct:
        items = _items(raw, multi)
        raw_lengths.append(len(items))
        for item in items:
            code = codes.get(item)
            if code is None:
                code = codes[item] = len(codes)
            raw_codes.append(code)
    lengths_of_raw = np.array(raw_lengths, dtype=np.int64)
    starts_of_raw = np.cumsum(lengths_of_raw) - lengths_of_raw
    flat = np.array(raw_codes, dtype=np.int64)
    lengths = lengths_of_raw[row_raw] if n else np.empty(0, dtype=np.int64)
    starts = starts_of_raw[row_raw] if n else np.empty(0, dtype=np.int64)
    total = int(lengths.sum())
    positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    return Facet(
        values=list(codes),
        codes=codes,
        pair_doc=np.repeat(np.arange(n, dtype=np.int64), lengths),
        pair_val=flat[positions] if total else np.empty(0, dtype=np.int64),
    )


def _patched_facet(
    facet: Facet,
    keep_pairs: np.ndarray,
    row_map: np.ndarray,
    column: Sequence[Any],
    rows: np.ndarray,
    multi: bool,
) -> Facet:
    """The facet without the pairs of changed rows, plus the pairs of the rows read."""
    values, codes = facet.values, facet.codes
    docs: list[int] = []
    vals: list[int] = []
    for row, raw in zip(rows.tolist(), column, strict=True):
        for item in _items(raw, multi):
            code = codes.get(item)
            if code is None:
                if codes is facet.codes:  # copy on write: the old facet stays as it was
                    values, codes = list(values), dict(codes)
                code = codes[item] = len(values)
                values.append(item)
            docs.append(row)
            vals.append(code)
    pair_doc = np.concatenate([row_map[facet.pair_doc[keep_pairs]], np.array(docs, dtype=np.int64)])
    pair_val = np.concatenate([facet.pair_val[keep_pairs], np.array(vals, dtype=np.int64)])
    # Pairs stay grouped by document (two sorted runs: the stable sort merges them).
    order = np.argsort(pair_doc, kind="stable")
    return Facet(values=values, codes=codes, pair_doc=pair_doc[order], pair_val=pair_val[order])


def _changes_since(alias: str, store: FacetStore) -> tuple[list[int], int, str] | None:
    """Entry ids changed since the store's state and the last (seq, token) read, or None
    if the store cannot catch up."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT seq, token, entry_id FROM search_change WHERE seq >= %s ORDER BY seq LIMIT %s",
            [store.seq, MAX_PATCH + 2],
        )
        changes = cursor.fetchall()
    if not changes or (int(changes[0][0]), str(changes[0][1])) != (store.seq, store.token):
        return None  # the store's last change was rolled back, or pruned
    if len(changes) > MAX_PATCH + 1:
        return None
    ids = [row[2] for row in changes[1:]]
    if any(entry_id is None for entry_id in ids):
        return None  # a full reindex
    return ids, int(changes[-1][0]), str(changes[-1][1])


def _catch_up(alias: str, store: FacetStore) -> FacetStore | None:
    """New arrays: the store's, with the rows of the entries changed since."""
    since = _changes_since(alias, store)
    if since is None:
        return None
    changed_list, seq, token = since
    changed = np.unique(np.array(changed_list + list(store.unsure_titles), dtype=np.int64))
    connection = connections[alias]
    vendor = connection.vendor
    read_rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for offset in range(0, changed.size, 500):
            chunk = [int(i) for i in changed[offset : offset + 500]]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {_select(vendor)} FROM search_document "  # noqa: S608
                f"WHERE entry_id IN ({placeholders}) ORDER BY entry_id",
                chunk,
            )
            read_rows.extend(cursor.fetchall())
    read = _rows(read_rows)
    # Drop the rows of every changed entry; add back those still in the index.
    old_rows, _found = store.rows_of(changed)
    keep = np.ones(store.size, dtype=bool)
    keep[old_rows] = False
    kept_ids = store.ids[keep]
    ids = np.sort(np.concatenate([kept_ids, read.ids]), kind="stable")
    pos_kept = np.searchsorted(ids, kept_ids)
    pos_new = np.searchsorted(ids, read.ids)

    def merged(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        out = np.empty(ids.shape[0], dtype=old.dtype)
        out[pos_kept] = old[keep]
        out[pos_new] = new
        return out

    title_rank = merged(store.title_rank, np.zeros(read.ids.shape[0], dtype=np.float64))
    fresh = FacetStore(
        token=token,
        ids=ids,
        published=merged(store.published, read.published),
        org_ids=merged(store.org_ids, read.org_ids),
        dates=merged(store.dates, read.dates),
        title_rank=title_rank,
        boost=merged(store.boost, read.boost),
        seq=seq,
    )
    row_map = np.full(store.size, -1, dtype=np.int64)
    row_map[keep] = pos_kept
    for index, (name, (_column, multi)) in enumerate(FACET_COLUMNS.items()):
        facet = store.facets[name]
        fresh.facets[name] = _patched_facet(
            facet, keep[facet.pair_doc], row_map, read.facet_columns[index], pos_new, multi
        )
    if not _place_titles(alias, fresh, read, pos_new, changed):
        _read_title_order(alias, fresh)
    elif read.ids.size and not is_current(fresh, alias):
        # A write committed since the log was read: a neighbour found in the database
        # may have a new title and still its old rank here.
        fresh.unsure_titles = tuple(int(i) for i in read.ids)
    fresh.clauses = clausecache.patched(
        dict(store.clauses), merged, [int(i) for i in read.ids], alias
    )
    return fresh


def _place_titles(
    alias: str, store: FacetStore, read: _Rows, rows: np.ndarray, changed: np.ndarray
) -> bool:
    """Give each new or changed title a rank between its neighbours in the database."""
    if read.ids.size > MAX_TITLE_LOOKUPS:
        return False
    connection = connections[alias]
    title = _TITLE[connection.vendor]
    value = '%s COLLATE "C"' if connection.vendor == "postgresql" else "%s"
    prev_sql = (
        f"SELECT entry_id FROM search_document WHERE ({title}, entry_id) < ({value}, %s) "  # noqa: S608
        f"ORDER BY {title} DESC, entry_id DESC LIMIT 1"
    )
    next_sql = (
        f"SELECT entry_id FROM search_document WHERE ({title}, entry_id) > ({value}, %s) "  # noqa: S608
        f"ORDER BY {title}, entry_id LIMIT 1"
    )
    changed_set = set(changed.tolist())
    with connection.cursor() as cursor:
        for entry_id, title_sort, row in zip(
            read.ids.tolist(), read.titles, rows.tolist(), strict=True
        ):
            ranks: list[float | None] = []
            for sql in (prev_sql, next_sql):
                cursor.execute(sql, [title_sort, entry_id])
                found = cursor.fetchone()
                if found is None:
                    ranks.append(None)
                    continue
                if int(found[0]) in changed_set:
                    return False  # its own rank is not known yet
                neighbour, ok = store.rows_of(np.array([found[0]], dtype=np.int64))
                if not ok[0]:
                    return False  # written after the changes were read
                ranks.append(float(store.title_rank[neighbour[0]]))
            before, after = ranks
            if before is None and after is None:
                rank = 0.0
            elif before is None:
                rank = after - 1.0  # type: ignore[operator]
            elif after is None:
                rank = before + 1.0
            else:
                rank = (before + after) / 2.0
                if not before < rank < after:
                    return False  # no room left between them
            store.title_rank[row] = rank
    return True


def _read_title_order(alias: str, store: FacetStore) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id FROM search_document "  # noqa: S608
            f"ORDER BY {_TITLE[connection.vendor]}, entry_id"
        )
        by_title = np.fromiter((r[0] for r in cursor.fetchall()), dtype=np.int64)
    rows, found = store.rows_of(by_title)
    # Entries missing from the title order (deleted since) go last, by id.
    store.title_rank[:] = by_title.size + np.arange(store.size, dtype=np.float64)
    store.title_rank[rows] = np.flatnonzero(found).astype(np.float64)


# A snapshot of the arrays on disk, so that a new process (a worker starting) reads
# them in a fraction of a second and catches up from the change log, instead of
# reading the whole index. Written after every full load.
SNAPSHOT_FORMAT = 1


def _snapshot_path(alias: str) -> Path:
    db = connections[alias].settings_dict
    where = "|".join(str(db.get(k) or "") for k in ("ENGINE", "HOST", "PORT", "NAME"))
    key = hashlib.sha256(where.encode()).hexdigest()[:16]
    return Path(settings.DATA_DIR) / "search" / f"facets-{alias}-{key}.npz"


def _save_snapshot(alias: str, store: FacetStore) -> None:
    """Write the arrays next to the database's other files (best effort)."""
    if not store.token:
        return  # the state of a new database: not unique across databases
    arrays: dict[str, np.ndarray] = {
        "ids": store.ids,
        "published": store.published,
        "org_ids": store.org_ids,
        "dates": store.dates,
        "title_rank": store.title_rank,
        "boost": store.boost,
    }
    for name, facet in store.facets.items():
        arrays[f"{name}.doc"] = facet.pair_doc
        arrays[f"{name}.val"] = facet.pair_val
        arrays[f"{name}.values"] = np.array(facet.values, dtype=str)
    meta = {
        "format": SNAPSHOT_FORMAT,
        "seq": store.seq,
        "token": store.token,
        "facets": list(store.facets),
    }
    path = _snapshot_path(alias)
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path.parent)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(handle, "wb") as out:
            save: Any = np.savez  # its stubs type **kwargs as the `allow_pickle` flag
            save(out, meta=np.array([json.dumps(meta)]), **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        temporary = None
    except Exception:  # a cache: never let it fail a search
        logger.warning("Facet snapshot not written to %s", path, exc_info=True)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _remove_stale_temporaries(folder: Path, age: float = 3600.0) -> None:
    """Temporary files left by a process killed while writing (best effort)."""
    limit = time.time() - age
    for leftover in folder.glob("*.tmp"):
        try:
            if leftover.stat().st_mtime < limit:
                leftover.unlink()
        except OSError:
            continue


def _valid(store: FacetStore) -> bool:
    """The arrays of a snapshot fit together (a damaged file must not reach a search)."""
    n = store.ids.shape[0]
    per_row = (store.published, store.org_ids, store.dates, store.title_rank, store.boost)
    if store.ids.ndim != 1 or any(a.shape != (n,) for a in per_row):
        return False
    if n > 1 and not bool(np.all(np.diff(store.ids) > 0)):
        return False
    for facet in store.facets.values():
        if facet.pair_doc.shape != facet.pair_val.shape or facet.pair_doc.ndim != 1:
            return False
        if facet.pair_doc.size and (
            int(facet.pair_doc.min()) < 0
            or int(facet.pair_doc.max()) >= n
            or int(facet.pair_val.min()) < 0
            or int(facet.pair_val.max()) >= len(facet.values)
        ):
            return False
    return True


def _load_snapshot(alias: str) -> FacetStore | None:
    """The arrays of the last snapshot, whatever state they stand for (None if none)."""
    try:
        with np.load(_snapshot_path(alias), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"][0]))
            if meta["format"] != SNAPSHOT_FORMAT or meta["facets"] != list(FACET_COLUMNS):
                return None
            store = FacetStore(
                token=str(meta["token"]),
                ids=data["ids"],
                published=data["published"],
                org_ids=data["org_ids"],
                dates=data["dates"],
                title_rank=data["title_rank"],
                boost=data["boost"],
                seq=int(meta["seq"]),
            )
            for name in FACET_COLUMNS:
                values = [str(v) for v in data[f"{name}.values"].tolist()]
                store.facets[name] = Facet(
                    values=values,
                    codes={v: i for i, v in enumerate(values)},
                    pair_doc=data[f"{name}.doc"],
                    pair_val=data[f"{name}.val"],
                )
    except FileNotFoundError:
        return None
    except Exception:  # damaged or foreign file: ignore it, and remove it
        logger.warning("Unreadable facet snapshot, removed", exc_info=True)
        _snapshot_path(alias).unlink(missing_ok=True)
        return None
    if not _valid(store):
        logger.warning("Inconsistent facet snapshot, removed")
        _snapshot_path(alias).unlink(missing_ok=True)
        return None
    return store


_CACHE: dict[str, FacetStore] = {}
_LOCK = threading.Lock()


def get_store(alias: str = "default") -> FacetStore:
    """The facet arrays matching the index as this connection sees it now."""
    seq, token = _state(alias)
    store = _CACHE.get(alias)
    if store is not None and (store.seq, store.token) == (seq, token):
        return store
    with _LOCK:
        store = _CACHE.get(alias)
        if store is not None and (store.seq, store.token) == (seq, token):
            return store
        if store is not None and store.seq > seq and _logged(alias, store.seq, store.token):
            # Another thread brought the arrays past the state read above, to a state
            # this connection sees: they are as good (and newer).
            return store
        fresh = _brought_up_to_date(alias, store, seq, token) if store is not None else None
        if fresh is None:
            # A new process, or one that cannot catch up (after a full reindex, say):
            # the snapshot, if this database vouches for its state, then the log.
            snapshot = _load_snapshot(alias)
            if snapshot is not None:
                fresh = _brought_up_to_date(alias, snapshot, seq, token)
        if fresh is None:
            fresh = _load(alias)
            # Only a snapshot of exactly its state: no write committed during the load.
            if _state(alias) == (fresh.seq, fresh.token):
                _save_snapshot(alias, fresh)
        _CACHE[alias] = fresh
    return fresh


def _logged(alias: str, seq: int, token: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM search_change WHERE seq = %s AND token = %s", [seq, token])
        return cursor.fetchone() is not None


def _brought_up_to_date(alias: str, store: FacetStore, seq: int, token: str) -> FacetStore | None:
    """The arrays at the state (seq, token) read, from these ones, if the log allows."""
    if (store.seq, store.token) == (seq, token):
        return store
    if seq > store.seq:
        return _catch_up(alias, store)
    return None


def forget() -> None:
    _CACHE.clear()
