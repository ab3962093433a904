"""The interface every full-text backend implements.

A backend only *matches* and gives a first, engine-native rank: analysis (folding,
stemming, stop words) happens in Python beforehand, and the final ranking of the best
candidates, the filters and the facets happen in Python afterwards, so that every
database answers the same.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from django.db import connections

from region27.search.text import Clause, QueryPlan

# Field weights: title > keywords > summary > body.
FIELD_WEIGHTS = {"title": 10.0, "keywords": 4.0, "summary": 2.0, "body": 1.0}
FIELDS = tuple(FIELD_WEIGHTS)
TIERS = (("title", 8.0), ("keywords", 4.0), ("summary", 2.0))


class SearchBackend(ABC):
    vendor = ""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    @property
    def connection(self):  # type: ignore[no-untyped-def]
        return connections[self.alias]

    @abstractmethod
    def compile(self, plan: QueryPlan) -> str:
        """The engine's query string for the plan (tokens are [a-z0-9] only)."""

    @abstractmethod
    def compile_any(self, terms: Sequence[str]) -> str:
        """A query matching documents containing any of the terms."""

    @abstractmethod
    def match_sql(self) -> str:
        """SQL with one parameter (the compiled query) returning (entry_id, native score)."""

    @abstractmethod
    def compile_field(self, plan: QueryPlan, field: str) -> str:
        """The query restricted to one field (title, keywords, summary or body)."""

    @abstractmethod
    def ids_sql(self) -> str:
        """SQL with one parameter (the compiled query) returning one row: the matching
        entry ids joined by commas (NULL if none).

        One string parsed by numpy costs a third of fetching one Python row per match
        (tens of milliseconds for a word found in most entries)."""

    def match(self, plan: QueryPlan, field: str | None = None) -> np.ndarray:
        """Ids of every document matching the plan (in one field, if given).

        No engine-side ranking: computing bm25/ts_rank for every match is what makes
        common words slow; the ranking is done on the best candidates only (`ranking`).
        """
        if plan.empty:
            return np.empty(0, dtype=np.int64)
        query = self.compile(plan) if field is None else self.compile_field(plan, field)
        with self.connection.cursor() as cursor:
            cursor.execute(self.ids_sql(), [query])
            row = cursor.fetchone()
        return parse_ids(row[0] if row else None)

    def match_tiers(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the matches and, for each, a first score from the fields matched:
        1, + 8 if the whole query matches in the title, + 4 in the keywords, + 2 in the
        summary. Boolean matches only, so every database gives the same values."""
        ids = self.match(plan)
        scores = np.ones(ids.shape[0], dtype=np.float64)
        if ids.size:
            order = np.argsort(ids)
            ids, scores = ids[order], scores[order]
            for name, tier in TIERS:
                found = self.match(plan, name)
                pos = np.searchsorted(ids, found)
                ok = (pos < ids.size) & (ids[np.minimum(pos, ids.size - 1)] == found)
                scores[pos[ok]] += tier
        return ids, scores

    def match_tiers_among(self, plan: QueryPlan, ids: Sequence[int]) -> dict[int, int] | None:
        """`match_tiers` for some entries only (entry id -> score, the entries matched),
        or None where the caller should match their analysed fields itself by the same
        rules (SQLite: FTS5 has no limit those rules do not follow)."""
        return None

    def match_any(self, terms: Sequence[str], limit: int) -> list[tuple[int, float]]:
        """The `limit` best documents containing any of the terms (for similarity)."""
        if not terms:
            return []
        sql = f"SELECT * FROM ({self.match_sql()}) AS m ORDER BY 2 DESC, 1 LIMIT %s"  # noqa: S608
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [self.compile_any(terms), limit])
            return [(int(i), float(s)) for i, s in cursor.fetchall()]

    def bulk_begin(self) -> None:
        """Before a full rebuild: empty the index."""
        with self.connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_document")

    def bulk_end(self) -> None:  # noqa: B027 - optional hook
        """After a full rebuild."""

    @abstractmethod
    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        """How many documents contain each term."""

    def fields_of(self, ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        """The analysed text fields of some documents (for the final ranking)."""
        out: dict[int, tuple[str, str, str, str]] = {}
        columns = "entry_id, title, keywords, summary, body"
        with self.connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                placeholders = ", ".join(["%s"] * len(chunk))
                sql = f"SELECT {columns} FROM search_document WHERE entry_id IN ({placeholders})"  # noqa: S608
                cursor.execute(sql, chunk)
                for row in cursor.fetchall():
                    out[int(row[0])] = (row[1], row[2], row[3], row[4])
        return out


def parse_ids(joined: str | None) -> np.ndarray:
    """Integers joined by commas (as `group_concat` / `string_agg` give them)."""
    if not joined:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")


def clause_matches(clause: Clause, token: str) -> bool:
    return token == clause.stems[0] or bool(clause.prefix and token.startswith(clause.prefix))
