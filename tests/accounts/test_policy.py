"""Every write action × every role, with the exact allow / deny, through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from region27.accounts import services as account_services
from region27.accounts.models import Role
from region27.catalog import services
from region27.core.errors import NotAllowed
from tests import factories

ROLES = ["anonymous", "habitant", "other_agent", "agent", "elu", "admin"]

# action -> (required entry status, roles allowed without validation, roles allowed with)
MATRIX: dict[str, tuple[str | None, set[str], set[str]]] = {
    "create": (None, {"agent", "admin"}, {"agent", "admin"}),
    "edit": ("draft", {"agent", "admin"}, {"agent", "admin"}),
    "edit_published": ("published", {"agent", "admin"}, {"agent", "admin"}),
    "add_distribution": ("draft", {"agent", "admin"}, {"agent", "admin"}),
    "submit": ("draft", {"agent", "admin"}, {"agent", "admin"}),
    "publish_draft": ("draft", {"agent", "admin"}, set()),
    "publish_submitted": ("submitted", {"agent", "admin", "elu"}, {"elu"}),
    "reject": ("submitted", {"elu"}, {"elu"}),
    "archive": ("published", {"agent", "admin", "elu"}, {"elu"}),
    "republish_archived": ("archived", {"agent", "admin", "elu"}, {"elu"}),
    "invite": (None, {"admin"}, {"admin"}),
    "set_member": (None, {"admin"}, {"admin"}),
}


def _actor(role: str, org: Any, other: Any) -> Any:
    if role == "anonymous":
        return AnonymousUser()
    if role == "habitant":
        return factories.user()
    if role == "other_agent":
        return factories.member(other, Role.AGENT)
    return factories.member(org, role)


def _do(action: str, actor: Any, org: Any, entry: Any) -> None:
    if action == "create":
        services.entry_create(
            by=actor,
            organisation=org,
            kind="study",
            title="Nouvelle étude",
            summary="Résumé.",
            licence="cc-by",
            detail={"authors": "X"},
        )
    elif action in ("edit", "edit_published"):
        services.entry_update(entry=entry, by=actor, title="Titre changé")
    elif action == "add_distribution":
        services.distribution_add(
            entry=entry, by=actor, title="Lien", url="https://exemple.fr/data.csv"
        )
    elif action == "submit":
        services.entry_submit(entry=entry, by=actor)
    elif action in ("publish_draft", "publish_submitted", "republish_archived"):
        services.entry_publish(entry=entry, by=actor)
    elif action == "reject":
        services.entry_reject(entry=entry, by=actor, comment="À reprendre.")
    elif action == "archive":
        services.entry_archive(entry=entry, by=actor)
    elif action == "invite":
        account_services.invitation_create(
            organisation=org, email="nouvelle@exemple.fr", role=Role.AGENT, by=actor
        )
    elif action == "set_member":
        account_services.membership_set(
            organisation=org, user=factories.user(), role=Role.AGENT, by=actor
        )
    else:  # pragma: no cover - the matrix names every action
        raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize("requires_validation", [False, True], ids=["direct", "validation"])
@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_write_permission(role: str, action: str, requires_validation: bool) -> None:
    org = factories.organisation(requires_validation=requires_validation)
    other = factories.organisation()
    author = factories.member(org, Role.AGENT)
    status, allowed_direct, allowed_validation = MATRIX[action]
    kind = "dataset" if action == "add_distribution" else "study"
    entry = factories.entry(org, author, kind=kind, status=status) if status else None
    actor = _actor(role, org, other)
    allowed = allowed_validation if requires_validation else allowed_direct
    if role in allowed:
        _do(action, actor, org, entry)
    else:
        with pytest.raises(NotAllowed):
            _do(action, actor, org, entry)
        if entry is not None:
            entry.refresh_from_db()
            assert entry.status == status, "a refused action changed nothing"
