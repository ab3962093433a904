"""RFC 9457 problem details: every error of the API is one of these."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from region27.core.errors import NotAllowed

logger = logging.getLogger("region27.api")

CONTENT_TYPE = "application/problem+json"
# Problem types, documented on the API's documentation page (anchors there).
TYPE_BASE = "/api/1/docs/#problem-"


class Problem(Exception):
    """Raise anywhere in the API to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        title: str = "",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.title = title
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(
    request: HttpRequest | None,
    status: int,
    slug: str,
    detail: str,
    *,
    title: str = "",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.path
    body.update(extensions)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _location(loc: Any) -> str:
    parts = [str(p) for p in (loc or ())]
    return ".".join(parts)


def as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Any error answer that is not already a problem document becomes one (keeping the
    headers a client acts on)."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(CONTENT_TYPE):
        return response
    detail = ""
    if response.status_code == 405:
        detail = _("Méthode %(m)s non permise ici (permises : %(a)s).") % {
            "m": request.method,
            "a": response.get("Allow", ""),
        }
    elif response.status_code == 404:
        detail = _("Aucune opération de l'API à cette adresse.")
    elif response.status_code == 400:
        detail = _("Requête invalide : vérifiez l'adresse, ses paramètres et l'en-tête Host.")
    elif response.status_code >= 500:
        detail = _("Erreur interne : elle est enregistrée dans les journaux du serveur.")
    elif response.get("Content-Type", "").startswith("application/json"):
        try:
            payload = json.loads(response.content or b"{}")
            detail = str(payload.get("detail", "")) if isinstance(payload, dict) else ""
        except (ValueError, UnicodeDecodeError):
            detail = ""
    converted = problem_response(request, response.status_code, "http-error", detail)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if response.has_header(header):
            converted[header] = response[header]
    return converted


def is_api_path(path: str) -> bool:
    return path == "/api/1" or path.startswith("/api/1/")


class ProblemMiddleware:
    """The outermost middleware: under /api/1/, an error answered by anything else than
    the API's own views (Django's 404/400/500 handlers, a refused Host, a request the
    URL patterns cannot route, a middleware's refusal) is a problem document too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api_path(request.path) and not request.path.startswith("/api/1/docs/"):
            return as_problem(request, response)
        return response


def validation_errors(error: DjangoValidationError) -> list[dict[str, str]]:
    """A Django ValidationError as [{field, message}] (field "" for the whole object)."""
    out: list[dict[str, str]] = []
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = "" if field == "__all__" else field
            out.extend({"field": name, "message": str(m)} for m in messages)
    else:
        out.extend({"field": "", "message": str(m)} for m in error.messages)
    return out


def _ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        loc = list(item.get("loc") or ())
        where = str(loc[0]) if loc else ""
        # ninja nests parameters under the function argument's name: drop it.
        if len(loc) > 2 and where in ("query", "path", "body", "form", "file", "header"):
            loc = [loc[0], *loc[2:]]
        errors.append(
            {
                "location": where,
                "field": _location(loc[1:]),
                "message": str(item.get("msg", "")),
                "type": str(item.get("type", "")),
            }
        )
    summary = "; ".join(f"{e['field'] or e['location']}: {e['message']}" for e in errors[:5])
    return problem_response(
        request,
        422,
        "invalid-parameters",
        _("Paramètres invalides : %(s)s") % {"s": summary},
        title=_("Paramètres invalides"),
        errors=errors,
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if exc.status_code == 400 and cause is not None:
        if isinstance(cause, json.JSONDecodeError):
            return problem_response(
                request,
                400,
                "malformed-json",
                _(
                    "Le corps de la requête n'est pas du JSON valide : %(msg)s "
                    "(ligne %(l)d, colonne %(c)d)."
                )
                % {"msg": cause.msg, "l": cause.lineno, "c": cause.colno},
                title=_("JSON mal formé"),
            )
        if isinstance(cause, Problem):
            return _problem(request, cause)
        return problem_response(
            request, 400, "malformed-body", _("Corps de requête illisible : %(e)s") % {"e": cause}
        )
    if isinstance(exc, AuthenticationError):
        return problem_response(
            request,
            401,
            "authentication-required",
            _(
                "Authentification requise : envoyez un jeton personnel dans l'en-tête "
                "« Authorization: Bearer <jeton> » ou « X-API-KEY: <jeton> »."
            ),
            title=_("Authentification requise"),
            headers={"WWW-Authenticate": 'Bearer realm="region27"'},
        )
    return problem_response(request, exc.status_code, "http-error", str(exc))


def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(
        request,
        exc.status,
        exc.slug,
        exc.detail,
        title=exc.title,
        headers=exc.headers,
        **exc.extensions,
    )


def _not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return problem_response(request, 403, "forbidden", exc.message, title=_("Action non autorisée"))


def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = validation_errors(exc)
    return problem_response(
        request,
        422,
        "invalid-content",
        " ".join(f"{e['field']} : {e['message']}" if e["field"] else e["message"] for e in errors)[
            :2000
        ],
        title=_("Contenu refusé"),
        errors=errors,
    )


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    detail = str(exc) or _("Rien à cette adresse.")
    return problem_response(request, 404, "not-found", detail, title=_("Introuvable"))


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, OperationalError) and "locked" in str(exc):
        # SQLite busy beyond its timeout: the write was rolled back, try again.
        return problem_response(
            request,
            503,
            "busy",
            _("La base de données est occupée : rien n'a été enregistré, réessayez."),
            headers={"Retry-After": "1"},
        )
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem_response(
        request,
        500,
        "server-error",
        _("Erreur interne : elle est enregistrée dans les journaux du serveur."),
    )


def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return problem_response(
            request,
            413,
            "body-too-large",
            _("Corps de requête trop volumineux."),
            title=_("Requête trop volumineuse"),
        )
    return problem_response(
        request, 400, "malformed-body", _("Corps de requête illisible : %(e)s") % {"e": exc}
    )


def install(api: NinjaAPI) -> None:
    """Route every exception the API can meet to a problem document."""
    api.add_exception_handler(Exception, _server_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _not_found)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(NinjaValidationError, _ninja_validation)  # type: ignore[arg-type]
    api.add_exception_handler(Problem, _problem)  # type: ignore[arg-type]
    api.add_exception_handler(NotAllowed, _not_allowed)  # type: ignore[arg-type]
    api.add_exception_handler(DjangoValidationError, _django_validation)  # type: ignore[arg-type]
    api.add_exception_handler(MultiPartParserError, _suspicious)  # type: ignore[arg-type]
    api.add_exception_handler(SuspiciousOperation, _suspicious)  # type: ignore[arg-type]
