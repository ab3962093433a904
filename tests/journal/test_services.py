"""Every service that changes public content appends exactly its record, in its transaction."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

import region27
from region27.accounts import services as account_services
from region27.accounts.journaled import organisation_snapshot
from region27.catalog import services as catalog_services
from region27.catalog.models import EntryVersion
from region27.core.hashing import canonical_json, sha256_hex
from region27.journal.models import Actor, Record
from tests import factories

pytestmark = pytest.mark.django_db

# Services that change nothing public (accounts, memberships, invitations are not public
# content) or only read. Any new service must be classified here or in PUBLIC below.
NOT_PUBLIC = {
    "region27.accounts.services": {
        "user_register",
        "user_update_profile",
        "user_delete",
        "user_export",
        "membership_set",
        "membership_remove",
        "invitation_create",
        "invitation_find",
        "invitation_accept",
        "journal_record_organisation",  # the hook itself
    },
    # `stored_file_purge` deletes a stored file published by mistake: no object's public
    # content changes (the versions keep its name and checksum), so no record; the
    # operator's command says what it deleted (docs/operations.md).
    "region27.catalog.services": {"entry_snapshot", "stored_file_purge"},
}
# A pending revision changes nothing public until an élu approves it (`revision_approve`
# records the change); the preview applies it in a savepoint it rolls back.
NOT_PUBLIC["region27.catalog.services"] |= {
    "record_change",  # the hook itself
    "revision_abandon",
    "revision_distribution_replace",
    "revision_preview",
    "revision_reject",
    "revision_withdraw_file",
}
# Whole modules that only maintain derived data (the search index is rebuilt from entries).
NOT_PUBLIC_MODULES = {"region27.search.services", "region27.journal.services"}


def _count() -> int:
    return Record.objects.count()


def _walk_catalog(org: Any, agent: Any) -> dict[str, Callable[[], Any]]:
    elu_org = factories.organisation(requires_validation=True)
    elu_agent = factories.member(elu_org, "agent")
    elu = factories.member(elu_org, "elu")
    state: dict[str, Any] = {}

    def create() -> Any:
        state["entry"] = factories.entry(org, agent, kind="dataset")
        return state["entry"]

    def dist_add() -> Any:
        state["dist"] = catalog_services.distribution_add(
            entry=state["entry"],
            by=agent,
            title="Fichier",
            file=SimpleUploadedFile("a.csv", b"a,b\n1,2\n", content_type="text/csv"),
        )

    def submitted() -> Any:
        state["sub"] = factories.entry(elu_org, elu_agent)
        return state["sub"]

    return {
        "entry_create": create,
        "entry_update": lambda: catalog_services.entry_update(
            entry=state["entry"], by=agent, title="Nouveau titre"
        ),
        "distribution_add": dist_add,
        "distribution_remove": lambda: catalog_services.distribution_remove(
            distribution=state["dist"], by=agent
        ),
        "entry_submit": lambda: catalog_services.entry_submit(entry=state["entry"], by=agent),
        "entry_publish": lambda: catalog_services.entry_publish(entry=state["entry"], by=agent),
        "entry_archive": lambda: catalog_services.entry_archive(entry=state["entry"], by=agent),
        "kit_set_items": lambda: catalog_services.kit_set_items(
            entry=factories.entry(org, agent, kind="kit"), by=agent, items=[(state["entry"], "")]
        ),
        "revision_approve": lambda: _approve_revision(elu_org, elu_agent, elu),
        "entry_reject": lambda: (
            submitted(),
            catalog_services.entry_submit(entry=state["sub"], by=elu_agent),
            catalog_services.entry_reject(entry=state["sub"], by=elu, comment="Non."),
        ),
    }


def _approve_revision(org: Any, agent: Any, elu: Any) -> Any:
    published = factories.entry(org, agent, status="published")
    catalog_services.entry_update(entry=published, by=agent, title="Titre proposé")
    revision = published.revisions.get(state="pending")
    return catalog_services.revision_approve(revision=revision, by=elu)


def _public_services(module: Any) -> set[str]:
    return {
        name
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
    }


JOURNAL_CALLS = {
    "record_change",
    "catalog_record",
    "journal_append",
    "journal_record_version",
    "journal_record_organisation",
    "journal_record_state",
}
WRITE_CALLS = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "update_or_create",
    "get_or_create",
}
# Writes in other apps' services that change nothing public, with the reason.
NOT_PUBLIC_ELSEWHERE: dict[str, set[str]] = {
    # Deletes, after commit, stored files nothing points to any more; called inside
    # `catalog.services.distribution_remove`, whose record covers the removal.
    # `run_give_up` marks failed a run whose worker died twice: it publishes no file (a
    # run's outcome reaches the journal only through the file it publishes).
    # `add_version` stores a schema version row for `schema_create`, `schema_version_add`
    # and `schemas_load_shipped`, which record the entry's new version themselves.
    "region27.validation.services": {"distribution_files_release", "run_give_up", "add_version"},
    "region27.catalog.services": {"stored_file_purge"},
}


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def _services_modules() -> dict[str, list[Any]]:
    """Every `services` module of region27, or the modules of a `services` package."""
    found: dict[str, list[Any]] = {}
    for info in pkgutil.walk_packages(region27.__path__, "region27."):
        head, _sep, _tail = info.name.partition(".services")
        if _sep and (not _tail or _tail.startswith(".")):
            found.setdefault(head + ".services", []).append(importlib.import_module(info.name))
    return found


def test_services_packages_are_walked() -> None:
    """A services module split into a package is still walked, part by part."""
    parts = {m.__name__ for m in _services_modules()["region27.evaluation.services"]}
    assert "region27.evaluation.services.evaluations" in parts


def test_every_service_is_classified() -> None:
    """Services of other apps: each public function that writes must reach the journal
    (through `catalog.services._record` or a journal service, directly or through the
    catalog/accounts services walked below), or be classified as not public."""
    walked = {
        name
        for module in (catalog_services, account_services)
        for name in _public_services(module) - NOT_PUBLIC[module.__name__]
    }
    known = {"region27.accounts.services", "region27.catalog.services"}
    problems = []
    for name, modules in _services_modules().items():
        if name in known | NOT_PUBLIC_MODULES:
            continue
        # One call graph for the whole module or package (its parts call each other).
        calls: dict[str, set[str]] = {}
        for module in modules:
            tree = ast.parse(inspect.getsource(module))
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    calls[node.name] = _calls(node)

        def reaches(
            name: str,
            targets: set[str],
            seen: set[str],
            calls: dict[str, set[str]] = calls,
        ) -> bool:
            if name in seen:
                return False
            seen.add(name)
            direct = calls.get(name, set())
            return bool(direct & targets) or any(
                reaches(c, targets, seen, calls) for c in direct if c in calls
            )

        for module in modules:
            for service in _public_services(module):
                journaled = reaches(service, JOURNAL_CALLS | walked, set())
                writes = reaches(service, WRITE_CALLS, set())
                if writes and not journaled and service not in NOT_PUBLIC_ELSEWHERE.get(name, ()):
                    problems.append(f"{name}.{service} writes without a journal record")
    assert not problems, problems


def test_every_public_service_appends_its_record(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    catalog_walk = _walk_catalog(org, agent)
    admin = factories.user()
    account_walk: dict[str, Callable[[], Any]] = {
        "organisation_create": lambda: account_services.organisation_create(
            name="Commune témoin", kind="collectivite", admin=admin
        ),
        "organisation_update": lambda: account_services.organisation_update(
            organisation=org, by=factories.member(org, "admin"), description="Nouvelle"
        ),
    }
    for module, walk in (
        (catalog_services, catalog_walk),
        (account_services, account_walk),
    ):
        expected = _public_services(module) - NOT_PUBLIC[module.__name__]
        assert set(walk) == expected, f"{module.__name__}: walk {expected - set(walk)}"
    for name, step in [*catalog_walk.items(), *account_walk.items()]:
        before_versions = EntryVersion.objects.count()
        before = _count()
        step()
        new_versions = EntryVersion.objects.count() - before_versions
        appended = _count() - before
        assert appended >= 1, f"{name} appended no record"
        assert appended == (new_versions or 1), name
    # every version has its record, and nothing else slipped in
    assert not EntryVersion.objects.exclude(pk__in=Record.objects.values("source_id")).exists()


def test_record_rolls_back_with_the_change(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    before = _count()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.entry(org, agent)
        raise RuntimeError
    assert _count() == before


def test_leaf_has_no_personal_data(org_agent: tuple[Any, Any]) -> None:
    org, _agent = org_agent
    agent = factories.member(org, "agent", display_name="Camille Martin")
    entry = factories.entry(org, agent, status="published")
    record = Record.objects.get(kind=entry.kind, object_id=entry.pk, object_version=entry.version)
    leaf = json.loads(record.leaf)
    assert set(leaf) == {
        "seq", "time", "action", "kind", "object", "version", "content", "actor",
        "organisation", "role",
    }  # fmt: skip
    assert "Camille" not in record.leaf and agent.email not in record.leaf
    assert leaf["content"] == sha256_hex(canonical_json(entry.versions.last().snapshot))
    assert leaf["time"].endswith("Z") and leaf["seq"] == record.seq
    assert record.leaf.encode() == canonical_json(leaf)
    actor = Actor.objects.get(ref=leaf["actor"])
    assert actor.user == agent and "Camille" not in actor.pseudonym
    # RGPD erasure: the account goes, the leaf stays, the name is gone
    account_services.user_delete(user=agent)
    actor.refresh_from_db()
    assert actor.user is None
    assert Record.objects.get(pk=record.pk).leaf == record.leaf


def test_organisation_records(org_agent: tuple[Any, Any]) -> None:
    org, _agent = org_agent
    record = Record.objects.filter(kind="organisation", object_id=org.pk).get()
    assert record.action == "create" and record.actor == "system"
    assert record.content_hash == sha256_hex(canonical_json(organisation_snapshot(org)))
    admin = factories.member(org, "admin")
    account_services.organisation_update(organisation=org, by=admin, name="Nouveau nom")
    latest = Record.objects.filter(kind="organisation", object_id=org.pk).order_by("-seq")[0]
    assert (latest.action, latest.object_version, latest.role) == ("update", 2, "admin")


def test_sequence_is_contiguous(org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    for _ in range(5):
        factories.entry(org, agent)
    seqs = list(Record.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))
