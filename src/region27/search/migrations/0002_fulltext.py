"""The full-text structures of each database, created only on the database they fit."""

from django.db import migrations

SQLITE_FORWARD = [
    # External content: the text lives once, in search_document; triggers keep step.
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, keywords, summary, body, content='search_document', content_rowid='entry_id', "
    "tokenize='unicode61', prefix='2 3 4')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, keywords, summary, body) "
    "VALUES (new.entry_id, new.title, new.keywords, new.summary, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, keywords, summary, body) "
    "VALUES ('delete', old.entry_id, old.title, old.keywords, old.summary, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE OF title, keywords, summary, body "
    "ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, keywords, summary, body) "
    "VALUES ('delete', old.entry_id, old.title, old.keywords, old.summary, old.body); "
    "INSERT INTO search_fts(rowid, title, keywords, summary, body) "
    "VALUES (new.entry_id, new.title, new.keywords, new.summary, new.body); END",
    "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')",
]
SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_fts",
]
# The text is already stemmed and folded in Python: the `simple` configuration only
# splits on spaces, exactly like FTS5's unicode61 on the same text.
POSTGRES_FORWARD = [
    "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, keywords), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, summary), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'D')) STORED",
    "CREATE INDEX search_document_tsv ON search_document USING gin (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
