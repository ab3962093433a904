"""Data builders for the search tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from region27.accounts.models import Organisation, User
from region27.territories.models import Level, Territory
from tests import factories


@dataclass
class Geo:
    region: Territory
    departement: Territory
    other_departement: Territory
    epci: Territory
    commune: Territory
    other_commune: Territory


def geography() -> Geo:
    region = factories.territory(Level.REGION, code="93", name="Provence-Alpes-Côte d'Azur")
    dep = factories.territory(Level.DEPARTEMENT, code="84", name="Vaucluse", region=region)
    dep2 = factories.territory(Level.DEPARTEMENT, code="13", name="Bouches-du-Rhône", region=region)
    epci = factories.territory(
        Level.EPCI, code="248400251", name="CA du Grand Avignon", departement=dep, region=region
    )
    commune = factories.territory(
        Level.COMMUNE, code="84007", name="Avignon", departement=dep, region=region, epci=epci
    )
    other = factories.territory(
        Level.COMMUNE, code="13055", name="Marseille", departement=dep2, region=region
    )
    return Geo(region, dep, dep2, epci, commune, other)


def author(name: str | None = None, **extra: Any) -> tuple[Organisation, User]:
    org = factories.organisation(name=name, **extra)
    return org, factories.member(org, "agent")
