"""Every write to the search index; called by the catalog services in their transaction."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, transaction

from region27.catalog.models import Distribution, Entry
from region27.search.backends import get_backend
from region27.search.documents import (
    EntryRow,
    TerritoryCodes,
    entry_document,
    entry_document_of,
)
from region27.search.models import SearchDocument, SearchState

REINDEX_CHUNK = 2000


def _touch(alias: str = "default") -> None:
    """Give the index a new token so that each process reloads its facet arrays."""
    token = uuid.uuid4().hex
    if not SearchState.objects.using(alias).filter(pk=1).update(token=token):
        SearchState.objects.using(alias).create(pk=1, token=token)


@transaction.atomic
def search_index_entry(*, entry: Entry) -> SearchDocument:
    """Write (or rewrite) the index row of an entry, whatever its status.

    Drafts, submitted and archived entries are indexed too; the selectors only show
    them to members of their organisation.
    """
    entry = Entry.objects.select_related("organisation").get(pk=entry.pk)
    values = entry_document_of(entry)
    document, _created = SearchDocument.objects.update_or_create(entry=entry, defaults=values)
    _touch()
    return document


@transaction.atomic
def search_remove_entry(*, entry_id: int) -> None:
    SearchDocument.objects.filter(entry_id=entry_id).delete()
    _touch()


@dataclass
class ReindexResult:
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else float(self.count)


def search_reindex(
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = REINDEX_CHUNK,
    alias: str = "default",
) -> ReindexResult:
    """Rebuild the whole index from the entries (same rows as `search_index_entry`)."""
    start = time.perf_counter()
    codes = TerritoryCodes()
    codes.preload()
    total = Entry.objects.using(alias).count()
    done = 0
    with transaction.atomic(using=alias):
        backend = get_backend(alias)
        backend.bulk_begin()
        ids = list(Entry.objects.using(alias).order_by("pk").values_list("pk", flat=True))
        for offset in range(0, len(ids), chunk_size):
            chunk = ids[offset : offset + chunk_size]
            _index_chunk(chunk, codes, alias)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        backend.bulk_end()
        _touch(alias)
    return ReindexResult(count=done, seconds=time.perf_counter() - start)


DOCUMENT_COLUMNS = (
    "status",
    "organisation_id",
    "kind",
    "organisation",
    "licence",
    "year",
    "themes",
    "formats",
    "territories",
    "territories_within",
    "date",
    "title_sort",
    "boost",
    "title",
    "keywords",
    "summary",
    "body",
)


def _index_chunk(ids: list[int], codes: TerritoryCodes, alias: str) -> None:
    rows = [
        EntryRow(*values)
        for values in Entry.objects.using(alias)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list(*EntryRow.FIELDS)
    ]
    territories: dict[int, list[int]] = {pk: [] for pk in ids}
    for entry_id, territory_id in (
        Entry.territories.through.objects.using(alias)
        .filter(entry_id__in=ids)
        .values_list("entry_id", "territory_id")
    ):
        territories[entry_id].append(territory_id)
    themes: dict[int, list[str]] = {pk: [] for pk in ids}
    for entry_id, slug in (
        Entry.themes.through.objects.using(alias)
        .filter(entry_id__in=ids)
        .values_list("entry_id", "theme__slug")
    ):
        themes[entry_id].append(slug)
    formats: dict[int, list[str]] = {pk: [] for pk in ids}
    for entry_id, fmt in (
        Distribution.objects.using(alias).filter(entry_id__in=ids).values_list("entry_id", "format")
    ):
        formats[entry_id].append(fmt)
    connection = connections[alias]
    adapt = connection.ops.adapt_datetimefield_value
    values = []
    for row in rows:
        document = entry_document(
            row,
            territory_ids=sorted(territories[row.id]),
            theme_slugs=themes[row.id],
            formats=formats[row.id],
            codes=codes,
        )
        document["date"] = adapt(document["date"])
        values.append((row.id, *(document[c] for c in DOCUMENT_COLUMNS)))
    # Plain executemany: the ORM's bulk_create costs more than the analysis here.
    sql = (
        f"INSERT INTO search_document (entry_id, {', '.join(DOCUMENT_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * (len(DOCUMENT_COLUMNS) + 1))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
