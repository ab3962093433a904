"""What the public may see of an entry: the one rule every surface asks.

Pages, templates, embeds, oEmbed, feeds, search results and facets, the JSON and CKAN
APIs, DCAT, the history and the journal all decide through these functions whether
to show an entry's organisation, which of its territories, and which of its versions.

- An **anonymised** failure report (`failure.anonymised`) shows its organisation only
  to that organisation's members; to everyone else it shows neither the organisation
  nor the territories that are, or lie inside, the organisation's own territory.
  Nor can it be *found* through them: lists filtered by that organisation, or by one
  of those territories, leave it out (`without_anonymised`, `in_territories`), and the
  search index holds neither its organisation nor those territories (`index_identity`).
- **Drafts are not public history**: for a non-member, an entry's history starts at
  its first published version; earlier versions stay visible to its organisation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from region27.accounts.policy import Action, can, can_view
from region27.catalog.models import Entry, EntryVersion


def is_anonymised(entry: Entry) -> bool:
    """A failure report its organisation chose to publish without its name."""
    detail = getattr(entry, "failure", None) if entry.kind == "failure" else None
    return is_anonymised_row(entry.kind, getattr(detail, "anonymised", False))


def is_anonymised_row(kind: str, anonymised: bool | None) -> bool:
    """The same, from an entry's kind and its `failure__anonymised` column (None when
    the entry has no failure detail), as read by `values_list`."""
    return kind == "failure" and bool(anonymised)


def anonymised_q(prefix: str = "") -> Q:
    """The entries that are anonymised failure reports (a filter for querysets;
    `prefix` reaches them through a relation, e.g. "entries__")."""
    return Q(**{f"{prefix}kind": "failure", f"{prefix}failure__anonymised": True})


def member_organisation_ids(user: Any) -> list[int]:
    """The organisations the user belongs to (they see their own names)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    from region27.accounts.models import Membership

    return list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))


def is_member(user: Any, entry: Entry) -> bool:
    """The user belongs to the entry's organisation (sees drafts, names, all history)."""
    return can(user, Action.ENTRY_VIEW_DRAFT, entry)


def shows_organisation(user: Any, entry: Entry) -> bool:
    """May this user see which organisation published the entry?"""
    return not is_anonymised(entry) or is_member(user, entry)


def shown_organisation(user: Any, entry: Entry) -> Any:
    """The organisation to name beside the entry for this user, or None (anonymised)."""
    return entry.organisation if shows_organisation(user, entry) else None


def territory_and_inside_ids(territory_id: int | None) -> set[int]:
    """A territory and every territory inside it: what an anonymised entry of an
    organisation attached to that territory must not show (they would name it)."""
    if territory_id is None:
        return set()
    from region27.territories.models import Territory
    from region27.territories.selectors import territory_descendant_ids

    territory = Territory.objects.filter(pk=territory_id).first()
    if territory is None:
        return set()
    return {territory.pk} | set(territory_descendant_ids(territory))


def hidden_territory_ids(entry: Entry) -> set[int]:
    """Territories an anonymised entry must not show: its organisation's territory and
    every territory inside it (they would name the organisation)."""
    return territory_and_inside_ids(getattr(entry.organisation, "territory_id", None))


def public_territories(user: Any, entry: Entry) -> list[Any]:
    """The entry's territories this user may see."""
    territories = list(entry.territories.all())
    if shows_organisation(user, entry):
        return territories
    hidden = hidden_territory_ids(entry)
    return [t for t in territories if t.pk not in hidden]


def first_public_version(entry: Entry) -> int | None:
    """The number of the entry's first published version, or None if never published."""
    return (
        entry.versions.filter(action="publish").order_by("number").values_list("number", flat=True)
    ).first()


def visible_versions(user: Any, entry: Entry) -> QuerySet[EntryVersion]:
    """The versions this user may see, newest first: all for members; for anyone else,
    from the first published version on (drafts are not public history)."""
    if not can_view(user, entry):
        return EntryVersion.objects.none()
    versions = entry.versions.select_related("actor").order_by("-number")
    if is_member(user, entry):
        return versions
    first = first_public_version(entry)
    if first is None:
        return EntryVersion.objects.none()
    return versions.filter(number__gte=first)


def public_snapshot(user: Any, entry: Entry, snapshot: dict[str, Any]) -> dict[str, Any]:
    """A version's stored snapshot as this user may see it (an anonymised entry's
    organisation and the territories that would name it removed)."""
    if shows_organisation(user, entry):
        return snapshot
    from region27.territories.models import Territory

    shown = dict(snapshot)
    shown.pop("organisation", None)
    hidden_codes = {
        t.typed_code for t in Territory.objects.filter(pk__in=hidden_territory_ids(entry))
    }
    shown["territories"] = [
        code for code in snapshot.get("territories", []) if code not in hidden_codes
    ]
    detail = shown.get("detail")
    if isinstance(detail, dict) and "anonymised" in detail:
        shown["detail"] = {k: v for k, v in detail.items() if k != "anonymised"}
    return shown


def without_anonymised(entries: QuerySet[Entry], user: Any) -> QuerySet[Entry]:
    """Entries found through their organisation (its page, its feed, a filter on it),
    without the anonymised reports of organisations the user does not belong to."""
    members = member_organisation_ids(user)
    if not members:
        return entries.exclude(anonymised_q())
    return entries.exclude(anonymised_q() & ~Q(organisation_id__in=members))


def in_territories(entries: QuerySet[Entry], user: Any, ids: set[int]) -> QuerySet[Entry]:
    """Entries about one of the territories (ids), found only through the territories
    this user may see: an anonymised report is not found through its organisation's
    territory, nor through any territory inside it."""
    organisation_territory = OuterRef("organisation__territory_id")
    # `territory_and_inside_ids` in SQL: a territory is inside another when one of its
    # links up (région, département, EPCI, commune) points to it.
    hidden = (
        Q(territory_id=organisation_territory)
        | Q(territory__region_id=organisation_territory)
        | Q(territory__departement_id=organisation_territory)
        | Q(territory__epci_id=organisation_territory)
        | Q(territory__parent_commune_id=organisation_territory)
    )
    through: Any = Entry.territories.through
    public_match = through.objects.filter(entry_id=OuterRef("pk"), territory_id__in=ids).exclude(
        hidden
    )
    found = ~anonymised_q() | Q(organisation__territory__isnull=True) | Q(Exists(public_match))
    members = member_organisation_ids(user)
    if members:
        found |= Q(organisation_id__in=members)
    return entries.filter(territories__in=ids).filter(found)


def index_identity(
    *,
    anonymised: bool,
    organisation_slug: str,
    territory_ids: list[int],
    hidden: set[int],
) -> tuple[str, list[int]]:
    """What the search index holds of an entry's organisation (its slug, a facet and a
    filter) and of its territories: for an anonymised report, no organisation and only
    the territories anyone may see (`hidden`: `territory_and_inside_ids` of the
    organisation's territory)."""
    if not anonymised:
        return organisation_slug, territory_ids
    return "", [pk for pk in territory_ids if pk not in hidden]
