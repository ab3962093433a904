"""The public page /valider/: no account, same size limit, rate limited per address."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from region27.validation.selectors import schema_resolve
from tests.validation.platform.conftest import subventions_csv, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def test_public_page_validates(client: Client, schemas: None) -> None:
    page = client.get("/valider/")
    assert page.status_code == 200
    assert "scdl/subventions v2.1.1" in page.content.decode()
    version = schema_resolve("scdl/subventions")
    response = client.post(
        "/valider/", {"file": upload(subventions_csv()), "schema": version.pk, "output": "page"}
    )
    assert response.status_code == 200
    assert "est conforme au schéma scdl/subventions v2.1.1" in response.content.decode()
    response = client.post(
        "/valider/",
        {"file": upload(subventions_csv(bad_sirets=1)), "schema": version.pk, "output": "page"},
    )
    html = response.content.decode()
    assert "n&#x27;est pas conforme" in html or "n'est pas conforme" in html
    assert "french-siret-value" in html
    response = client.post(
        "/valider/",
        {"file": upload(subventions_csv(bad_sirets=1)), "schema": version.pk, "output": "json"},
    )
    payload = json.loads(response.content)
    assert payload["valid"] is False and payload["errors"][0]["type"] == "french-siret-value"
    response = client.post(
        "/valider/",
        {"file": upload(subventions_csv(bad_sirets=1)), "schema": version.pk, "output": "csv"},
    )
    assert response.content.startswith(b"\xef\xbb\xbf") and b";" in response.content


def test_public_page_needs_file_and_schema(client: Client, schemas: None) -> None:
    response = client.post("/valider/", {"output": "page"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez le fichier" in html and "Choisissez un référentiel" in html


def test_public_page_reports_unreadable_file(client: Client, schemas: None) -> None:
    version = schema_resolve("scdl/subventions")
    response = client.post(
        "/valider/", {"file": upload(b"", "vide.csv"), "schema": version.pk, "output": "page"}
    )
    assert response.status_code == 400


def test_public_page_refuses_oversize(client: Client, schemas: None) -> None:
    version = schema_resolve("scdl/subventions")
    with override_settings(REGION27_MAX_UPLOAD_SIZE=200):
        response = client.post(
            "/valider/",
            {"file": upload(subventions_csv(rows=20)), "schema": version.pk, "output": "page"},
        )
    assert response.status_code == 400
    assert "dépasse la taille maximale" in response.content.decode()


def test_public_page_refuses_private_schema_address(client: Client, schemas: None) -> None:
    response = client.post(
        "/valider/",
        {
            "file": upload(subventions_csv()),
            "schema_url": "http://localhost:8000/schema.json",
            "output": "page",
        },
    )
    assert response.status_code == 400
    assert "pas joignable" in response.content.decode()


def test_public_page_is_rate_limited(client: Client, schemas: None) -> None:
    version = schema_resolve("scdl/subventions")
    with override_settings(REGION27_VALIDATION_PUBLIC_RATE=2):
        for _ in range(2):
            response = client.post(
                "/valider/", {"file": upload(subventions_csv()), "schema": version.pk}
            )
            assert response.status_code == 200
        response = client.post(
            "/valider/", {"file": upload(subventions_csv()), "schema": version.pk}
        )
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 61
        assert "Trop de validations" in response.content.decode()
        other = Client(REMOTE_ADDR="192.0.2.7")
        assert other.get("/valider/").status_code == 200  # reading the page is not counted
        ok = other.post("/valider/", {"file": upload(subventions_csv()), "schema": version.pk})
        assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/not-an-object", "/a-path"])
def test_public_page_refuses_a_schema_that_is_not_an_object(
    client: Client, schemas: None, server: str, path: str
) -> None:
    """`[]` gave a 500; a JSON string was read as a path of the server."""
    with override_settings(REGION27_VALIDATION_ALLOWED_NETWORKS=["127.0.0.2/32"]):
        response = client.post(
            "/valider/",
            {"file": upload(subventions_csv()), "schema_url": server + path, "output": "page"},
        )
    assert response.status_code == 400
    assert "objet JSON" in response.content.decode()


@pytest.mark.parametrize("data", [b"/etc/hostname", b'"/etc/hostname"', b"[1, 2]", b"{"])
def test_schema_check_reads_only_json_objects(db: None, data: bytes) -> None:
    from django.core.exceptions import ValidationError

    from region27.validation.services import schema_check

    with pytest.raises(ValidationError) as caught:
        schema_check(data)
    assert "JSON" in " ".join(caught.value.messages)
