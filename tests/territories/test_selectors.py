"""Selectors on a small hand-built geography (fast; the full COG is in test_full_load)."""

from __future__ import annotations

import pytest

from region27.territories.models import Level, Territory
from region27.territories.selectors import (
    territory_ancestors,
    territory_children,
    territory_descendant_ids,
    territory_get,
    territory_label,
    territory_parse_typed,
    territory_search,
)

from .factories import small_geography

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("commune:69123", ("commune", "69123")),
        ("departement:84", ("departement", "84")),
        ("region:84", ("region", "84")),
        ("epci:200046977", ("epci", "200046977")),
        ("département:2a", ("departement", "2A")),
        (" commune:2A004 ", ("commune", "2A004")),
        ("arrondissement-municipal:75105", ("arrondissement-municipal", "75105")),
    ],
)
def test_parse_typed(value: str, expected: tuple[str, str]) -> None:
    assert territory_parse_typed(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "69123", "commune:", "ville:69123", "commune:6912", "epci:12345", "region:ABC", ":84"],
)
def test_parse_typed_rejects_malformed(value: str) -> None:
    with pytest.raises(ValueError, match=r"[Cc]ode|[Nn]iveau"):
        territory_parse_typed(value)


def test_get_distinguishes_levels() -> None:
    geo = small_geography()
    assert territory_get(level="region", code="84") == geo["ara"]
    assert territory_get(level="departement", code="84") == geo["vaucluse"]
    with pytest.raises(Territory.DoesNotExist):
        territory_get(level="commune", code="99999")


def test_ancestors() -> None:
    geo = small_geography()
    assert territory_ancestors(geo["lyon"]) == [geo["metro"], geo["rhone"], geo["ara"]]
    assert territory_ancestors(geo["lyon3"]) == [
        geo["lyon"],
        geo["metro"],
        geo["rhone"],
        geo["ara"],
    ]
    assert territory_ancestors(geo["metro"]) == [geo["rhone"], geo["ara"]]
    assert territory_ancestors(geo["rhone"]) == [geo["ara"]]
    assert territory_ancestors(geo["ara"]) == []
    assert territory_ancestors(geo["avignon"]) == [geo["vaucluse"], geo["paca"]]


def test_children() -> None:
    geo = small_geography()
    assert set(territory_children(geo["ara"])) == {geo["rhone"]}
    assert set(territory_children(geo["rhone"])) == {geo["metro"], geo["lyon"], geo["villeurbanne"]}
    assert set(territory_children(geo["metro"])) == {geo["lyon"], geo["villeurbanne"]}
    assert set(territory_children(geo["lyon"])) == {geo["lyon3"]}
    assert list(territory_children(geo["lyon3"])) == []


def test_descendant_ids_in_one_query(django_assert_max_num_queries: object) -> None:
    geo = small_geography()
    ids = {name: t.id for name, t in geo.items()}
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        found = territory_descendant_ids(geo["ara"])
    assert found == {ids[n] for n in ("ara", "rhone", "metro", "lyon", "lyon3", "villeurbanne")}
    assert territory_descendant_ids(geo["metro"]) == {
        ids["metro"],
        ids["lyon"],
        ids["lyon3"],
        ids["villeurbanne"],
    }
    assert territory_descendant_ids(geo["lyon"]) == {ids["lyon"], ids["lyon3"]}
    assert territory_descendant_ids(geo["lyon3"]) == {ids["lyon3"]}


def test_labels() -> None:
    geo = small_geography()
    assert territory_label(geo["lyon"]) == "Lyon (Rhône, 69)"
    assert territory_label(geo["vaucluse"]) == "Vaucluse (département, 84)"
    assert territory_label(geo["ara"]) == "Auvergne-Rhône-Alpes (région)"
    assert territory_label(geo["metro"]) == "Métropole de Lyon (intercommunalité, Rhône, 69)"


def test_search_by_name_postal_code_and_code() -> None:
    geo = small_geography()
    assert territory_search(query="lyon")[0] == geo["lyon"]
    assert territory_search(query="LYON 3")[0] == geo["lyon3"]
    assert territory_search(query="69003")[:2] == [geo["lyon"], geo["lyon3"]]
    assert territory_search(query="690")[0] == geo["lyon"]  # postal-code prefix
    assert territory_search(query="villeurb")[0] == geo["villeurbanne"]
    assert territory_search(query="métropole de lyon") == [geo["metro"]]
    assert territory_search(query="200046977") == [geo["metro"]]
    assert territory_search(query="commune:84007") == [geo["avignon"]]
    assert {t.level for t in territory_search(query="84")} >= {Level.REGION, Level.DEPARTEMENT}
    assert territory_search(query="   ") == []
    assert territory_search(query="lyon", limit=1) == [geo["lyon"]]


def test_search_ranks_exact_then_population(django_assert_max_num_queries: object) -> None:
    geo = small_geography()
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        results = territory_search(query="Lyon")
        labels = [territory_label(t) for t in results]
    assert results[0] == geo["lyon"]
    # Prefix match (the arrondissement) before a word inside the name (the Métropole).
    assert results.index(geo["lyon3"]) < results.index(geo["metro"])
    assert labels[0] == "Lyon (Rhône, 69)"
