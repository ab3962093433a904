"""Suite-wide fixtures and the database-only mode used by CI's PostgreSQL run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "client",
    "admin_client",
    "django_user_model",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With REGION27_DB_TESTS_ONLY=1, keep only the tests that touch the database."""
    if os.environ.get("REGION27_DB_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        uses_db = item.get_closest_marker("django_db") is not None or bool(fixtures & DB_FIXTURES)
        (keep if uses_db else drop).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


def pytest_configure(config: pytest.Config) -> None:
    """The journal's tables are append-only (database triggers). pytest-django empties
    every table between transactional tests (live_server, transactional_db) with Django's
    `flush`; that one command runs with the journal's documented maintenance switch."""
    from django.core.management.commands import flush

    if getattr(flush.Command.handle, "_region27_journal", False):
        return
    original = flush.Command.handle

    def handle(self: flush.Command, **options: object) -> None:
        from region27.journal.db import maintenance

        with maintenance(using=str(options.get("database") or "default")):
            original(self, **options)

    handle._region27_journal = True  # type: ignore[attr-defined]
    flush.Command.handle = handle  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _french_by_default() -> Iterator[None]:
    """Each test starts in the site's language: a page served in English (language
    cookie) leaves English active in the thread, which a later test's command or
    service would otherwise speak."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
