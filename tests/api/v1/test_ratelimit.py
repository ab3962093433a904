"""Rate limits per IP and per token: 429 with Retry-After, counted in the cache."""

from __future__ import annotations

from typing import Any

from region27.accounts.tokens import token_create
from tests import factories
from tests.api.v1.conftest import bearer


def test_per_ip_limit(client: Any, db: Any, settings: Any) -> None:
    settings.REGION27_API_RATE_IP = 3
    for _ in range(3):
        response = client.get("/api/1/themes")
        assert response.status_code == 200
    assert response["RateLimit-Remaining"] == "0"
    limited = client.get("/api/1/themes")
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited["Retry-After"]) <= settings.REGION27_API_RATE_WINDOW
    # Another address has its own count.
    assert client.get("/api/1/themes", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_per_token_limit_is_separate(client: Any, db: Any, settings: Any) -> None:
    settings.REGION27_API_RATE_IP = 1
    settings.REGION27_API_RATE_TOKEN = 2
    _t, clear = token_create(user=factories.user(), name="x")
    assert client.get("/api/1/themes").status_code == 200
    assert client.get("/api/1/themes").status_code == 429
    assert client.get("/api/1/themes", **bearer(clear)).status_code == 200
    assert client.get("/api/1/themes", **bearer(clear)).status_code == 200
    assert client.get("/api/1/themes", **bearer(clear)).status_code == 429
    # A bad token does not escape the IP limit.
    assert client.get("/api/1/themes", **bearer("r27_faux")).status_code == 429


def test_forwarded_for_only_when_trusted(client: Any, db: Any, settings: Any) -> None:
    settings.REGION27_API_RATE_IP = 1
    assert client.get("/api/1/themes", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    assert client.get("/api/1/themes", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
    settings.REGION27_API_TRUST_X_FORWARDED_FOR = True
    assert client.get("/api/1/themes", HTTP_X_FORWARDED_FOR="3.3.3.3").status_code == 200


def test_database_cache_counts(client: Any, db: Any, settings: Any) -> None:
    from django.core.management import call_command

    settings.CACHES = {
        **settings.CACHES,
        "api": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "r27_api_rate",
        },
    }
    call_command("createcachetable", "r27_api_rate", verbosity=0)
    settings.REGION27_API_RATE_CACHE = "api"
    settings.REGION27_API_RATE_IP = 2
    codes = [client.get("/api/1/licences").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
