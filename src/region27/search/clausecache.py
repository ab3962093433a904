"""The matches of very common clauses, kept in memory beside the facet arrays.

A word found in most entries (« données » in 92 % of them) or a short prefix typed in
the search box makes the full-text engine read and return a large share of the index:
hundreds of milliseconds at 100,000 entries on PostgreSQL, at 1,000,000 on SQLite, for
an answer that barely changes from one search to the next. So when a clause (one word,
or the word being typed with its prefix) matches many entries, its matches are kept as
one byte per indexed entry, the same value the engine gives (`match_tiers`):

    0 not matched; else 1, + 8 if it is in the title, + 4 in the keywords, + 2 in the
    summary.

A plan whose clauses are all kept is answered without the engine: the bitwise AND of
its clauses' bytes is exactly the engine's answer for the whole plan (all clauses
matched; in the title when all are in the title; and so on), so both databases and both
paths give the same results, scores and facets (tests/search/test_clausecache.py).

Kept in step with the index like the facet arrays: a clause is only learned when no
index write committed between the engine's answer and the state of the arrays, and
when the arrays catch up with the change log, each kept clause is matched again on the
rows of the changed entries — by PostgreSQL itself (a tsvector keeps at most 255
positions of a word per field, which Python would not know), on SQLite in Python by
FTS5's rules on the analysed fields (`ranking.clause_in`).

Bounded: `REGION27_SEARCH_CLAUSE_CACHE_BYTES` per process (least recently used dropped
first); a clause is learned from `REGION27_SEARCH_CLAUSE_MIN_MATCHES` matches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from region27.search.backends import get_backend
from region27.search.ranking import clause_in
from region27.search.text import Clause, QueryPlan

if TYPE_CHECKING:
    from region27.search.store import FacetStore

TITLE, KEYWORDS, SUMMARY = 8, 4, 2
# Above this many (changed entries x kept clauses), the arrays drop their clauses instead
# of matching them again (a search waits for it: about 0.2 ms per pair on long bodies);
# they are learned again on demand.
MAX_PATCH_WORK = 5_000

_LOCK = threading.Lock()


@dataclass
class ClauseMask:
    bits: np.ndarray  # uint8 per document row (see the module's docstring)
    used: float  # time.monotonic() of the last search that used it


def min_matches() -> int:
    return max(1, int(getattr(settings, "REGION27_SEARCH_CLAUSE_MIN_MATCHES", 10_000)))


def budget_bytes() -> int:
    return max(0, int(getattr(settings, "REGION27_SEARCH_CLAUSE_CACHE_BYTES", 64 * 2**20)))


def lookup(store: FacetStore, plan: QueryPlan) -> np.ndarray | None:
    """The engine's answer for the whole plan (one byte per row), if every clause is kept."""
    if plan.empty:
        return None
    masks = [store.clauses.get(clause) for clause in plan.clauses]
    if any(mask is None for mask in masks):
        return None
    now = time.monotonic()
    kept = [mask for mask in masks if mask is not None]
    for mask in kept:
        mask.used = now
    if len(kept) == 1:
        return kept[0].bits
    return np.bitwise_and.reduce([mask.bits for mask in kept])


def bits_of(store: FacetStore, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """One byte per row of the store from the engine's (ids, scores)."""
    bits = np.zeros(store.size, dtype=np.uint8)
    rows, found = store.rows_of(ids)
    bits[rows] = scores[found].astype(np.uint8)
    return bits


def learn(store: FacetStore, clause: Clause, bits: np.ndarray) -> bool:
    """Keep a clause's matches in the store (whose state they must be computed at)."""
    if bits.shape != (store.size,):
        return False
    budget = budget_bytes()
    if bits.nbytes > budget:
        return False
    with _LOCK:
        if clause in store.clauses:
            return True
        # Least recently used first, until the new one fits.
        total = sum(mask.bits.nbytes for mask in store.clauses.values())
        for old in sorted(store.clauses, key=lambda c: store.clauses[c].used):
            if total + bits.nbytes <= budget:
                break
            total -= store.clauses.pop(old).bits.nbytes
        store.clauses[clause] = ClauseMask(bits=bits, used=time.monotonic())
    return True


def match(store: FacetStore, plan: QueryPlan, alias: str) -> np.ndarray:
    """The plan's first score for every row (0: not matched), from the clauses kept in
    memory or from the full-text engine, which then teaches the common clauses."""
    from region27.search.store import is_current  # the store module imports this one

    kept = lookup(store, plan)
    if kept is not None:
        return kept
    backend = get_backend(alias)
    ids, first = backend.match_tiers(plan)
    bits = bits_of(store, ids, first)
    threshold = min_matches()
    learnable = [c for c in plan.clauses if c not in store.clauses]
    if ids.size < threshold or not learnable or budget_bytes() < store.size:
        return bits  # nothing to learn, or no room for one clause
    # Every clause matches at least as many entries as the whole plan.
    learned = {plan.clauses[0]: bits} if len(plan.clauses) == 1 else {}
    for clause in learnable:
        if clause not in learned:
            clause_ids, clause_first = backend.match_tiers(QueryPlan(clauses=[clause]))
            learned[clause] = bits_of(store, clause_ids, clause_first)
    # Kept only at the arrays' own state: no index write committed in between.
    if is_current(store, alias):
        for clause in learnable:
            learn(store, clause, learned[clause])
    return bits


def field_bits(clause: Clause, fields: tuple[str, str, str, str]) -> int:
    """The engine's byte for one document, from its analysed fields (title, keywords,
    summary, body)."""
    title, keywords, summary, body = (clause_in(clause, text) for text in fields)
    if not (title or keywords or summary or body):
        return 0
    return 1 + TITLE * title + KEYWORDS * keywords + SUMMARY * summary


def patched(
    clauses: dict[Clause, ClauseMask],
    merged: Callable[[np.ndarray, np.ndarray], np.ndarray],
    read_ids: Sequence[int],
    alias: str,
) -> dict[Clause, ClauseMask]:
    """The kept clauses for new arrays: old rows kept as they are (`merged` places them
    and the new rows), the rows read matched again: by the engine where it can say it
    for a few entries (PostgreSQL), else on their analysed fields by the engine's rules
    (SQLite). Empty when that is too much work (`MAX_PATCH_WORK`)."""
    if not clauses or len(read_ids) * len(clauses) > MAX_PATCH_WORK:
        return {}
    backend = get_backend(alias)
    fields: dict[int, tuple[str, str, str, str]] | None = None
    empty = ("", "", "", "")
    out: dict[Clause, ClauseMask] = {}
    for clause, mask in list(clauses.items()):
        found = backend.match_tiers_among(QueryPlan(clauses=[clause]), read_ids)
        if found is None:
            if fields is None:
                fields = backend.fields_of(read_ids)
            values: Iterable[int] = (field_bits(clause, fields.get(i, empty)) for i in read_ids)
        else:
            values = (found.get(i, 0) for i in read_ids)
        new = np.fromiter(values, dtype=np.uint8, count=len(read_ids))
        out[clause] = ClauseMask(bits=merged(mask.bits, new), used=mask.used)
    return out
