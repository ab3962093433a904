"""Fixtures of the browser tests: a real Chromium (Debian package), axe-core, seeded data.

The tests drive pytest-django's `live_server` with Playwright's sync API. That API
runs an event loop in the test thread, which trips Django's async-unsafe guard on
every ORM call made by the test itself (creating data): the guard is lifted for
this package only, the server thread is unaffected.

Missing tools are never silent: outside CI the tests are skipped with a reason that
`-ra` prints; in CI (CI=true) they fail, so a broken image cannot pass unnoticed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def _missing(what: str, path: Path, message: str) -> None:
    """Fail in CI (a broken image must not pass), skip visibly elsewhere (-ra lists it)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} absent in CI ({path}): the browser tests cannot run.", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this package is a browser test, even if someone forgets the marker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(
            "Chromium",
            CHROMIUM,
            "Chromium introuvable (/usr/bin/chromium) : tests navigateur ignorés. "
            "Installez le paquet Debian chromium.",
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        _missing(
            "axe-core",
            AXE_JS,
            f"axe-core introuvable ({AXE_JS}) : tests d'accessibilité ignorés. "
            "Lancez « npm install » à la racine du projet.",
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def new_context(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Factory of browser contexts pointed at the live server; all closed at teardown."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "fr-FR")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page with JavaScript and the site's real CSP."""
    return new_context().new_page()


@dataclass
class SiteData:
    organisation: Any
    agent: Any
    elu: Any
    habitant: Any
    territory: Any
    entries: list[Any]

    @property
    def study(self) -> Any:
        return next(e for e in self.entries if e.kind == "study")


def _seed_themes() -> None:
    """Transactional tests flush every table, including the themes a data migration loads."""
    from region27.catalog.models import Theme
    from region27.catalog.themes import THEMES

    for position, (slug, _label, _eu) in enumerate(THEMES):
        Theme.objects.update_or_create(slug=slug, defaults={"position": position})


@pytest.fixture
def site_data(transactional_db: None, live_server: Any) -> SiteData:
    from region27.accounts.models import Role
    from region27.territories.models import Level
    from tests import factories

    _seed_themes()
    drome = factories.territory(Level.DEPARTEMENT, "26", name="Drôme", search_name="drome")
    org = factories.organisation(name="Commune de Crest", requires_validation=True)
    agent = factories.member(org, Role.AGENT, email="agent@exemple.fr")
    elu = factories.member(org, Role.ELU, email="elu@exemple.fr")
    habitant = factories.user(email="habitant@exemple.fr")
    entries = [
        factories.entry(
            org,
            agent,
            kind="study",
            status="published",
            title="Étude sur les mobilités douces",
            summary="Comptages vélo et piétons dans la vallée.",
            territories=[drome],
            themes=["mobilite"],
        ),
        factories.entry(
            org,
            agent,
            kind="dataset",
            status="published",
            title="Jeu de données des bornes de recharge",
            summary="Localisation des bornes de recharge publiques.",
            territories=[drome],
        ),
        factories.entry(
            org,
            agent,
            kind="software",
            status="published",
            title="Logiciel de gestion des salles",
            summary="Réservation des salles municipales en ligne.",
        ),
        factories.entry(
            org,
            agent,
            kind="failure",
            status="published",
            title="Expérimentation de navette autonome",
            summary="Une navette autonome arrêtée au bout de six mois.",
        ),
    ]
    return SiteData(org, agent, elu, habitant, drome, entries)


def login(page: Any, email: str, password: str | None = None) -> None:
    """Log in through the real form, the way a person would."""
    from playwright.sync_api import expect

    from tests import factories

    page.goto("/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password or factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def logout(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


SERIOUS = ("serious", "critical")


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """Inject axe-core through evaluate (not a script tag: CSP is script-src 'self')."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(' ')),
                summaries: v.nodes.map(n => n.failureSummary),
            }));
        }"""
    )
    return list(result)


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} violation(s) axe-core graves ou critiques sur {url} :"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for target, summary in list(zip(v["targets"], v["summaries"], strict=False))[:5]:
            lines.append(f"    cible : {target}")
            lines.append("      " + re.sub(r"\s+", " ", summary or "")[:300])
    return "\n".join(lines)
