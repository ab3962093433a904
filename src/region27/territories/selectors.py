"""Read-only queries on territories (writes happen only in `loader`)."""

from __future__ import annotations

import re

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from .models import Level, Territory
from .text import expand_abbreviations, fold

SUB_COMMUNE_LEVELS = (Level.COMMUNE_DELEGUEE, Level.COMMUNE_ASSOCIEE, Level.ARRONDISSEMENT)
_COMMUNE_CODE = r"(?:\d{5}|2[AB]\d{3})"
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    Level.REGION: re.compile(r"\d{2,3}"),
    Level.DEPARTEMENT: re.compile(r"\d{2,3}|2[AB]"),
    Level.EPCI: re.compile(r"\d{9}"),
    Level.COMMUNE: re.compile(_COMMUNE_CODE),
    Level.COMMUNE_DELEGUEE: re.compile(_COMMUNE_CODE),
    Level.COMMUNE_ASSOCIEE: re.compile(_COMMUNE_CODE),
    Level.ARRONDISSEMENT: re.compile(_COMMUNE_CODE),
}
# Something typed in the picker that looks like a code: INSEE, postal, SIREN, 2A/2B.
_CODE_QUERY = re.compile(r"(?=.*\d)[0-9AB]{2,9}")
_LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


def territory_get(*, level: str, code: str) -> Territory:
    """The territory with this level and code; raises `Territory.DoesNotExist`."""
    return Territory.objects.select_related("departement", "region").get(level=level, code=code)


def territory_parse_typed(value: str) -> tuple[str, str]:
    """Parse a typed code such as `commune:69123` or `departement:2A` into (level, code)."""
    if not isinstance(value, str) or ":" not in value:
        raise ValueError(
            _(
                "Code de territoire invalide « %(value)s » : format attendu niveau:code, "
                "par exemple commune:69123 ou departement:84."
            )
            % {"value": value}
        )
    raw_level, _sep, raw_code = value.strip().partition(":")
    level = fold(raw_level).replace(" ", "-")
    code = raw_code.strip().upper()
    if level not in CODE_PATTERNS:
        raise ValueError(
            _("Niveau de territoire inconnu « %(level)s » (niveaux possibles : %(levels)s).")
            % {"level": raw_level.strip(), "levels": ", ".join(Level.values)}
        )
    if not CODE_PATTERNS[level].fullmatch(code):
        raise ValueError(
            _("Code « %(code)s » invalide pour le niveau %(level)s.")
            % {"code": raw_code.strip(), "level": level}
        )
    return level, code


def territory_ancestors(territory: Territory) -> list[Territory]:
    """The territories containing this one, nearest first.

    Commune → EPCI, département, région; delegated/associated commune or arrondissement →
    its commune then the commune's ancestors; EPCI → département and région where known;
    département → région.
    """
    chain: list[int | None]
    if territory.level in SUB_COMMUNE_LEVELS:
        parent_id = territory.parent_commune_id
        parent = Territory.objects.filter(id=parent_id).first() if parent_id is not None else None
        if parent is None:
            chain = [territory.departement_id, territory.region_id]
        else:
            chain = [parent.id, parent.epci_id, parent.departement_id, parent.region_id]
    elif territory.level == Level.COMMUNE:
        chain = [territory.epci_id, territory.departement_id, territory.region_id]
    elif territory.level in (Level.EPCI, Level.DEPARTEMENT):
        chain = [territory.departement_id, territory.region_id]
    else:
        chain = []
    ids = [pk for pk in chain if pk is not None and pk != territory.id]
    found = Territory.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def territory_children(territory: Territory) -> QuerySet[Territory]:
    """The territories directly below this one.

    Région → départements; département → EPCI with members in it and its communes;
    EPCI → member communes; commune → delegated/associated communes and arrondissements.
    """
    objects = Territory.objects.all()
    if territory.level == Level.REGION:
        return objects.filter(level=Level.DEPARTEMENT, region=territory)
    if territory.level == Level.DEPARTEMENT:
        epci_ids = (
            objects.filter(level=Level.COMMUNE, departement=territory, epci__isnull=False)
            .order_by()
            .values("epci_id")
        )
        return objects.filter(
            Q(level=Level.COMMUNE, departement=territory) | Q(level=Level.EPCI, id__in=epci_ids)
        )
    if territory.level == Level.EPCI:
        return objects.filter(level=Level.COMMUNE, epci=territory)
    if territory.level == Level.COMMUNE:
        return objects.filter(parent_commune=territory)
    return objects.none()


def territory_descendant_ids(territory: Territory) -> set[int]:
    """Ids of all territories within this one, at every level, including itself (one query).

    An EPCI spanning several départements/régions is within the one holding the majority
    of its population (see the loader).
    """
    links = {
        Level.REGION: "region",
        Level.DEPARTEMENT: "departement",
        Level.EPCI: "epci",
        Level.COMMUNE: "parent_commune",
    }
    ids = {territory.id}
    link = links.get(territory.level)  # type: ignore[call-overload]
    if link is not None:
        ids.update(
            Territory.objects.filter(**{link: territory}).order_by().values_list("id", flat=True)
        )
    return ids


def territory_label(territory: Territory) -> str:
    """A label telling homonyms apart: `Saint-Denis (Seine-Saint-Denis, 93)`.

    Select `departement` with the territory to avoid one query per label.
    """
    name = territory.name
    level = territory.level
    if level == Level.REGION:
        return _("%(name)s (région)") % {"name": name}
    if level == Level.DEPARTEMENT:
        return _("%(name)s (département, %(code)s)") % {"name": name, "code": territory.code}
    departement = territory.departement
    if level == Level.EPCI:
        if departement is None:
            return _("%(name)s (intercommunalité)") % {"name": name}
        return _("%(name)s (intercommunalité, %(departement)s, %(code)s)") % {
            "name": name,
            "departement": departement.name,
            "code": departement.code,
        }
    if departement is None:
        return name
    if level in (Level.COMMUNE_DELEGUEE, Level.COMMUNE_ASSOCIEE):
        return _("%(name)s (%(kind)s, %(departement)s, %(code)s)") % {
            "name": name,
            "kind": territory.get_level_display().lower(),
            "departement": departement.name,
            "code": departement.code,
        }
    return _("%(name)s (%(departement)s, %(code)s)") % {
        "name": name,
        "departement": departement.name,
        "code": departement.code,
    }


def territory_search(*, query: str, limit: int = 20) -> list[Territory]:
    """Territories for the picker, best first.

    Matches typed codes (`commune:69123`), INSEE/SIREN codes and postal codes (exact or
    prefix), and names (accent/case-insensitive, hyphens = spaces, "st" = "saint", every
    word must appear). Ranking: exact matches, then prefix, then word, then other
    matches; population (largest first) within each rank. Results have `departement`
    selected, for `territory_label`.
    """
    text = (query or "").strip()
    if not text or limit <= 0:
        return []
    base = Territory.objects.select_related("departement")
    if ":" in text:
        try:
            level, code = territory_parse_typed(text)
        except ValueError:
            pass
        else:
            return list(base.filter(level=level, code=code))
    compact = text.upper().replace(" ", "")
    qs: QuerySet[Territory] = base
    rank: Case
    if _CODE_QUERY.fullmatch(compact):
        exact = Q(code=compact)
        if len(compact) == 5 and compact.isdigit():
            # Postal codes are 5-digit, space-separated: a 5-digit substring is a whole one.
            exact |= Q(postal_codes__contains=compact)
        prefix = (
            Q(code__startswith=compact)
            | Q(postal_codes__startswith=compact)
            | Q(postal_codes__contains=" " + compact)
        )
        qs = qs.filter(exact | prefix)
        rank = Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField())
    else:
        tokens = fold(text).split()
        if not tokens:
            return []
        # The last word may still be being typed: "st" then stays a prefix ("Strasbourg").
        typing = not text[-1:].isspace() and text[-1:] not in "-'’"
        tokens = expand_abbreviations(tokens, keep_last=typing)
        folded = " ".join(tokens)
        for token in tokens:
            qs = qs.filter(search_name__contains=token)
        rank = Case(
            When(search_name=folded, then=Value(0)),
            When(search_name__startswith=folded, then=Value(1)),
            When(search_name__contains=" " + folded, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    level_rank = Case(
        *(When(level=level, then=Value(order)) for level, order in _LEVEL_RANK.items()),
        output_field=IntegerField(),
    )
    return list(
        qs.annotate(rank=rank).order_by(
            "rank", F("population").desc(nulls_last=True), level_rank, "name", "code"
        )[:limit]
    )
