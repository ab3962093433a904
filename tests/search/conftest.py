"""Fixtures of the search tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from region27.search import store


@pytest.fixture(autouse=True)
def _fresh_store() -> Iterator[None]:
    store.forget()
    yield
    store.forget()
