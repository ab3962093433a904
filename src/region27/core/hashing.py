"""Canonical JSON (RFC 8785 for the values we store) and its SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no spaces, UTF-8; enough for RFC 8785 on strings, ints, lists, dicts."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_value(value: Any) -> Any:
    """A model field's value as JSON holds it: dates in ISO 8601, decimals as strings,
    a stored file as its name."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value
