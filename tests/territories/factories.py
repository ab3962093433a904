"""Small hand-built territories for unit tests (no full COG load)."""

from __future__ import annotations

from typing import Any

from region27.territories.models import Level, Territory
from region27.territories.text import search_name


def territory_create(*, level: str, code: str, name: str, **fields: Any) -> Territory:
    return Territory.objects.create(
        level=level, code=code, name=name, search_name=search_name(name), **fields
    )


def region_create(code: str = "84", name: str = "Auvergne-Rhône-Alpes", **fields: Any) -> Territory:
    fields.setdefault("zone", "metro")
    return territory_create(level=Level.REGION, code=code, name=name, **fields)


def departement_create(
    code: str = "69", name: str = "Rhône", *, region: Territory | None = None, **fields: Any
) -> Territory:
    return territory_create(level=Level.DEPARTEMENT, code=code, name=name, region=region, **fields)


def epci_create(
    code: str = "200046977",
    name: str = "Métropole de Lyon",
    *,
    departement: Territory | None = None,
    **fields: Any,
) -> Territory:
    return territory_create(
        level=Level.EPCI,
        code=code,
        name=name,
        siren=code,
        departement=departement,
        region=departement.region if departement else None,
        **fields,
    )


def commune_create(
    code: str = "69123",
    name: str = "Lyon",
    *,
    departement: Territory | None = None,
    epci: Territory | None = None,
    level: str = Level.COMMUNE,
    parent_commune: Territory | None = None,
    **fields: Any,
) -> Territory:
    return territory_create(
        level=level,
        code=code,
        name=name,
        departement=departement,
        region=departement.region if departement else None,
        epci=epci,
        parent_commune=parent_commune,
        **fields,
    )


def small_geography() -> dict[str, Territory]:
    """A région with two départements, an EPCI, communes and an arrondissement."""
    ara = region_create()
    paca = region_create("93", "Provence-Alpes-Côte d'Azur")
    rhone = departement_create(region=ara)
    vaucluse = departement_create("84", "Vaucluse", region=paca)
    metro = epci_create(departement=rhone, population=1_400_000)
    lyon = commune_create(
        departement=rhone, epci=metro, population=519_127, postal_codes="69001 69002 69003"
    )
    lyon3 = commune_create(
        "69383",
        "Lyon 3e Arrondissement",
        departement=rhone,
        epci=metro,
        level=Level.ARRONDISSEMENT,
        parent_commune=lyon,
        population=100_679,
        postal_codes="69003",
    )
    villeurbanne = commune_create(
        "69266", "Villeurbanne", departement=rhone, epci=metro, population=150_000
    )
    avignon = commune_create("84007", "Avignon", departement=vaucluse, population=92_188)
    return {
        "ara": ara,
        "paca": paca,
        "rhone": rhone,
        "vaucluse": vaucluse,
        "metro": metro,
        "lyon": lyon,
        "lyon3": lyon3,
        "villeurbanne": villeurbanne,
        "avignon": avignon,
    }
