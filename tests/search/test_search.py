"""search(user=..., params=...): matching, ranking, facets, territories, visibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from region27.catalog import services as catalog_services
from region27.catalog.models import Entry
from region27.search.documents import entry_document_of
from region27.search.models import SearchDocument
from region27.search.params import parse_params
from region27.search.selectors import SearchPage, search, snippet
from region27.search.services import search_reindex
from region27.search.text import parse_query
from tests import factories
from tests.search.helpers import author, geography

pytestmark = pytest.mark.django_db


def run(user: Any = None, **data: Any) -> SearchPage:
    params, problems = parse_params(data)
    page = search(user=user, params=params)
    page.problems[:0] = problems
    return page


def titles(page: SearchPage) -> list[str]:
    return [hit.entry.title for hit in page.hits]


@pytest.fixture
def corpus() -> dict[str, Any]:
    org, agent = author("Ville de Rouen")
    org2, agent2 = author("Métropole de Lyon")
    e = {
        "cantine": factories.entry(
            org,
            agent,
            status="published",
            title="Étude sur la restauration scolaire bio",
            summary="Approvisionnement local des cantines et équipements de cuisine.",
            keywords=["alimentation", "cantine"],
            themes=["agriculture"],
        ),
        "dechets": factories.entry(
            org2,
            agent2,
            kind="dataset",
            status="published",
            title="Tonnages des déchets ménagers",
            summary="Collecte des ordures par commune, mutualisation des bennes.",
            themes=["dechets"],
        ),
        "velo": factories.entry(
            org2,
            agent2,
            kind="software",
            status="published",
            title="Carte des pistes cyclables",
            summary="Un logiciel libre pour publier les aménagements vélo.",
            body="Mentionne aussi la cantine en passant.",
        ),
        "brouillon": factories.entry(
            org,
            agent,
            status="draft",
            title="Brouillon sur les déchets verts",
            summary="Pas encore publié.",
        ),
    }
    return {"org": org, "agent": agent, "org2": org2, "agent2": agent2, **e}


def test_accents_stemming_and_prefix(corpus: dict[str, Any]) -> None:
    assert titles(run(q="equipement")) == ["Étude sur la restauration scolaire bio"]
    assert titles(run(q="déchet")) == ["Tonnages des déchets ménagers"]
    assert titles(run(q="mutualiser")) == ["Tonnages des déchets ménagers"]
    assert titles(run(q="restauration scol")) == ["Étude sur la restauration scolaire bio"]
    assert run(q="restauration scol ").total == 0  # "scol" finished: not a prefix any more
    assert run(q='"scolaire restauration"').total == 0
    assert run(q='"restauration scolaire"').total == 1


def test_a_phrase_stays_within_one_field_on_every_database() -> None:
    org, agent = author("Ville de Valence")
    factories.entry(
        org,
        agent,
        status="published",
        title="Plan de collecte",
        summary="Tournées hebdomadaires.",
        keywords=["déchets verts", "compost"],
    )
    # "collecte" ends the title and "déchets" starts the keywords: not one phrase (FTS5
    # reads fields apart; PostgreSQL's tsvector would put the two words side by side).
    assert run(q='"collecte déchets"').total == 0
    assert run(q="collecte déchets").total == 1
    # Two keywords follow each other in the keywords field, on both databases.
    assert run(q='"verts compost"').total == 1
    assert run(q='"plan collecte"').total == 1


def test_field_weights_title_first(corpus: dict[str, Any]) -> None:
    # "cantine" is in the keywords of one entry and only in the body of the other.
    assert titles(run(q="cantine")) == [
        "Étude sur la restauration scolaire bio",
        "Carte des pistes cyclables",
    ]


def test_drafts_only_for_their_organisation(corpus: dict[str, Any]) -> None:
    assert run(q="déchets").total == 1
    assert run(user=corpus["agent2"], q="déchets").total == 1
    assert run(user=corpus["agent"], q="déchets").total == 2
    catalog_services.entry_submit(entry=corpus["brouillon"], by=corpus["agent"])
    catalog_services.entry_publish(entry=corpus["brouillon"], by=corpus["agent"])
    assert run(q="déchets").total == 2
    catalog_services.entry_archive(entry=corpus["brouillon"], by=corpus["agent"])
    assert run(q="déchets").total == 1
    assert run(user=corpus["agent"], q="déchets").total == 2


def test_index_follows_updates_in_the_same_transaction(corpus: dict[str, Any]) -> None:
    entry = corpus["velo"]
    catalog_services.entry_update(entry=entry, by=corpus["agent2"], title="Carte des trottinettes")
    assert titles(run(q="trottinette")) == ["Carte des trottinettes"]
    assert run(q="pistes cyclables").total == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.entry_update(entry=entry, by=corpus["agent2"], title="Nom annulé")
        assert run(q="annulé").total == 1
        raise RuntimeError
    assert run(q="annulé").total == 0
    assert run(q="trottinette").total == 1


def test_facets_or_within_and_across(corpus: dict[str, Any]) -> None:
    page = run()
    kinds = {v.value: v.count for v in page.facets["kind"]}
    assert kinds == {"study": 1, "dataset": 1, "software": 1}
    assert run(kind=["study", "dataset"]).total == 2
    assert run(kind=["study", "dataset"], theme="dechets").total == 1
    page = run(kind="study")
    # A facet's own selection leaves its other values counted (to widen the OR).
    assert {v.value: v.count for v in page.facets["kind"]}["dataset"] == 1
    assert {v.value for v in page.facets["organisation"]} == {corpus["org"].slug}
    assert run(organisation=corpus["org2"].slug).total == 2
    assert run(licence="EUPL-1.2").total == 1
    assert run(year="1999").total == 0


def test_formats_facet() -> None:
    org, agent = author()
    entry = factories.entry(org, agent, kind="dataset", status="published", title="Budget")
    catalog_services.distribution_add(
        entry=entry, by=agent, title="Budget 2024", url="https://exemple.fr/budget.csv"
    )
    page = run(format="CSV")
    assert titles(page) == ["Budget"]
    assert [v.value for v in page.facets["format"]] == ["CSV"]


def test_territory_hierarchy() -> None:
    geo = geography()
    org, agent = author()
    about_commune = factories.entry(
        org, agent, status="published", title="Plan vélo d'Avignon", territories=[geo.commune]
    )
    about_region = factories.entry(
        org, agent, status="published", title="Schéma régional", territories=[geo.region]
    )
    factories.entry(
        org, agent, status="published", title="Plan de Marseille", territories=[geo.other_commune]
    )
    by_dep = run(territory="departement:84")
    # A département includes its communes; its région covers it too.
    assert set(titles(by_dep)) == {about_commune.title, about_region.title}
    assert set(titles(run(territory="commune:84007"))) == {about_commune.title, about_region.title}
    assert set(titles(run(territory="epci:248400251"))) == {about_commune.title, about_region.title}
    assert run(territory="region:93").total == 3
    facet = {v.value: v.count for v in by_dep.facets["territory"]}
    assert facet["departement:84"] == 2 and facet["region:93"] == 3
    label = {v.value: v.label for v in by_dep.facets["territory"]}
    assert "Vaucluse" in label["departement:84"]


def test_bad_territories_say_why() -> None:
    page = run(territory="nowhere")
    assert page.problems and "niveau:code" in page.problems[0]
    page = run(territory="commune:99999")
    assert "inconnu" in page.problems[0]
    page = run(territory="departement:ABC")
    assert page.problems


def test_sorting_and_pagination(corpus: dict[str, Any]) -> None:
    org, agent = corpus["org"], corpus["agent"]
    for i in range(5):
        factories.entry(org, agent, status="published", title=f"Zèbre {i}")
    by_title = titles(run(sort="title", page_size=3))
    assert by_title == [
        "Carte des pistes cyclables",
        "Étude sur la restauration scolaire bio",
        "Tonnages des déchets ménagers",
    ]
    page = run(sort="date", page_size=3, page=2)
    assert page.total == 8 and page.num_pages == 3 and len(page.hits) == 3
    assert page.previous_page == 1 and page.next_page == 3
    last = run(sort="date", page_size=3, page=3)
    assert len(last.hits) == 2 and last.next_page is None
    beyond = run(page=50)
    assert beyond.hits == [] and beyond.problems
    assert run(page="-3").problems and run(page="9" * 30).page == 1
    assert run(page_size="0").page_size == 20


def test_snippets_highlight_and_escape() -> None:
    plan = parse_query("cantines")
    html = str(snippet("Les <script>alert(1)</script> cantines & la cantine.", plan))
    assert "<script" not in html and "&lt;script" in html
    assert html.count("<mark>") == 2 and "&amp;" in html


def test_reindex_builds_what_services_build(corpus: dict[str, Any]) -> None:
    geo = geography()
    org, agent = corpus["org"], corpus["agent"]
    # Several entries on the same territories (reindex computes their codes once).
    for title in ("Plan vélo d'Avignon", "Vélo-école d'Avignon"):
        factories.entry(
            org, agent, status="published", title=title, territories=[geo.commune, geo.region]
        )
    factories.entry(org, agent, title="Œuvres d'art — Ærø, Straße", territories=[geo.commune])

    def rows() -> list[tuple[Any, ...]]:
        columns = [f.attname for f in SearchDocument._meta.concrete_fields]
        return sorted(SearchDocument.objects.values_list(*columns))

    before = rows()
    result = search_reindex(chunk_size=2)
    assert result.count == 7
    assert rows() == before
    assert titles(run(q="déchet")) == ["Tonnages des déchets ménagers"]


def test_unknown_values_are_ignored_with_a_message(corpus: dict[str, Any]) -> None:
    page = run(kind="licorne", theme="nope", licence="WTFPL", sort="bizarre", year="20x4")
    assert page.total == 3
    assert len(page.problems) == 5


def test_the_migration_to_accent_insensitive_stems_rebuilds_an_old_index(
    corpus: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("region27.search.migrations.0004_accent_insensitive_stems")
    # An index written with the old stems: « données » was "don", typed « donnees » "donne".
    SearchDocument.objects.update(summary="vieux jeton")
    migration.forward(apps, SimpleNamespace(connection=connection))
    assert "Search index rebuilt" in capsys.readouterr().out
    assert not SearchDocument.objects.filter(summary="vieux jeton").exists()
    rebuilt = {d.entry_id: d.summary for d in SearchDocument.objects.all()}
    assert rebuilt == {e.pk: entry_document_of(e)["summary"] for e in Entry.objects.all()}


def test_the_migration_says_so_when_it_cannot_rebuild(
    corpus: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from region27.search import services

    migration = importlib.import_module("region27.search.migrations.0004_accent_insensitive_stems")
    before = list(SearchDocument.objects.order_by("entry_id").values_list("entry_id", "title"))

    def broken(**kwargs: Any) -> None:
        SearchDocument.objects.all().delete()  # half done, then it fails
        raise RuntimeError("colonne manquante")

    monkeypatch.setattr(services, "search_reindex", broken)
    migration.forward(apps, SimpleNamespace(connection=connection))
    assert "run `region27 search reindex`" in capsys.readouterr().err
    after = list(SearchDocument.objects.order_by("entry_id").values_list("entry_id", "title"))
    assert after == before  # rolled back: the index is left as it was
