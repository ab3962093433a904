"""What a reader sees is rendered: no template syntax leaks into a page, and the
journal's times say which time zone they are in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

import region27
from region27.journal.models import Record
from tests import factories

TEMPLATES = Path(region27.__file__).parent


def test_no_template_comment_spans_lines() -> None:
    """`{# … #}` is a one-line comment in Django: one spread over lines is printed as
    text. Longer comments use `{% comment %}`."""
    offenders = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for start in [m.start() for m in re.finditer(r"\{#", line)]:
                if "#}" not in line[start:]:
                    offenders.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert not offenders, offenders


@pytest.mark.django_db
def test_pages_show_no_template_syntax(client: Client) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    entry = factories.entry(org, agent, status="published", title="Plan vélo")
    pages = [
        "/",
        "/catalogue/",
        entry.get_absolute_url(),
        f"{entry.get_absolute_url()}historique/",
        "/recherche/?q=vélo",
        "/journal/",
        org.get_absolute_url(),
        "/organisations/",
        "/evaluations/",
        "/valider/",
        "/compte/connexion/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for syntax in ("{#", "#}", "{{", "}}", "{%", "%}"):
            assert syntax not in html, (url, syntax)


@pytest.mark.django_db
def test_journal_times_say_their_time_zone(client: Client) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    factories.entry(org, agent, status="published", title="Plan vélo")
    record = Record.objects.order_by("-seq").first()
    assert record is not None
    local = timezone.localtime(record.time)
    html = client.get("/journal/").content.decode()
    assert "Date (UTC)" not in html
    shown = f"{local:%H:%M} {local.tzname()}"
    assert shown in html, shown


@pytest.mark.django_db
def test_every_page_names_its_icon(client: Client) -> None:
    from django.contrib.staticfiles import finders

    html = client.get("/").content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert match, "no icon"
    found = finders.find("region27/favicon.svg")
    assert found and Path(str(found)).read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.django_db
def test_home_leads_to_the_evaluations_and_the_journal(client: Client) -> None:
    html = client.get("/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert 'href="/evaluations/"' in main and 'href="/journal/"' in main
