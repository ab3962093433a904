"""What the public journal records of the catalog: every entry kind, through its stored
versions (`EntryVersion`), with its details, distributions (and their files' SHA-256)
and kit items.

Registered from `CatalogConfig.ready()`; kinds added by other apps (`schema`,
`experiment`) register with `register_entry_kind` from their own `journaled.py`.
This module decides how a leaf names its organisation: an anonymised entry
(`catalog.visibility.is_anonymised`) is *sealed* (see `journal.services.journal_append`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from region27.core.hashing import canonical_json, sha256_hex

PRIVATE_MODELS = {
    "catalog.theme": "the fixed taxonomy shipped with the code; entries journal their themes",
    "catalog.slugredirect": "former addresses of entries (301); the slugs are in the versions",
    "catalog.entryrevision": "changes waiting for an élu: not public until approved, when the "
    "approval's version is journaled",
    # Apps with no journaled.py of their own, whose rows are derived from the catalog or
    # shipped as reference data:
    "search.searchdocument": "the search index, rebuilt from entries (`region27 search`)",
    "search.searchstate": "the search index's bookkeeping",
    "search.searchchange": "the search index's change log (facet stores patch from it)",
    "territories.territory": "the official COG reference (Etalab), loaded, never edited here",
}

# The models every entry kind is made of, beside its own detail model and parts.
ENTRY_MODELS = ("catalog.entry", "catalog.entryversion")


def version_facts(version: Any) -> Any:
    """What the record of a new `EntryVersion` holds (`journal_record_version`)."""
    from region27.catalog.visibility import is_anonymised
    from region27.journal.registry import VersionFacts

    entry = version.entry
    return VersionFacts(
        kind=entry.kind,
        object_id=entry.pk,
        number=version.number,
        action=version.action,
        content_hash=version.content_hash,
        role=version.role,
        at=version.created_at,
        source_id=version.pk,
        organisation_id=entry.organisation_id,
        sealed=is_anonymised(entry),
    )


def _entries(kind: str, ids: list[int] | None = None) -> Any:
    from region27.catalog.kinds import kind_get
    from region27.catalog.models import Entry

    spec = kind_get(kind)
    rows = Entry.objects.filter(kind=kind).select_related("organisation")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if spec is not None:
        rows = rows.select_related(spec.related_name)
    rows = rows.prefetch_related("territories", "themes")
    if kind == "dataset":
        rows = rows.prefetch_related("distributions")
    return rows.order_by("pk")


def entry_states(kind: str) -> Iterator[Any]:
    """SHA-256 of each entry's current snapshot (what `catalog.services` versions)."""
    from region27.catalog.services import entry_snapshot
    from region27.journal.registry import ObjectState

    for entry in _entries(kind).iterator(chunk_size=500):
        content = sha256_hex(canonical_json(entry_snapshot(entry)))
        yield ObjectState(entry.pk, content, entry.slug)


def entry_versions(source_ids: list[int]) -> dict[int, tuple[int, int, str, str, str, str]]:
    """Each stored version: (entry, number, hash of its snapshot, its stored hash, its
    action, its role), the facts its record repeats."""
    from region27.catalog.models import EntryVersion

    found = EntryVersion.objects.filter(pk__in=source_ids).values_list(
        "pk", "entry_id", "number", "snapshot", "content_hash", "action", "role"
    )
    return {
        pk: (entry_id, number, sha256_hex(canonical_json(snapshot)), stored, action, role)
        for pk, entry_id, number, snapshot, stored, action, role in found
    }


def unrecorded_versions(recorded: Any) -> list[str]:
    """The first entry version that has no journal record, if any."""
    from region27.catalog.models import EntryVersion

    missing = (
        EntryVersion.objects.exclude(pk__in=recorded).select_related("entry").order_by("pk").first()
    )
    if missing is None:
        return []
    return [
        f"{missing.entry.kind} {missing.entry_id} «{missing.entry.slug}» version "
        f"{missing.number}: changed without a record"
    ]


def _slug_ids(slugs: set[str]) -> dict[str, int]:
    """Entry ids of slugs, current or former (a renamed kit item is the same item)."""
    from region27.catalog.models import Entry, SlugRedirect

    ids = dict(Entry.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    for old, entry_id in SlugRedirect.objects.filter(old_slug__in=slugs).values_list(
        "old_slug", "entry_id"
    ):
        ids.setdefault(old, entry_id)
    return ids


def _same_items(stored: Any, current: Any) -> bool:
    """Kit items compared by the entries they name, not by their (renamable) slugs."""
    if not isinstance(stored, list) or not isinstance(current, list):
        return False
    if len(stored) != len(current):
        return False
    slugs = {str(i.get("slug")) for i in stored + current if isinstance(i, dict)}
    ids = _slug_ids(slugs)
    for old, new in zip(stored, current, strict=True):
        if not isinstance(old, dict) or not isinstance(new, dict):
            return False
        if old.get("note") != new.get("note"):
            return False
        if ids.get(str(old.get("slug")), -1) != ids.get(str(new.get("slug")), -2):
            return False
    return True


_AMOUNT = re.compile(r"-?\d+(\.\d+)?")


def _same_value(stored: Any, current: Any) -> bool:
    """Equal, or the same amount written with a different number of trailing zeros: a
    snapshot keeps a decimal as it was given to the service ("18000"), the database
    gives it back at its scale ("18000.00")."""
    if stored == current:
        return True
    texts = (str(stored), str(current))
    if not all(isinstance(v, str | int) and _AMOUNT.fullmatch(str(v)) for v in (stored, current)):
        return False
    short = [t.rstrip("0").rstrip(".") if "." in t else t for t in texts]
    return short[0] == short[1]


def entry_differences(object_id: int, source_id: int | None) -> list[str] | None:
    """Top-level fields of the entry's current snapshot that differ from the stored
    version its latest record points at (kit items renamed since count as the same)."""
    from region27.catalog.models import Entry, EntryVersion
    from region27.catalog.services import entry_snapshot

    entry = Entry.objects.filter(pk=object_id).first()
    if source_id is None:
        return None
    stored = EntryVersion.objects.filter(pk=source_id).values_list("snapshot", flat=True).first()
    if entry is None or not isinstance(stored, dict):
        return None
    current = entry_snapshot(entry)
    fields = []
    for name in sorted(set(stored) | set(current)):
        if stored.get(name) == current.get(name):
            continue
        if name == "items" and _same_items(stored.get(name), current.get(name)):
            continue
        if name == "detail" and isinstance(stored.get(name), dict):
            old, new = stored[name], current.get(name) or {}
            keys = sorted(set(old) | set(new))
            fields += [
                f"detail.{key}" for key in keys if not _same_value(old.get(key), new.get(key))
            ]
            continue
        fields.append(name)
    return fields


def entries_visible(user: Any, ids: set[int]) -> dict[int, Any]:
    from region27.catalog.selectors import entries_visible_to

    rows = entries_visible_to(user).filter(pk__in=ids).only("pk", "title", "slug")
    return {entry.pk: entry for entry in rows}


def entries_in_territory(territory: Any) -> Any:
    """Entries the journal's territory filter selects: anonymised reports are left out
    (their territory could name their organisation)."""
    from region27.catalog.models import Entry
    from region27.catalog.visibility import anonymised_q

    return Entry.objects.filter(territories=territory).exclude(anonymised_q()).values("pk")


def distribution_files() -> Iterator[Any]:
    """Every stored distribution file with the SHA-256 its entry's versions record."""
    from region27.catalog.models import Distribution
    from region27.journal.registry import StoredFile

    rows = Distribution.objects.exclude(file="").select_related("entry").order_by("pk")
    for distribution in rows.iterator(chunk_size=500):
        yield StoredFile(
            kind=distribution.entry.kind,
            object_id=distribution.entry_id,
            name=f"{distribution.entry.slug} / {distribution.title}",
            storage=distribution.file.storage,
            path=distribution.file.name,
            checksum=distribution.checksum,
        )


_STATES: dict[str, Any] = {}


def register_entry_kind(slug: str, *, models: tuple[str, ...], files: Any = None) -> None:
    """Journal the entry kind `slug` (its label comes from the catalog's kind registry).
    Registering it again the same way (apps made ready twice) changes nothing."""
    from region27.catalog.kinds import kind_get
    from region27.journal.registry import JournaledKind, register

    spec = kind_get(slug)
    register(
        JournaledKind(
            kind=slug,
            label=spec.label if spec is not None else slug,
            states=_STATES.setdefault(slug, partial(entry_states, slug)),
            models=ENTRY_MODELS + models,
            visible=entries_visible,
            history=True,
            versions=entry_versions,
            unrecorded=unrecorded_versions,
            differences=entry_differences,
            in_territory=entries_in_territory,
            files=files,
        )
    )


def _action_labels() -> dict[str, Any]:
    from region27.catalog.models.entry import VERSION_ACTIONS

    return dict(VERSION_ACTIONS)


def register() -> None:
    from region27.journal.registry import HOOKS, declare_private

    register_entry_kind(
        "dataset",
        models=("catalog.datasetdetail", "catalog.distribution"),
        files=distribution_files,
    )
    register_entry_kind("study", models=("catalog.studydetail",))
    register_entry_kind("software", models=("catalog.softwaredetail",))
    register_entry_kind("service", models=("catalog.servicedetail",))
    register_entry_kind("failure", models=("catalog.failuredetail",))
    register_entry_kind("kit", models=("catalog.kitdetail", "catalog.kititem"))
    for model, reason in PRIVATE_MODELS.items():
        declare_private(model, reason)
    HOOKS.version_facts = version_facts
    HOOKS.action_labels = _action_labels
