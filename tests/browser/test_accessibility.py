"""Automated accessibility checks (axe-core) and keyboard access on the main pages.

axe-core only finds part of the problems (RGAA needs a human audit too), but a page
with a serious or critical axe violation is certainly not compliant.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SERIOUS, SiteData, format_violations, login, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page: Any, axe_source: str, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} → {response and response.status}"
    page.wait_for_load_state("load")
    violations = [v for v in run_axe(page, axe_source) if v["impact"] in SERIOUS]
    assert not violations, format_violations(path, violations)


def test_public_pages_have_no_serious_axe_violation(
    new_context: Any, axe_source: str, site_data: SiteData
) -> None:
    # bypass_csp lets axe-core's own code run; the pages themselves are unchanged.
    page = new_context(bypass_csp=True).new_page()
    paths = [
        "/",
        "/catalogue/",
        site_data.study.get_absolute_url(),
        "/territoires/departement/26/",
        "/compte/connexion/",
    ]
    failures = []
    for path in paths:
        try:
            _check(page, axe_source, path)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def test_territory_page_lists_its_entries(page: Any, site_data: SiteData) -> None:
    page.goto("/territoires/departement/26/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Drôme")
    expect(page.get_by_role("link", name="Étude sur les mobilités douces")).to_be_visible()


def test_study_form_has_no_serious_axe_violation(
    new_context: Any, axe_source: str, site_data: SiteData
) -> None:
    page = new_context(bypass_csp=True).new_page()
    login(page, site_data.agent.email)
    _check(page, axe_source, "/catalogue/nouvelle/study/")
    # The error state of the form must stay accessible too.
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("#form-errors")).to_be_visible()
    violations = [v for v in run_axe(page, axe_source) if v["impact"] in SERIOUS]
    assert not violations, format_violations("/catalogue/nouvelle/study/ (erreurs)", violations)


def test_first_tab_focuses_skip_link(page: Any, site_data: SiteData) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Aller au contenu")
    expect(focused).to_have_attribute("href", "#contenu")
    expect(focused).to_be_visible()  # a skip link must show when it has focus
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()


def test_evaluation_pages_have_no_serious_axe_violation(
    new_context: Any, axe_source: str, site_data: SiteData
) -> None:
    """Indicators, the evaluation request form, an evaluation with its plots and the
    brief, the journal: public pages and an agent's form."""
    import datetime as dt
    import math

    from region27.accounts.models import Role
    from region27.catalog import services as catalog_services
    from region27.evaluation import services
    from region27.evaluation.models import Evaluation
    from region27.territories.models import Level
    from tests import factories

    deps = [site_data.territory] + [
        factories.territory(Level.DEPARTEMENT, f"{n:02d}", name=f"Département {n:02d}")
        for n in (1, 3, 5, 7, 9, 11)
    ]
    org = site_data.organisation
    admin = factories.member(org, Role.ADMIN, email="admin@exemple.fr")
    indicator = services.indicator_create(
        name="Taux de retour à l'emploi", level=Level.DEPARTEMENT, organisation=org, by=admin
    )
    rows = ["code;periode;valeur"] + [
        f"{d.code};{y};{40 + 3 * i + 0.5 * (y - 2008) + math.sin(y + i):.3f}"
        for i, d in enumerate(deps)
        for y in range(2008, 2020)
    ]
    services.indicator_import_csv(indicator=indicator, data="\n".join(rows), by=admin)
    experiment = factories.entry(
        org,
        site_data.agent,
        kind="experiment",
        title="Accompagnement renforcé",
        territories=[site_data.territory],
        detail={"hypothesis": "Essai.", "start_date": dt.date(2015, 1, 1)},
    )
    # Prepared while a draft: once published, the organisation's élus validate every
    # change (its agents only propose them).
    services.experiment_set_indicators(
        experiment=experiment.experiment, by=admin, indicators=[indicator]
    )
    services.evaluation_request(
        by=admin, experiment=experiment.experiment, indicator=indicator, placebos=True
    )
    catalog_services.entry_submit(entry=experiment, by=site_data.agent)
    catalog_services.entry_publish(entry=experiment, by=site_data.elu)
    evaluation = Evaluation.objects.get(experiment=experiment.experiment)
    assert evaluation.status == "done", evaluation.error
    page = new_context(bypass_csp=True).new_page()
    failures = []
    public = [
        "/indicateurs/",
        indicator.get_absolute_url(),
        "/evaluations/",
        evaluation.get_absolute_url(),
        f"{evaluation.get_absolute_url()}argumentaire/",
        "/journal/",
    ]
    for path in public:
        try:
            _check(page, axe_source, path)
        except AssertionError as exc:
            failures.append(str(exc))
    login(page, admin.email)
    # The request form of an experiment its agents may still change (a draft here).
    draft = factories.entry(
        org,
        site_data.agent,
        kind="experiment",
        title="Accompagnement renforcé, deuxième vague",
        detail={"hypothesis": "Essai.", "start_date": dt.date(2016, 1, 1)},
    )
    services.experiment_set_indicators(
        experiment=draft.experiment, by=admin, indicators=[indicator]
    )
    for path in (
        f"/experimentations/{draft.slug}/evaluer/",
        "/indicateurs/nouveau/",
        f"{indicator.get_absolute_url()}importer/",
    ):
        try:
            _check(page, axe_source, path)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def test_a_running_evaluation_updates_in_place(page: Any, site_data: SiteData) -> None:
    """No page refresh (WCAG 2.2.1): htmx asks for the status part again until the result
    is there, then stops."""
    from region27.evaluation import services
    from region27.evaluation.management.commands.load_reference_panels import DATA, PROP99

    evaluation = services.evaluation_create_from_panel(
        title="Proposition 99",
        source="reference",
        panel_csv=(DATA / "smoking.csv").read_text(encoding="utf-8"),
        parameters={**PROP99, "placebos": False},
        enqueue=False,
    )
    page.goto(evaluation.get_absolute_url())
    expect(page.locator("#evaluation-body[hx-trigger]")).to_have_count(1)
    expect(page.locator("progress")).to_be_visible()
    services.evaluation_execute(evaluation_id=evaluation.pk)  # the worker's job
    expect(page.get_by_role("heading", name="Ce qu'il faut retenir")).to_be_visible(timeout=25_000)
    expect(page.locator("#evaluation-body[hx-trigger]")).to_have_count(0)
    assert page.url.endswith(evaluation.get_absolute_url())
