"""The one permission policy. Every interface (web, API, commands) asks here.

Roles: anonymous visitors and habitants (registered, no membership) read what is
public; within an organisation an `agent` writes its entries, an `elu` validates
them, an `admin` writes and manages members. Nobody writes another
organisation's entries.

Each organisation chooses (`Organisation.requires_validation`):
- direct publication: agents and admins publish, change and archive their entries;
- élu validation: agents and admins submit, an élu publishes or sends back with a
  reason; a change to a published entry (its content or its files) is only a
  proposal (`ENTRY_PROPOSE`, a pending `EntryRevision`) that an élu approves or
  sends back (`ENTRY_REVIEW`); nobody changes the published entry directly
  (`ENTRY_EDIT` is refused), so every service that writes an entry's public content
  after checking `ENTRY_EDIT` cannot bypass the élu.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from region27.accounts.models import Membership, Role

if TYPE_CHECKING:
    from region27.accounts.models import Organisation
    from region27.catalog.models import Entry


class Action(StrEnum):
    ENTRY_CREATE = "entry.create"
    ENTRY_EDIT = "entry.edit"
    ENTRY_SUBMIT = "entry.submit"
    ENTRY_PUBLISH = "entry.publish"
    ENTRY_REJECT = "entry.reject"
    ENTRY_ARCHIVE = "entry.archive"
    ENTRY_VIEW_DRAFT = "entry.view_draft"
    ENTRY_PROPOSE = "entry.propose"  # a change that waits for an élu (a pending revision)
    ENTRY_REVIEW = "entry.review"  # approve or send back a pending revision
    # Ask for a computation about an entry (an experiment's evaluation): it changes no
    # approved content, so it needs no élu; the organisation's writers ask.
    ENTRY_EVALUATE = "entry.evaluate"
    ORG_MANAGE_MEMBERS = "organisation.manage_members"
    ORG_EDIT = "organisation.edit"


ACTOR_ANONYMOUS = "anonymous"
ACTOR_HABITANT = "habitant"


def role_in(user: Any, organisation: Organisation | None) -> str | None:
    """The user's role in the organisation, or None."""
    if organisation is None or user is None or not user.is_authenticated:
        return None
    cache: dict[int, str] = getattr(user, "_region27_roles", None) or {}
    if not cache:
        cache = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._region27_roles = cache
    return cache.get(organisation.pk)


def forget_roles(user: Any) -> None:
    """Drop the per-request role cache after a membership changes."""
    if hasattr(user, "_region27_roles"):
        del user._region27_roles


def actor_kind(user: Any) -> str:
    """`anonymous`, `habitant`, or the highest role the user holds anywhere."""
    if user is None or not user.is_authenticated:
        return ACTOR_ANONYMOUS
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    for role in (Role.ADMIN, Role.ELU, Role.AGENT):
        if role in roles:
            return str(role)
    return ACTOR_HABITANT


WRITERS: set[str] = {Role.AGENT.value, Role.ADMIN.value}


def changes_need_approval(entry: Entry) -> bool:
    """A change to this entry waits for an élu (published, organisation with validation)."""
    return entry.status == "published" and bool(entry.organisation.requires_validation)


def can(user: Any, action: Action, target: Entry | Organisation) -> bool:
    """May `user` do `action` on `target` (an entry, or the organisation for creation)?"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action in (Action.ORG_MANAGE_MEMBERS, Action.ORG_EDIT):
        return role_in(user, target) == Role.ADMIN  # type: ignore[arg-type]
    if action == Action.ENTRY_CREATE:
        return (role_in(user, target) or "") in WRITERS  # type: ignore[arg-type]

    entry = target
    organisation = entry.organisation  # type: ignore[union-attr]
    role = role_in(user, organisation)
    if role is None:
        return False
    status = entry.status  # type: ignore[union-attr]
    if action == Action.ENTRY_VIEW_DRAFT:
        return True
    if action == Action.ENTRY_EDIT:
        return role in WRITERS and status != "archived" and not changes_need_approval(entry)  # type: ignore[arg-type]
    if action == Action.ENTRY_PROPOSE:
        return role in WRITERS and changes_need_approval(entry)  # type: ignore[arg-type]
    if action == Action.ENTRY_REVIEW:
        return role == Role.ELU and changes_need_approval(entry)  # type: ignore[arg-type]
    if action == Action.ENTRY_EVALUATE:
        return role in WRITERS and status != "archived"
    if action == Action.ENTRY_SUBMIT:
        return role in WRITERS and status == "draft"
    if action == Action.ENTRY_PUBLISH:
        if status not in ("draft", "submitted", "archived"):
            return False
        if role == Role.ELU:
            return status in ("submitted", "archived")
        if role in WRITERS:
            return not organisation.requires_validation
        return False
    if action == Action.ENTRY_REJECT:
        return role == Role.ELU and status == "submitted"
    if action == Action.ENTRY_ARCHIVE:
        return status == "published" and (
            role == Role.ELU or (role in WRITERS and not organisation.requires_validation)
        )
    return False


def can_change(user: Any, entry: Entry) -> bool:
    """May the user change the entry, directly or by proposing it to the élus?"""
    return can(user, Action.ENTRY_EDIT, entry) or can(user, Action.ENTRY_PROPOSE, entry)


def can_view(user: Any, entry: Entry) -> bool:
    """Published entries are public; others only to members of the organisation."""
    if entry.status == "published":
        return True
    return can(user, Action.ENTRY_VIEW_DRAFT, entry)
