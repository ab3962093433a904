"""Personal tokens: shown once, stored hashed, expiry, revocation, the account page."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from region27.accounts.models import ApiToken
from region27.accounts.tokens import token_authenticate, token_create, token_revoke
from region27.core.errors import NotAllowed
from tests import factories
from tests.api.v1.conftest import bearer


def test_token_is_stored_hashed(db: Any) -> None:
    user = factories.user()
    token, clear = token_create(user=user, name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert clear not in {stored.token_hash, stored.prefix, stored.name}
    assert clear.startswith(stored.prefix)
    check = token_authenticate(clear)
    assert check.user == user and check.token is not None
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_create_rules(db: Any) -> None:
    user = factories.user()
    with pytest.raises(ValidationError):
        token_create(user=user, name="  ")
    with pytest.raises(ValidationError):
        token_create(user=user, name="x", expires_at=timezone.now() - dt.timedelta(seconds=1))
    other = factories.user()
    token, _clear = token_create(user=user, name="x")
    with pytest.raises(NotAllowed):
        token_revoke(token=token, by=other)


@pytest.mark.parametrize("problem", ["expired", "revoked", "inactive", "invalid"])
def test_refused_tokens_get_precise_401(client: Any, db: Any, problem: str) -> None:
    user = factories.user()
    token, clear = token_create(user=user, name="x")
    if problem == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    elif problem == "revoked":
        token_revoke(token=token, by=user)
    elif problem == "inactive":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    else:
        clear = clear[:-2] + "zz"
    # Even a public read refuses a bad token: the program should know at once.
    for url in ("/api/1/entries", "/api/1/openapi.json"):
        response = client.get(url, **bearer(clear))
        assert response.status_code == 401, url
        body = response.json()
        assert body["type"].endswith(f"token-{problem}")
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/1/entries", HTTP_X_API_KEY=clear).status_code == 401


def test_authorization_header_shapes(client: Any, db: Any) -> None:
    _token, clear = token_create(user=factories.user(), name="x")
    basic = client.get("/api/1/entries", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert basic.status_code == 401 and basic.json()["type"].endswith("token-scheme")
    both = client.get(
        "/api/1/entries", HTTP_AUTHORIZATION=f"Bearer {clear}", HTTP_X_API_KEY="autre"
    )
    assert both.json()["type"].endswith("token-conflict")
    same = client.get("/api/1/entries", HTTP_AUTHORIZATION=f"Bearer {clear}", HTTP_X_API_KEY=clear)
    assert same.status_code == 200


def test_account_page_creates_shows_once_and_revokes(client: Any, db: Any) -> None:
    user = factories.user()
    client.force_login(user)
    assert b"/compte/jetons/" in client.get("/compte/").content
    page = client.get("/compte/jetons/")
    assert page.status_code == 200
    created = client.post("/compte/jetons/", {"name": "Mon script", "expires": "30"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    html = created.content.decode()
    clear = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert hashlib.sha256(clear.encode()).hexdigest() == token.token_hash
    assert token.expires_at is not None
    assert "no-store" in created["Cache-Control"] or "no-cache" in created["Cache-Control"]
    again = client.get("/compte/jetons/").content.decode()
    assert clear not in again and token.prefix in again
    assert client.get("/api/1/entries", **bearer(clear)).status_code == 200
    client.post(f"/compte/jetons/{token.pk}/revoquer/")
    assert client.get("/api/1/entries", **bearer(clear)).status_code == 401


def test_cannot_revoke_someone_elses_token(client: Any, db: Any) -> None:
    owner = factories.user()
    token, _clear = token_create(user=owner, name="x")
    client.force_login(factories.user())
    assert client.post(f"/compte/jetons/{token.pk}/revoquer/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_needs_login(client: Any, db: Any) -> None:
    assert client.get("/compte/jetons/").status_code == 302
    assert client.post("/compte/jetons/", {"name": "x"}).status_code == 302
