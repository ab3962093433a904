"""`region27 journal verify`: recompute everything the journal claims, from the stored data.

1. every record: its leaf is the canonical JSON of its columns, its sequence number
   follows the previous one, its leaf hash is SHA-256(0x00 || leaf); a sealed record's
   commitment opens with its private nonce;
2. every record of a kind with stored versions (catalog entries) against that version:
   the version exists, belongs to that object and number, and SHA-256 of the canonical
   JSON of its snapshot is the record's content hash; every version has its record;
3. every journaled object of every registered kind (`journal.registry`): its current
   state, rebuilt from the database, is what its latest record says; an object without
   a record, or gone without a deletion record, is named;
4. the stored tree, level by level, from the leaf hashes;
5. every stored checkpoint: its root at its size, its origin, its signature;
6. with `files=True`, every stored file a kind registers is re-hashed against the
   SHA-256 its public content records.

Memory stays bounded by the number of objects (records are streamed); each difference
names the kind, the object (id and slug or name), the record and both hashes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from region27.core.files import sha256_of
from region27.core.hashing import canonical_json
from region27.journal import keys, merkle, note
from region27.journal.models import (
    NODE_LEVEL_SHIFT,
    Checkpoint,
    Node,
    Record,
    SealedAuthorship,
    SigningKey,
)
from region27.journal.registry import JournaledKind, journaled_kinds
from region27.journal.services import commitment_of, leaf_of, rfc3339, seal_content

CHUNK = 5000
# Per object: (seq, content hash, action, commitment, source_id) of its latest record.
Latest = tuple[int, str, str, str | None, int | None]


@dataclass
class Report:
    records: int = 0
    checkpoints: int = 0
    nodes: int = 0
    objects: int = 0
    files: int = 0
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
        "organisation_commitment",
    )
    return Record.objects.order_by("seq").values_list(*columns).iterator(chunk_size=CHUNK)


def _nonces() -> dict[str, tuple[bytes, int, str, int]]:
    """commitment -> (nonce, organisation id, kind, object id), of the sealed objects."""
    rows = SealedAuthorship.objects.values_list(
        "commitment", "nonce", "organisation_id", "kind", "object_id"
    )
    return {
        commitment: (bytes(nonce), organisation_id, kind, object_id)
        for commitment, nonce, organisation_id, kind, object_id in rows
    }


def _short(content: str) -> str:
    return content[:16] + "…"


def _expected(content: str, commitment: str | None, nonces: dict[str, Any]) -> str | None:
    """The content hash a record must carry for this plain hash (keyed when sealed);
    None when the record is sealed and its opening is gone."""
    if commitment is None:
        return content
    opening = nonces.get(commitment)
    return None if opening is None else seal_content(content, opening[0])


def _check_versions(
    spec: JournaledKind,
    batch: list[tuple[int, int, int, int, str, str | None, str, str]],
    nonces: dict[str, Any],
    report: Report,
) -> None:
    """batch: (seq, source_id, object_id, version, content_hash, commitment, action, role)
    of one kind's records."""
    assert spec.versions is not None
    found = spec.versions([b[1] for b in batch])
    for seq, source, object_id, number, content, commitment, action, role in batch:
        version = found.get(source)
        name = f"record #{seq} ({spec.kind} {object_id} version {number})"
        if version is None:
            report.problems.append(f"{name}: its stored version is missing")
            continue
        owner, stored_number, snapshot_hash, stored_hash, stored_action, stored_role = version
        if owner != object_id or stored_number != number:
            report.problems.append(f"{name}: points to another object's version")
        elif _expected(snapshot_hash, commitment, nonces) != content:
            report.problems.append(
                f"{name}: the stored snapshot hashes to {_short(snapshot_hash)}, not to what "
                "the record says (the stored snapshot was changed)"
            )
        elif stored_hash != snapshot_hash:
            report.problems.append(f"{name}: the version's stored hash was changed")
        elif (stored_action, stored_role) != (action, role):
            report.problems.append(
                f"{name}: the version says {stored_action!r} by {stored_role!r}, its record "
                f"{action!r} by {role!r} (the version's action or role was changed)"
            )


def verify(*, progress: Callable[[str], None] | None = None, files: bool = False) -> Report:
    report = Report()
    tree = merkle.CompactRange()
    expected_seq = 0
    kinds = journaled_kinds()
    nonces = _nonces()
    batches: dict[str, list[tuple[int, int, int, int, str, str | None, str, str]]] = {}
    latest: dict[str, dict[int, Latest]] = {}
    first_leaf_problem = True
    for row in _records():
        (seq, time, action, kind, object_id, version, content, actor, org, role, leaf,
         leaf_hash, source, commitment) = row  # fmt: skip
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
                commitment=commitment,
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
        if commitment is not None:
            _check_opening(seq, kind, object_id, commitment, nonces, report)
        tree.append(hashed)
        latest.setdefault(kind, {})[object_id] = (seq, content, action, commitment, source)
        spec = kinds.get(kind)
        if spec is not None and spec.history:
            if source is None:
                report.problems.append(f"record #{seq}: no stored history to check it against")
            else:
                batch = batches.setdefault(kind, [])
                batch.append((seq, source, object_id, version, content, commitment, action, role))
                if len(batch) >= CHUNK:
                    _check_versions(spec, batch, nonces, report)
                    batches[kind] = []
        elif spec is None:
            report.problems.append(f"record #{seq}: kind {kind!r} is not journaled any more")
        expected_seq = seq + 1
        report.records += 1
        if progress and report.records % 100_000 == 0:
            progress(f"{report.records} records")
    for kind, batch in batches.items():
        if batch:
            _check_versions(kinds[kind], batch, nonces, report)
    report.root = tree.root()
    _check_unrecorded(kinds, report)
    _check_states(kinds, latest, nonces, report)
    if files:
        _check_files(kinds, report)
    _check_nodes(report, progress)
    _check_checkpoints(report)
    return report


def _check_opening(
    seq: int, kind: str, object_id: int, commitment: str, nonces: dict[str, Any], report: Report
) -> None:
    opening = nonces.get(commitment)
    if opening is None:
        report.problems.append(
            f"record #{seq}: {kind} {object_id}: its sealed organisation cannot be opened "
            "(the private opening is gone)"
        )
        return
    nonce, organisation_id, sealed_kind, sealed_object = opening
    if commitment_of(organisation_id, nonce) != commitment or (sealed_kind, sealed_object) != (
        kind,
        object_id,
    ):
        report.problems.append(
            f"record #{seq}: {kind} {object_id}: the private opening of its commitment was changed"
        )


def _check_unrecorded(kinds: dict[str, JournaledKind], report: Report) -> None:
    """Every stored version of every kind with history has a record."""
    recorded = Record.objects.filter(source_id__isnull=False).values("source_id")
    done: set[int] = set()
    for spec in kinds.values():
        if spec.unrecorded is None or id(spec.unrecorded) in done:
            continue
        done.add(id(spec.unrecorded))
        report.problems.extend(spec.unrecorded(recorded))


def _check_states(
    kinds: dict[str, JournaledKind],
    latest: dict[str, dict[int, Latest]],
    nonces: dict[str, Any],
    report: Report,
) -> None:
    """Each object of each journaled kind: it has a record, its latest record carries
    the hash of its current state (keyed when sealed), and an object gone from the
    database was deleted on the record."""
    for kind, spec in kinds.items():
        seen = latest.get(kind, {})
        present: set[int] = set()
        for state in spec.states():
            report.objects += 1
            present.add(state.object_id)
            name = f"{kind} {state.object_id} «{state.name}»"
            last = seen.get(state.object_id)
            if last is None:
                report.problems.append(f"{name}: exists without a record")
                continue
            seq, content, _action, commitment, source = last
            expected = _expected(state.content, commitment, nonces)
            if expected == content:
                continue
            fields = None
            if spec.differences is not None:
                fields = spec.differences(state.object_id, source)
                if fields == []:
                    continue  # only renamed references (a kit item's new slug)
            detail = f"; fields that differ: {', '.join(fields)}" if fields else ""
            report.problems.append(
                f"{name}: no longer matches its latest record #{seq} (changed behind the "
                f"application's back): the record says {_short(content)}, the database "
                f"gives {_short(expected or state.content)}{detail}"
            )
        for object_id, (seq, _content, action, _c, _s) in sorted(seen.items()):
            if object_id not in present and action != "delete":
                report.problems.append(
                    f"{kind} {object_id}: gone from the database without a deletion record "
                    f"(latest record #{seq})"
                )


def _check_files(kinds: dict[str, JournaledKind], report: Report) -> None:
    """Re-hash every stored file against the SHA-256 its object's public content records."""
    done: set[int] = set()
    for spec in kinds.values():
        if spec.files is None or id(spec.files) in done:
            continue
        done.add(id(spec.files))
        for stored in spec.files():
            report.files += 1
            name = f"{stored.kind} {stored.object_id} file «{stored.name}» ({stored.path})"
            try:
                with stored.storage.open(stored.path, "rb") as handle:
                    found = sha256_of(handle)
            except OSError:
                report.problems.append(f"{name}: missing from storage")
                continue
            if found != stored.checksum:
                report.problems.append(
                    f"{name}: its content hashes to {_short(found)}, the record says "
                    f"{_short(stored.checksum)} (file replaced on disk)"
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

    verifiers: dict[str, note.Verifier] = {}
    for vkey in SigningKey.objects.values_list("vkey", flat=True):
        try:
            verifier = note.parse_vkey(vkey)
        except note.NoteError:
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
            parsed = note.parse_checkpoint(note.verify_note(checkpoint.note, known).text)
        except note.NoteError as exc:
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
