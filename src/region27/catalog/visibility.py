"""What the public may see of an entry: the one rule every surface asks.

Pages, templates, embeds, oEmbed, feeds, search results and facets, the JSON and CKAN
APIs, DCAT, the history and the journal all decide through these functions whether
to show an entry's organisation, which of its territories, and which of its versions.

- An **anonymised** failure report (`failure.anonymised`) shows its organisation only
  to that organisation's members; to everyone else it shows neither the organisation
  nor the territories that are, or lie inside, the organisation's own territory.
- **Drafts are not public history**: for a non-member, an entry's history starts at
  its first published version; earlier versions stay visible to its organisation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from region27.accounts.policy import Action, can, can_view
from region27.catalog.models import Entry, EntryVersion


def is_anonymised(entry: Entry) -> bool:
    """A failure report its organisation chose to publish without its name."""
    if entry.kind != "failure":
        return False
    detail = getattr(entry, "failure", None)
    return bool(getattr(detail, "anonymised", False))


def is_member(user: Any, entry: Entry) -> bool:
    """The user belongs to the entry's organisation (sees drafts, names, all history)."""
    return can(user, Action.ENTRY_VIEW_DRAFT, entry)


def shows_organisation(user: Any, entry: Entry) -> bool:
    """May this user see which organisation published the entry?"""
    return not is_anonymised(entry) or is_member(user, entry)


def hidden_territory_ids(entry: Entry) -> set[int]:
    """Territories an anonymised entry must not show: its organisation's territory and
    every territory inside it (they would name the organisation)."""
    territory = getattr(entry.organisation, "territory", None)
    if territory is None:
        return set()
    from region27.territories.selectors import territory_descendant_ids

    return {territory.pk} | set(territory_descendant_ids(territory))


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
