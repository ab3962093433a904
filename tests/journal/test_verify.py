"""`journal verify` recomputes everything and names the first bad record."""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from region27.catalog.models import EntryVersion
from region27.journal.db import maintenance
from region27.journal.models import Checkpoint, Node, Record
from region27.journal.services import checkpoint_sign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(org_agent: tuple[Any, Any]) -> dict[str, Any]:
    org, agent = org_agent
    entries = [factories.entry(org, agent, status="published") for _ in range(4)]
    checkpoint_sign()
    factories.entry(org, agent)
    checkpoint_sign()
    return {"org": org, "agent": agent, "entries": entries}


def _verify() -> str:
    out = StringIO()
    call_command("journal", "verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def _fails(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        call_command("journal", "verify", stdout=StringIO(), stderr=StringIO())


def _raw(sql: str, params: list[Any]) -> None:
    """Behind the application's back: raw SQL, triggers switched off."""
    with maintenance(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_clean_journal_verifies(journal: dict[str, Any]) -> None:
    out = _verify()
    assert out.startswith("OK : ") and f"{Record.objects.count()} enregistrements" in out


def test_changed_record_is_named(journal: dict[str, Any]) -> None:
    record = Record.objects.filter(action="publish").order_by("seq")[1]
    leaf = json.loads(record.leaf)
    leaf["action"] = "archive"
    _raw("UPDATE journal_record SET action = 'archive' WHERE seq = %s", [record.seq])
    _fails(f"record #{record.seq}: its leaf does not match its columns")
    _raw(
        "UPDATE journal_record SET leaf = %s WHERE seq = %s",
        [json.dumps(leaf, sort_keys=True, separators=(",", ":")), record.seq],
    )
    _fails(f"record #{record.seq}: stored leaf hash")


def test_changed_object_is_caught(journal: dict[str, Any]) -> None:
    entry = journal["entries"][2]
    version = entry.versions.order_by("-number")[0]
    record = Record.objects.get(source_id=version.pk)
    snapshot = dict(version.snapshot, title="Titre réécrit en douce")
    _raw(
        "UPDATE catalog_entryversion SET snapshot = %s WHERE id = %s",
        [json.dumps(snapshot), version.pk],
    )
    _fails(
        rf"record #{record.seq} \({entry.kind} {entry.pk} version {version.number}\): "
        "the stored snapshot hashes to"
    )


def test_changed_organisation_is_caught(journal: dict[str, Any]) -> None:
    org = journal["org"]
    record = Record.objects.get(kind="organisation", object_id=org.pk)
    _raw("UPDATE accounts_organisation SET name = 'Autre' WHERE id = %s", [org.pk])
    _fails(f"organisation {org.pk} «{org.slug}»: no longer matches its latest record #{record.seq}")


def test_unrecorded_version_is_caught(journal: dict[str, Any]) -> None:
    entry = journal["entries"][0]
    last = entry.versions.order_by("-number")[0]
    EntryVersion.objects.create(
        entry=entry,
        number=last.number + 1,
        action="update",
        snapshot=last.snapshot,
        content_hash=last.content_hash,
        role="agent",
    )
    _fails(f"{entry.kind} {entry.pk} «{entry.slug}» version {last.number + 1}: changed without")


def test_deleted_record_is_caught(journal: dict[str, Any]) -> None:
    _raw("DELETE FROM journal_record WHERE seq = %s", [3])
    _fails("record #4: expected sequence number 3")


def test_changed_tree_node_is_caught(journal: dict[str, Any]) -> None:
    node = Node.objects.order_by("key")[1]
    _raw("UPDATE journal_node SET hash = %s WHERE key = %s", [b"\x00" * 32, node.key])
    _fails("tree level 1: subtree 1")


def test_changed_checkpoint_is_caught(journal: dict[str, Any]) -> None:
    checkpoint = Checkpoint.objects.order_by("size")[0]
    lines = checkpoint.note.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    _raw(
        "UPDATE journal_checkpoint SET note = %s WHERE id = %s",
        ["\n".join(lines), checkpoint.pk],
    )
    _fails(f"checkpoint {checkpoint.pk} .*: bad signature")


def test_rewritten_history_is_caught_by_checkpoint(journal: dict[str, Any]) -> None:
    """Rewriting a record *and* all the hashes still breaks the signed checkpoint."""
    from region27.journal import merkle
    from region27.journal.services import _store_nodes

    record = Record.objects.get(seq=2)
    leaf = json.loads(record.leaf)
    leaf["role"] = "elu"
    data = json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with maintenance():
        _raw(
            "UPDATE journal_record SET role = 'elu', leaf = %s, leaf_hash = %s WHERE seq = 2",
            [data, merkle.leaf_hash(data.encode())],
        )
        Node.objects.all().delete()
        for seq, h in Record.objects.order_by("seq").values_list("seq", "leaf_hash"):
            _store_nodes(seq, bytes(h))
    from region27.journal.verify import verify

    problems = verify().problems
    assert any(
        re.search(r"checkpoint \d+ \(size \d+\): the records no longer produce its signed root", p)
        for p in problems
    ), problems
    # The stored version still says who acted: the rewritten role is named too.
    assert any("its record 'submit' by 'elu'" in p for p in problems), problems
