"""Append-only in the database, and the one deliberate way around it.

Triggers on `journal_record`, `journal_node` and `journal_checkpoint` refuse UPDATE
and DELETE (and TRUNCATE on PostgreSQL), whoever sends them, unless the
*maintenance switch* is on for that connection:

- SQLite: the triggers call `region27_journal_maintenance()`, a function each
  connection registers when it opens (`connection_created`); it answers 1 only while
  `maintenance()` is active on that connection. A connection without the function
  (the `sqlite3` shell) cannot change records at all.
- PostgreSQL: the trigger function reads `current_setting('region27.journal_maintenance', true)`.

The switch exists for one user: the test suite's database flush (pytest-django
empties the tables between transactional tests, see `tests/conftest.py`). Nothing
in region27 turns it on otherwise; records never change, even for RGPD erasure
(names live in `journal.Actor`, outside the leaves).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

PROTECTED_TABLES = ("journal_record", "journal_node", "journal_checkpoint")
SQLITE_FUNCTION = "region27_journal_maintenance"
PG_SETTING = "region27.journal_maintenance"


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give each SQLite connection the switch function."""
    if connection.vendor != "sqlite":
        return

    def switch() -> int:
        return 1 if getattr(connection, "journal_maintenance", False) else 0

    connection.connection.create_function(SQLITE_FUNCTION, 0, switch)


@contextmanager
def maintenance(using: str = "default") -> Iterator[None]:
    """Let UPDATE/DELETE through the journal triggers on this connection (test flush only).
    Re-entrant: the switch closes when the outermost block ends."""
    conn = connections[using]
    conn.ensure_connection()
    depth = getattr(conn, "journal_maintenance_depth", 0)
    conn.journal_maintenance_depth = depth + 1  # type: ignore[attr-defined]
    try:
        if depth == 0:
            _switch(conn, on=True)
        yield
    finally:
        conn.journal_maintenance_depth = depth  # type: ignore[attr-defined]
        if depth == 0:
            _switch(conn, on=False)


def _switch(conn: BaseDatabaseWrapper, *, on: bool) -> None:
    if conn.vendor == "postgresql":
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config(%s, %s, false)", [PG_SETTING, "on" if on else "off"]
                )
        except Exception:
            if on:
                raise
            conn.close()  # an aborted transaction: a new connection starts with the switch off
    else:
        conn.journal_maintenance = on  # type: ignore[attr-defined]


def _sqlite_sql(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()}
        BEFORE {op} ON {table}
        WHEN NOT {SQLITE_FUNCTION}()
        BEGIN SELECT RAISE(ABORT, 'region27 journal: {table} is append-only'); END"""
        for op in ("UPDATE", "DELETE")
    ]


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION region27_journal_append_only() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('{PG_SETTING}', true), '') = 'on' THEN
    IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'region27 journal: % on % refused (append-only)', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql
"""


def _pg_sql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION region27_journal_append_only()""",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION region27_journal_append_only()""",
    ]


def install_triggers(apps: Any, schema_editor: Any) -> None:
    """Migration step (re-run it after any migration that rebuilds these tables on SQLite)."""
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    if vendor == "sqlite":
        for table in PROTECTED_TABLES:
            statements += _sqlite_sql(table)
    elif vendor == "postgresql":
        statements.append(PG_FUNCTION)
        for table in PROTECTED_TABLES:
            statements += _pg_sql(table)
    for sql in statements:
        schema_editor.execute(sql, params=None)


def remove_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in PROTECTED_TABLES:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS region27_journal_append_only()")
