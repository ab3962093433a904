"""Public objects other than catalog entries whose records the journal can check.

Catalog entries keep every version (`EntryVersion`), so `journal verify` checks each of
their records against the stored snapshot. Other public objects (organisations,
indicators, evaluations) keep only their current state: for them, `verify` checks that
every existing object has a record and that its latest record's content hash is the
SHA-256 of its current public content. Each app registers its kinds in `ready()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class StateKind:
    kind: str
    label: str | Promise
    # (object id, SHA-256 of the canonical JSON of its public content) of every object
    current: Callable[[], Iterable[tuple[int, str]]]
    # The objects a user may see among these ids (for the journal's pages), each with a
    # `get_absolute_url()` when it has a page, and a `title` or `name`.
    visible: Callable[[Any, set[int]], dict[int, Any]] | None = None


_KINDS: dict[str, StateKind] = {}


def register(kind: StateKind) -> None:
    _KINDS[kind.kind] = kind


def state_kinds() -> dict[str, StateKind]:
    return dict(_KINDS)


def is_entry_kind(kind: str) -> bool:
    """Records of catalog entries (their object id is an entry's id)."""
    return kind not in _KINDS
