"""A change to a published entry, end to end: the agent proposes, the public keeps the
approved version, the élu reads the diff and approves; the pages pass axe at 390 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SERIOUS, SiteData, format_violations, login, logout, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_TITLE = "Étude sur les mobilités douces, mise à jour 2026"


def _axe_at_390(page: Any, axe_source: str, label: str) -> None:
    violations = [v for v in run_axe(page, axe_source) if v["impact"] in SERIOUS]
    assert not violations, format_violations(label, violations)
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > 392)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ': '
            + e.textContent.slice(0, 60))"""
    )
    assert overflow <= 390, f"{label}: {overflow} px wide at 390 px: {wide}"


def test_agent_proposes_public_waits_elu_approves(
    new_context: Any, axe_source: str, site_data: SiteData
) -> None:
    study = site_data.study
    old_title = study.title
    page = new_context(bypass_csp=True, viewport={"width": 390, "height": 844}).new_page()
    login(page, site_data.agent.email)
    page.goto(study.get_absolute_url())
    page.get_by_role("link", name="Proposer une modification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposer une modification")
    page.get_by_label("Titre").fill(NEW_TITLE)
    page.get_by_role("button", name="Proposer aux élus").click()
    expect(page.get_by_text("Modification en attente de validation")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(old_title)
    logout(page)

    # The public keeps seeing the approved version.
    page.goto(study.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(old_title)
    expect(page.get_by_text("Modification en attente")).to_have_count(0)

    login(page, site_data.elu.email)
    page.goto("/a-valider/")
    row = page.get_by_role("row").filter(has_text=old_title)
    row.get_by_role("link", name=re.compile("^Relire")).click()
    expect(page.locator("ins").filter(has_text=NEW_TITLE)).to_be_visible()
    expect(page.locator("del").filter(has_text=old_title)).to_be_visible()
    _axe_at_390(page, axe_source, "relecture")
    page.get_by_role("button", name="Valider la modification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    logout(page)

    page.goto(f"{study.get_absolute_url()}historique/")
    expect(page.get_by_text("modification validée par un élu")).to_be_visible()
    _axe_at_390(page, axe_source, "historique")
    page.get_by_role("link", name=re.compile("^Voir la version")).first.click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Version")
    _axe_at_390(page, axe_source, "version")
