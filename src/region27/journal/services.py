"""Every write to the journal: records, checkpoints, actors, witnessing.

`journal_append` is called by the services that change public content, inside
their transaction, so a change and its record commit or roll back together.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from region27.core.hashing import canonical_json, sha256_hex
from region27.journal import keys, merkle
from region27.journal.models import (
    NODE_LEVEL_SHIFT,
    Actor,
    Checkpoint,
    Cosignature,
    Node,
    Peer,
    Record,
    SealedAuthorship,
    SigningKey,
)
from region27.journal.note import (
    NoteError,
    Verifier,
    parse_checkpoint,
    parse_vkey,
    verify_cosignature,
    verify_note,
)
from region27.journal.registry import HOOKS

ACTOR_SYSTEM = "system"
ACTOR_ANONYMOUS = "anonymous"
LOCK_KEY = 27_2700_03  # PostgreSQL advisory lock serialising appends


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_of(
    *,
    seq: int,
    time: str,
    action: str,
    kind: str,
    object_id: int,
    version: int,
    content_hash: str,
    actor: str,
    organisation_id: int | None,
    role: str,
    commitment: str | None = None,
) -> dict[str, Any]:
    """The leaf, exactly: no names, no e-mail, only references. A sealed leaf (an
    organisation that chose not to be named) carries `organisation: null` and an
    `organisation_commitment` instead (leaves without one keep their former shape)."""
    leaf = {
        "seq": seq,
        "time": time,
        "action": action,
        "kind": kind,
        "object": object_id,
        "version": version,
        "content": content_hash,
        "actor": actor,
        "organisation": organisation_id,
        "role": role,
    }
    if commitment is not None:
        leaf["organisation_commitment"] = commitment
    return leaf


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def node_key(level: int, index: int) -> int:
    return (level << NODE_LEVEL_SHIFT) | index


def fetch_nodes(
    wanted: set[tuple[int, int]] | list[tuple[int, int]],
) -> dict[tuple[int, int], bytes]:
    """Stored subtree hashes (level 0 = leaf hashes of records)."""
    found: dict[tuple[int, int], bytes] = {}
    leaves = [i for level, i in wanted if level == 0]
    nodes = [node_key(level, i) for level, i in wanted if level > 0]
    for start in range(0, len(leaves), 500):
        for seq, h in Record.objects.filter(seq__in=leaves[start : start + 500]).values_list(
            "seq", "leaf_hash"
        ):
            found[(0, seq)] = bytes(h)
    mask = (1 << NODE_LEVEL_SHIFT) - 1
    for start in range(0, len(nodes), 500):
        for key, h in Node.objects.filter(key__in=nodes[start : start + 500]).values_list(
            "key", "hash"
        ):
            found[(key >> NODE_LEVEL_SHIFT, key & mask)] = bytes(h)
    return found


def _sibling_keys(index: int) -> list[tuple[int, int]]:
    keys_: list[tuple[int, int]] = []
    level = 0
    while index & 1:
        keys_.append((level, index - 1))
        index >>= 1
        level += 1
    return keys_


def _store_nodes(seq: int, leaf: bytes) -> None:
    """Store the subtrees that record `seq` completes (amortised: 1 per record). The left
    siblings are read with one plain query (this runs on every append)."""
    siblings = _sibling_keys(seq)
    if not siblings:
        return
    known: dict[tuple[int, int], bytes] = {}
    leaf_seqs = [i for level, i in siblings if level == 0]
    node_keys = [node_key(level, i) for level, i in siblings if level > 0]
    mask = (1 << NODE_LEVEL_SHIFT) - 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, leaf_hash FROM {Record._meta.db_table} WHERE seq = %s",  # noqa: S608
            leaf_seqs,
        )
        for found_seq, h in cursor.fetchall():
            known[(0, found_seq)] = bytes(h)
        if node_keys:
            marks = ", ".join(["%s"] * len(node_keys))
            cursor.execute(
                f"SELECT key, hash FROM {Node._meta.db_table} WHERE key IN ({marks})",  # noqa: S608
                node_keys,
            )
            for key, h in cursor.fetchall():
                known[(key >> NODE_LEVEL_SHIFT, key & mask)] = bytes(h)
    h, new = leaf, []
    for level, sibling in enumerate(siblings, 1):
        h = merkle.node_hash(known[sibling], h)
        new.append(Node(key=node_key(level, seq >> level), hash=h))
    Node.objects.bulk_create(new)


def _next_seq() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(seq) FROM {Record._meta.db_table}")  # noqa: S608
        row = cursor.fetchone()
    return 0 if row is None or row[0] is None else int(row[0]) + 1


def actor_ref(by: Any) -> str:
    """The opaque reference of the acting person (created on first use)."""
    if by is None:
        return ACTOR_SYSTEM
    if not getattr(by, "is_authenticated", False):
        return ACTOR_ANONYMOUS
    cached = getattr(by, "_region27_actor_ref", None)
    if cached:
        return str(cached)
    ref = Actor.objects.filter(user=by).values_list("ref", flat=True).first()
    if ref:
        # Actor rows are never deleted (erasure only unlinks the account), so the
        # reference can stay on the user object for the rest of the request.
        by._region27_actor_ref = ref
        return ref
    ref = secrets.token_hex(8)
    Actor.objects.create(ref=ref, user=by, pseudonym=f"Participant·e {ref[:6].upper()}")
    return ref


def commitment_of(organisation_id: int, nonce: bytes) -> str:
    """SHA-256(organisation id as 8 bytes big-endian ‖ 32-byte nonce), in hex."""
    return hashlib.sha256(organisation_id.to_bytes(8, "big") + nonce).hexdigest()


def seal_content(content_hash: str, nonce: bytes) -> str:
    """The content hash a sealed leaf carries: SHA-256(nonce ‖ content hash bytes). Without
    the nonce nobody can test a guessed organisation against the public snapshot."""
    return hashlib.sha256(nonce + bytes.fromhex(content_hash)).hexdigest()


def _sealed_authorship(*, kind: str, object_id: int, organisation_id: int) -> SealedAuthorship:
    """The object's private commitment (created on its first sealed record): a random
    nonce, the commitment it opens, and the pseudonym its sealed leaves name as actor."""
    found = SealedAuthorship.objects.filter(
        kind=kind, object_id=object_id, organisation_id=organisation_id
    ).first()
    if found is not None:
        return found
    nonce = secrets.token_bytes(32)
    ref = "anon-" + secrets.token_hex(8)
    Actor.objects.create(ref=ref, user=None, pseudonym=f"Auteur anonyme {ref[5:11].upper()}")
    return SealedAuthorship.objects.create(
        kind=kind,
        object_id=object_id,
        organisation_id=organisation_id,
        nonce=nonce,
        commitment=commitment_of(organisation_id, nonce),
        actor_ref=ref,
    )


@transaction.atomic
def journal_append(
    *,
    action: str,
    kind: str,
    object_id: int,
    version: int | None,
    content_hash: str,
    by: Any,
    organisation_id: int | None,
    role: str,
    at: dt.datetime | None = None,
    source_id: int | None = None,
    sealed: bool = False,
) -> Record:
    """Append one record (a Merkle leaf) and the subtrees it completes.

    `version=None`: the object's number of records so far, plus one, counted under the
    append lock (two concurrent changes of one object never get the same number).

    `sealed=True` (an organisation that chose not to be named): the leaf and the record
    carry no organisation id, the actor is the object's own pseudonym (not the person's
    reference, which their other leaves share), the organisation is replaced by a
    commitment its admins can open (`authorship_opening`), and the content hash is
    keyed with the same nonce."""
    _lock()
    seq = _next_seq()
    if version is None:
        version = Record.objects.filter(kind=kind, object_id=object_id).count() + 1
    moment = at or timezone.now()
    stamp = rfc3339(moment)
    commitment = None
    if sealed and organisation_id is not None:
        authorship = _sealed_authorship(
            kind=kind, object_id=object_id, organisation_id=organisation_id
        )
        ref, commitment = authorship.actor_ref, authorship.commitment
        content_hash = seal_content(content_hash, bytes(authorship.nonce))
        organisation_id = None
    else:
        ref = actor_ref(by)
    leaf = leaf_of(
        seq=seq,
        time=stamp,
        action=action,
        kind=kind,
        object_id=object_id,
        version=version,
        content_hash=content_hash,
        actor=ref,
        organisation_id=organisation_id,
        role=role,
        commitment=commitment,
    )
    data = canonical_json(leaf)
    hashed = merkle.leaf_hash(data)
    record = Record.objects.create(
        seq=seq,
        time=moment,
        action=action,
        kind=kind,
        object_id=object_id,
        object_version=version,
        content_hash=content_hash,
        actor=ref,
        organisation_id=organisation_id,
        organisation_commitment=commitment,
        role=role,
        leaf=data.decode("utf-8"),
        leaf_hash=hashed,
        source_id=source_id,
    )
    _store_nodes(seq, hashed)
    return record


def journal_record_version(*, version: Any, by: Any) -> Record:
    """The record of a stored version (a catalog entry's `EntryVersion`, called from
    `catalog.services`): the app that registered `HOOKS.version_facts` says what the
    record holds, including whether its organisation is sealed."""
    if HOOKS.version_facts is None:
        raise RuntimeError("no app registered how to record a stored version")
    facts = HOOKS.version_facts(version)
    return journal_append(
        action=facts.action,
        kind=facts.kind,
        object_id=facts.object_id,
        version=facts.number,
        content_hash=facts.content_hash,
        by=by,
        organisation_id=facts.organisation_id,
        role=facts.role,
        at=facts.at,
        source_id=facts.source_id,
        sealed=facts.sealed,
    )


def journal_record_state(
    *,
    kind: str,
    object_id: int,
    content: dict[str, Any],
    action: str,
    by: Any,
    organisation_id: int | None,
    role: str = "",
) -> Record:
    """The record of a public object that keeps only its current state (organisation,
    indicator, evaluation): its version is the number of its records so far."""
    if not role:
        if by is None:
            role = ACTOR_SYSTEM
        elif not getattr(by, "is_authenticated", False):
            role = ACTOR_ANONYMOUS
        else:
            role = str(HOOKS.actor_role(by))
    return journal_append(
        action=action,
        kind=kind,
        object_id=object_id,
        version=None,
        content_hash=sha256_hex(canonical_json(content)),
        by=by,
        organisation_id=organisation_id,
        role=role,
    )


# Checkpoints ------------------------------------------------------------------


def tree_size() -> int:
    return _next_seq()


def compute(fn: Callable[[merkle.Getter], Any]) -> Any:
    """Run a Merkle computation over the stored tree, reading its nodes in one go."""
    values = fetch_nodes(merkle.needed_nodes(fn))

    def get(level: int, index: int) -> bytes:
        try:
            return values[(level, index)]
        except KeyError:
            raise LookupError(f"stored tree lacks subtree {level}/{index}") from None

    return fn(get)


def tree_root(size: int) -> bytes:
    return bytes(compute(lambda get: merkle.root(get, size)))


@transaction.atomic
def checkpoint_sign(*, force: bool = False) -> Checkpoint:
    """Sign the current tree (unless the latest checkpoint already covers it)."""
    _lock()
    signer = keys.signer()
    size = tree_size()
    latest = Checkpoint.objects.order_by("-size", "-pk").first()
    kid = signer.verifier.key_id.hex()
    if latest is not None and latest.size == size and latest.key_id == kid and not force:
        return latest
    root_hash = tree_root(size)
    body = f"{keys.origin()}\n{size}\n{base64.b64encode(root_hash).decode()}\n"
    SigningKey.objects.get_or_create(vkey=signer.verifier.vkey, defaults={"key_id": kid})
    return Checkpoint.objects.create(
        size=size, root_hash=root_hash, note=signer.sign_note(body), key_id=kid
    )


def checkpoint_latest() -> Checkpoint:
    """The checkpoint to publish: a new one is signed when the tree has grown, at most
    every `REGION27_JOURNAL_CHECKPOINT_INTERVAL` seconds (0, the default: on every change)."""
    latest = Checkpoint.objects.order_by("-size", "-pk").first()
    interval = int(getattr(settings, "REGION27_JOURNAL_CHECKPOINT_INTERVAL", 0) or 0)
    if latest is not None:
        if latest.key_id != keys.signer().verifier.key_id.hex():
            return checkpoint_sign()
        if latest.size == tree_size():
            return latest
        if interval and (timezone.now() - latest.created_at).total_seconds() < interval:
            return latest
    return checkpoint_sign()


# Witnessing --------------------------------------------------------------------


class WitnessError(Exception):
    """The peer's checkpoint cannot be cosigned; `fork` when its history changed."""

    def __init__(self, message: str, *, fork: bool = False) -> None:
        super().__init__(message)
        self.fork = fork


def http_get(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise OSError(f"not an http(s) address: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "region27-witness"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        return str(response.read().decode("utf-8"))


@dataclass
class WitnessResult:
    peer: Peer
    size: int
    previous_size: int
    cosignature: str
    received: int


def _peer_fork(peer: Peer, note: str, message: str) -> None:
    Peer.objects.filter(pk=peer.pk).update(
        fork_detected=True,
        fork_evidence=f"{message}\n\n--- déjà vu ---\n{peer.note}\n--- reçu ---\n{note}",
        checked_at=timezone.now(),
    )
    raise WitnessError(message, fork=True)


def witness(*, url: str, fetch: Callable[[str], str] = http_get, vkey: str = "") -> WitnessResult:
    """Fetch another instance's checkpoint, check it extends the last one seen from it,
    cosign it, and collect the cosignatures that instance made on our own checkpoints."""
    base = url.rstrip("/")
    peer = Peer.objects.filter(url=base).first()
    try:
        verifier = parse_vkey(vkey or (peer.vkey if peer else fetch(f"{base}/journal/key")))
        note = fetch(f"{base}/journal/checkpoint")
        parsed = verify_note(note, verifier)
        checkpoint = parse_checkpoint(parsed.text)
    except (NoteError, OSError, ValueError) as exc:
        raise WitnessError(f"{base}: {exc}") from exc
    if peer is None:
        peer = Peer.objects.create(url=base, origin=checkpoint.origin, vkey=verifier.vkey)
    if peer.fork_detected:
        raise WitnessError(f"{base}: fork already detected, not cosigning", fork=True)
    if checkpoint.origin != peer.origin:
        raise WitnessError(f"{base}: origin changed from {peer.origin} to {checkpoint.origin}")
    old_size, old_root = peer.size, bytes(peer.root_hash)
    if checkpoint.size < old_size:
        _peer_fork(peer, note, f"tree shrank from {old_size} to {checkpoint.size}")
    if checkpoint.size == old_size and old_size and checkpoint.root_hash != old_root:
        _peer_fork(peer, note, f"two different roots at size {old_size}")
    if old_size and checkpoint.size > old_size:
        try:
            answer = json.loads(
                fetch(f"{base}/journal/proof/consistency?from={old_size}&to={checkpoint.size}")
            )
            proof = [base64.b64decode(h) for h in answer["hashes"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WitnessError(f"{base}: no consistency proof ({exc})") from exc
        if not merkle.verify_consistency(
            old_size, checkpoint.size, proof, old_root, checkpoint.root_hash
        ):
            _peer_fork(
                peer, note, f"checkpoint {checkpoint.size} does not extend checkpoint {old_size}"
            )
    me = keys.signer()
    stamp = int(time.time())
    line = me.cosign(parsed.text, stamp)
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(
            size=checkpoint.size,
            root_hash=checkpoint.root_hash,
            note=note,
            checked_at=timezone.now(),
        )
        Cosignature.objects.update_or_create(
            direction=Cosignature.MADE,
            origin=checkpoint.origin,
            size=checkpoint.size,
            witness=me.name,
            defaults={
                "root_hash": checkpoint.root_hash,
                "witness_vkey": me.witness_verifier.vkey,
                "timestamp": stamp,
                "signature_line": line,
            },
        )
    received = collect_cosignatures(base=base, peer_verifier=verifier, fetch=fetch)
    peer.refresh_from_db()
    return WitnessResult(peer, checkpoint.size, old_size, line, received)


def collect_cosignatures(
    *, base: str, peer_verifier: Verifier, fetch: Callable[[str], str] = http_get
) -> int:
    """Keep the peer's cosignatures of our own checkpoints that verify (its witness key
    is its journal key used as a cosignature/v1 key)."""
    witness_key = Verifier(peer_verifier.name, peer_verifier.public, 0x04)
    try:
        made = json.loads(fetch(f"{base}/journal/cosignatures"))["made"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    mine = keys.origin()
    count = 0
    for item in made:
        if not isinstance(item, dict) or item.get("origin") != mine:
            continue
        try:
            size = int(item["size"])
        except (KeyError, TypeError, ValueError):
            continue
        for checkpoint in Checkpoint.objects.filter(size=size):
            body = checkpoint.note.partition("\n\n")[0] + "\n"
            try:
                stamp = verify_cosignature(body, str(item.get("line", "")), witness_key)
            except NoteError:
                continue
            Cosignature.objects.update_or_create(
                direction=Cosignature.RECEIVED,
                origin=mine,
                size=size,
                witness=witness_key.name,
                defaults={
                    "root_hash": bytes(checkpoint.root_hash),
                    "witness_vkey": witness_key.vkey,
                    "timestamp": stamp,
                    "signature_line": str(item["line"]),
                },
            )
            count += 1
            break
    return count
