"""Every error under /api/1/ is an RFC 9457 problem document (`application/problem+json`),
whatever the path (newlines, NUL, spaces, unknown routes, bytes that are not UTF-8) and
the method, with Django's test client and over real HTTP."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ODD_PATHS = [
    "/api/1/entries/x/submit%0A",
    "/api/1/entries/x/submit%0D%0A",
    "/api/1/entries%0A",
    "/api/1/%0A",
    "/api/1/%0Aentries",
    "/api/1/entries/%0D%0Ax",
    "/api/1/openapi.json%0A",
    "/api/1/docs%0A",
    "/api/1/nope",
    "/api/1/entries/x/y/z/",
    "/api/1/entries%00",
    "/api/1/entries?q=%00",
    "/api/1/entries%20",
    "/api/1/entries/%20%20",
    "/api/1/entries/x/submit%20",
    "/api/1/%E2%80%8B",
    "/api/1/%FF%FE",
    "/api/1/entries/..%2F..%2Fetc",
    "/api/1//entries",
]
METHODS = ["get", "post", "put", "patch", "delete"]


def _assert_problem(status: int, content_type: str, body: bytes, where: str) -> dict[str, Any]:
    assert status >= 400, where
    assert content_type.startswith("application/problem+json"), f"{where}: {content_type}"
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("/api/1/docs/#problem-")
    assert problem["title"] and isinstance(problem["detail"], str), where
    return dict(problem)


@pytest.mark.parametrize("method", METHODS)
def test_odd_paths_answer_problem_documents(client: Client, method: str) -> None:
    for path in ODD_PATHS:
        response = getattr(client, method)(path)
        _assert_problem(
            response.status_code, response["Content-Type"], response.content, f"{method} {path}"
        )


def test_a_newline_after_an_operation_is_not_that_operation(client: Client) -> None:
    response = client.post("/api/1/entries/x/submit%0A")
    problem = _assert_problem(response.status_code, response["Content-Type"], response.content, "")
    assert response.status_code == 404 and problem["instance"] == "/api/1/entries/x/submit\n"
    assert "Aucune opération" in problem["detail"]


def test_wrong_methods_answer_405_problems_with_allow(client: Client) -> None:
    for method, path in [
        ("delete", "/api/1/entries"),
        ("put", "/api/1/openapi.json"),
        ("patch", "/api/1/search"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 405, (method, path)
        problem = _assert_problem(405, response["Content-Type"], response.content, path)
        assert "GET" in response["Allow"] and method.upper() in problem["detail"]


def test_a_refused_host_is_a_problem_under_the_api_only(client: Client) -> None:
    response = client.get("/api/1/entries", HTTP_HOST="ailleurs.example")
    problem = _assert_problem(400, response["Content-Type"], response.content, "host")
    assert "Host" in problem["detail"]
    page = client.get("/catalogue/", HTTP_HOST="ailleurs.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_the_documentation_page_and_other_sites_pages_stay_html(client: Client) -> None:
    assert client.get("/api/1/docs/")["Content-Type"].startswith("text/html")
    missing = client.get("/catalogue/pas-de-fiche%0A/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")


@pytest.mark.django_db(transaction=True)
def test_over_real_http(live_server: Any) -> None:
    """The raw request lines reach the server as typed (no client normalisation)."""
    where = urlsplit(live_server.url)
    for method in ("GET", "POST", "DELETE"):
        for path in ODD_PATHS:
            connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
            try:
                connection.request(method, path)
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
            _assert_problem(
                response.status,
                response.getheader("Content-Type", ""),
                body,
                f"{method} {path} (HTTP)",
            )
