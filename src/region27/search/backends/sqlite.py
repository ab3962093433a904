"""SQLite FTS5 over the pre-analysed columns, ranked by bm25 with field weights."""

from __future__ import annotations

from collections.abc import Sequence

from region27.search.backends.base import FIELD_WEIGHTS, SearchBackend
from region27.search.text import Clause, QueryPlan

_WEIGHTS = ", ".join(str(w) for w in FIELD_WEIGHTS.values())


def _clause(clause: Clause) -> str:
    if clause.is_phrase:
        return '"' + " ".join(clause.stems) + '"'
    term = f'"{clause.stems[0]}"'
    if clause.prefix:
        return f'({term} OR "{clause.prefix}"*)'
    return term


# The same triggers as migration 0002 (kept in step by tests/search/test_reindex).
TRIGGERS = {
    "search_document_ai": "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document "
    "BEGIN INSERT INTO search_fts(rowid, title, keywords, summary, body) "
    "VALUES (new.entry_id, new.title, new.keywords, new.summary, new.body); END",
    "search_document_ad": "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document "
    "BEGIN INSERT INTO search_fts(search_fts, rowid, title, keywords, summary, body) "
    "VALUES ('delete', old.entry_id, old.title, old.keywords, old.summary, old.body); END",
}


class SQLiteBackend(SearchBackend):
    vendor = "sqlite"

    def bulk_begin(self) -> None:
        """Before a full rebuild: empty the index without one FTS write per row."""
        with self.connection.cursor() as cursor:
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DELETE FROM search_document")
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")

    def bulk_end(self) -> None:
        """After a full rebuild: build the FTS index in one pass, restore the triggers."""
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            for sql in TRIGGERS.values():
                cursor.execute(sql)

    def compile(self, plan: QueryPlan) -> str:
        return " AND ".join(_clause(c) for c in plan.clauses)

    def compile_field(self, plan: QueryPlan, field: str) -> str:
        return "{" + field + "} : (" + self.compile(plan) + ")"

    def ids_sql(self) -> str:
        return "SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH %s"

    def compile_any(self, terms: Sequence[str]) -> str:
        return " OR ".join(f'"{t}"' for t in terms)

    def match_sql(self) -> str:
        return (
            f"SELECT rowid, -bm25(search_fts, {_WEIGHTS}) FROM search_fts "  # noqa: S608
            "WHERE search_fts MATCH %s"
        )

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        if not terms:
            return {}
        placeholders = ", ".join(["%s"] * len(terms))
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT term, doc FROM search_fts_vocab WHERE term IN ({placeholders})",  # noqa: S608
                list(terms),
            )
            found = {t: int(n) for t, n in cursor.fetchall()}
        return {t: found.get(t, 0) for t in terms}
