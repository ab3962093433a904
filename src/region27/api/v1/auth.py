"""Who is calling: a personal token (`Authorization: Bearer` or `X-API-KEY`), or nobody.

The gateway (`gateway.py`) reads the credentials once per request, before rate
limiting, and keeps the outcome on the request; the ninja auth classes below only
read that outcome. A token that is sent but refused is always an error (401), even
on public reads: a program with a bad token should know at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, HttpBearer

from region27.accounts.tokens import TokenCheck, token_authenticate
from region27.api.v1.problems import Problem

ATTR = "region27_api_token"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="region27", error="invalid_token"'}


def read_credentials(request: HttpRequest) -> TokenCheck | None:
    """Check the credentials sent with the request (None when there are none)."""
    header = request.headers.get("Authorization", "").strip()
    key = request.headers.get("X-API-KEY", "").strip()
    if header:
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return TokenCheck(None, None, "scheme")
        clear = value.strip()
        if key and key != clear:
            return TokenCheck(None, None, "conflict")
    elif key:
        clear = key
    else:
        return None
    return token_authenticate(clear)


def resolve(request: HttpRequest) -> TokenCheck | None:
    if not hasattr(request, ATTR):
        setattr(request, ATTR, read_credentials(request))
    result: TokenCheck | None = getattr(request, ATTR)
    return result


def refusal(check: TokenCheck) -> Problem:
    messages = {
        "invalid": _("Jeton inconnu : vérifiez qu'il est copié en entier."),
        "expired": _("Ce jeton a expiré : créez-en un autre depuis votre page « Mon compte »."),
        "revoked": _("Ce jeton a été révoqué."),
        "inactive": _("Le compte de ce jeton est désactivé."),
        "scheme": _("En-tête Authorization invalide : le schéma attendu est « Bearer <jeton> »."),
        "conflict": _("Les en-têtes Authorization et X-API-KEY portent deux jetons différents."),
    }
    return Problem(
        401,
        f"token-{check.problem}",
        messages.get(check.problem, messages["invalid"]),
        title=_("Jeton refusé"),
        headers=_CHALLENGE,
    )


def _user_or_raise(request: HttpRequest) -> Any:
    check = resolve(request)
    if check is None:
        return None
    if check.user is None:
        raise refusal(check)
    request.user = check.user
    return check.user


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`."""

    def __call__(self, request: HttpRequest) -> Any:
        return _user_or_raise(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None


class KeyToken(APIKeyHeader):
    """`X-API-KEY: <token>` (as udata does)."""

    param_name = "X-API-KEY"

    def __call__(self, request: HttpRequest) -> Any:
        return _user_or_raise(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None


def anonymous(request: HttpRequest) -> Any:
    """Public reads: no credentials at all means an anonymous visitor."""
    if resolve(request) is None:
        request.user = AnonymousUser()
        return request.user
    return _user_or_raise(request)


WRITE_AUTH = [BearerToken(), KeyToken()]
READ_AUTH = [BearerToken(), KeyToken(), anonymous]
