"""What the public journal records of `accounts`: organisations (their public content),
and the answers it needs about people (roles, who may open a sealed commitment).

Registered from `AccountsConfig.ready()`; `journal/` imports nothing from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from region27.core.hashing import canonical_json, sha256_hex

ORGANISATION_KIND = "organisation"

PRIVATE_MODELS = {
    "accounts.user": "personal data (e-mail, name); leaves name people by opaque references",
    "accounts.membership": "who works where is not public content; roles appear in leaves",
    "accounts.invitation": "private until accepted; the resulting membership is not journaled",
    "accounts.apitoken": "secrets of a person",
}


def organisation_snapshot(organisation: Any) -> dict[str, Any]:
    """An organisation's public content (what its records hash)."""
    return {
        "name": organisation.name,
        "slug": organisation.slug,
        "kind": organisation.kind,
        "siren": organisation.siren,
        "territory": organisation.territory.typed_code if organisation.territory else None,
        "description": organisation.description,
        "website": organisation.website,
        "requires_validation": organisation.requires_validation,
    }


def organisation_states() -> Iterator[Any]:
    from region27.accounts.models import Organisation
    from region27.journal.registry import ObjectState

    for organisation in Organisation.objects.select_related("territory").order_by("pk"):
        content = sha256_hex(canonical_json(organisation_snapshot(organisation)))
        yield ObjectState(organisation.pk, content, organisation.slug)


def organisations_visible(user: Any, ids: set[int]) -> dict[int, Any]:
    """Organisations are public."""
    from region27.accounts.models import Organisation

    return Organisation.objects.in_bulk(list(ids))


def organisations_in_territory(territory: Any) -> Any:
    from region27.accounts.models import Organisation

    return Organisation.objects.filter(territory=territory).values("pk")


def journal_record_organisation(*, organisation: Any, action: str, by: Any) -> None:
    """The record of an organisation's creation or change (its public existence, not its
    memberships or invitations, which are not public content)."""
    from region27.accounts.policy import role_in
    from region27.journal.services import journal_record_state

    role = "" if by is None else (role_in(by, organisation) or "")
    journal_record_state(
        kind=ORGANISATION_KIND,
        object_id=organisation.pk,
        content=organisation_snapshot(organisation),
        action=action,
        by=by,
        organisation_id=organisation.pk,
        role=str(role),
    )


def _may_open(user: Any, organisation_id: int) -> bool:
    """The organisation's admins may open its sealed commitments."""
    from region27.accounts.models import Organisation, Role
    from region27.accounts.policy import role_in

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    return organisation is not None and role_in(user, organisation) == Role.ADMIN


def _organisation_name(organisation_id: int) -> str:
    from region27.accounts.models import Organisation

    return str(
        Organisation.objects.filter(pk=organisation_id).values_list("name", flat=True).first()
        or organisation_id
    )


def _role_labels() -> dict[str, Any]:
    from region27.accounts.models import Role

    return {**dict(Role.choices), "habitant": _("Habitant")}


def register() -> None:
    from region27.accounts.models import Role
    from region27.accounts.policy import actor_kind
    from region27.journal.registry import HOOKS, JournaledKind, declare_private
    from region27.journal.registry import register as journal_register

    journal_register(
        JournaledKind(
            kind=ORGANISATION_KIND,
            label=_("Organisation"),
            states=organisation_states,
            models=("accounts.organisation",),
            visible=organisations_visible,
            in_territory=organisations_in_territory,
        )
    )
    for model, reason in PRIVATE_MODELS.items():
        declare_private(model, reason)
    HOOKS.actor_role = actor_kind
    HOOKS.role_labels = _role_labels
    HOOKS.public_roles = (Role.AGENT.value, Role.ELU.value, Role.ADMIN.value)
    HOOKS.may_open = _may_open
    HOOKS.organisation_name = _organisation_name
