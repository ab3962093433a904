"""Routes of the JSON API, version 1, at /api/1/ (see region27.api.v1)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from region27.api.v1.api import api
from region27.api.v1.docs import docs
from region27.api.v1.gateway import gateway
from region27.api.v1.problems import problem_response


def _wrapped(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    out: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            callback = pattern.callback
            if pattern.name == "openapi-json":  # ninja serves it to any method
                callback = require_safe(callback)
            out.append(
                URLPattern(pattern.pattern, gateway(callback), pattern.default_args, pattern.name)
            )
        else:
            out.append(pattern)
    return out


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(
        request,
        404,
        "not-found",
        _("Aucune opération de l'API à cette adresse."),
        title=_("Introuvable"),
    )


_patterns, _app_name, _namespace = api.urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/1/docs/", docs, name="api1_docs"),
    path("api/1/", include((_wrapped(list(_patterns)), _app_name), namespace=_namespace)),
    # Anything else under /api/1/, newlines included (DOTALL): a 404 problem document.
    re_path(r"^api/1/(?P<rest>(?s:.*))$", gateway(not_found)),
]
