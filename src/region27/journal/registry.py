"""What the journal records, learnt from the apps that own it.

`journal/` imports no other region27 app (only `core`): each app registers, from its
`AppConfig.ready()` (in its `journaled.py`), the kinds of public objects it journals
and how to build their canonical state, and declares the models it does not journal
with a reason. `journal verify` checks every registered kind; `tests/test_architecture.py`
fails when a region27 model is neither part of a journaled kind nor declared.

A journaled kind says:

- `states()`: the current state of every existing object (its id, the SHA-256 its
  latest record must carry, a name for messages), recomputed from the database;
- `history`: True when each record points at a stored version of the object
  (`Record.source_id`, catalog entries' `EntryVersion`): `verify` then also checks each
  record against that version (`versions`), and `differences` names the top-level
  fields that differ between the current state and a stored version;
- `visible(user, ids)`: the objects a user may see among these ids (for the journal's
  pages), each with a `title` or `name` and `get_absolute_url()` when it has a page;
- `in_territory(territory)`: the ids of the objects the journal's territory filter
  selects (objects that would name a hidden organisation are left out);
- `files()`: the stored files of these objects with their recorded SHA-256
  (`journal verify --files` re-hashes them);
- `models`: the models whose rows make up these objects' public content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.functional import Promise


class ObjectState(NamedTuple):
    """One object's current state: `content` is the SHA-256 (hex) its latest record must
    carry (before sealing, see `journal.services.seal_content`)."""

    object_id: int
    content: str
    name: str


class StoredFile(NamedTuple):
    """A stored file of a journaled object and the SHA-256 its public content records."""

    kind: str
    object_id: int
    name: str
    storage: Any
    path: str
    checksum: str


class VersionFacts(NamedTuple):
    """What the journal needs of a stored version to record it (`journal_record_version`)."""

    kind: str
    object_id: int
    number: int
    action: str
    content_hash: str
    role: str
    at: Any
    source_id: int
    organisation_id: int | None
    # The organisation chose not to be named: the leaf carries a commitment instead.
    sealed: bool = False


class LeafOrganisation(NamedTuple):
    """How a record names its organisation: plainly, or sealed behind a commitment."""

    organisation_id: int | None
    sealed: bool = False


@dataclass(frozen=True)
class JournaledKind:
    kind: str
    label: str | Promise
    states: Callable[[], Iterable[ObjectState]]
    models: tuple[str, ...] = ()
    visible: Callable[[Any, set[int]], dict[int, Any]] | None = None
    history: bool = False
    # (source ids of a batch of records) -> {source_id: (object_id, number, SHA-256 of
    # the stored snapshot, the content hash stored beside it)}
    versions: Callable[[list[int]], dict[int, tuple[int, int, str, str, str, str]]] | None = None
    # (the recorded source ids, a queryset) -> a message for the first stored version
    # that has no record, if any
    unrecorded: Callable[[Any], list[str]] | None = None
    # (object_id, source_id of its latest record) -> differing top-level fields; None when
    # it cannot tell; [] when the state differs only by renamed references (not a change)
    differences: Callable[[int, int | None], list[str] | None] | None = None
    in_territory: Callable[[Any], Any] | None = None
    files: Callable[[], Iterable[StoredFile]] | None = None


@dataclass
class Hooks:
    """Answers the journal needs about people, set by `accounts` and `catalog`."""

    # The kind of actor (`habitant`, `agent`...) when a service gives no role.
    actor_role: Callable[[Any], str] = lambda by: ""
    # French labels of roles and of actions.
    role_labels: Callable[[], dict[str, Any]] = dict
    action_labels: Callable[[], dict[str, Any]] = dict
    # Roles whose actors the pages name (people acting for an organisation).
    public_roles: tuple[str, ...] = ()
    # May this user open the commitment of this organisation (prove its authorship)?
    may_open: Callable[[Any, int], bool] = lambda user, organisation_id: False
    # How to name an organisation to the people who may open its commitments.
    organisation_name: Callable[[int], str] = str
    # A stored version (any object) -> what its record holds.
    version_facts: Callable[[Any], VersionFacts] | None = None
    private: dict[str, str] = field(default_factory=dict)


_KINDS: dict[str, JournaledKind] = {}
HOOKS = Hooks()


def register(kind: JournaledKind) -> None:
    existing = _KINDS.get(kind.kind)
    if existing is not None and existing != kind:
        raise ValueError(f"journaled kind {kind.kind!r} is already registered")
    _KINDS[kind.kind] = kind


def declare_private(model_label: str, reason: str) -> None:
    """A model the journal does not record, and why (`app_label.modelname`)."""
    if not reason.strip():
        raise ValueError(f"{model_label}: say why it is not journaled")
    HOOKS.private[model_label.lower()] = reason


def private_models() -> dict[str, str]:
    return dict(HOOKS.private)


def journaled_kinds() -> dict[str, JournaledKind]:
    return dict(_KINDS)


def journaled_models() -> dict[str, str]:
    """`app_label.modelname` of every model that is part of a journaled kind -> its kind."""
    found: dict[str, str] = {}
    for spec in _KINDS.values():
        for label in spec.models:
            found.setdefault(label.lower(), spec.kind)
    return found


def is_entry_kind(kind: str) -> bool:
    """Records that point at a stored version (catalog entries: the object id is an
    entry's id). Kinds nobody registers (any more) count as entries, as before."""
    spec = _KINDS.get(kind)
    return spec is None or spec.history
