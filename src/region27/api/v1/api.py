"""The NinjaAPI instance of /api/1/ and its OpenAPI 3.1 document."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from region27.api.v1 import entries, journal, problems, reference, search, validation
from region27.api.v1.auth import anonymous
from region27.api.v1.parser import StrictJSONParser
from region27.api.v1.problems import CONTENT_TYPE

DESCRIPTION = """\
The JSON API of region27: entries of every kind (datasets, studies, software, services,
failure reports, kits…), organisations, territories (INSEE's COG), themes, licences,
search with facets, and the public journal.

* Reads are public (CORS open; their `security` lists `{}` first: no token needed).
  Send a personal token (created on your account page) as `Authorization: Bearer
  <token>` or `X-API-KEY: <token>` to see your organisations' drafts and to write; a
  token acts with your roles.
* Every list answers `{data, page, page_size, total, next_page, previous_page}`.
* Every error is an RFC 9457 problem document (`application/problem+json`).
* Rate limits per token and per IP address: `429` with `Retry-After`.
"""


class _Schema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        """Public reads (their auth accepts `anonymous`) declare the tokens optional: the
        empty requirement `{}` first, so that generated clients call them without one."""
        security = super().operation_security(operation)
        if security is not None and anonymous in operation.auth_callbacks:
            return [{}, *security]
        return security


class Region27API(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = _Schema(self, path_prefix)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict):
                    continue
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content") if isinstance(response, dict) else None
                    if str(code) >= "400" and content and "application/json" in content:
                        content[CONTENT_TYPE] = content.pop("application/json")
                        response["description"] = response.get("description") or "Problem"
                    if str(code) == "429":
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait",
                                "schema": {"type": "integer"},
                            }
                        }
        return schema


api = Region27API(
    title=f"{settings.SITE_NAME} — API JSON",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api1",
    docs_url=None,
    parser=StrictJSONParser(),
)
problems.install(api)
api.add_router("/", entries.router)
api.add_router("/", reference.router)
api.add_router("/", search.router)
api.add_router("/", journal.router)
api.add_router("/", validation.router)
