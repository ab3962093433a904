"""Personal API tokens: created and revoked by their owner, stored hashed, optional expiry.

`token_create` returns the clear token once; only its SHA-256 is stored. A token acts
with its owner's roles: the permission policy (`accounts.policy`) decides, exactly as
for the web forms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from region27.accounts.models import ApiToken, User
from region27.core.errors import NotAllowed

TOKEN_PREFIX = "r27_"  # noqa: S105 - a marker, not a secret
MAX_TOKENS_PER_USER = 20
MAX_EXPIRY_DAYS = 3650
# last_used_at is written at most once per this interval (not on every request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_hash(clear: str) -> str:
    return hashlib.sha256(clear.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of `token_authenticate`: a user, or why the token is refused."""

    user: User | None
    token: ApiToken | None
    problem: str = ""  # "", "invalid", "expired", "revoked", "inactive"


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


@transaction.atomic
def token_create(
    *, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the clear value (shown once, never stored)."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed()
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError(
            {"name": _("Donnez un nom au jeton (par exemple, l'outil qui l'utilise).")}
        )
    now = timezone.now()
    if expires_at is not None:
        if expires_at <= now:
            raise ValidationError(
                {"expires_at": _("La date d'expiration doit être dans le futur.")}
            )
        if expires_at > now + dt.timedelta(days=MAX_EXPIRY_DAYS):
            raise ValidationError({"expires_at": _("Expiration trop lointaine (dix ans au plus).")})
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("Vous avez déjà %(n)d jetons actifs : révoquez-en un d'abord.")
            % {"n": MAX_TOKENS_PER_USER}
        )
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=clear[: len(TOKEN_PREFIX) + 6],
        token_hash=token_hash(clear),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, clear


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token; only its owner may. Revoking twice changes nothing."""
    if not by.is_authenticated or token.user_id != by.pk:
        raise NotAllowed()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(clear: str) -> TokenCheck:
    """The user a clear token acts for, or why it is refused; records its last use."""
    if not clear or len(clear) > 200:
        return TokenCheck(None, None, "invalid")
    token = ApiToken.objects.select_related("user").filter(token_hash=token_hash(clear)).first()
    if token is None:
        return TokenCheck(None, None, "invalid")
    if token.revoked_at is not None:
        return TokenCheck(None, token, "revoked")
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return TokenCheck(None, token, "expired")
    if not token.user.is_active:
        return TokenCheck(None, token, "inactive")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return TokenCheck(token.user, token)
