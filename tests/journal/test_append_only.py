"""Triggers refuse UPDATE and DELETE of records, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from region27.journal.db import maintenance
from region27.journal.models import Checkpoint, Node, Record
from region27.journal.services import checkpoint_sign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    for _ in range(3):
        factories.entry(org, agent)
    checkpoint_sign()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_record SET action = 'publish'",
        "UPDATE journal_record SET leaf = 'x' WHERE seq = 1",
        "DELETE FROM journal_record WHERE seq = 0",
        "DELETE FROM journal_record",
        "UPDATE journal_node SET hash = hash",
        "DELETE FROM journal_node",
        "UPDATE journal_checkpoint SET size = 0",
        "DELETE FROM journal_checkpoint",
    ],
)
def test_raw_sql_is_refused(records: None, sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_orm_is_refused(records: None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        Record.objects.filter(seq=0).update(action="archive")
    with pytest.raises(DatabaseError), transaction.atomic():
        Record.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.all().delete()
    assert Record.objects.count() >= 4 and Node.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_truncate_is_refused_on_postgresql(records: None) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE journal_record CASCADE")


def test_maintenance_switch_lets_changes_through_and_closes(records: None) -> None:
    with maintenance():
        Record.objects.filter(seq=0).update(role="x")
    assert Record.objects.get(seq=0).role == "x"
    with pytest.raises(DatabaseError), transaction.atomic():
        Record.objects.filter(seq=0).update(role="y")


def test_inserts_still_work(records: None) -> None:
    before = Record.objects.count()
    factories.organisation()
    assert Record.objects.count() == before + 1
