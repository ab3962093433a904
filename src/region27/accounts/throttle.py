"""Limits on guessing: sign-in failures and password-reset requests, per account and per
client address (settings `REGION27_LOGIN_*` and `REGION27_PASSWORD_RESET_*`, documented in
docs/operations.md).

- Sign-in: after `REGION27_LOGIN_FAILURES_PER_ACCOUNT` wrong passwords for one account
  within `REGION27_LOGIN_WINDOW` seconds of the first, that account cannot sign in (even
  with the right password) until the window ends; after
  `REGION27_LOGIN_FAILURES_PER_ADDRESS` failures from one address, whatever the accounts,
  that address cannot. A successful sign-in clears its account's failures, never the
  address's.
- Password reset: at most `REGION27_PASSWORD_RESET_PER_ACCOUNT` requests for one address
  typed in the form and `REGION27_PASSWORD_RESET_PER_ADDRESS` from one client address per
  `REGION27_PASSWORD_RESET_WINDOW` seconds, whether the account exists or not (the
  answer says nothing about that).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import ngettext

from region27.core.ratelimit import Throttle, client_ip


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _account(email: str) -> str:
    """The account an address names, as sign-in finds it: Unicode NFKC (as Django's
    username field normalises it, so `ａlice` is `alice`), trimmed, case-insensitive."""
    return unicodedata.normalize("NFKC", email or "").strip().casefold()


@dataclass(frozen=True)
class _Limits:
    """One throttle per account (the typed address, case-insensitive) and one per client
    address."""

    account: Throttle
    address: Throttle

    def wait(self, request: HttpRequest, email: str) -> int:
        return max(self.account.wait(_account(email)), self.address.wait(client_ip(request)))

    def add(self, request: HttpRequest, email: str) -> None:
        self.account.add(_account(email))
        self.address.add(client_ip(request))


def _login() -> _Limits:
    window = _setting("REGION27_LOGIN_WINDOW", 900)
    return _Limits(
        Throttle("login-account", _setting("REGION27_LOGIN_FAILURES_PER_ACCOUNT", 5), window),
        Throttle("login-address", _setting("REGION27_LOGIN_FAILURES_PER_ADDRESS", 20), window),
    )


def _reset() -> _Limits:
    window = _setting("REGION27_PASSWORD_RESET_WINDOW", 3600)
    return _Limits(
        Throttle("reset-account", _setting("REGION27_PASSWORD_RESET_PER_ACCOUNT", 3), window),
        Throttle("reset-address", _setting("REGION27_PASSWORD_RESET_PER_ADDRESS", 10), window),
    )


def login_wait(request: HttpRequest, email: str) -> int:
    """Seconds before this address may try to sign in to this account (0: now)."""
    return _login().wait(request, email)


def login_failed(request: HttpRequest, email: str) -> None:
    _login().add(request, email)


def login_succeeded(email: str) -> None:
    """The account's failures are forgotten; the address's are not (they may concern
    other accounts)."""
    _login().account.clear(_account(email))


def reset_wait(request: HttpRequest, email: str) -> int:
    """Seconds before another reset link may be asked for this address (0: now)."""
    return _reset().wait(request, email)


def reset_requested(request: HttpRequest, email: str) -> None:
    _reset().add(request, email)


def wait_message(seconds: int) -> str:
    """« Réessayez dans N minutes. », for the forms."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Trop de tentatives : pour protéger les comptes, réessayez dans %(n)s minute.",
        "Trop de tentatives : pour protéger les comptes, réessayez dans %(n)s minutes.",
        minutes,
    ) % {"n": minutes}
