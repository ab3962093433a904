"""Middleware of the HTML interface: French first, and service refusals as a French 403."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from region27.core.errors import NotAllowed
from region27.web.views.common import wants_json


class NotAllowedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotAllowed):
            return render(request, "403.html", {"message": exception.message}, status=403)
        return None


class FrenchFirstMiddleware:
    """The browser's Accept-Language does not switch the language; the footer's form does.

    People choose English with Django's `set_language` view (a cookie); otherwise the
    interface stays in French whatever the browser's settings.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class NulCharacterMiddleware:
    """A NUL character in the address or its parameters: a French 400, never a 500.

    No text of the site holds one, and PostgreSQL refuses it in any query (the filters
    of the pages pass their parameters to the database). Forms already refuse it in
    the fields they read (Django's `ProhibitNullCharactersValidator`); the JSON and CKAN
    APIs answer with their own problem documents. Placed after the session, CSRF and
    authentication middleware, so that the 400 page is a normal page (language form).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_OWN_CHECKS) and _has_nul(request):
            message = _("L'adresse contient un caractère nul : retirez-le et réessayez.")
            if wants_json(request):
                problem = {"type": "invalid-characters", "status": 400, "detail": message}
                return JsonResponse(problem, status=400, content_type="application/problem+json")
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


# The JSON and CKAN APIs refuse a NUL themselves, in their own problem documents.
_OWN_CHECKS = ("/api/1/", "/api/3/", "/api/action/")


class NulCookieMiddleware:
    """A cookie holding a NUL character is ignored (a session cookie like that would
    reach the sessions table, which PostgreSQL refuses: a 500 on every page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookies = request.COOKIES
        for key in [k for k, v in cookies.items() if "\x00" in k or "\x00" in v]:
            del cookies[key]
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )
