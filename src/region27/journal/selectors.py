"""Every read of the journal. The journal is public: the acting user only matters for
what the pages link to, never for what the log shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from region27.journal import merkle
from region27.journal.models import Actor, Cosignature, Peer, Record, SealedAuthorship
from region27.journal.registry import HOOKS, journaled_kinds
from region27.journal.services import (
    ACTOR_ANONYMOUS,
    ACTOR_SYSTEM,
    compute,
    tree_root,
    tree_size,
)

MAX_ENTRIES = 1000

__all__ = [
    "MAX_ENTRIES",
    "ProofError",
    "actor_labels",
    "authorship_opening",
    "consistency",
    "cosignatures",
    "entries",
    "inclusion",
    "peers",
    "record_list",
    "records_for_entry",
    "records_for_object",
    "tree_root",
    "tree_size",
]


class ProofError(ValueError):
    """A request the tree cannot answer (the message says why, in English, for programs)."""


def _size_or_current(size: int | None) -> int:
    current = tree_size()
    if size is None:
        return current
    if size > current:
        raise ProofError(f"size {size} is larger than the tree ({current} records)")
    return size


def entries(*, start: int, end: int) -> list[str]:
    """The leaves [start, end) as canonical JSON strings (at most MAX_ENTRIES)."""
    size = tree_size()
    if start < 0 or end <= start:
        raise ProofError("need 0 <= start < end")
    if start >= size:
        raise ProofError(f"start {start} is beyond the tree ({size} records)")
    end = min(end, size, start + MAX_ENTRIES)
    rows = Record.objects.filter(seq__gte=start, seq__lt=end).order_by("seq")
    return list(rows.values_list("leaf", flat=True))


def inclusion(*, index: int, size: int) -> dict[str, Any]:
    size = _size_or_current(size)
    if not 0 <= index < size:
        raise ProofError(f"index must be in [0, {size})")
    path, root, leaf = compute(
        lambda get: (
            merkle.inclusion_path(get, index, size),
            merkle.root(get, size),
            get(0, index),
        )
    )
    return {"index": index, "size": size, "leaf_hash": leaf, "hashes": path, "root": root}


def consistency(*, first: int, second: int) -> dict[str, Any]:
    second = _size_or_current(second)
    if not 0 < first <= second:
        raise ProofError(f"need 0 < from <= to <= {second}")
    proof, first_root, second_root = compute(
        lambda get: (
            merkle.consistency_proof(get, first, second),
            merkle.root(get, first),
            merkle.root(get, second),
        )
    )
    return {
        "from": first,
        "to": second,
        "hashes": proof,
        "first_root": first_root,
        "second_root": second_root,
    }


def record_list(
    *,
    user: Any = None,
    organisation: int | None = None,
    territory: Any = None,
    kind: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Record]:
    records = Record.objects.defer("leaf").order_by("-seq")
    if organisation is not None:
        records = records.filter(organisation_id=organisation)
    if kind:
        records = records.filter(kind=kind)
    if action:
        records = records.filter(action=action)
    if territory is not None:
        records = records.filter(_in_territory(territory))
    if since is not None:
        records = records.filter(time__date__gte=since)
    if until is not None:
        records = records.filter(time__date__lte=until)
    return records


def _in_territory(territory: Any) -> Q:
    """Records of the objects each kind places in the territory (kinds sharing one
    answer, like the catalog's entry kinds, share one subquery). Sealed records never
    match: their territory could name their organisation."""
    groups: dict[int, tuple[Any, list[str]]] = {}
    for kind, spec in journaled_kinds().items():
        if spec.in_territory is not None:
            groups.setdefault(id(spec.in_territory), (spec.in_territory, []))[1].append(kind)
    match = Q(pk__in=[])
    for ids_in, kinds in groups.values():
        match |= Q(kind__in=kinds, object_id__in=ids_in(territory))
    return match & Q(organisation_commitment__isnull=True)


def records_for_object(*, kind: str, object_id: int) -> list[Record]:
    """The records of an object that keeps only its current state (organisation,
    indicator, evaluation), oldest first: its history on the public journal."""
    return list(Record.objects.defer("leaf").filter(kind=kind, object_id=object_id).order_by("seq"))


def records_for_entry(*, entry: Any) -> dict[int, Record]:
    """The record of each version of an entry, by version number."""
    rows = Record.objects.defer("leaf").filter(
        kind=entry.kind, object_id=entry.pk, source_id__isnull=False
    )
    return {r.object_version: r for r in rows}


def role_label(role: str) -> str:
    """The French label of a record's role (`elu` → « Élu », `system` → « Plateforme »)."""
    labels = {
        **{value: str(label) for value, label in HOOKS.role_labels().items()},
        ACTOR_SYSTEM: gettext("Plateforme"),
        ACTOR_ANONYMOUS: gettext("Anonyme"),
    }
    return labels.get(role, role)


def actor_labels(*, refs: set[str], roles: dict[str, str] | None = None) -> dict[str, str]:
    """What the pages show for each actor reference: the display name of people acting
    for an organisation (agents, élus, admins), a pseudonym for habitants."""
    labels = {ACTOR_SYSTEM: gettext("La plateforme"), ACTOR_ANONYMOUS: gettext("Anonyme")}
    for actor in Actor.objects.filter(ref__in=refs).select_related("user"):
        public_role = (roles or {}).get(actor.ref) in HOOKS.public_roles
        name = actor.user.display_name if actor.user is not None else ""
        labels[actor.ref] = name if public_role and name else actor.pseudonym
    return labels


def cosignatures(*, direction: str) -> QuerySet[Cosignature]:
    return Cosignature.objects.filter(direction=direction).order_by("-size", "-pk")


def peers() -> QuerySet[Peer]:
    return Peer.objects.order_by("origin")


@dataclass(frozen=True)
class Opening:
    """What proves that an organisation wrote the sealed records of an object."""

    kind: str
    object_id: int
    organisation_id: int
    organisation_name: str
    nonce_hex: str
    commitment: str
    seqs: list[int]


def authorship_opening(*, user: Any, commitment: str) -> Opening | None:
    """The opening of a sealed commitment, for the admins of the organisation it names
    (None for anyone else, or when there is no such commitment)."""
    found = SealedAuthorship.objects.filter(commitment=commitment).first()
    if found is None or not HOOKS.may_open(user, found.organisation_id):
        return None
    seqs = Record.objects.filter(organisation_commitment=commitment).order_by("seq")
    return Opening(
        kind=found.kind,
        object_id=found.object_id,
        organisation_id=found.organisation_id,
        organisation_name=HOOKS.organisation_name(found.organisation_id),
        nonce_hex=bytes(found.nonce).hex(),
        commitment=found.commitment,
        seqs=list(seqs.values_list("seq", flat=True)),
    )
