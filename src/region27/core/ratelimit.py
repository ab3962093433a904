"""Fixed-window rate limits counted in Django's cache framework (the cache named by
`REGION27_API_RATE_CACHE`: the database cache by default, so that several processes
agree), shared by the API and the public validation page."""

from __future__ import annotations

import math
import time

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
