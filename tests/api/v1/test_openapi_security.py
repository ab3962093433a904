"""The OpenAPI document declares public reads public (an empty security requirement
first), so that clients generated from it call them without a token; writes require one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKENS = [{"BearerToken": []}, {"KeyToken": []}]


def _operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    response = client.get("/api/1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_reads_are_optional_security_and_writes_require_a_token(client: Client) -> None:
    operations = _operations(client)
    reads = [(m, p) for m, p, o in operations if o["security"] == [{}, *TOKENS]]
    writes = [(m, p) for m, p, o in operations if o["security"] == TOKENS]
    assert len(reads) + len(writes) == len(operations)  # nothing else
    assert {m for m, _p in reads} == {"get"}
    assert {m for m, _p in writes} == {"post", "patch", "put", "delete"}
    assert ("get", "/api/1/entries") in reads and ("post", "/api/1/entries") in writes


def test_what_is_declared_public_answers_without_a_token(client: Client) -> None:
    for method, path, operation in _operations(client):
        if "{" in path:
            continue  # needs an existing object; the declaration comes from the same auth
        response = getattr(client, method)(path, content_type="application/json")
        if operation["security"][0] == {}:
            assert response.status_code == 200, (method, path, response.content[:300])
        else:
            assert response.status_code == 401, (method, path)
            assert response["Content-Type"] == "application/problem+json"
