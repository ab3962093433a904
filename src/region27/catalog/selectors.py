"""Every read of the catalog, with the acting user, so permissions cannot be forgotten."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from region27.accounts.models import Membership, Organisation, Role
from region27.accounts.policy import can_view
from region27.catalog.models import Entry, EntryVersion, SlugRedirect, Status
from region27.catalog.visibility import (
    anonymised_q,
    in_territories,
    visible_versions,
    without_anonymised,
)
from region27.territories.models import Territory


def _member_org_ids(user: Any) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))


def entries_visible_to(user: Any) -> QuerySet[Entry]:
    """Published entries, plus every entry of the organisations the user belongs to."""
    qs = Entry.objects.all()
    org_ids = _member_org_ids(user)
    if org_ids:
        return qs.filter(Q(status=Status.PUBLISHED) | Q(organisation_id__in=org_ids))
    return qs.filter(status=Status.PUBLISHED)


@dataclass
class EntryFilters:
    kinds: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    licences: list[str] = field(default_factory=list)
    territory: Territory | None = None
    text: str = ""
    statuses: list[str] = field(default_factory=list)


def entry_list(*, user: Any, filters: EntryFilters | None = None) -> QuerySet[Entry]:
    """Entries the user may see, filtered; repeating a filter value means OR."""
    f = filters or EntryFilters()
    qs = entries_visible_to(user)
    qs = qs.filter(status__in=f.statuses or [Status.PUBLISHED])
    if f.kinds:
        qs = qs.filter(kind__in=f.kinds)
    if f.themes:
        qs = qs.filter(themes__slug__in=f.themes)
    if f.organisations:
        # An anonymised report is not found through its organisation.
        qs = without_anonymised(qs.filter(organisation__slug__in=f.organisations), user)
    if f.licences:
        qs = qs.filter(licence__in=f.licences)
    if f.territory is not None:
        from region27.territories.selectors import territory_descendant_ids

        qs = in_territories(qs, user, territory_descendant_ids(f.territory))
    for word in f.text.split()[:10]:
        qs = qs.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    return (
        qs.distinct()
        .select_related("organisation", "failure")
        .order_by("-published_at", "-modified_at", "pk")
    )


def entry_get(*, user: Any, slug: str) -> tuple[Entry | None, str | None]:
    """The entry the user may see at `slug`, or the slug it moved to (for a 301)."""
    entry = (
        Entry.objects.select_related("organisation", "organisation__territory")
        .prefetch_related("territories", "themes")
        .filter(slug=slug)
        .first()
    )
    if entry is None:
        redirect = SlugRedirect.objects.select_related("entry").filter(old_slug=slug).first()
        if redirect is not None and can_view(user, redirect.entry):
            return None, redirect.entry.slug
        return None, None
    if not can_view(user, entry):
        return None, None
    return entry, None


def entry_get_followed(*, user: Any, slug: str) -> Entry | None:
    """The entry the user may see at `slug`, or at the slug it moved to."""
    entry, moved_to = entry_get(user=user, slug=slug)
    if entry is None and moved_to:
        entry, _moved = entry_get(user=user, slug=moved_to)
    return entry


def entry_versions(*, user: Any, entry: Entry) -> QuerySet[EntryVersion]:
    """The versions the user may see (drafts are not public history), newest first.
    Pages show their snapshots through `visibility.public_snapshot`, and no stored hash
    of an anonymised entry's version to a non-member (the hash covers the organisation)."""
    return visible_versions(user, entry)


def validation_queue(*, user: Any) -> QuerySet[Entry]:
    """Submitted entries waiting for this élu."""
    if user is None or not user.is_authenticated:
        return Entry.objects.none()
    org_ids = Membership.objects.filter(user=user, role=Role.ELU).values_list(
        "organisation_id", flat=True
    )
    return (
        Entry.objects.filter(status=Status.SUBMITTED, organisation_id__in=list(org_ids))
        .select_related("organisation")
        .order_by("submitted_at")
    )


def pending_revision(*, user: Any, entry: Entry) -> Any:
    """The entry's pending revision, for its organisation's members (None otherwise)."""
    from region27.accounts.policy import Action, can
    from region27.catalog.models import EntryRevision, RevisionState

    if not can(user, Action.ENTRY_VIEW_DRAFT, entry):
        return None
    return EntryRevision.objects.filter(entry=entry, state=RevisionState.PENDING).first()


def revision_queue(*, user: Any) -> QuerySet[Any]:
    """Pending revisions of published entries waiting for this élu."""
    from region27.catalog.models import EntryRevision, RevisionState

    if user is None or not user.is_authenticated:
        return EntryRevision.objects.none()
    org_ids = Membership.objects.filter(user=user, role=Role.ELU).values_list(
        "organisation_id", flat=True
    )
    return (
        EntryRevision.objects.filter(
            state=RevisionState.PENDING,
            entry__status=Status.PUBLISHED,
            entry__organisation_id__in=list(org_ids),
            entry__organisation__requires_validation=True,
        )
        .select_related("entry__organisation")
        .order_by("created_at")
    )


def organisation_entries(*, user: Any, organisation: Organisation) -> QuerySet[Entry]:
    """What the organisation shares, as the user sees it: its anonymised reports only
    for its members."""
    qs = without_anonymised(entries_visible_to(user).filter(organisation=organisation), user)
    return qs.select_related("organisation", "failure").order_by("-modified_at")


def organisations_sharing(*, user: Any) -> QuerySet[Organisation]:
    """Organisations with at least one entry the user sees under their name (the
    catalogue's organisation filter offers only these)."""
    shared = without_anonymised(entry_list(user=user), user).filter(organisation_id=OuterRef("pk"))
    return Organisation.objects.filter(Exists(shared)).order_by("name")


def organisations_with_counts() -> QuerySet[Organisation]:
    """Every organisation, with `published`: how many published entries it shows under
    its name (anonymised reports are not counted)."""
    return Organisation.objects.annotate(
        published=Count(
            "entries",
            filter=Q(entries__status=Status.PUBLISHED) & ~anonymised_q("entries__"),
        )
    ).select_related("territory")


def entries_about_territory(*, user: Any, territory: Territory) -> QuerySet[Entry]:
    return entry_list(user=user, filters=EntryFilters(territory=territory))


def stored_file_entry(*, user: Any, name: str) -> tuple[Entry, str] | None:
    """The entry whose distribution or own file field (a study's document) serves the
    stored file now, and the file's checksum ("" if none is kept), if the user may see
    the entry."""
    from region27.catalog.kinds import kind_all
    from region27.catalog.models import Distribution

    found = Distribution.objects.filter(file=name).select_related("entry__organisation").first()
    if found is not None:
        return (found.entry, found.checksum) if can_view(user, found.entry) else None
    for spec in kind_all():
        model: Any = spec.detail_model
        for field_name in spec.file_fields:
            detail = (
                model.objects.filter(**{field_name: name})
                .select_related("entry__organisation")
                .first()
            )
            if detail is not None:
                return (detail.entry, "") if can_view(user, detail.entry) else None
    return None
