"""The publishing workflow, end to end, as the people who use it: agent, élu, habitant."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SiteData, login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Diagnostic des haies bocagères du Diois"


def _fill_study_form(page: Any, *, title: str) -> None:
    page.goto("/catalogue/nouvelle/study/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nouvelle fiche")
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Résumé").fill("Inventaire des haies et propositions de replantation.")
    page.get_by_label("Licence").select_option("lov2")
    page.get_by_role("checkbox", name="Environnement et biodiversité").check()
    page.locator("#id_detail-authors").fill("Bureau d'études Exemple")


def test_agent_submits_elu_publishes_habitant_reads(page: Any, site_data: SiteData) -> None:
    from region27.catalog.models import Entry

    # The agent writes a draft.
    login(page, site_data.agent.email)
    page.goto("/catalogue/nouvelle/")
    page.get_by_role("link", name="Étude", exact=True).click()
    expect(page).to_have_url(re.compile(r"/catalogue/nouvelle/study/$"))
    _fill_study_form(page, title=TITLE)
    expect(page.get_by_label("Auteurs")).to_have_value("Bureau d'études Exemple")
    page.get_by_role("button", name="Enregistrer le brouillon").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".badge")).to_have_text("Brouillon")
    entry_path = re.sub(r"^https?://[^/]+", "", page.url)
    assert re.fullmatch(r"/catalogue/[\w-]+/", entry_path), entry_path

    # …and submits it to the élus.
    page.get_by_role("button", name="Soumettre aux élus").click()
    expect(page.locator(".badge")).to_have_text("À valider")
    expect(page.get_by_text("attend la validation d'un élu")).to_be_visible()
    logout(page)

    # Not public yet: an anonymous visitor gets a 404.
    response = page.goto(entry_path)
    assert response is not None and response.status == 404

    # The élu finds it in the queue, reads it on the review page, and publishes it.
    login(page, site_data.elu.email)
    page.goto("/a-valider/")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row.get_by_role("button")).to_have_count(0)  # no one-click publication
    row.get_by_role("link", name=re.compile("^Relire")).click()
    expect(page).to_have_url(re.compile(r"/relecture/$"))
    expect(page.get_by_text("Bureau d'études Exemple")).to_be_visible()
    page.get_by_role("button", name="Valider et publier").click()
    expect(page.get_by_text("Fiche validée et publiée.")).to_be_visible()
    page.goto("/a-valider/")
    expect(page.get_by_role("row").filter(has_text=TITLE)).to_have_count(0)
    logout(page)

    entry = Entry.objects.get(title=TITLE)
    assert entry.status == "published"
    assert entry.study.authors == "Bureau d'études Exemple"
    assert [t.slug for t in entry.themes.all()] == ["environnement"]

    # An habitant reads it and finds it by searching the catalog.
    login(page, site_data.habitant.email)
    page.goto(entry_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".badge")).to_have_text("Publié")
    expect(page.get_by_role("button", name="Valider et publier")).to_have_count(0)
    expect(page.get_by_text("Bureau d'études Exemple")).to_be_visible()

    page.goto("/catalogue/?q=bocagères")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results.get_by_role("link", name="Logiciel de gestion des salles")).to_have_count(0)


def test_study_form_with_empty_title_shows_error_and_saves_nothing(
    page: Any, site_data: SiteData
) -> None:
    from region27.catalog.models import Entry

    before = Entry.objects.count()
    login(page, site_data.agent.email)
    _fill_study_form(page, title="")
    page.get_by_role("button", name="Enregistrer le brouillon").click()

    expect(page).to_have_url(re.compile(r"/catalogue/nouvelle/study/$"))
    alert = page.locator("#form-errors")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("rien n'a été enregistré")
    title_field = page.locator(".field-error").filter(has=page.locator("#id_title"))
    expect(title_field).to_contain_text("Ce champ est obligatoire.")
    # What was typed is kept.
    expect(page.get_by_label("Résumé")).to_have_value(
        "Inventaire des haies et propositions de replantation."
    )
    assert Entry.objects.count() == before
