"""Every read of the journal. The journal is public: the acting user only matters for
what the pages link to, never for what the log shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from region27.journal import merkle
from region27.journal.models import Actor, Checkpoint, Cosignature, Peer, Record
from region27.journal.registry import state_kinds
from region27.journal.services import (
    ACTOR_ANONYMOUS,
    ACTOR_SYSTEM,
    ORGANISATION_KIND,
    compute,
    tree_root,
    tree_size,
)

MAX_ENTRIES = 1000

__all__ = [
    "MAX_ENTRIES",
    "ProofError",
    "actor_labels",
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
        from region27.accounts.models import Organisation
        from region27.catalog.models import Entry

        entry_ids = Entry.objects.filter(territories=territory).values("pk")
        org_ids = Organisation.objects.filter(territory=territory).values("pk")
        records = records.filter(object_id__in=entry_ids).exclude(kind__in=list(state_kinds())) | (
            records.filter(kind=ORGANISATION_KIND, object_id__in=org_ids)
        )
    if since is not None:
        records = records.filter(time__date__gte=since)
    if until is not None:
        records = records.filter(time__date__lte=until)
    return records


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
    from region27.accounts.models import Role

    labels = {
        **{value: str(label) for value, label in Role.choices},
        ACTOR_SYSTEM: gettext("Plateforme"),
        ACTOR_ANONYMOUS: gettext("Anonyme"),
        "habitant": gettext("Habitant"),
    }
    return labels.get(role, role)


def actor_labels(*, refs: set[str], roles: dict[str, str] | None = None) -> dict[str, str]:
    """What the pages show for each actor reference: the display name of people acting
    for an organisation (agents, élus, admins), a pseudonym for habitants."""
    labels = {ACTOR_SYSTEM: gettext("Plateforme"), ACTOR_ANONYMOUS: gettext("Anonyme")}
    for actor in Actor.objects.filter(ref__in=refs).select_related("user"):
        public_role = (roles or {}).get(actor.ref) in ("agent", "elu", "admin")
        name = actor.user.display_name if actor.user is not None else ""
        labels[actor.ref] = name if public_role and name else actor.pseudonym
    return labels


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size", "-pk").first()


def cosignatures(*, direction: str) -> QuerySet[Cosignature]:
    return Cosignature.objects.filter(direction=direction).order_by("-size", "-pk")


def peers() -> QuerySet[Peer]:
    return Peer.objects.order_by("origin")
