"""The search index: one row per entry, with pre-analysed text and facet values.

The text columns hold space-separated stemmed tokens (see `search.text`). On SQLite,
an FTS5 table (`search_fts`, external content, kept in step by triggers) indexes them;
on PostgreSQL, a generated, weighted `tsvector` column with a GIN index does. Both are
created by the migration, guarded by the database vendor.
"""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    entry = models.OneToOneField(
        "catalog.Entry", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Visibility: published entries for everyone, the others for their organisation.
    status = models.CharField(max_length=16)
    organisation_id = models.BigIntegerField()
    # Facets (single-valued).
    kind = models.CharField(max_length=32)
    organisation = models.CharField(max_length=100)  # slug
    licence = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField(null=True)
    # Facets (multi-valued, space-separated).
    themes = models.TextField(blank=True)
    formats = models.TextField(blank=True)
    # Typed codes of the covered territories ("commune:69123 ...") ...
    territories = models.TextField(blank=True)
    # ... and of those plus every territory containing them (for "within").
    territories_within = models.TextField(blank=True)
    # Sorting and ranking.
    date = models.DateTimeField()
    title_sort = models.CharField(max_length=200)
    boost = models.FloatField(default=1.0)
    # Analysed text, one column per weighted field.
    title = models.TextField(blank=True)
    keywords = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        db_table = "search_document"

    def __str__(self) -> str:
        return f"search:{self.entry_id}"


class SearchState(models.Model):
    """A single row (id 1) that every index write updates in its transaction.

    `seq` counts the writes and `token` is new at each one. Updating this row locks it
    until the transaction ends, so index writers take their `seq` one after the other,
    in commit order: a process that sees change `n` committed has seen every change
    before it (see `store`).
    """

    token = models.CharField(max_length=32)
    seq = models.BigIntegerField(default=0)

    class Meta:
        db_table = "search_state"

    def __str__(self) -> str:
        return f"{self.seq}:{self.token}"


class SearchChange(models.Model):
    """The recent index writes: which entry changed at which `seq` (NULL: all of them).

    Processes read the changes after the state their facet arrays were built from and
    patch the arrays instead of reloading everything. Old rows are pruned.
    """

    seq = models.BigIntegerField(primary_key=True)
    token = models.CharField(max_length=32)
    entry_id = models.BigIntegerField(null=True)

    class Meta:
        db_table = "search_change"

    def __str__(self) -> str:
        return f"{self.seq}:{self.entry_id}"
