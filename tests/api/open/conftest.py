"""Data for the open interfaces' tests: a small catalogue with every kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from region27.accounts.models import Role
from region27.catalog import services as catalog_services
from region27.catalog.models import Theme
from region27.catalog.themes import THEMES
from region27.search import ckan, store
from region27.territories.models import Level
from tests import factories


@dataclass
class OpenData:
    org: Any
    other_org: Any
    agent: Any
    region: Any
    departement: Any
    commune: Any
    dataset: Any
    dataset2: Any
    service: Any
    study: Any
    draft: Any


def seed_themes() -> None:
    for position, (slug, _label, _eu) in enumerate(THEMES):
        Theme.objects.update_or_create(slug=slug, defaults={"position": position})


def build_open_data() -> OpenData:
    seed_themes()
    region = factories.territory(Level.REGION, "84", name="Auvergne-Rhône-Alpes")
    departement = factories.territory(
        Level.DEPARTEMENT, "26", name="Drôme", search_name="drome", region=region
    )
    commune = factories.territory(
        Level.COMMUNE,
        "26108",
        name="Crest",
        search_name="crest",
        region=region,
        departement=departement,
    )
    org = factories.organisation(name="Commune de Crest", slug="crest")
    other = factories.organisation(name="Département de la Drôme", slug="drome")
    agent = factories.member(org, Role.AGENT)
    other_agent = factories.member(other, Role.AGENT)
    dataset = factories.entry(
        org,
        agent,
        kind="dataset",
        status="published",
        title="Bornes de recharge",
        summary="Localisation des bornes de recharge publiques.",
        body="Mises à jour **chaque année**.",
        territories=[commune],
        themes=["mobilite", "energie"],
        keywords=["recharge", "mobilité"],
        detail={
            "frequency": "annual",
            "temporal_start": dt.date(2020, 1, 1),
            "temporal_end": dt.date(2024, 12, 31),
            "contact_email": "donnees@crest.example",
        },
    )
    catalog_services.distribution_add(
        entry=dataset,
        by=agent,
        title="Bornes 2024 (CSV)",
        file=SimpleUploadedFile("bornes.csv", b"id,commune\n1,Crest\n", "text/csv"),
        format="csv",
    )
    catalog_services.distribution_add(
        entry=dataset,
        by=agent,
        title="Carte",
        url="https://carte.example.org/bornes",
        format="html",
    )
    dataset2 = factories.entry(
        other,
        other_agent,
        kind="dataset",
        status="published",
        title="Budget primitif",
        summary="Le budget primitif du département.",
        territories=[departement],
        themes=["finances"],
        keywords=["budget"],
        licence="odc-odbl",
    )
    catalog_services.distribution_add(
        entry=dataset2,
        by=other_agent,
        title="Budget",
        url="https://budget.example.org/b.json",
        format="json",
    )
    service = factories.entry(
        org,
        agent,
        kind="service",
        status="published",
        title="API des horaires",
        summary="Horaires des équipements municipaux.",
        territories=[commune],
        themes=["administration"],
        detail={
            "url": "https://horaires.example.org/",
            "api_url": "https://horaires.example.org/api/",
            "documentation_url": "https://horaires.example.org/docs/",
        },
    )
    study = factories.entry(
        org, agent, kind="study", status="published", title="Étude mobilités", territories=[commune]
    )
    draft = factories.entry(org, agent, kind="dataset", status="draft", title="Brouillon secret")
    return OpenData(
        org, other, agent, region, departement, commune, dataset, dataset2, service, study, draft
    )


@pytest.fixture
def open_data(db: None) -> OpenData:
    return build_open_data()


@pytest.fixture(autouse=True)
def _fresh_search_store() -> Iterator[None]:
    """Each test reads its own index: no facet arrays left from another test."""
    store.forget()
    ckan.forget()
    yield
    store.forget()
    ckan.forget()
