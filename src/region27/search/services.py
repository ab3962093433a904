"""Every write to the search index; called by the catalog services in their transaction."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
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
# Changes kept in `search_change`: a process further behind reloads its arrays.
KEEP_CHANGES = 10_000


def _touch(entry_id: int | None, alias: str = "default") -> int:
    """Log a change of the index (None: all of it), in the caller's transaction.

    Updating the state row locks it until the transaction ends: index writers take
    their `seq` in commit order (see `store`).
    """
    token = uuid.uuid4().hex
    with connections[alias].cursor() as cursor:
        cursor.execute("UPDATE search_state SET seq = seq + 1, token = %s WHERE id = 1", [token])
        if cursor.rowcount == 0:
            SearchState.objects.using(alias).create(pk=1, token=token, seq=1)
        cursor.execute("SELECT seq FROM search_state WHERE id = 1")
        seq = int(cursor.fetchone()[0])
        cursor.execute(
            "INSERT INTO search_change (seq, token, entry_id) VALUES (%s, %s, %s)",
            [seq, token, entry_id],
        )
        if entry_id is None:
            cursor.execute("DELETE FROM search_change WHERE seq < %s", [seq])
        elif seq % 100 == 0:
            cursor.execute("DELETE FROM search_change WHERE seq <= %s", [seq - KEEP_CHANGES])
    return seq


@transaction.atomic
def search_index_entry(*, entry: Entry) -> SearchDocument:
    """Write (or rewrite) the index row of an entry, whatever its status.

    Drafts, submitted and archived entries are indexed too; the selectors only show
    them to members of their organisation.
    """
    # The change is logged first: taking the state row's lock before touching
    # search_document makes index writers (and a full reindex) wait for one another
    # instead of colliding on the same rows.
    _touch(entry.pk)
    entry = Entry.objects.select_related("organisation", "failure").get(pk=entry.pk)
    values = entry_document_of(entry)
    document, _created = SearchDocument.objects.update_or_create(entry=entry, defaults=values)
    return document


@transaction.atomic
def search_remove_entry(*, entry_id: int) -> None:
    _touch(entry_id)
    SearchDocument.objects.filter(entry_id=entry_id).delete()


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
    warm: bool = True,
) -> ReindexResult:
    """Rebuild the whole index from the entries (same rows as `search_index_entry`).

    With `warm`, the facet arrays of the new index are then loaded once here and written
    as the snapshot that the other processes start from: no web worker pays the full
    load (11 s at 1,000,000 entries) on its first search after the rebuild.
    """
    start = time.perf_counter()
    codes = TerritoryCodes()
    codes.preload()
    total = Entry.objects.using(alias).count()
    done = 0
    with transaction.atomic(using=alias):
        # Logged first, which locks the state row: index writes wait for the rebuild
        # to commit (see `search_index_entry`).
        _touch(None, alias)
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
    if warm:
        from region27.search import store

        store.forget()
        store.get_store(alias)
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
    # `ids` is a slice of every entry id in order: a range reads the same rows as an
    # IN list of 2,000 parameters, for less.
    first, last = ids[0], ids[-1]
    rows = [
        EntryRow(*values)
        for values in Entry.objects.using(alias)
        .filter(pk__gte=first, pk__lte=last)
        .order_by("pk")
        .values_list(*EntryRow.FIELDS)
    ]
    territories: dict[int, list[int]] = defaultdict(list)
    for entry_id, territory_id in (
        Entry.territories.through.objects.using(alias)
        .filter(entry_id__gte=first, entry_id__lte=last)
        .values_list("entry_id", "territory_id")
    ):
        territories[entry_id].append(territory_id)
    themes: dict[int, list[str]] = defaultdict(list)
    for entry_id, slug in (
        Entry.themes.through.objects.using(alias)
        .filter(entry_id__gte=first, entry_id__lte=last)
        .values_list("entry_id", "theme__slug")
    ):
        themes[entry_id].append(slug)
    formats: dict[int, list[str]] = defaultdict(list)
    for entry_id, fmt in (
        Distribution.objects.using(alias)
        .filter(entry_id__gte=first, entry_id__lte=last)
        .values_list("entry_id", "format")
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
