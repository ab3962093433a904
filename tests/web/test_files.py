"""Uploaded files (`/media/…`): served by region27, to whoever may see what they belong
to, always as a download, never as a page of the site."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from region27.catalog import services
from tests import factories

pytestmark = pytest.mark.django_db


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def files() -> dict[str, Any]:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    published = factories.entry(org, agent, kind="dataset", status="published", title="Public")
    draft = factories.entry(org, agent, kind="dataset", title="Brouillon")
    public = services.distribution_add(
        entry=published,
        by=agent,
        title="Données",
        file=SimpleUploadedFile("données 2024.csv", b"a;b\n1;2\n", content_type="text/csv"),
    )
    hidden = services.distribution_add(
        entry=draft,
        by=agent,
        title="Page",
        file=SimpleUploadedFile(
            "page.html", b"<script>alert(1)</script>", content_type="text/html"
        ),
    )
    return {"agent": agent, "public": public, "hidden": hidden, "published": published}


def test_a_published_file_is_downloaded_by_anyone(client: Client, files: dict[str, Any]) -> None:
    url = files["public"].file.url
    assert url.startswith("/media/distributions/")
    response = client.get(url)
    assert response.status_code == 200
    assert body(response) == b"a;b\n1;2\n"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "2024.csv" in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox"
    # Caches ask again each time (a removed file must not outlive its removal), and the
    # checksum spares them the download when they hold it already.
    assert response["Cache-Control"] == "public, no-cache"
    etag = response["ETag"]
    assert etag == f'"{files["public"].checksum}"'
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    # Link checkers and harvesters ask with HEAD.
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Disposition"].startswith("attachment;")


def test_a_draft_s_file_only_for_its_members(client: Client, files: dict[str, Any]) -> None:
    url = files["hidden"].file.url
    assert client.get(url).status_code == 404
    client.force_login(files["agent"])
    response = client.get(url)
    assert response.status_code == 200
    # An uploaded page never runs as a page of the site.
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_removed_unknown_and_odd_names_are_404(client: Client, files: dict[str, Any]) -> None:
    url = files["public"].file.url
    for odd in (
        "/media/",
        "/media/inconnu/a.csv",
        "/media/distributions/",
        "/media/../config/settings/base.py",
        "/media/distributions//a.csv",
        "/media/%2e%2e/%2e%2e/etc/passwd",
    ):
        assert client.get(odd).status_code == 404, odd
    services.distribution_remove(distribution=files["public"], by=files["agent"])
    assert client.get(url).status_code == 404
