"""Every write action × every role, with the exact allow / deny, through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from region27.accounts import services as account_services
from region27.accounts.models import Role
from region27.catalog import services
from region27.catalog.models import EntryRevision
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
    # A published entry of an organisation whose élus validate: writers propose (a
    # pending revision), élus approve or send back; nobody changes it directly.
    "add_distribution_published": ("published", {"agent", "admin"}, {"agent", "admin"}),
    "remove_distribution_published": ("published", {"agent", "admin"}, {"agent", "admin"}),
    "kit_items_published": ("published", {"agent", "admin"}, {"agent", "admin"}),
    "propose_file_replace": ("published", set(), {"agent", "admin"}),
    "withdraw_revision_file": ("published", set(), {"agent", "admin"}),
    "abandon_revision": ("published", {"agent", "admin"}, {"agent", "admin"}),
    "approve_revision": ("published", set(), {"elu"}),
    "reject_revision": ("published", set(), {"elu"}),
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
    elif action == "add_distribution_published":
        services.distribution_add(
            entry=entry, by=actor, title="Lien", url="https://exemple.fr/nouveau.csv"
        )
    elif action == "remove_distribution_published":
        services.distribution_remove(distribution=entry.distributions.get(), by=actor)
    elif action == "kit_items_published":
        services.kit_set_items(entry=entry, by=actor, items=[])
    elif action == "propose_file_replace":
        services.revision_distribution_replace(
            distribution=entry.distributions.get(),
            by=actor,
            file=SimpleUploadedFile("b.csv", b"a,b\n3,4\n", content_type="text/csv"),
        )
    elif action == "withdraw_revision_file":
        revision = entry.revisions.get(state="pending")
        services.revision_withdraw_file(revision=revision, by=actor, key=revision.files[0]["key"])
    elif action == "abandon_revision":
        services.revision_abandon(revision=entry.revisions.get(state="pending"), by=actor)
    elif action == "approve_revision":
        services.revision_approve(revision=entry.revisions.get(state="pending"), by=actor)
    elif action == "reject_revision":
        services.revision_reject(
            revision=entry.revisions.get(state="pending"), by=actor, reason="À reprendre."
        )
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


WITH_FILE = {
    "remove_distribution_published",
    "propose_file_replace",
    "withdraw_revision_file",
}
WITH_REVISION = {
    "withdraw_revision_file",
    "abandon_revision",
    "approve_revision",
    "reject_revision",
}


def _entry_for(action: str, org: Any, author: Any, status: str | None) -> Any:
    """The entry the action applies to; a dataset with a file, a kit, or one carrying a
    pending revision when the action needs it."""
    if status is None:
        return None
    kind = "study"
    if action == "kit_items_published":
        kind = "kit"
    elif "distribution" in action or action in WITH_FILE or action in WITH_REVISION:
        kind = "dataset"
    entry = factories.entry(org, author, kind=kind)
    if kind == "dataset":
        services.distribution_add(
            entry=entry,
            by=author,
            title="Fichier",
            file=SimpleUploadedFile("a.csv", b"a,b\n1,2\n", content_type="text/csv"),
        )
    if status in ("submitted", "published", "archived"):
        services.entry_submit(entry=entry, by=author)
    if status in ("published", "archived"):
        publisher = author if not org.requires_validation else factories.member(org, Role.ELU)
        services.entry_publish(entry=entry, by=publisher)
        if status == "archived":
            services.entry_archive(entry=entry, by=publisher)
    if action in WITH_REVISION:
        distribution = entry.distributions.get()
        op = {"op": "remove", "key": "k1", "uuid": str(distribution.uuid), "title": "Fichier"}
        if org.requires_validation:
            services.distribution_remove(distribution=distribution, by=author)
        else:  # no service opens one there: the row stands for a leftover revision
            EntryRevision.objects.create(entry=entry, created_by=author, files=[op])
    return entry


@pytest.mark.django_db
@pytest.mark.parametrize("requires_validation", [False, True], ids=["direct", "validation"])
@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_write_permission(role: str, action: str, requires_validation: bool) -> None:
    org = factories.organisation(requires_validation=requires_validation)
    other = factories.organisation()
    author = factories.member(org, Role.AGENT)
    status, allowed_direct, allowed_validation = MATRIX[action]
    entry = _entry_for(action, org, author, status)
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
