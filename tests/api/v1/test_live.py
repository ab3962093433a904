"""Against a live server, over real HTTP: a client's round trip, and the schemathesis run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from region27.accounts.tokens import token_create
from tests import factories

ST = Path(sys.executable).with_name("st")
# Bounded so CI runs it on two cores in a few minutes.
ST_MAX_EXAMPLES = os.environ.get("REGION27_ST_MAX_EXAMPLES", "8")
ST_TIMEOUT = 420


@pytest.fixture
def world(live_server: Any) -> dict[str, Any]:
    org = factories.organisation(slug="ville-live")
    agent = factories.member(org, "agent")
    entry = factories.entry(org, agent, kind="dataset", status="published", title="Parkings vélo")
    factories.entry(org, agent, kind="study", status="published", title="Étude mobilité")
    return {
        "url": live_server.url,
        "token": token_create(user=agent, name="live")[1],
        "entry": entry,
    }


def test_http_round_trip(world: dict[str, Any]) -> None:
    base, token = world["url"] + "/api/1", world["token"]
    session = requests.Session()
    listed = session.get(
        f"{base}/entries", headers={"Origin": "https://ailleurs.example"}, timeout=10
    )
    assert listed.status_code == 200 and listed.headers["Access-Control-Allow-Origin"] == "*"
    assert listed.json()["total"] == 2
    auth = {"Authorization": f"Bearer {token}"}
    created = session.post(
        f"{base}/entries",
        json={
            "kind": "dataset",
            "organisation": "ville-live",
            "title": "Arceaux",
            "summary": "Les arceaux vélo.",
            "licence": "odc-odbl",
        },
        headers=auth,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    upload = session.post(
        f"{base}/entries/{slug}/distributions",
        data={"title": "CSV"},
        files={"file": ("arceaux.csv", b"id;lat;lon\n1;44.9;4.9\n", "text/csv")},
        headers={"X-API-KEY": token},
        timeout=10,
    )
    assert upload.status_code == 201, upload.text
    detail = session.get(f"{base}/entries/{slug}", headers=auth, timeout=10).json()
    assert detail["distributions"][0]["size"] == 22
    malformed = session.post(
        f"{base}/entries",
        data=b'{"kind": "dataset"',
        headers={**auth, "Content-Type": "application/json"},
        timeout=10,
    )
    assert malformed.status_code == 400
    assert malformed.headers["Content-Type"] == "application/problem+json"
    assert (
        session.get(
            f"{base}/entries", headers={"Authorization": "Bearer r27_x"}, timeout=10
        ).status_code
        == 401
    )


def test_http_rate_limit(world: dict[str, Any], settings: Any) -> None:
    settings.REGION27_API_RATE_IP = 2
    url = world["url"] + "/api/1/themes"
    codes = [requests.get(url, timeout=10).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = requests.get(url, timeout=10)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["status"] == 429


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_nor_schema_violation(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """Bounded property-based run of every operation (reads anonymous and with a token)."""
    assert ST.exists(), "schemathesis (st) is installed with the dev dependencies"
    command = [
        str(ST),
        "run",
        world["url"] + "/api/1/openapi.json",
        "--header",
        f"Authorization: Bearer {world['token']}",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance,response_headers_conformance",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        ST_MAX_EXAMPLES,
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--seed",
        "27",
        "--no-color",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=ST_TIMEOUT, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
