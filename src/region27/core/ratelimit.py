"""Fixed-window rate limits counted in Django's cache framework (the cache named by
`REGION27_API_RATE_CACHE`: the database cache by default, so that several processes
agree), shared by the API and the public validation page; and `Throttle`, the counters
of attempts (sign-in failures, password-reset requests) that lock a key for a while."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: the proxy's last X-Forwarded-For entry when trusted."""
    if getattr(settings, "REGION27_API_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def hit(key: str, limit: int, window: int) -> tuple[bool, int, int]:
    """Count one request for `key`: (allowed, remaining, seconds until the window resets).
    A limit of 0 or less means no limit."""
    now = time.time()
    start = int(now // window) * window
    reset = max(1, math.ceil(start + window - now))
    if limit <= 0:
        return True, 0, reset
    cache = caches[getattr(settings, "REGION27_API_RATE_CACHE", "default")]
    name = f"region27:api:rate:{key}:{start}"
    if cache.add(name, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=window + 5)
            count = 1
    return count <= limit, max(0, limit - count), reset


def _cache() -> Any:
    return caches[getattr(settings, "REGION27_API_RATE_CACHE", "default")]


@dataclass(frozen=True)
class Throttle:
    """At most `limit` events per key within `window` seconds of the first one; once the
    limit is reached, the key is refused until that window ends (it does not slide, so a
    refused attempt does not lengthen the wait). A limit of 0 or less means no limit.

    Counted in the same cache as the API's limits (shared by every process); keys are
    hashed, so that no e-mail address is stored in the cache."""

    name: str
    limit: int
    window: int

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        base = f"region27:throttle:{self.name}:{digest}"
        return f"{base}:n", f"{base}:until"

    def wait(self, key: str) -> int:
        """Seconds before `key` may try again (0: now)."""
        if self.limit <= 0:
            return 0
        count_key, until_key = self._keys(key)
        values = _cache().get_many([count_key, until_key])
        if int(values.get(count_key) or 0) < self.limit:
            return 0
        until = float(values.get(until_key) or time.time() + self.window)
        return max(1, math.ceil(until - time.time()))

    def add(self, key: str) -> None:
        """Count one event for `key` (the first one opens the window)."""
        if self.limit <= 0:
            return
        cache = _cache()
        count_key, until_key = self._keys(key)
        until = time.time() + self.window
        if cache.add(count_key, 1, timeout=self.window):
            cache.set(until_key, until, timeout=self.window)
            return
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set_many({count_key: 1, until_key: until}, timeout=self.window)

    def clear(self, key: str) -> None:
        _cache().delete_many(list(self._keys(key)))
