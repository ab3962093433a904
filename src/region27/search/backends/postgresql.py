"""PostgreSQL full text over a generated, weighted tsvector (`simple` configuration).

The text is folded and stemmed in Python before it reaches PostgreSQL, so `unaccent`
and the French dictionary are not needed: `simple` splits on spaces, like FTS5 does,
and both databases match the same documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from region27.search.backends.base import FIELD_WEIGHTS, TIERS, SearchBackend, parse_ids
from region27.search.text import Clause, QueryPlan

# ts_rank weights are given as {D, C, B, A} = {body, summary, keywords, title}.
_TOP = max(FIELD_WEIGHTS.values())
_WEIGHTS = "{" + ",".join(str(FIELD_WEIGHTS[f] / _TOP) for f in reversed(FIELD_WEIGHTS)) + "}"


# Weight labels of the fields in the tsvector.
LABELS = {"title": "A", "keywords": "B", "summary": "C", "body": "D"}


def _clause(clause: Clause, label: str = "") -> str:
    weight = f":{label}" if label else ""
    if clause.is_phrase:
        if not label:
            # Within one field, as FTS5 does: concatenated tsvectors put the first word of
            # a field right after the last word of the one before, and `<->` would let a
            # phrase run across them. Each field has its own weight label.
            return "(" + " | ".join(_clause(clause, f) for f in LABELS.values()) + ")"
        return "(" + " <-> ".join(f"{s}{weight}" for s in clause.stems) + ")"
    if clause.prefix:
        return f"({clause.stems[0]}{weight} | {clause.prefix}:*{label})"
    return f"{clause.stems[0]}{weight}"


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def compile(self, plan: QueryPlan) -> str:
        return " & ".join(_clause(c) for c in plan.clauses)

    def compile_field(self, plan: QueryPlan, field: str) -> str:
        return " & ".join(_clause(c, LABELS[field]) for c in plan.clauses)

    def ids_sql(self) -> str:
        return (
            "SELECT string_agg(entry_id::text, ',') FROM search_document "
            "WHERE tsv @@ to_tsquery('simple', %s)"
        )

    def _tiers(self, plan: QueryPlan) -> tuple[str, list[object]]:
        """SQL adding each tier whose field holds the whole plan (title 8, keywords 4,
        summary 2), and its parameters."""
        sql = " + ".join(
            f"CASE WHEN d.tsv @@ to_tsquery('simple', %s) THEN {int(tier)} ELSE 0 END"
            for _name, tier in TIERS
        )
        return sql, [self.compile_field(plan, name) for name, _t in TIERS]

    def match_tiers(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """One query: the fields matched are tested on the rows already read."""
        if plan.empty:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        tiers, params = self._tiers(plan)
        # One string for every match: id * 16 + score (scores are integers 1 to 15).
        sql = (
            f"SELECT string_agg((d.entry_id * 16 + 1 + {tiers})::text, ',') "  # noqa: S608
            "FROM search_document d WHERE d.tsv @@ to_tsquery('simple', %s)"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, self.compile(plan)])
            row = cursor.fetchone()
        packed = parse_ids(row[0] if row else None)
        return packed >> 4, (packed & 15).astype(np.float64)

    def match_tiers_among(self, plan: QueryPlan, ids: Sequence[int]) -> dict[int, int] | None:
        """Asked of PostgreSQL itself: a tsvector keeps at most 255 positions of a word in a
        field, so a phrase after them is not found there though the text holds it."""
        if plan.empty or not ids:
            return {}
        tiers, params = self._tiers(plan)
        sql = (
            f"SELECT d.entry_id, 1 + {tiers} FROM search_document d "  # noqa: S608
            "WHERE d.entry_id = ANY(%s) AND d.tsv @@ to_tsquery('simple', %s)"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, list(ids), self.compile(plan)])
            return {int(entry_id): int(score) for entry_id, score in cursor.fetchall()}

    def compile_any(self, terms: Sequence[str]) -> str:
        return " | ".join(terms)

    def match_sql(self) -> str:
        return (
            f"SELECT d.entry_id, ts_rank('{_WEIGHTS}'::float4[], d.tsv, q, 1) "  # noqa: S608
            "FROM search_document d, to_tsquery('simple', %s) q WHERE d.tsv @@ q"
        )

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        with self.connection.cursor() as cursor:
            for term in terms:
                cursor.execute(
                    "SELECT count(*) FROM search_document WHERE tsv @@ to_tsquery('simple', %s)",
                    [term],
                )
                out[term] = int(cursor.fetchone()[0])
        return out
