"""The CKAN Action API endpoint: /api/3/action/<name> and /api/action/<name>.

GET (query string) and POST (JSON body or form); CKAN's envelope
`{help, success, result}` or `{help, success: false, error: {__type, message...}}`
with CKAN's HTTP codes; never a redirect, never an HTML error page.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from region27.api.ckan.actions import ACTIONS, WRITE_ACTIONS, BadRequest, CkanError, NotAuthorized
from region27.api.dcat.export import site_url

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
# Parameters that clients (ckanapi with get_only=True) may repeat in a query string.
LIST_PARAMS = frozenset({"fq_list", "facet.field", "organizations", "groups"})


def _help_url(request: HttpRequest, name: str) -> str:
    return f"{site_url()}/api/3/action/help_show?name={name[:60]}"


def _data(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":
        data: dict[str, Any] = {}
        for key in request.GET:
            values = request.GET.getlist(key)
            data[key] = values if len(values) > 1 and key in LIST_PARAMS else values[-1]
        return data
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {key: request.POST.get(key) for key in request.POST}
    raw = request.body
    if len(raw) > MAX_BODY:
        raise BadRequest("Request body too large")
    if not raw.strip():
        return {}
    try:
        decoded = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("JSON Error: Invalid request body") from None
    if not isinstance(decoded, dict):
        raise BadRequest(
            f"Bad request data: Request data JSON decoded to {str(decoded)[:40]!r} "
            "but it needs to be a dictionary."
        )
    return decoded


def _response(payload: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache" if status >= 400 else "public, max-age=60"
    return response


@csrf_exempt
def action(request: HttpRequest, name: str, version: str = "3") -> JsonResponse:
    help_url = _help_url(request, name)
    if request.method == "OPTIONS":
        response = _response({"help": help_url, "success": True, "result": None})
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-CKAN-API-Key"
        return response
    try:
        if request.method not in ("GET", "POST"):
            raise BadRequest(f"Method not allowed: {request.method}")
        function = ACTIONS.get(name)
        if function is None:
            if name in WRITE_ACTIONS:
                raise NotAuthorized(
                    f"Action {name} is not available: this portal is read-only through "
                    "the CKAN API."
                )
            raise BadRequest(f"Action name not known: {name[:60]}")
        result = function(_data(request))
    except CkanError as error:
        return _response(
            {"help": help_url, "success": False, "error": error.as_dict()}, status=error.status
        )
    return _response({"help": help_url, "success": True, "result": result})
