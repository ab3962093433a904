"""The full COG, loaded once for this module (a few seconds), then removed.

The rows are committed outside the per-test transactions (so every test here sees them)
and deleted at module teardown, so that other apps' tests start from an empty table.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Sum

from region27.territories.loader import LoadResult, load_territories
from region27.territories.models import Level, Territory
from region27.territories.selectors import (
    territory_ancestors,
    territory_children,
    territory_descendant_ids,
    territory_get,
    territory_label,
    territory_search,
)

EXPECTED = {
    Level.REGION: 26,
    Level.DEPARTEMENT: 109,
    Level.EPCI: 1255,
    Level.COMMUNE: 34969,
    Level.COMMUNE_DELEGUEE: 2105,
    Level.COMMUNE_ASSOCIEE: 471,
    Level.ARRONDISSEMENT: 45,
}


@pytest.fixture(scope="module")
def full_load(django_db_setup: None, django_db_blocker: Any) -> Iterator[LoadResult]:
    with django_db_blocker.unblock():
        assert not Territory.objects.exists()
        # Load time is measured in bench/territories, never asserted here.
        steps: list[tuple[str, int]] = []
        result = load_territories(progress=lambda level, count: steps.append((level, count)))
        assert [level for level, _count in steps] == list(EXPECTED)
        yield result
        # One statement: the self-references (deferred constraints) all go at once, without
        # the per-row PROTECT checks of QuerySet.delete().
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Territory._meta.db_table}")


pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _get(level: str, code: str) -> Territory:
    return territory_get(level=level, code=code)


def test_counts_per_level(full_load: LoadResult) -> None:
    assert {level: c.created for level, c in full_load.counts.items()} == EXPECTED
    rows = dict(
        Territory.objects.order_by()
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    assert rows == EXPECTED
    zones = dict(
        Territory.objects.filter(level=Level.REGION)
        .order_by()
        .values_list("zone")
        .annotate(n=Count("id"))
        .values_list("zone", "n")
    )
    assert zones == {"metro": 13, "drom": 5, "com": 8}


def test_lyon(full_load: LoadResult) -> None:
    lyon = _get(Level.COMMUNE, "69123")
    assert lyon.name == "Lyon"
    assert lyon.siren == "216901231"
    assert "69003" in lyon.postal_codes.split()
    metro = _get(Level.EPCI, "200046977")
    rhone = _get(Level.DEPARTEMENT, "69")
    ara = _get(Level.REGION, "84")
    assert (lyon.departement, lyon.region, lyon.epci) == (rhone, ara, metro)
    assert metro.name == "Métropole de Lyon"
    assert (metro.departement, metro.region) == (rhone, ara)
    assert rhone.region == ara
    assert territory_ancestors(lyon) == [metro, rhone, ara]
    arrondissements = territory_children(lyon)
    assert arrondissements.count() == 9
    assert {t.level for t in arrondissements} == {Level.ARRONDISSEMENT}


def test_84_is_a_region_and_a_departement(full_load: LoadResult) -> None:
    assert _get(Level.REGION, "84").name == "Auvergne-Rhône-Alpes"
    vaucluse = _get(Level.DEPARTEMENT, "84")
    assert vaucluse.name == "Vaucluse"
    assert vaucluse.region == _get(Level.REGION, "93")


def test_overseas_collectivities(full_load: LoadResult) -> None:
    com = Territory.objects.filter(level=Level.REGION, zone="com")
    assert set(com.values_list("code", flat=True)) == {
        "975", "977", "978", "984", "986", "987", "988", "989"
    }  # fmt: skip
    assert _get(Level.REGION, "04").zone == "drom"
    assert _get(Level.DEPARTEMENT, "974").region == _get(Level.REGION, "04")


def test_populations_summed_upward(full_load: LoadResult) -> None:
    for level in (Level.REGION, Level.DEPARTEMENT):
        for territory in Territory.objects.filter(level=level).exclude(code="984"):
            total = Territory.objects.filter(
                level=Level.COMMUNE, **{str(level): territory}
            ).aggregate(s=Sum("population"))["s"]
            assert territory.population == total, territory
    # The TAAF have no population in the source: nothing to sum.
    assert _get(Level.DEPARTEMENT, "984").population is None
    assert (_get(Level.DEPARTEMENT, "69").population or 0) > 1_800_000
    # EPCI keep the source's own population.
    assert _get(Level.EPCI, "200046977").population == 1433613
    assert not Territory.objects.filter(level=Level.EPCI, population__isnull=True).exists()


def test_epci_parents_where_unambiguous(full_load: LoadResult) -> None:
    epci = Territory.objects.filter(level=Level.EPCI)
    assert epci.filter(region__isnull=True).count() < 5
    assert epci.filter(departement__isnull=True).count() < 20
    # Communes outside any EPCI: the islands and the overseas collectivities.
    assert Territory.objects.filter(level=Level.COMMUNE, epci__isnull=True).count() == 98


def test_sub_communes_linked(full_load: LoadResult) -> None:
    paris = _get(Level.COMMUNE, "75056")
    arrondissements = Territory.objects.filter(level=Level.ARRONDISSEMENT, parent_commune=paris)
    assert arrondissements.count() == 20
    paris5 = _get(Level.ARRONDISSEMENT, "75105")
    assert territory_ancestors(paris5)[:1] == [paris]
    assert not Territory.objects.filter(
        level__in=[Level.COMMUNE_DELEGUEE, Level.COMMUNE_ASSOCIEE, Level.ARRONDISSEMENT],
        parent_commune__isnull=True,
    ).exists()
    assert _get(Level.COMMUNE_DELEGUEE, "01015").parent_commune == _get(Level.COMMUNE, "01015")


def test_descendants_of_a_region(full_load: LoadResult, django_assert_max_num_queries: Any) -> None:
    ara = _get(Level.REGION, "84")
    with django_assert_max_num_queries(1):
        ids = territory_descendant_ids(ara)
    lyon = _get(Level.COMMUNE, "69123")
    assert {ara.id, lyon.id, _get(Level.ARRONDISSEMENT, "69383").id} <= ids
    assert _get(Level.EPCI, "200046977").id in ids
    assert _get(Level.COMMUNE, "84007").id not in ids  # Avignon, in Vaucluse (84)
    assert len(ids) > 4000


def test_saint_denis_homonyms(full_load: LoadResult, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(1):
        labels = [territory_label(t) for t in territory_search(query="saint denis")]
    assert labels[:2] == ["Saint-Denis (La Réunion, 974)", "Saint-Denis (Seine-Saint-Denis, 93)"]
    assert "Saint-Denis (Aude, 11)" in labels
    assert [territory_label(t) for t in territory_search(query="st-denis", limit=2)] == labels[:2]
    assert territory_search(query="SAINT-DÉNIS", limit=2) == territory_search(
        query="saint denis", limit=2
    )


def test_search(full_load: LoadResult) -> None:
    lyon = _get(Level.COMMUNE, "69123")
    assert territory_search(query="69003")[0] == lyon
    assert territory_search(query="Lyon")[0] == lyon
    assert territory_search(query="69123")[0] == lyon
    assert territory_search(query="lyo")[0] == lyon
    assert territory_search(query="marseille")[0].code == "13055"
    assert territory_search(query="2A004")[0].name == "Ajaccio"
    found = territory_search(query="84")
    assert [t.typed_code for t in found[:2]] == ["region:84", "departement:84"]
    assert len(territory_search(query="saint", limit=20)) == 20


def test_reload_is_idempotent(full_load: LoadResult) -> None:
    before = Territory.objects.count()
    result = load_territories()
    assert result.created == result.updated == 0
    assert result.unchanged == sum(EXPECTED.values())
    assert Territory.objects.count() == before


def test_reload_updates_changed_rows(full_load: LoadResult) -> None:
    # Rolled back after the test, like any change made inside it.
    Territory.objects.filter(level=Level.COMMUNE, code="69123").update(
        name="Lugdunum", search_name="lugdunum", population=1
    )
    Territory.objects.filter(level=Level.REGION, code="84").update(population=None)
    result = load_territories()
    assert result.counts[Level.COMMUNE].updated == 1
    assert result.counts[Level.REGION].updated == 1
    assert result.updated == 2
    lyon = _get(Level.COMMUNE, "69123")
    assert (lyon.name, lyon.search_name, lyon.population) == ("Lyon", "lyon", 519127)


def test_management_command(full_load: LoadResult) -> None:
    out = StringIO()
    call_command("load_territories", stdout=out)
    text = out.getvalue()
    assert "Commune : 0 créés, 0 mis à jour, 34\u202f969 inchangés" in text
    assert "Territoires chargés : 38\u202f980" in text
    assert "Etalab" in text
