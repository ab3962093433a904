"""`region27 journal verify`: recompute everything the journal claims, from the stored data.

1. every record: its leaf is the canonical JSON of its columns, its sequence number
   follows the previous one, its leaf hash is SHA-256(0x00 || leaf);
2. every catalog record against the entry's stored history: the version exists, belongs
   to that entry and number, and SHA-256 of the canonical JSON of its snapshot is the
   record's content hash; every version has its record;
3. every organisation's current public content against its latest record;
4. the stored tree, level by level, from the leaf hashes;
5. every stored checkpoint: its root at its size, its origin, its signature.

Memory stays bounded (records are streamed); the first problem of each check is named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from region27.core.hashing import canonical_json, sha256_hex
from region27.journal import keys, merkle
from region27.journal.models import NODE_LEVEL_SHIFT, Checkpoint, Node, Record, SigningKey
from region27.journal.note import (
    NoteError,
    Verifier,
    parse_checkpoint,
    parse_vkey,
    verify_note,
)
from region27.journal.registry import state_kinds
from region27.journal.services import leaf_of, rfc3339

CHUNK = 5000


@dataclass
class Report:
    records: int = 0
    checkpoints: int = 0
    nodes: int = 0
    problems: list[str] = field(default_factory=list)
    root: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.problems


def _records() -> Iterator[Any]:
    columns = (
        "seq",
        "time",
        "action",
        "kind",
        "object_id",
        "object_version",
        "content_hash",
        "actor",
        "organisation_id",
        "role",
        "leaf",
        "leaf_hash",
        "source_id",
    )
    return Record.objects.order_by("seq").values_list(*columns).iterator(chunk_size=CHUNK)


def _check_versions(batch: list[tuple[int, int, int, int, str]], report: Report) -> None:
    """batch: (seq, source_id, object_id, version, content_hash) of catalog records."""
    from region27.catalog.models import EntryVersion

    found = EntryVersion.objects.in_bulk([b[1] for b in batch])
    for seq, source, object_id, number, content in batch:
        version = found.get(source)
        if version is None:
            report.problems.append(f"record #{seq}: its entry version is missing")
        elif version.entry_id != object_id or version.number != number:
            report.problems.append(f"record #{seq}: points to another entry's version")
        elif sha256_hex(canonical_json(version.snapshot)) != content:
            report.problems.append(
                f"record #{seq}: entry {object_id} version {number} content does not match "
                "its record (the stored snapshot was changed)"
            )
        elif version.content_hash != content:
            report.problems.append(f"record #{seq}: the version's stored hash was changed")


def verify(*, progress: Callable[[str], None] | None = None) -> Report:
    report = Report()
    tree = merkle.CompactRange()
    expected_seq = 0
    batch: list[tuple[int, int, int, int, str]] = []
    states = state_kinds()
    latest: dict[str, dict[int, tuple[int, str, str]]] = {kind: {} for kind in states}
    first_leaf_problem = True
    for row in _records():
        (seq, time, action, kind, object_id, version, content, actor, org, role, leaf,
         leaf_hash, source) = row  # fmt: skip
        problem = ""
        if seq != expected_seq:
            problem = f"record #{seq}: expected sequence number {expected_seq} (gap or reordering)"
        expected = canonical_json(
            leaf_of(
                seq=seq,
                time=rfc3339(time),
                action=action,
                kind=kind,
                object_id=object_id,
                version=version,
                content_hash=content,
                actor=actor,
                organisation_id=org,
                role=role,
            )
        )
        leaf_bytes = str(leaf).encode("utf-8")
        if not problem and leaf_bytes != expected:
            try:
                json.loads(leaf_bytes)
                problem = f"record #{seq}: its leaf does not match its columns (record changed)"
            except ValueError:
                problem = f"record #{seq}: its leaf is not JSON"
        hashed = merkle.leaf_hash(leaf_bytes)
        if not problem and bytes(leaf_hash) != hashed:
            problem = f"record #{seq}: stored leaf hash is not SHA-256(0x00 || leaf)"
        if problem and first_leaf_problem:
            report.problems.append(problem)
            first_leaf_problem = False
        tree.append(hashed)
        if kind in latest:
            latest[kind][object_id] = (seq, content, action)
        elif source is not None:
            batch.append((seq, source, object_id, version, content))
            if len(batch) >= CHUNK:
                _check_versions(batch, report)
                batch = []
        else:
            report.problems.append(f"record #{seq}: no stored history to check it against")
        expected_seq = seq + 1
        report.records += 1
        if progress and report.records % 100_000 == 0:
            progress(f"{report.records} records")
    if batch:
        _check_versions(batch, report)
    report.root = tree.root()
    _check_unrecorded(report)
    _check_states(latest, report)
    _check_nodes(report, progress)
    _check_checkpoints(report)
    return report


def _check_unrecorded(report: Report) -> None:
    from region27.catalog.models import EntryVersion

    recorded = Record.objects.filter(source_id__isnull=False).values("source_id")
    missing = EntryVersion.objects.exclude(pk__in=recorded).order_by("pk").first()
    if missing is not None:
        report.problems.append(
            f"entry {missing.entry_id} version {missing.number}: changed without a record"
        )


def _check_states(latest: dict[str, dict[int, tuple[int, str, str]]], report: Report) -> None:
    """Objects that keep only their current state: each has a record, its latest record
    hashes its current content, and an object gone from the database was deleted on the
    record."""
    for kind, spec in state_kinds().items():
        seen = latest.get(kind, {})
        present: set[int] = set()
        for object_id, content in spec.current():
            present.add(object_id)
            last = seen.get(object_id)
            if last is None:
                report.problems.append(f"{kind} {object_id}: exists without a record")
            elif last[1] != content:
                report.problems.append(
                    f"record #{last[0]}: {kind} {object_id} no longer matches its latest "
                    "record (changed behind the application's back)"
                )
        for object_id, (seq, _content, action) in sorted(seen.items()):
            if object_id not in present and action != "delete":
                report.problems.append(
                    f"record #{seq}: {kind} {object_id} is gone without a deletion record"
                )


def _stream(level: int) -> Iterator[tuple[int, bytes]]:
    if level == 0:
        leaves = Record.objects.order_by("seq").values_list("seq", "leaf_hash")
        for seq, h in leaves.iterator(chunk_size=CHUNK):
            yield seq, bytes(h)
        return
    low, high = level << NODE_LEVEL_SHIFT, (level + 1) << NODE_LEVEL_SHIFT
    mask = (1 << NODE_LEVEL_SHIFT) - 1
    rows = Node.objects.filter(key__gte=low, key__lt=high).order_by("key")
    for key, h in rows.values_list("key", "hash").iterator(chunk_size=CHUNK):
        yield key & mask, bytes(h)


def _check_nodes(report: Report, progress: Callable[[str], None] | None) -> None:
    """Each stored level must be exactly the pairs of the level below."""
    size = report.records
    level = 1
    while (size >> level) > 0:
        count = size >> level
        below = _stream(level - 1)
        stored = _stream(level)
        for index in range(count):
            left, right = next(below, None), next(below, None)
            node = next(stored, None)
            if left is None or right is None or node is None or node[0] != index:
                report.problems.append(f"tree level {level}: subtree {index} is missing")
                return
            if merkle.node_hash(left[1], right[1]) != node[1]:
                first = index << level
                report.problems.append(
                    f"tree level {level}: subtree {index} (records #{first}–"
                    f"#{first + (1 << level) - 1}) does not match its children"
                )
                return
            report.nodes += 1
        if next(stored, None) is not None:
            report.problems.append(f"tree level {level}: more subtrees than records")
            return
        level += 1
    if progress:
        progress(f"{report.nodes} stored subtrees checked")


def _check_checkpoints(report: Report) -> None:
    from region27.journal.services import tree_root

    verifiers: dict[str, Verifier] = {}
    for vkey in SigningKey.objects.values_list("vkey", flat=True):
        try:
            verifier = parse_vkey(vkey)
        except NoteError:
            continue
        verifiers[verifier.key_id.hex()] = verifier
    current = keys.signer().verifier
    verifiers.setdefault(current.key_id.hex(), current)
    origin = keys.origin()
    checkpoints = Checkpoint.objects.order_by("size", "pk")
    for checkpoint in checkpoints.iterator(chunk_size=1000):
        report.checkpoints += 1
        name = f"checkpoint {checkpoint.pk} (size {checkpoint.size})"
        known = verifiers.get(checkpoint.key_id)
        if known is None:
            report.problems.append(f"{name}: signed by an unknown key {checkpoint.key_id}")
            return
        try:
            parsed = parse_checkpoint(verify_note(checkpoint.note, known).text)
        except NoteError as exc:
            report.problems.append(f"{name}: {exc}")
            return
        if parsed.origin != origin:
            report.problems.append(f"{name}: origin {parsed.origin} is not {origin}")
        if parsed.size != checkpoint.size or parsed.root_hash != bytes(checkpoint.root_hash):
            report.problems.append(f"{name}: its columns do not match its signed note")
            return
        if checkpoint.size > report.records:
            report.problems.append(f"{name}: signs more records than the journal holds")
            return
        try:
            root = tree_root(checkpoint.size)
        except LookupError as exc:
            report.problems.append(f"{name}: {exc}")
            return
        if root != parsed.root_hash:
            report.problems.append(f"{name}: the records no longer produce its signed root hash")
            return
