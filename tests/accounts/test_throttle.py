"""Sign-in and password reset are limited per account and per client address
(`accounts.throttle`): wrong passwords lock the account, then the address, even for the
right password; the lock ends with its window; the forms say when to try again (429)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client, override_settings

from region27.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD
LOGIN = "/compte/connexion/"
RESET = "/compte/mot-de-passe/"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    """The counters live in the (process-wide) test cache: start and end empty."""
    caches["default"].clear()
    yield
    caches["default"].clear()


def _user(email: str) -> User:
    return factories.user(email=email)  # whose password is PASSWORD


def _login(client: Client, email: str, password: str, address: str = "192.0.2.10") -> object:
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client: Client) -> None:
    _user("camille@example.fr")
    for _ in range(5):
        response = _login(client, "camille@example.fr", "mauvais")
        assert response.status_code == 200  # the form again, with its error
        assert "mot de passe incorrect" in response.content.decode()
    # The sixth attempt is refused before the password is checked, even the right one,
    # and even typed differently (the address is case-insensitive).
    response = _login(client, "  Camille@Example.FR ", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)
    page = response.content.decode()
    assert "Trop de tentatives" in page and "réessayez dans 15 minutes" in page
    assert 'role="alert"' in page and "mot de passe incorrect" not in page
    assert 850 <= int(response["Retry-After"]) <= 900
    # Another address is refused as well: the lock is on the account.
    assert _login(client, "camille@example.fr", PASSWORD, "198.51.100.7").status_code == 429
    # Another account from the first address still signs in.
    _user("dominique@example.fr")
    response = _login(client, "dominique@example.fr", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_the_lock_holds_for_the_address_written_in_other_unicode_forms(
    client: Client,
) -> None:
    """Sign-in reads `ａlice` (full-width letters) as `alice` (Unicode NFKC): so does
    the lock, else each form of the address would get a fresh budget."""
    _user("alice@example.org")
    for _ in range(5):
        _login(client, "alice@example.org", "mauvais", "192.0.2.11")
    for variant in ("\uff41lice@example.org", "\uff41\uff4cice@example.org", "ALICE@example.org"):
        assert _login(client, variant, PASSWORD, "198.51.100.8").status_code == 429
    assert not _signed_in(client)


def test_one_address_is_locked_across_accounts(client: Client) -> None:
    for i in range(20):  # never five on the same account
        assert _login(client, f"inconnu{i}@example.fr", "mauvais").status_code == 200
    _user("eve@example.fr")
    response = _login(client, "eve@example.fr", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)
    # Someone else, elsewhere, signs in to that account.
    assert _login(client, "eve@example.fr", PASSWORD, "198.51.100.7").status_code == 302


def test_a_successful_sign_in_clears_its_account_only(client: Client) -> None:
    _user("frida@example.fr")
    for _ in range(4):
        _login(client, "frida@example.fr", "mauvais")
    assert _login(client, "frida@example.fr", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):  # the account's count started again
        assert _login(client, "frida@example.fr", "mauvais").status_code == 200
    assert _login(client, "frida@example.fr", PASSWORD).status_code == 302
    client.logout()
    # The address kept every failure (8 so far), whatever the successes in between:
    for i in range(12):
        assert _login(client, f"autre{i}@example.fr", "mauvais").status_code == 200
    assert _login(client, "frida@example.fr", PASSWORD).status_code == 429


@override_settings(REGION27_LOGIN_WINDOW=2)
def test_the_lock_ends_with_its_window(client: Client) -> None:
    _user("gael@example.fr")
    for _ in range(5):
        _login(client, "gael@example.fr", "mauvais")
    locked = _login(client, "gael@example.fr", PASSWORD)
    assert locked.status_code == 429 and int(locked["Retry-After"]) <= 2
    assert "réessayez dans 1 minute." in locked.content.decode()
    time.sleep(2.2)
    assert _login(client, "gael@example.fr", PASSWORD).status_code == 302


def test_password_reset_is_limited_per_account_and_per_address(client: Client) -> None:
    _user("hugo@example.fr")
    for _ in range(3):
        response = client.post(RESET, {"email": "hugo@example.fr"}, REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    refused = client.post(RESET, {"email": "hugo@example.fr"}, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429 and len(mail.outbox) == 3
    page = refused.content.decode()
    assert "Trop de tentatives" in page and "réessayez dans 60 minutes" in page
    assert int(refused["Retry-After"]) > 3500
    # Unknown addresses count the same (the answer tells nothing about the account) and
    # one client address asks for at most 10 links, whatever the accounts.
    for i in range(7):
        response = client.post(RESET, {"email": f"x{i}@example.fr"}, REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 302
    response = client.post(RESET, {"email": "y@example.fr"}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429
    # Another client address still asks for a link for a fresh account.
    _user("ines@example.fr")
    response = client.post(RESET, {"email": "ines@example.fr"}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and len(mail.outbox) == 4


@override_settings(REGION27_LOGIN_FAILURES_PER_ACCOUNT=0, REGION27_LOGIN_FAILURES_PER_ADDRESS=0)
def test_zero_disables_the_limits(client: Client) -> None:
    _user("jo@example.fr")
    for _ in range(30):
        _login(client, "jo@example.fr", "mauvais")
    assert _login(client, "jo@example.fr", PASSWORD).status_code == 302
