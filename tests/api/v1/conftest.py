"""Fixtures of the JSON API tests: generous rate limits, a fresh cache and search store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from region27.accounts.tokens import token_create
from region27.search import store
from tests import factories


@pytest.fixture(autouse=True)
def _api_settings(settings: Any) -> Iterator[None]:
    settings.REGION27_API_RATE_IP = 100_000
    settings.REGION27_API_RATE_TOKEN = 100_000
    cache.clear()
    store.forget()
    yield
    store.forget()
    cache.clear()


@pytest.fixture
def org(db: Any) -> Any:
    return factories.organisation(slug="ville-test")


@pytest.fixture
def agent(org: Any) -> Any:
    return factories.member(org, "agent")


@pytest.fixture
def agent_token(agent: Any) -> str:
    return token_create(user=agent, name="script")[1]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
