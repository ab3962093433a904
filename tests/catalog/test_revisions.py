"""A change to a published entry of an organisation whose élus validate waits for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from region27.accounts.models import Role
from region27.catalog import services
from region27.catalog.models import Distribution, Entry, EntryRevision, EntryVersion
from region27.core.errors import NotAllowed
from region27.journal.models import Record
from region27.validation.services import distribution_replace_file
from tests import factories

pytestmark = pytest.mark.django_db


def _csv(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="text/csv")


@pytest.fixture
def world() -> dict[str, Any]:
    org = factories.organisation(requires_validation=True)
    agent = factories.member(org, Role.AGENT)
    elu = factories.member(org, Role.ELU)
    entry = factories.entry(org, agent, kind="dataset", title="Comptages vélo")
    kept = services.distribution_add(
        entry=entry, by=agent, title="Comptages 2024", file=_csv("a.csv", b"a,b\n1,2\n")
    )
    services.entry_submit(entry=entry, by=agent)
    services.entry_publish(entry=entry, by=elu)
    entry.refresh_from_db()
    return {"org": org, "agent": agent, "elu": elu, "entry": entry, "kept": kept}


def _stored(name: str) -> bool:
    return (Path(settings.MEDIA_ROOT) / name).is_file()


def test_a_change_waits_for_an_elu_then_becomes_public(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    entry, agent, elu = world["entry"], world["agent"], world["elu"]
    versions, records = EntryVersion.objects.count(), Record.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_update(entry=entry, by=agent, title="Comptages vélo 2025")
    services.entry_update(entry=entry, by=agent, summary="Nouveau résumé proposé.")
    entry.refresh_from_db()
    assert entry.title == "Comptages vélo", "the public keeps the approved version"
    assert (EntryVersion.objects.count(), Record.objects.count()) == (versions, records)
    revision = EntryRevision.objects.get(entry=entry)  # later edits update the same one
    assert revision.changes["fields"] == {
        "title": "Comptages vélo 2025",
        "summary": "Nouveau résumé proposé.",
    }
    assert len(mail.outbox) == 1 and elu.email in mail.outbox[0].to
    assert "relecture" in mail.outbox[0].body
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Comptages vélo 2025" not in page and "Modification en attente" not in page
    preview = services.revision_preview(revision=revision, user=elu)
    assert preview["title"] == "Comptages vélo 2025"
    assert Entry.objects.get(pk=entry.pk).title == "Comptages vélo", "a preview changes nothing"

    with pytest.raises(NotAllowed):
        services.revision_approve(revision=revision, by=agent)
    services.revision_approve(revision=revision, by=elu)
    entry.refresh_from_db()
    assert (entry.title, entry.summary) == ("Comptages vélo 2025", "Nouveau résumé proposé.")
    latest = entry.versions.order_by("-number").first()
    assert latest is not None and latest.action == "approve" and latest.actor == elu
    assert EntryVersion.objects.count() == versions + 1
    assert Record.objects.count() == records + 1
    revision.refresh_from_db()
    assert revision.state == "approved" and revision.decided_by == elu
    with pytest.raises(ValidationError):
        services.revision_approve(revision=revision, by=elu)


def test_nobody_changes_a_published_entry_behind_the_elu(world: dict[str, Any]) -> None:
    entry, agent, elu, kept = world["entry"], world["agent"], world["elu"], world["kept"]
    # The validation app's direct replacement checks ENTRY_EDIT: refused here.
    with pytest.raises(NotAllowed):
        distribution_replace_file(distribution=kept, by=agent, file=_csv("b.csv", b"x\n"))
    kept.refresh_from_db()
    assert kept.file.name.endswith("a.csv")
    with pytest.raises(NotAllowed):  # an élu approves; they do not write
        services.entry_update(entry=entry, by=elu, title="Titre de l'élu")
    assert not EntryRevision.objects.filter(entry=entry).exists()


def test_files_wait_for_the_elu(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    entry, agent, elu, kept = world["entry"], world["agent"], world["elu"], world["kept"]
    added = services.distribution_add(
        entry=entry, by=agent, title="Comptages 2025", file=_csv("c.csv", b"a,b\n5,6\n")
    )
    assert added.pk is None and not Distribution.objects.filter(title="Comptages 2025").exists()
    assert _stored(added.file.name)
    assert client.get(f"/media/{added.file.name}").status_code == 404, "not public yet"
    services.revision_distribution_replace(
        distribution=kept, by=agent, file=_csv("a2.csv", b"a,b\n1,3\n")
    )
    revision = EntryRevision.objects.get(entry=entry, state="pending")
    assert [op["op"] for op in revision.files] == ["add", "replace"]
    kept.refresh_from_db()
    assert kept.file.name.endswith("a.csv"), "the public keeps the approved file"
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_approve(revision=revision, by=elu)
    kept.refresh_from_db()
    new = Distribution.objects.get(entry=entry, title="Comptages 2025")
    assert kept.file.name.endswith("a2.csv") and kept.checksum == revision.files[1]["checksum"]
    assert client.get(f"/media/{new.file.name}").status_code == 200
    snapshot = entry.versions.order_by("-number").first().snapshot  # type: ignore[union-attr]
    assert {d["title"] for d in snapshot["distributions"]} == {"Comptages 2024", "Comptages 2025"}

    # A removal waits too; approved, the distribution and its files go.
    services.distribution_remove(distribution=new, by=agent)
    assert Distribution.objects.filter(pk=new.pk).exists()
    removal = EntryRevision.objects.get(entry=entry, state="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_approve(revision=removal, by=elu)
    assert not Distribution.objects.filter(pk=new.pk).exists()
    assert not _stored(new.file.name)


def test_a_sent_back_revision_says_why_and_deletes_its_files(
    world: dict[str, Any], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    entry, agent, elu = world["entry"], world["agent"], world["elu"]
    added = services.distribution_add(
        entry=entry, by=agent, title="Données", file=_csv("d.csv", b"a\n1\n")
    )
    revision = EntryRevision.objects.get(entry=entry, state="pending")
    with pytest.raises(ValidationError):
        services.revision_reject(revision=revision, by=elu, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_reject(revision=revision, by=elu, reason="Il manque la source.")
    assert not _stored(added.file.name)
    assert not Distribution.objects.filter(title="Données").exists()
    client.force_login(agent)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Modification renvoyée" in page and "Il manque la source." in page


def test_undoing_every_change_abandons_the_revision(world: dict[str, Any]) -> None:
    entry, agent = world["entry"], world["agent"]
    services.entry_update(entry=entry, by=agent, title="Autre titre")
    services.entry_update(entry=entry, by=agent, title="Comptages vélo")
    assert EntryRevision.objects.get(entry=entry).state == "abandoned"
    services.entry_update(entry=entry, by=agent, title="Comptages vélo")
    assert EntryRevision.objects.filter(entry=entry).count() == 1, "no empty revision"


def test_invalid_proposals_are_refused_like_direct_changes(world: dict[str, Any]) -> None:
    entry, agent = world["entry"], world["agent"]
    with pytest.raises(ValidationError):
        services.entry_update(entry=entry, by=agent, licence="inconnue")
    with pytest.raises(ValidationError):
        services.entry_update(entry=entry, by=agent, themes=["nope"])
    assert not EntryRevision.objects.filter(entry=entry).exists()


def test_archiving_abandons_a_pending_revision(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    entry, agent, elu = world["entry"], world["agent"], world["elu"]
    added = services.distribution_add(entry=entry, by=agent, title="X", file=_csv("x.csv", b"1"))
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_archive(entry=entry, by=elu)
    assert EntryRevision.objects.get(entry=entry).state == "abandoned"
    assert not _stored(added.file.name)


def test_direct_publication_changes_at_once() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    entry = factories.entry(org, agent, status="published", title="Avant")
    services.entry_update(entry=entry, by=agent, title="Après")
    entry.refresh_from_db()
    assert entry.title == "Après" and not EntryRevision.objects.exists()


def test_the_purge_refuses_a_pending_candidate(world: dict[str, Any]) -> None:
    added = services.distribution_add(
        entry=world["entry"], by=world["agent"], title="Y", file=_csv("y.csv", b"1")
    )
    report = services.stored_file_purge(name=added.file.name, apply=True)
    assert report.in_use and not report.deleted and _stored(added.file.name)


def test_record_change_refuses_an_unapproved_change(world: dict[str, Any]) -> None:
    """Whichever app writes, an ordinary change of a published entry of an organisation
    whose élus validate is refused where it becomes history."""
    entry = world["entry"]
    versions = EntryVersion.objects.count()
    with pytest.raises(NotAllowed):
        services.record_change(entry, action="update", by=world["agent"])
    assert EntryVersion.objects.count() == versions
