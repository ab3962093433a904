"""Full-text backends, chosen by the database in use (like Wagtail's database backends)."""

from __future__ import annotations

from django.db import connections

from region27.search.backends.base import SearchBackend


def get_backend(alias: str = "default") -> SearchBackend:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        from region27.search.backends.postgresql import PostgresBackend

        return PostgresBackend(alias)
    if vendor == "sqlite":
        from region27.search.backends.sqlite import SQLiteBackend

        return SQLiteBackend(alias)
    raise NotImplementedError(f"No search backend for the {vendor!r} database.")


__all__ = ["SearchBackend", "get_backend"]
