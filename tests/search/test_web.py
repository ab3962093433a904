"""/recherche/ in HTML, htmx and JSON; « Déjà fait ailleurs ? » on entry and form pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests import factories
from tests.search.helpers import author

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:The default scheme will be changed:DeprecationWarning"),
]


@pytest.fixture
def data() -> dict[str, Any]:
    org, agent = author("Ville de Rouen")
    org2, agent2 = author("Métropole de Lyon")
    a = factories.entry(
        org,
        agent,
        status="published",
        title="Étude sur la restauration scolaire bio",
        summary="Approvisionnement local des cantines scolaires <b>bio</b>.",
        keywords=["cantine", "restauration collective"],
    )
    b = factories.entry(
        org2,
        agent2,
        status="published",
        title="Diagnostic des cantines : approvisionnement local",
        summary="Part du bio et des produits locaux dans la restauration scolaire.",
        keywords=["cantine"],
    )
    c = factories.entry(
        org2,
        agent2,
        kind="dataset",
        status="published",
        title="Horaires des piscines",
        summary="Ouverture des équipements aquatiques.",
    )
    return {"org": org, "agent": agent, "org2": org2, "agent2": agent2, "a": a, "b": b, "c": c}


def test_html_page_with_facets_and_snippets(client: Client, data: dict[str, Any]) -> None:
    response = client.get("/recherche/", {"q": "cantines"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 fiches trouvées" in html
    assert "<mark>cantines</mark>" in html
    assert "&lt;b&gt;" in html or "<b>bio" not in html
    assert 'name="kind" value="study"' in html
    assert 'role="search"' in html


def test_the_territory_box_and_the_territory_facet_never_disagree(client: Client) -> None:
    import re

    from tests.search.helpers import geography

    geo = geography()
    org, agent = author("Ville d'Avignon")
    factories.entry(org, agent, status="published", title="Vélos", territories=[geo.commune])

    def territory_inputs(html: str) -> list[str]:
        return [b for b in re.findall(r"<input [^>]*>", html) if 'name="territory"' in b]

    # Full page: the box holds the first territory; the facet list shows it without a
    # checkbox (unticking could not remove it) and links to the box.
    html = client.get(
        "/recherche/", {"territory": ["Departement:84", "region:93"]}
    ).content.decode()
    assert 'id="recherche-territoire" value="Departement:84"' in html
    facet = territory_inputs(html)
    assert any('value="region:93"' in b and "checked" in b for b in facet)
    assert not any('value="departement:84"' in b for b in facet)
    assert 'href="#recherche-territoire">choisi dans le champ' in html
    # htmx, the box emptied (htmx does not redraw it): the ticked facet stays a checkbox.
    fragment = client.get(
        "/recherche/", {"territory": ["", "region:93"]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert any('value="region:93"' in b and "checked" in b for b in territory_inputs(fragment))
    assert "choisi dans le champ" not in fragment
    # A box holding a code that does not exist: said so, and the facet stays a checkbox.
    fragment = client.get(
        "/recherche/", {"territory": ["commune:99999", "region:93"]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Territoire inconnu" in fragment
    assert any('value="region:93"' in b and "checked" in b for b in territory_inputs(fragment))
    page = client.get("/recherche/", {"territory": "commune:99999"}).content.decode()
    assert 'id="recherche-territoire" value="commune:99999"' in page  # to correct it
    # The links of the page (next page, sort, remove a filter) keep a ticked territory
    # ticked when the box is empty, and the box's one in the box.
    for n in range(25):
        factories.entry(
            org, agent, status="published", title=f"Vélo {n}", territories=[geo.commune]
        )
    fragment = client.get(
        "/recherche/", {"territory": ["", "region:93"]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    links = re.findall(r'href="\?([^"]*territory[^"]*)"', fragment)
    assert links and all(link.startswith("territory=&amp;") for link in links), links
    full = client.get("/recherche/", {"territory": ["departement:84", "region:93"]})
    links = re.findall(r'href="\?([^"]*territory[^"]*)"', full.content.decode())
    assert any(link.startswith("territory=departement%3A84") for link in links), links


def test_htmx_gets_the_results_fragment(client: Client, data: dict[str, Any]) -> None:
    response = client.get("/recherche/", {"q": "piscine"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Horaires des piscines" in html


def test_json_shape(client: Client, data: dict[str, Any]) -> None:
    response = client.get("/recherche/", {"q": "cantine", "format": "json", "page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "data",
        "page",
        "page_size",
        "total",
        "next_page",
        "previous_page",
        "facets",
    }
    assert body["total"] == 2 and body["page"] == 1 and body["page_size"] == 1
    assert set(body["data"][0]) == {"kind", "title", "url", "organisation", "snippet", "score"}
    assert body["next_page"].startswith("http://testserver/recherche/?")
    assert "page=2" in body["next_page"] and "format=json" in body["next_page"]
    assert body["previous_page"] is None
    assert set(body["facets"]) == {
        "kind",
        "theme",
        "organisation",
        "licence",
        "year",
        "format",
        "territory",
    }
    assert set(body["facets"]["kind"][0]) == {"value", "label", "count"}
    accept = client.get("/recherche/", {"q": "cantine"}, HTTP_ACCEPT="application/json")
    assert accept.json()["total"] == 2


def test_json_messages_for_bad_input(client: Client, data: dict[str, Any]) -> None:
    body = client.get(
        "/recherche/", {"format": "json", "territory": "pays:FR", "page": "-1"}
    ).json()
    assert body["messages"] and body["total"] == 3


BAD = [
    {"q": '"'},
    {"q": "*"},
    {"q": "a NEAR b"},
    {"q": "-mot"},
    {"q": "title:x"},
    {"q": "a & b | (c)"},
    {"q": "'; DROP TABLE search_document; --"},
    {"q": "1' OR '1'='1"},
    {"q": "x" * 10_000},
    {"q": "mot " * 3000},
    {"q": "\x01\x1f\x7f"},
    {"q": "🙂🚲 vélo"},
    {"q": "le la les"},
    {"kind": "licorne"},
    {"theme": "'"},
    {"organisation": "%%%"},
    {"year": "abcd"},
    {"format": "../../etc"},
    {"territory": "commune:"},
    {"territory": ":"},
    {"territory": "commune:ABCDE"},
    {"territory": "x" * 5000},
    {"page": "-5"},
    {"page": "0"},
    {"page": "99999999999999999999"},
    {"page": "1e3"},
    {"page_size": "100000"},
    {"sort": "'; --"},
]


@pytest.mark.parametrize("params", BAD)
def test_bad_input_never_500(client: Client, data: dict[str, Any], params: dict[str, str]) -> None:
    html = client.get("/recherche/", params)
    assert html.status_code == 200
    as_json = client.get("/recherche/", {**params, "format": "json"})
    assert as_json.status_code == 200 and "total" in as_json.json()


def test_a_nul_character_is_refused_clearly_in_html_and_json(client: Client) -> None:
    html = client.get("/recherche/", {"q": "\x00vélo"})
    assert html.status_code == 400 and "caractère nul" in html.content.decode()
    as_json = client.get("/recherche/", {"q": "\x00vélo", "format": "json"})
    assert as_json.status_code == 400
    assert as_json["Content-Type"] == "application/problem+json"
    assert as_json.json()["type"] == "invalid-characters"
    assert "caractère nul" in as_json.json()["detail"]


def test_lone_surrogate_in_the_url(client: Client, data: dict[str, Any]) -> None:
    response = client.get("/recherche/?q=%ED%A0%80abc&territory=%FF")
    assert response.status_code == 200


def test_entry_page_shows_similar_entries_of_other_organisations(
    client: Client, data: dict[str, Any]
) -> None:
    html = client.get(data["a"].get_absolute_url()).content.decode()
    assert "Déjà fait ailleurs ?" in html
    section = html.split("Déjà fait ailleurs ?", 1)[1]
    assert data["b"].title.replace(":", "") in section.replace(":", "")
    assert data["a"].title not in section


def test_create_form_lists_similar_entries(client: Client, data: dict[str, Any]) -> None:
    client.force_login(data["agent"])
    form = client.get("/catalogue/nouvelle/study/").content.decode()
    assert "Déjà fait ailleurs ?" in form and "/recherche/deja-fait-ailleurs/" in form
    fragment = client.get(
        "/recherche/deja-fait-ailleurs/",
        {
            "title": "Cantines bio",
            "summary": "approvisionnement local",
            "organisation": str(data["org"].pk),
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Diagnostic des cantines" in fragment
    assert "restauration scolaire bio" not in fragment  # own organisation left out
    page = client.get("/recherche/deja-fait-ailleurs/", {"title": "cantines"})
    assert page.status_code == 200 and "<html" in page.content.decode()
