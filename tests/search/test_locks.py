"""PostgreSQL: an entry saved while the index is being rebuilt waits for the rebuild,
and neither is aborted as a deadlock.

A rebuild holds the index state row from its start and inserts index rows, whose
foreign keys PostgreSQL checks at commit with a KEY SHARE lock on the entries; an
edit locks its entry, then waits for the state row. The edit's entry lock must not be a
key lock (`select_for_update(no_key=True)`), or the two wait for each other.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from region27.catalog import services as catalog_services
from region27.search.models import SearchDocument
from region27.search.services import _touch, search_index_entry
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_edit_during_rebuild_waits_without_deadlock() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serialises whole transactions")
    org = factories.organisation()
    agent = factories.member(org, "agent")
    entry = factories.entry(org, agent)
    rebuilding = threading.Event()
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            with transaction.atomic():
                _touch(None)  # the rebuild's first step: the state row is locked
                SearchDocument.objects.filter(entry=entry).delete()
                search_index_entry(entry=entry)  # an inserted row: FK checked at commit
                rebuilding.set()
                time.sleep(1.5)  # the edit below is now waiting for the state row
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def edit() -> None:
        try:
            rebuilding.wait(10)
            catalog_services.entry_update(
                entry=entry, by=agent, summary="Pendant la reconstruction"
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rebuild), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    entry.refresh_from_db()
    assert entry.summary == "Pendant la reconstruction"
    assert SearchDocument.objects.filter(entry=entry).exists()
