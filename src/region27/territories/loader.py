"""Load the packaged COG extract into `Territory` rows, idempotently.

The extract (`data/cog.json.gz`, built by `build_extract`) is the only input. Rows are
matched on (level, code): missing rows are created, rows whose values differ are
updated, others are left alone. Rows absent from the extract are kept (they may be
referenced) and reported as `missing`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from .build_extract import DEFAULT_OUTPUT, read_extract
from .models import Level, Territory
from .text import search_name

# Values compared and written, as model attribute names (foreign keys by id).
FIELDS = (
    "name",
    "search_name",
    "siren",
    "population",
    "zone",
    "epci_type",
    "postal_codes",
    "region_id",
    "departement_id",
    "epci_id",
    "parent_commune_id",
)
# The same, as field names for bulk_update.
UPDATE_FIELDS = [name.removesuffix("_id") for name in FIELDS]

SUB_COMMUNE_LEVELS = (Level.COMMUNE_DELEGUEE, Level.COMMUNE_ASSOCIEE, Level.ARRONDISSEMENT)
LEVEL_ORDER = (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE, *SUB_COMMUNE_LEVELS)
_COMMUNE_TYPES = {
    "commune-actuelle": Level.COMMUNE,
    "commune-deleguee": Level.COMMUNE_DELEGUEE,
    "commune-associee": Level.COMMUNE_ASSOCIEE,
    "arrondissement-municipal": Level.ARRONDISSEMENT,
}
BATCH_SIZE = 1000

Progress = Callable[[str, int], None]
Values = dict[str, Any]


@dataclass
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows of this level in the database but not in the extract (kept, not deleted).
    missing: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class LoadResult:
    counts: dict[str, LevelCounts] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def total(self) -> int:
        return sum(c.total for c in self.counts.values())


def _values(name: str, **extra: Any) -> Values:
    values: Values = {
        "name": name,
        "search_name": search_name(name),
        "siren": "",
        "population": None,
        "zone": "",
        "epci_type": "",
        "postal_codes": "",
        "region_id": None,
        "departement_id": None,
        "epci_id": None,
        "parent_commune_id": None,
    }
    values.update(extra)
    return values


def _sum(values: Iterable[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _majority(weights: dict[str, int]) -> str | None:
    """The key holding all, or strictly more than half, of the weight; None if ambiguous."""
    if len(weights) == 1:
        return next(iter(weights))
    total = sum(weights.values())
    for key, weight in weights.items():
        if total and weight * 2 > total:
            return key
    return None


def _sync_level(level: str, desired: dict[str, Values]) -> tuple[LevelCounts, dict[str, int]]:
    """Create/update the rows of one level; return counts and the code → id map."""
    counts = LevelCounts()
    existing = {
        row[0]: row[1:]
        for row in Territory.objects.filter(level=level)
        .order_by()
        .values_list("code", "id", *FIELDS)
        .iterator(chunk_size=5000)
    }
    to_create: list[Territory] = []
    to_update: list[Territory] = []
    for code, values in desired.items():
        current = existing.get(code)
        wanted = tuple(values[name] for name in FIELDS)
        if current is None:
            to_create.append(Territory(level=level, code=code, **values))
        elif current[1:] != wanted:
            to_update.append(Territory(id=current[0], level=level, code=code, **values))
        else:
            counts.unchanged += 1
    counts.missing = len(existing.keys() - desired.keys())
    with transaction.atomic():
        Territory.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Territory.objects.bulk_update(to_update, UPDATE_FIELDS, batch_size=BATCH_SIZE)
    counts.created = len(to_create)
    counts.updated = len(to_update)
    ids = dict(Territory.objects.filter(level=level).order_by().values_list("code", "id"))
    return counts, ids


def load_territories(*, progress: Progress | None = None, path: Path | None = None) -> LoadResult:
    """Load (or refresh) all territories from the packaged extract.

    `progress(level, count)` is called after each level with the number of rows handled.
    """
    data = read_extract(path or DEFAULT_OUTPUT)
    result = LoadResult()

    def done(level: str, counts: LevelCounts) -> None:
        result.counts[level] = counts
        if progress is not None:
            progress(level, counts.total)

    communes: dict[str, list[list[Any]]] = defaultdict(list)
    for row in data["communes"]:
        communes[_COMMUNE_TYPES[row[2]]].append(row)
    current = communes[Level.COMMUNE]
    # Sums from current communes, for levels the source gives no population.
    pop_by_region: dict[str, list[int | None]] = defaultdict(list)
    pop_by_dep: dict[str, list[int | None]] = defaultdict(list)
    members: dict[str, list[list[Any]]] = defaultdict(list)
    for row in current:
        pop_by_region[row[4]].append(row[6])
        pop_by_dep[row[3]].append(row[6])
        if row[9]:
            members[row[9]].append(row)

    zones = {code: zone for code, _name, zone in data["regions"]}
    regions = {
        code: _values(name, zone=zone, population=_sum(pop_by_region[code]))
        for code, name, zone in data["regions"]
    }
    counts, region_ids = _sync_level(Level.REGION, regions)
    done(Level.REGION, counts)

    departements = {
        code: _values(
            name,
            zone=zones.get(region, ""),
            population=_sum(pop_by_dep[code]),
            region_id=region_ids.get(region),
        )
        for code, name, region in data["departements"]
    }
    counts, dep_ids = _sync_level(Level.DEPARTEMENT, departements)
    done(Level.DEPARTEMENT, counts)

    epcis: dict[str, Values] = {}
    for code, name, kind, population in data["epci"]:
        by_dep: dict[str, int] = defaultdict(int)
        by_region: dict[str, int] = defaultdict(int)
        for member in members[code]:
            by_dep[member[3]] += member[6] or 0
            by_region[member[4]] += member[6] or 0
        dep, region = _majority(by_dep), _majority(by_region)
        if population is None:
            population = _sum(member[6] for member in members[code])
        epcis[code] = _values(
            name,
            siren=code,
            epci_type=kind,
            population=population,
            departement_id=dep_ids.get(dep) if dep else None,
            region_id=region_ids.get(region) if region else None,
        )
    counts, epci_ids = _sync_level(Level.EPCI, epcis)
    done(Level.EPCI, counts)

    def commune_values(row: list[Any], **extra: Any) -> Values:
        _code, name, _kind, dep, region, siren, population, postal_codes = row[:8]
        return _values(
            name,
            siren=siren,
            population=population,
            postal_codes=postal_codes,
            departement_id=dep_ids.get(dep),
            region_id=region_ids.get(region),
            **extra,
        )

    counts, commune_ids = _sync_level(
        Level.COMMUNE,
        {row[0]: commune_values(row, epci_id=epci_ids.get(row[9])) for row in current},
    )
    done(Level.COMMUNE, counts)

    epci_of_commune = {row[0]: epci_ids.get(row[9]) for row in current}
    for level in SUB_COMMUNE_LEVELS:
        desired = {
            row[0]: commune_values(
                row,
                parent_commune_id=commune_ids.get(row[8]),
                epci_id=epci_of_commune.get(row[8]),
            )
            for row in communes[level]
        }
        counts, _ids = _sync_level(level, desired)
        done(level, counts)
    return result
