"""The site works without JavaScript: htmx only enhances plain HTML forms and links.

The filter form is submitted with its selects left on « Tous / Toutes », which sends
empty values (`organisation=`); they must mean "no filter".
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SiteData

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_catalog_filters_by_kind_without_javascript(new_context: Any, site_data: SiteData) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/catalogue/")
    results = page.locator("#results")
    expect(results.get_by_role("listitem")).to_have_count(4)

    page.get_by_role("checkbox", name="Logiciels").check()
    page.get_by_role("button", name="Filtrer").click()

    expect(page).to_have_url(re.compile(r"/catalogue/\?.*kind=software"))
    expect(page.get_by_role("checkbox", name="Logiciels")).to_be_checked()
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results.get_by_role("link", name="Logiciel de gestion des salles")).to_be_visible()
    expect(results).to_contain_text("1 fiche")


def test_catalog_filters_by_territory_without_javascript(
    new_context: Any, site_data: SiteData
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/catalogue/")
    page.get_by_label("Territoire", exact=True).fill("departement:26")
    page.get_by_role("button", name="Filtrer").click()
    results = page.locator("#results")
    expect(results.get_by_role("listitem")).to_have_count(2)
    expect(results.get_by_role("link", name="Étude sur les mobilités douces")).to_be_visible()
    expect(
        results.get_by_role("link", name="Jeu de données des bornes de recharge")
    ).to_be_visible()
