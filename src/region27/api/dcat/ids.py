"""Stable public identifiers, shared by the DCAT export (dct:identifier) and the CKAN API (id).

An identifier is UUID-shaped: 20 hex digits that depend on the instance's address and
the kind of object, then the primary key in 12 hex digits. It never changes for an
object, differs between instances, and reads back to the key without a lookup table.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from django.conf import settings

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _prefix(kind: str) -> str:
    site = str(getattr(settings, "SITE_URL", "")).rstrip("/")
    return hashlib.sha1(f"{site}|{kind}".encode(), usedforsecurity=False).hexdigest()[:20]


def public_id(kind: str, pk: int) -> str:
    return str(uuid.UUID(hex=f"{_prefix(kind)}{pk:012x}"))


def pk_from_public_id(kind: str, value: str) -> int | None:
    value = value.strip().lower()
    if not _UUID.fullmatch(value):
        return None
    digits = value.replace("-", "")
    if digits[:20] != _prefix(kind):
        return None
    return int(digits[20:], 16)


def looks_like_id(value: str) -> bool:
    return bool(_UUID.fullmatch(value.strip().lower()))
