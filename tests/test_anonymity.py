"""An anonymised failure report never names its organisation, on any public surface.

The organisation of the report has a territory (a département) and a SIREN; the report
is tagged with that territory and with another one outside it. Every URL pattern of the
site is fetched (its parameters filled from the report: its slug, the organisation's,
the territories' codes...), as an anonymous visitor and as a signed-in habitant, with
and without the filters of the lists (organisation, territory, words, facets):

* a response that shows the report names neither the organisation (name, slug, id in
  an identifying form, SIREN) nor its territory (name, typed code, page address);
* a list filtered by the organisation, or by its territory or a territory inside it,
  does not return the report.

The patterns are enumerated from the URL configuration: a new pattern must be filled
here (`FILLED`), checked by the journal test (`JOURNAL`), or listed in `NOT_SHOWING`
with the reason it cannot show an entry; otherwise `test_every_pattern_is_accounted_for`
fails.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from region27.accounts.models import Organisation
from region27.accounts.tokens import token_create
from region27.api.dcat.ids import public_id
from region27.catalog.models import Entry
from region27.search import ckan, store
from region27.territories.models import Level, Territory
from tests import factories

# --- the URL patterns ----------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def all_routes() -> set[str]:
    return {route for route, _pattern in _walk(get_resolver().url_patterns)}


# Patterns that can show an entry, or a list of entries, or their organisations and
# territories: fetched with their parameters filled from the report.
FILLED = {
    "",
    "catalogue/",
    "catalogue/flux.atom",
    "catalogue/natures/<slug:kind>/flux.atom",
    "catalogue/themes/<slug:theme>/flux.atom",
    "organisations/<slug:slug>/flux.atom",
    "territoires/<str:level>/<str:code>/flux.atom",
    "recherche/flux.atom",
    "integrer/catalogue/",
    "integrer/catalogue/<slug:slug>/",
    "integrer/territoires/<str:level>/<str:code>/",
    "media/<path:name>",
    "catalogue/nouvelle/",
    "catalogue/nouvelle/<slug:kind>/",
    "catalogue/<slug:slug>/",
    "catalogue/<slug:slug>/modifier/",
    "catalogue/<slug:slug>/soumettre/",
    "catalogue/<slug:slug>/publier/",
    "catalogue/<slug:slug>/renvoyer/",
    "catalogue/<slug:slug>/archiver/",
    "catalogue/<slug:slug>/fichiers/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/retirer/",
    "a-valider/",
    "organisations/",
    "organisations/<slug:slug>/",
    "organisations/<slug:slug>/membres/",
    "organisations/<slug:slug>/membres/<int:pk>/retirer/",
    "territoires/",
    "territoires/<str:level>/<str:code>/",
    "compte/",
    "compte/mes-donnees/",
    "recherche/",
    "recherche/deja-fait-ailleurs/",
    "catalogue/<slug:slug>/versions/nouvelle/",
    "catalogue/<slug:slug>/versions/<str:version>/schema.json",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/remplacer/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/schema/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/etat/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/rapport.json",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/rapport.csv",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/rapport-tableur.csv",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/decision/",
    "evaluations/",
    "evaluations/<int:pk>/",
    "evaluations/<int:pk>/argumentaire/",
    "evaluations/<int:pk>/<str:plot>.svg",
    "evaluations/<int:pk>/evaluation.json",
    "evaluations/<int:pk>/<str:table>.csv",
    "indicateurs/",
    "indicateurs/<slug:slug>/",
    "indicateurs/<slug:slug>/valeurs.csv",
    "indicateurs/<slug:slug>/importer/",
    "experimentations/<slug:slug>/evaluer/",
    "api/1/kinds",
    "api/1/entries",
    "api/1/entries/<slug>",
    "api/1/entries/<slug>/submit",
    "api/1/entries/<slug>/publish",
    "api/1/entries/<slug>/archive",
    "api/1/entries/<slug>/reject",
    "api/1/entries/<slug>/distributions",
    "api/1/entries/<slug>/items",
    "api/1/entries/<slug>/document",
    "api/1/organisations",
    "api/1/organisations/<slug>",
    "api/1/territories",
    "api/1/territories/<level>/<code>",
    "api/1/search",
    "api/1/entries/<slug>/distributions/<distribution>/validations",
    "api/1/entries/<slug>/distributions/<distribution>/validation",
    "api/1/entries/<slug>/distributions/<distribution>/validations/<run>",
    "^api/1/(?P<rest>.*)$",
    "^api/1/(?P<rest>(?s:.*))$",  # the same catch-all, once the `jobs` branch is merged
    "^api/(?:3/)?action/(?P<name>[A-Za-z0-9_.-]{1,100})/?$",
    r"^catalogue\.(?P<fmt>ttl|rdf|jsonld|nt)$",
    r"^catalogue/(?P<slug>[-a-zA-Z0-9_]+)\.(?P<fmt>ttl|rdf|jsonld|nt)$",
    r"^organisations/(?P<slug>[-a-zA-Z0-9_]+)/catalogue\.(?P<fmt>ttl|rdf|jsonld|nt)$",
    r"^territoires/(?P<level>[-a-z]+)/(?P<code>[0-9A-Za-z]+)/catalogue\.(?P<fmt>ttl|rdf|jsonld|nt)$",
    "api/oembed",
    "api/oembed/",
    # Pages of the `approval` branch (an entry's pending revision, for its members).
    "catalogue/<slug:slug>/relecture/",
    "catalogue/<slug:slug>/relecture/decision/",
    "catalogue/<slug:slug>/relecture/fichiers/<str:key>/",
    "catalogue/<slug:slug>/relecture/fichiers/<str:key>/retirer/",
    "catalogue/<slug:slug>/fichiers/<uuid:uuid>/proposer/",
}

# Checked by `test_history_does_not_name_the_organisation` (the version pages come with
# the `approval` branch, which shows snapshots through `visibility.public_snapshot`).
HISTORY = {
    "catalogue/<slug:slug>/historique/",
    "catalogue/<slug:slug>/historique/<int:number>/",
    "catalogue/<slug:slug>/historique/<int:number>.json",
}

# Checked by `test_journal_surfaces_do_not_name_the_organisation`.
JOURNAL = {
    "journal/",
    "journal/<int:seq>/",
    "journal/entries",
    "journal/flux.atom",
    "api/1/journal",
    "api/1/journal/<seq>",
}

NOT_SHOWING = {
    "i18n/setlang/": "changes the language and redirects",
    "integrer/style.css": "a stylesheet built from colours",
    "accessibilite/": "fixed text",
    "mentions-legales/": "fixed text",
    "confidentialite/": "fixed text",
    "compte/connexion/": "sign-in form",
    "compte/deconnexion/": "sign-out (POST)",
    "compte/inscription/": "registration form",
    "compte/supprimer/": "account deletion form",
    "compte/jetons/": "the user's own API tokens",
    "compte/jetons/<int:pk>/revoquer/": "revokes a token (POST)",
    "compte/mot-de-passe/": "password reset form",
    "compte/mot-de-passe/envoye/": "fixed text",
    "compte/mot-de-passe/<uidb64>/<token>/": "password reset with an e-mailed token",
    "compte/mot-de-passe/fait/": "fixed text",
    "invitation/<str:token>/": "an invitation, read with its e-mailed token",
    "journal/checkpoint": "the signed tree head: a size and a hash",
    "journal/key": "the journal's public key",
    "journal/keys": "the journal's public keys",
    "journal/proof/inclusion": "hashes of the Merkle tree",
    "journal/proof/consistency": "hashes of the Merkle tree",
    "journal/cosignatures": "witnesses' signatures of tree heads",
    "journal/temoins/": "the list of witnesses",
    "valider/": "validates a file sent by the visitor",
    "referentiels/nouveau/": "a form for a new schema",
    "indicateurs/nouveau/": "a form for a new indicator",
    "api/1/docs/": "the API's documentation",
    "api/1/openapi.json": "the API's description",
    "api/1/themes": "the fixed list of themes",
    "api/1/licences": "the fixed list of licences",
    "api/1/": "the API's root",
}

# Lists fetched again with each of these query strings (see `Scenario.queries`).
FILTERABLE = {
    "catalogue/",
    "catalogue/flux.atom",
    "recherche/",
    "recherche/flux.atom",
    "integrer/catalogue/",
    "api/1/entries",
    "api/1/search",
    r"^catalogue\.(?P<fmt>ttl|rdf|jsonld|nt)$",
}

CKAN_ACTIONS: list[tuple[str, dict[str, str]]] = [
    ("package_list", {}),
    ("current_package_list_with_resources", {}),
    ("package_search", {}),
    ("package_search", {"q": "cantine"}),
    ("package_search", {"facet.field": '["organization","groups","tags","res_format"]'}),
    ("organization_list", {"all_fields": "true"}),
    ("group_list", {"all_fields": "true"}),
    ("tag_list", {}),
    ("license_list", {}),
    ("status_show", {}),
]

# Every parameter name `Scenario.values` gives a value for.
PARAMETERS = {
    "slug",
    "level",
    "code",
    "fmt",
    "kind",
    "theme",
    "name",
    "pk",
    "uuid",
    "run",
    "distribution",
    "version",
    "plot",
    "table",
    "rest",
    "number",
    "key",
}

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _groups(route: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, name) of each `<converter:name>` and `(?P<name>...)` of a route; a
    regular expression's group may hold groups of its own."""
    for match in _CONVERTER.finditer(route):
        if route[max(0, match.start() - 2) : match.start()] != "?P":
            yield match.start(), match.end(), match.group(1)
    for match in re.finditer(r"\(\?P<(\w+)>", route):
        depth, end = 0, match.start()
        for end in range(match.start(), len(route)):
            if route[end] == "(" and route[end - 1 : end] != "\\":
                depth += 1
            elif route[end] == ")" and route[end - 1 : end] != "\\":
                depth -= 1
                if depth == 0:
                    break
        yield match.start(), end + 1, match.group(1)


def params_of(route: str) -> list[str]:
    return [name for _start, _end, name in sorted(_groups(route))]


def fill(route: str, values: dict[str, str]) -> str:
    """The path of a route with its parameters replaced by the values."""
    path, last = "", 0
    for start, end, name in sorted(_groups(route)):
        path += route[last:start] + values[name]
        last = end
    path += route[last:]
    path = path.lstrip("^").rstrip("$").replace(r"\.", ".").replace("(?:3/)?", "3/")
    return "/" + path.replace("/?", "")


# --- the scenario ----------------------------------------------------------------------

NAME = "Syndicat des eaux du Val Brumeux"
SIREN = "253900887"
TITLE = "Regie de cantine abandonnee apres deux saisons"


@dataclass
class Scenario:
    report: Entry
    organisation: Organisation
    attached: Territory  # the organisation's territory (hidden)
    inside: Territory  # a commune inside it (hidden too)
    outside: Territory  # the other territory the report is tagged with (public)
    member: Any
    habitant: Any
    other: Entry
    forbidden: list[str] = field(default_factory=list)
    forbidden_patterns: list[re.Pattern[str]] = field(default_factory=list)

    def values(self) -> Iterator[dict[str, str]]:
        """Every combination of parameter values a route may take."""
        slugs = [self.report.slug, self.organisation.slug]
        territories = [(t.level, t.code) for t in (self.attached, self.inside, self.outside)]
        for slug, (level, code), fmt in itertools.product(
            slugs, territories, ["ttl", "rdf", "jsonld", "nt"]
        ):
            yield {
                "slug": slug,
                "level": level,
                "code": code,
                "fmt": fmt,
                "kind": "failure",
                "theme": "education",
                "name": "package_show",
                "pk": str(self.organisation.pk),
                "uuid": str(uuid.UUID(int=1)),
                "run": str(uuid.UUID(int=2)),
                "distribution": str(uuid.UUID(int=3)),
                "version": "1",
                "plot": "trajectoires",
                "table": "effets",
                "rest": f"entries/{slug}/versions",
                "number": str(self.report.version),
                "key": "fichier",
            }

    def queries(self) -> list[tuple[str, bool]]:
        """(query string, may the report be in the answer?) for the filterable lists."""
        return [
            ("q=cantine", True),
            ("kind=failure", True),
            ("theme=education&licence=lov2", True),
            ("format=json", True),
            ("page_size=100", True),
            ("territory=" + self.outside.typed_code, True),
            ("organisation=" + self.organisation.slug, False),
            ("territory=" + self.attached.typed_code, False),
            ("territory=" + self.inside.typed_code, False),
            ("q=cantine&organisation=" + self.organisation.slug, False),
            ("q=cantine&territory=" + self.attached.typed_code, False),
            ("kind=failure&territory=" + self.attached.typed_code, False),
        ]

    def shows_report(self, text: str) -> bool:
        return self.report.slug in text or TITLE in text

    def names_organisation(self, text: str) -> list[str]:
        found = [value for value in self.forbidden if value in text]
        found += [p.pattern for p in self.forbidden_patterns if p.search(text)]
        return found


def _readable(body: bytes) -> str:
    """The answer as text, with its escapes undone (HTML, JSON, URL-encoding)."""
    text = body.decode("utf-8", errors="replace")
    variants = [text, html.unescape(text), unquote_plus(text)]
    with contextlib.suppress(ValueError):
        variants.append(json.dumps(json.loads(text), ensure_ascii=False))
    return "\n".join(variants)


@pytest.fixture
def scenario(db: Any, settings: Any) -> Iterator[Scenario]:
    # Hundreds of API reads: the rate limits would answer 429 and check nothing.
    settings.REGION27_API_RATE_IP = 100_000
    settings.REGION27_API_RATE_TOKEN = 100_000
    cache.clear()
    store.forget()
    ckan.forget()
    attached = factories.territory(Level.DEPARTEMENT, "989", name="Val-Brumeux")
    inside = factories.territory(
        Level.COMMUNE, "98901", name="Brumeville-sur-Loue", departement=attached
    )
    outside = factories.territory(Level.DEPARTEMENT, "988", name="Haut-Lointain")
    organisation = factories.organisation(
        name=NAME, siren=SIREN, territory=attached, kind="intercommunalite"
    )
    member = factories.member(organisation, "agent")
    detail = dict(factories.DEFAULT_DETAILS["failure"], anonymised=True)
    report = factories.entry(
        organisation,
        member,
        kind="failure",
        status="published",
        title=TITLE,
        summary="Une cantine en régie arrêtée faute de cuisiniers.",
        detail=detail,
        territories=[attached, outside],
        themes=["education"],
        keywords=["cantine", "régie"],
    )
    # Another organisation's entries, so that lists are not empty of everything else.
    neighbour = factories.organisation(name="Commune de Voisinage")
    writer = factories.member(neighbour, "agent")
    other = factories.entry(
        neighbour,
        writer,
        kind="dataset",
        status="published",
        title="Menus des cantines scolaires",
        territories=[outside],
    )
    scene = Scenario(
        report=report,
        organisation=organisation,
        attached=attached,
        inside=inside,
        outside=outside,
        member=member,
        habitant=factories.user(),
        other=other,
    )
    pk = organisation.pk
    scene.forbidden = [
        NAME,
        organisation.slug,
        SIREN,
        public_id("organisation", pk),
        attached.name,
        attached.typed_code,
        f"/territoires/{attached.level}/{attached.code}/",
        f"{attached.level}/{attached.code}",
        inside.name,
        inside.typed_code,
    ]
    scene.forbidden_patterns = [
        re.compile(rf"organi[sz]ations?(?:_id)?[\"']?\s*[:=/]\s*[\"']?{pk}\b"),
        re.compile(rf"owner_org[\"']?\s*[:=]\s*[\"']?{pk}\b"),
    ]
    yield scene
    store.forget()
    ckan.forget()
    cache.clear()


def _clients(scene: Scenario) -> list[tuple[str, Client]]:
    anonymous = Client()
    habitant = Client()
    habitant.force_login(scene.habitant)
    return [("anonyme", anonymous), ("habitant", habitant)]


def _urls(scene: Scenario, route: str) -> Iterator[tuple[str, bool]]:
    """(address, may it show the report?) of one pattern."""
    seen: set[str] = set()
    for values in scene.values():
        if "action/" in route:  # the CKAN action API: `name` is the action
            for action, data in CKAN_ACTIONS:
                path = fill(route, {**values, "name": action})
                yield path + ("?" + urlencode(data) if data else ""), True
            for action, data in [
                ("package_show", {"id": scene.report.slug}),
                ("organization_show", {"id": scene.organisation.slug}),
                ("organization_show", {"id": public_id("organisation", scene.organisation.pk)}),
                ("package_search", {"fq": f"organization:{scene.organisation.slug}"}),
                (
                    "package_search",
                    {"fq": f"owner_org:{public_id('organisation', scene.organisation.pk)}"},
                ),
            ]:
                yield fill(route, {**values, "name": action}) + "?" + urlencode(data), False
            return
        path = fill(route, values)
        if path in seen:
            continue
        seen.add(path)
        yield path, True
        if route in FILTERABLE:
            for query, allowed in scene.queries():
                yield f"{path}?{query}", allowed
        if route.startswith("api/oembed"):
            for page in (
                scene.report.get_absolute_url(),
                f"/catalogue/?organisation={scene.organisation.slug}",
                f"/territoires/{scene.attached.level}/{scene.attached.code}/",
            ):
                yield f"{path}?{urlencode({'url': 'http://testserver' + page})}", True


def _check(scene: Scenario, client: Client, who: str, url: str, allowed: bool) -> list[str]:
    response = client.get(url)
    if response.status_code == 429 or response.status_code >= 500:
        return [f"{who} {url}: answered {response.status_code}, checking nothing"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = _readable(body)
    if not allowed and scene.shows_report(text):
        return [f"{who} {url}: the report is found through its organisation or territory"]
    if allowed and scene.shows_report(text):
        named = scene.names_organisation(text)
        if named:
            return [f"{who} {url}: shows the report and {named}"]
    return []


# --- the tests -------------------------------------------------------------------------


def test_every_pattern_is_accounted_for() -> None:
    routes = all_routes()
    missing = sorted(routes - FILLED - HISTORY - JOURNAL - set(NOT_SHOWING))
    assert not missing, (
        "New URL patterns: fill them in FILLED (or HISTORY, JOURNAL), or list them in "
        f"NOT_SHOWING with the reason they cannot show an entry: {missing}"
    )
    for route in FILLED | HISTORY:
        unknown = set(params_of(route)) - PARAMETERS
        assert not unknown, f"{route}: no value for {unknown} (add one in Scenario.values)"


def test_public_surfaces_do_not_name_the_organisation(scenario: Scenario) -> None:
    problems: list[str] = []
    fetched = 0
    for who, client in _clients(scenario):
        for route in sorted(FILLED):
            for url, allowed in _urls(scenario, route):
                problems += _check(scenario, client, who, url, allowed)
                fetched += 1
    assert fetched > 500
    assert not problems, "\n".join(problems[:40])


def test_the_report_is_still_public(scenario: Scenario) -> None:
    """The surfaces above do show the report (else they would check nothing)."""
    client = Client()
    report = scenario.report
    outside = scenario.outside
    for url in (
        report.get_absolute_url(),
        f"/integrer/catalogue/{report.slug}/",
        "/catalogue/",
        "/catalogue/flux.atom",
        "/recherche/?q=cantine",
        "/recherche/flux.atom?q=cantine",
        f"/api/1/entries/{report.slug}",
        "/api/1/search?q=cantine",
        f"/territoires/{outside.level}/{outside.code}/",
        f"/territoires/{outside.level}/{outside.code}/flux.atom",
        f"/integrer/territoires/{outside.level}/{outside.code}/",
        f"/catalogue/?territory={outside.typed_code}",
        f"/api/oembed?url=http://testserver{report.get_absolute_url()}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert scenario.shows_report(_readable(response.content)), url
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Témoignage anonyme" in page and outside.name in page


def test_search_facets_do_not_count_it_under_the_organisation(scenario: Scenario) -> None:
    data = Client().get("/api/1/search", {"q": "cantine"}).json()
    assert scenario.report.slug in {hit["slug"] for hit in data["data"]}
    organisations = {f["value"] for f in data["facets"]["organisation"]}
    territories = {f["value"] for f in data["facets"]["territory"]}
    assert scenario.organisation.slug not in organisations
    assert scenario.attached.typed_code not in territories
    assert scenario.outside.typed_code in territories
    hit = next(h for h in data["data"] if h["slug"] == scenario.report.slug)
    assert hit["organisation"] is None


def test_a_member_still_sees_the_organisation(scenario: Scenario) -> None:
    client = Client()
    client.force_login(scenario.member)
    report = scenario.report
    page = client.get(report.get_absolute_url()).content.decode()
    assert NAME in page and scenario.attached.name in page
    token = token_create(user=scenario.member, name="script")[1]
    data = client.get(f"/api/1/entries/{report.slug}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert data["organisation"]["slug"] == scenario.organisation.slug
    assert scenario.attached.typed_code in {t["code"] for t in data["territories"]}
    mine = client.get(f"/organisations/{scenario.organisation.slug}/").content.decode()
    assert TITLE in mine
    for query in (
        {"organisation": scenario.organisation.slug},
        {"territory": scenario.attached.typed_code},
    ):
        assert TITLE in client.get("/catalogue/", query).content.decode(), query


def test_history_does_not_name_the_organisation(scenario: Scenario) -> None:
    """The history and its versions (HTML and JSON). A version's stored hash covers the
    organisation's slug: hashing the public content with each organisation's slug would
    find the author, so none is shown either."""
    report = scenario.report
    hashes = list(report.versions.values_list("content_hash", flat=True))
    problems: list[str] = []
    for who, client in _clients(scenario):
        for route in sorted(HISTORY):
            for url, allowed in _urls(scenario, route):
                problems += _check(scenario, client, who, url, allowed)
                text = _readable(client.get(url).content)
                problems += [f"{who} {url}: shows the hash {h}" for h in hashes if h in text]
        page = client.get(f"/catalogue/{report.slug}/historique/").content.decode()
        assert TITLE in page, who
    assert not problems, "\n".join(problems[:40])


def test_the_organisation_list_does_not_count_it(scenario: Scenario) -> None:
    page = Client().get("/organisations/").content.decode()
    row = next(r for r in page.split("<tr>") if NAME in r)
    assert re.findall(r"<td>(\d+)</td>", row) == ["0"]
    # Another organisation's failure report, not anonymised, is counted with its dataset.
    neighbour = scenario.other.organisation
    writer = factories.member(neighbour, "agent")
    factories.entry(neighbour, writer, kind="failure", status="published")
    page = Client().get("/organisations/").content.decode()
    row = next(r for r in page.split("<tr>") if neighbour.name in r)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2"]


_ORGANISATION_SELECT = re.compile(r'<select[^>]*name="organisation".*?</select>', re.S)


def test_journal_surfaces_do_not_name_the_organisation(scenario: Scenario) -> None:
    """The journal's pages, leaves and JSON (the `journal` branch makes the records of
    anonymised entries carry no organisation and no linkable actor)."""
    from region27.journal.models import Record

    report = scenario.report
    seqs = list(
        Record.objects.filter(object_id=report.pk, kind=report.kind).values_list("seq", flat=True)
    )
    assert seqs
    problems: list[str] = []
    for who, client in _clients(scenario):
        for seq in seqs:
            for url in (
                f"/journal/{seq}/",
                f"/api/1/journal/{seq}",
                f"/journal/entries?start={seq}&end={seq + 1}",
            ):
                text = _readable(client.get(url).content)
                named = scenario.names_organisation(text)
                if named:
                    problems.append(f"{who} {url}: {named}")
        for url in (
            "/journal/?kind=failure",
            "/journal/flux.atom?kind=failure",
            "/api/1/journal?kind=failure",
        ):
            text = _readable(client.get(url).content)
            assert any(f"/journal/{seq}/" in text for seq in seqs), (url, text[:2000])
            # The filter's list of every organisation is not a link to the report (the
            # organisations' own records are public): only the rest is checked.
            text = _ORGANISATION_SELECT.sub("", text)
            named = scenario.names_organisation(text)
            if named:
                problems.append(f"{who} {url}: {named}")
        for url in (
            f"/journal/?organisation={scenario.organisation.slug}",
            f"/journal/flux.atom?organisation={scenario.organisation.slug}",
            f"/api/1/journal?organisation={scenario.organisation.slug}",
            f"/journal/?territory={scenario.attached.typed_code}",
            f"/journal/flux.atom?territory={scenario.attached.typed_code}",
        ):
            text = _readable(client.get(url).content)
            if any(f"/journal/{seq}/" in text for seq in seqs):
                problems.append(f"{who} {url}: the report's records are found through it")
    assert not problems, "\n".join(problems)


def test_a_wider_territory_does_not_lead_to_it_through_a_hidden_one(scenario: Scenario) -> None:
    """A report about the région around the organisation's département is found through
    the région, never through that département (nor counted under it), nor through the
    région's other départements (the one left out would tell which it is)."""
    region = factories.territory(Level.REGION, "98", name="Region des Brumes")
    sibling = factories.territory(Level.DEPARTEMENT, "987", name="Bas-Brouillard", region=region)
    Territory.objects.filter(pk__in=[scenario.attached.pk, scenario.inside.pk]).update(
        region=region
    )
    detail = dict(factories.DEFAULT_DETAILS["failure"], anonymised=True)
    wide = factories.entry(
        scenario.organisation,
        scenario.member,
        kind="failure",
        status="published",
        title="Plateforme de covoiturage regionale sans usagers",
        detail=detail,
        territories=[region],
    )
    client = Client()
    for query, found in (
        ({"territory": region.typed_code}, True),
        ({"territory": scenario.attached.typed_code}, False),
        ({"territory": scenario.inside.typed_code}, False),
        ({"territory": sibling.typed_code}, False),
    ):
        for url in ("/api/1/search", "/api/1/entries"):
            data = client.get(url, query).json()
            slugs = {hit["slug"] for hit in data["data"]}
            assert (wide.slug in slugs) is found, (url, query)
        page = client.get("/catalogue/", query).content.decode()
        assert (wide.title in page) is found, query
    facets = client.get("/api/1/search", {"q": "covoiturage"}).json()["facets"]
    counted = {f["value"] for f in facets["territory"]}
    assert region.typed_code in counted
    assert scenario.attached.typed_code not in counted
    assert sibling.typed_code not in counted
