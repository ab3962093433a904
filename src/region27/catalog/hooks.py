"""What other apps add to the catalog's file handling, without the catalog importing them.

An app registers its functions from its `AppConfig.ready()`:

- `on_distribution_removed(fn)`: `fn(distribution)` runs inside the removal's
  transaction, before the row is deleted; it releases the files the app kept for that
  distribution (with `core.files.delete_stored_after_commit`). The validation app
  registers `distribution_files_release` (the files of its runs).
- `on_stored_file_uses(fn)`: `fn(name)` returns, in French, what of the app still uses
  the stored file `name` (a pending replacement, say): `catalog.services.stored_file_purge`
  refuses to delete a file while anything uses it.
- `on_stored_file_purged(fn)`: `fn(name)` runs after the purge deleted the file, so the
  app stops linking it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DistributionRemoved = Callable[[Any], None]
StoredFileUses = Callable[[str], list[str]]
StoredFilePurged = Callable[[str], None]

_removed: list[DistributionRemoved] = []
_uses: list[StoredFileUses] = []
_purged: list[StoredFilePurged] = []


def _add(registry: list[Any], fn: Any) -> Any:
    if fn not in registry:  # ready() may run twice in tests
        registry.append(fn)
    return fn


def on_distribution_removed(fn: DistributionRemoved) -> DistributionRemoved:
    return _add(_removed, fn)


def on_stored_file_uses(fn: StoredFileUses) -> StoredFileUses:
    return _add(_uses, fn)


def on_stored_file_purged(fn: StoredFilePurged) -> StoredFilePurged:
    return _add(_purged, fn)


def distribution_removed(distribution: Any) -> None:
    for fn in _removed:
        fn(distribution)


def stored_file_uses(name: str) -> list[str]:
    found: list[str] = []
    for fn in _uses:
        found += fn(name)
    return found


def stored_file_purged(name: str) -> None:
    for fn in _purged:
        fn(name)
