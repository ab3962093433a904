"""Around every API view: rate limits, CORS for reads, problem documents for any error.

Rate limits are fixed windows counted in Django's cache framework (the cache named by
REGION27_API_RATE_CACHE): per token when a valid token is sent, else per client IP.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from region27.api.v1.auth import refusal, resolve
from region27.api.v1.problems import as_problem, problem_response
from region27.core.ratelimit import client_ip, hit

READ_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Location"
    ),
}


def _limits(request: HttpRequest) -> tuple[str, int]:
    check = resolve(request)
    if check is not None and check.token is not None and check.user is not None:
        return f"token:{check.token.pk}", int(settings.REGION27_API_RATE_TOKEN)
    return f"ip:{client_ip(request)}", int(settings.REGION27_API_RATE_IP)


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Authorization, X-API-KEY, Accept, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _reject_nul(request: HttpRequest) -> HttpResponse | None:
    raw = request.META.get("QUERY_STRING", "")
    if "%00" in raw or "\x00" in request.path:
        return problem_response(
            request,
            400,
            "invalid-characters",
            _("La requête contient un caractère nul (%00), refusé."),
        )
    return None


def gateway(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap one ninja view (see urls_v1)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return _preflight(request)
        key, limit = _limits(request)
        window = int(settings.REGION27_API_RATE_WINDOW)
        allowed, remaining, reset = hit(key, limit, window)
        if not allowed:
            response = problem_response(
                request,
                429,
                "rate-limited",
                _("Trop de requêtes : %(n)d par %(w)d secondes au plus. Réessayez dans %(r)d s.")
                % {"n": limit, "w": window, "r": reset},
                title=_("Trop de requêtes"),
                headers={"Retry-After": str(reset)},
            )
        else:
            response = _reject_nul(request) or view(request, *args, **kwargs)
            check = resolve(request)
            if response.status_code < 400 and check is not None and check.user is None:
                # A refused token on an operation that did not look at it.
                problem = refusal(check)
                response = problem_response(
                    request,
                    401,
                    problem.slug,
                    problem.detail,
                    title=problem.title,
                    headers=problem.headers,
                )
            response = as_problem(request, response)
        if limit > 0:
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        if request.method in READ_METHODS:
            for name, value in CORS_HEADERS.items():
                response[name] = value
        patch_vary_headers(response, ("Authorization", "X-API-KEY"))
        return response

    return csrf_exempt(wrapped)
