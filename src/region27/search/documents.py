"""What the index holds for one entry: the single builder used by services and reindex."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from region27.catalog.models import Entry, Status
from region27.catalog.visibility import (
    index_identity,
    is_anonymised_row,
    territory_and_inside_ids,
)
from region27.search.text import analyze_text, fold
from region27.territories.models import Level, Territory

BODY_MAX_CHARS = 20_000
# `organisation_id` of a published anonymised report: it is found only through its own
# (public) territories, never through the organisation or a territory around it.
NO_ORGANISATION = 0
VALIDATED_BOOST = 0.1

_SUB_COMMUNE = (Level.COMMUNE_DELEGUEE, Level.COMMUNE_ASSOCIEE, Level.ARRONDISSEMENT)


class TerritoryCodes:
    """Typed codes of territories and of everything containing them, cached for one run."""

    def __init__(self) -> None:
        self._codes: dict[int, str] = {}
        self._parents: dict[int, list[int]] = {}
        self._departements: dict[int, list[str]] = {}
        # Many entries cover the same territories: their "within" codes are computed once.
        self._within: dict[tuple[int, ...], list[str]] = {}
        # Territory -> itself and the territories inside it (hidden by anonymised reports).
        self._inside: dict[int, set[int]] = {}

    _FIELDS = ("id", "level", "code", "parent_commune_id", "epci_id", "departement_id", "region_id")

    def _add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for pk, level, code, parent, epci, dep, reg in rows:
            self._codes[pk] = f"{level}:{code}"
            if level in _SUB_COMMUNE:
                chain = [parent, epci, dep, reg]
            elif level in (Level.EPCI, Level.DEPARTEMENT):
                chain = [dep, reg]
            else:
                chain = [epci, dep, reg]
            self._parents[pk] = [p for p in chain if p is not None and p != pk]

    def _load(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i is not None and i not in self._codes}
        if missing:
            self._add(Territory.objects.filter(id__in=missing).values_list(*self._FIELDS))

    def preload(self) -> None:
        """Read every territory once (for a whole reindex)."""
        self._add(Territory.objects.values_list(*self._FIELDS).iterator(chunk_size=5000))
        self._departements.clear()
        self._within.clear()
        for region_id in Territory.objects.filter(level=Level.REGION).values_list("id", flat=True):
            self._departements[region_id] = []
        for region_id, code in Territory.objects.filter(level=Level.DEPARTEMENT).values_list(
            "region_id", "code"
        ):
            if region_id is not None:
                self._departements.setdefault(region_id, []).append(f"{Level.DEPARTEMENT}:{code}")

    def inside(self, territory_id: int | None) -> set[int]:
        """The territory and every territory inside it (empty for None)."""
        if territory_id is None:
            return set()
        found = self._inside.get(territory_id)
        if found is None:
            found = self._inside[territory_id] = territory_and_inside_ids(territory_id)
        return found

    def own(self, ids: list[int]) -> list[str]:
        self._load(ids)
        return [self._codes[i] for i in ids if i in self._codes]

    def _departements_of(self, region_id: int) -> list[str]:
        found = self._departements.get(region_id)
        if found is None:
            found = self._departements[region_id] = [
                f"{Level.DEPARTEMENT}:{code}"
                for code in Territory.objects.filter(
                    level=Level.DEPARTEMENT, region_id=region_id
                ).values_list("code", flat=True)
            ]
        return found

    def within(self, ids: list[int], *, regions_down: bool = True) -> list[str]:
        """The territories, all their ancestors (a sub-commune's commune's too) and, for a
        région (unless `regions_down` is false), its départements: the entry is counted
        in each of them."""
        key = (*ids, -1 if regions_down else -2)
        cached = self._within.get(key)
        if cached is not None:
            return list(cached)
        found = self._within[key] = self._compute_within(ids, regions_down=regions_down)
        return list(found)

    def _compute_within(self, ids: list[int], *, regions_down: bool) -> list[str]:
        self._load(ids)
        seen: dict[str, None] = {}
        for pk in ids if regions_down else ():
            if self._codes.get(pk, "").startswith(f"{Level.REGION}:"):
                for code in self._departements_of(pk):
                    seen[code] = None
        stack = list(ids)
        while stack:
            pk = stack.pop()
            found = self._codes.get(pk)
            if found is None or found in seen:
                continue
            seen[found] = None
            parents = self._parents.get(pk, [])
            self._load(parents)
            stack.extend(parents)
        return list(seen)


@dataclass(frozen=True)
class EntryRow:
    """What the index reads from an entry (built from a model or from `values_list`)."""

    id: int
    kind: str
    title: str
    summary: str
    body: str
    keywords: list[str]
    licence: str
    status: str
    organisation_id: int
    organisation_slug: str
    requires_validation: bool
    created_at: dt.datetime | None
    modified_at: dt.datetime | None
    published_at: dt.datetime | None
    anonymised: bool | None
    organisation_territory_id: int | None

    FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "kind",
        "title",
        "summary",
        "body",
        "keywords",
        "licence",
        "status",
        "organisation_id",
        "organisation__slug",
        "organisation__requires_validation",
        "created_at",
        "modified_at",
        "published_at",
        "failure__anonymised",
        "organisation__territory_id",
    )

    @classmethod
    def of(cls, entry: Entry) -> EntryRow:
        return cls(
            entry.pk,
            entry.kind,
            entry.title,
            entry.summary,
            entry.body,
            list(entry.keywords or []),
            entry.licence,
            entry.status,
            entry.organisation_id,
            entry.organisation.slug,
            entry.organisation.requires_validation,
            entry.created_at,
            entry.modified_at,
            entry.published_at,
            getattr(getattr(entry, "failure", None), "anonymised", False),
            entry.organisation.territory_id,
        )


def entry_document(
    entry: EntryRow,
    *,
    territory_ids: list[int],
    theme_slugs: list[str],
    formats: list[str],
    codes: TerritoryCodes,
) -> dict[str, Any]:
    """The index row of an entry (field values of `SearchDocument`)."""
    date = entry.published_at or entry.modified_at or entry.created_at
    year_source = entry.published_at or entry.created_at
    validated = entry.status in (Status.PUBLISHED, Status.ARCHIVED) and entry.requires_validation
    keywords = list(entry.keywords or [])
    # An anonymised report: no organisation to filter or count by, only the territories
    # anyone may see (see `catalog.visibility`).
    anonymised = is_anonymised_row(entry.kind, entry.anonymised)
    hidden = codes.inside(entry.organisation_territory_id) if anonymised else set()
    organisation, territory_ids = index_identity(
        anonymised=anonymised,
        organisation_slug=entry.organisation_slug,
        territory_ids=territory_ids,
        hidden=hidden,
    )
    # An anonymised report about a région is not counted in each of its départements:
    # all but the organisation's would tell which one it is.
    within = codes.within(territory_ids, regions_down=not anonymised)
    if hidden:
        hidden_codes = set(codes.own(sorted(hidden)))
        within = [code for code in within if code not in hidden_codes]
    return {
        "status": entry.status,
        # Who sees the entry before it is published (its members). Once an anonymised
        # report is published everyone sees it: no organisation is kept for it.
        "organisation_id": NO_ORGANISATION
        if anonymised and entry.status == Status.PUBLISHED
        else entry.organisation_id,
        "kind": entry.kind,
        "organisation": organisation,
        "licence": entry.licence,
        "year": year_source.year if year_source else None,
        "themes": " ".join(sorted(set(theme_slugs))),
        "formats": " ".join(sorted({f.strip().upper() for f in formats if f and f.strip()})),
        "territories": " ".join(sorted(codes.own(territory_ids))),
        "territories_within": " ".join(sorted(within)),
        "date": date,
        "title_sort": fold(entry.title)[:200],
        "boost": 1.0 + (VALIDATED_BOOST if validated else 0.0),
        "title": analyze_text(entry.title),
        "keywords": analyze_text(" ; ".join(str(k) for k in keywords)),
        "summary": analyze_text(entry.summary),
        "body": analyze_text(entry.body[:BODY_MAX_CHARS]),
    }


def entry_document_of(entry: Entry, codes: TerritoryCodes | None = None) -> dict[str, Any]:
    """Build the document of one entry, reading its relations."""
    return entry_document(
        EntryRow.of(entry),
        territory_ids=sorted(entry.territories.values_list("id", flat=True)),
        theme_slugs=list(entry.themes.values_list("slug", flat=True)),
        formats=list(entry.distributions.values_list("format", flat=True)),
        codes=codes or TerritoryCodes(),
    )
