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
    """A single row whose token changes with every index write (for in-process caches)."""

    token = models.CharField(max_length=32)

    class Meta:
        db_table = "search_state"

    def __str__(self) -> str:
        return self.token
