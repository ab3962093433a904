"""The catalog's services: lifecycle, versions, slugs, validation, nothing half-written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from region27.accounts.models import Role
from region27.catalog import services
from region27.catalog.models import Distribution, Entry, EntryVersion, SlugRedirect
from tests import factories

pytestmark = pytest.mark.django_db


def test_lifecycle_keeps_every_version_with_actor(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    org = factories.organisation(requires_validation=True)
    agent = factories.member(org, Role.AGENT)
    elu = factories.member(org, Role.ELU)
    entry = factories.entry(org, agent, title="Étude mobilité")
    services.entry_update(entry=entry, by=agent, summary="Nouveau résumé.")
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_submit(entry=entry, by=agent)
    assert len(mail.outbox) == 1 and elu.email in mail.outbox[0].to
    assert "Étude mobilité" in mail.outbox[0].subject
    services.entry_publish(entry=entry, by=elu)
    entry.refresh_from_db()
    assert entry.status == "published" and entry.published_at is not None
    versions = list(EntryVersion.objects.filter(entry=entry).order_by("number"))
    assert [v.action for v in versions] == ["create", "update", "submit", "publish"]
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert versions[-1].actor == elu and versions[-1].role == "elu"
    assert versions[1].snapshot["summary"] == "Nouveau résumé."
    assert entry.version == 4
    assert len({v.content_hash for v in versions}) == 4


def test_reject_needs_a_reason_and_returns_to_draft() -> None:
    org = factories.organisation(requires_validation=True)
    agent = factories.member(org, Role.AGENT)
    elu = factories.member(org, Role.ELU)
    entry = factories.entry(org, agent, status="submitted")
    with pytest.raises(ValidationError):
        services.entry_reject(entry=entry, by=elu, comment="  ")
    services.entry_reject(entry=entry, by=elu, comment="Ajoutez le coût.")
    entry.refresh_from_db()
    assert entry.status == "draft"
    assert entry.versions.order_by("-number").first().comment == "Ajoutez le coût."


def test_slug_change_leaves_a_redirect_and_slugs_stay_unique() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    first = factories.entry(org, agent, title="Plan vélo")
    second = factories.entry(org, agent, title="Plan vélo")
    assert first.slug == "plan-velo" and second.slug == "plan-velo-2"
    services.entry_update(entry=first, by=agent, slug="plan-velo-2026")
    first.refresh_from_db()
    assert first.slug == "plan-velo-2026"
    assert SlugRedirect.objects.get(old_slug="plan-velo").entry == first
    third = factories.entry(org, agent, title="Plan vélo")
    assert third.slug == "plan-velo-3", "an old slug is not reused while it redirects"
    # Readers following the old address find the entry, if they may see it.
    from django.contrib.auth.models import AnonymousUser

    from region27.catalog.selectors import entry_get_followed

    assert entry_get_followed(user=agent, slug="plan-velo") == first
    assert entry_get_followed(user=agent, slug="plan-velo-2026") == first
    assert entry_get_followed(user=AnonymousUser(), slug="plan-velo") is None  # a draft
    assert entry_get_followed(user=agent, slug="plan-inconnu") is None


def test_invalid_input_saves_nothing() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    before = Entry.objects.count()
    with pytest.raises(ValidationError):
        services.entry_create(
            by=agent,
            organisation=org,
            kind="study",
            title="",
            summary="x",
            licence="lov2",
            detail={"authors": "A"},
        )
    with pytest.raises(ValidationError):
        services.entry_create(
            by=agent,
            organisation=org,
            kind="study",
            title="T",
            summary="x",
            licence="inconnue",
            detail={"authors": "A"},
        )
    with pytest.raises(ValidationError):
        services.entry_create(
            by=agent,
            organisation=org,
            kind="nope",
            title="T",
            summary="x",
            licence="lov2",
        )
    with pytest.raises(ValidationError):
        # A required detail field is missing: the entry row must roll back too.
        services.entry_create(
            by=agent,
            organisation=org,
            kind="study",
            title="T",
            summary="x",
            licence="lov2",
            detail={},
        )
    with pytest.raises(ValidationError):
        services.entry_create(
            by=agent,
            organisation=org,
            kind="study",
            title="T",
            summary="x",
            licence="lov2",
            themes=["pas-un-theme"],
            detail={"authors": "A"},
        )
    assert Entry.objects.count() == before
    assert EntryVersion.objects.filter(entry__organisation=org).count() == 0


def test_software_publiccode_is_checked_with_clear_errors() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    with pytest.raises(ValidationError) as caught:
        factories.entry(
            org,
            agent,
            kind="software",
            detail={"repository_url": "https://git.example.org/x", "publiccode_yml": "name: [x"},
        )
    assert "publiccode_yml" in caught.value.message_dict
    assert not Entry.objects.filter(kind="software").exists()


@override_settings(REGION27_MAX_UPLOAD_SIZE=10)
def test_upload_limit_and_file_name_sanitised() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    dataset = factories.entry(org, agent, kind="dataset")
    big = SimpleUploadedFile("gros.csv", b"a,b\n" * 10, content_type="text/csv")
    with pytest.raises(ValidationError) as caught:
        services.distribution_add(entry=dataset, by=agent, title="Gros", file=big)
    assert "trop volumineux" in str(caught.value)
    assert not Distribution.objects.exists()


def test_distribution_upload_hashes_and_sanitises() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    dataset = factories.entry(org, agent, kind="dataset")
    upload = SimpleUploadedFile(
        "../../etc/Données 2024.CSV", b"a;b\n1;2\n", content_type="text/csv"
    )
    dist = services.distribution_add(entry=dataset, by=agent, title="", file=upload)
    assert dist.format == "CSV" and dist.size == 8
    assert dist.checksum == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert ".." not in dist.file.name and "/etc/" not in dist.file.name
    assert dist.file.name.endswith(".csv")
    snapshot = dataset.versions.order_by("-number").first().snapshot
    assert snapshot["distributions"][0]["checksum"] == dist.checksum
    with pytest.raises(ValidationError):
        services.distribution_add(entry=dataset, by=agent, title="x", url="", file=None)


def test_kit_items_are_ordered_and_cannot_contain_itself() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    kit = factories.entry(org, agent, kind="kit")
    a = factories.entry(org, agent, kind="study", status="published")
    b = factories.entry(org, agent, kind="software", status="published")
    services.kit_set_items(entry=kit, by=agent, items=[(b, "d'abord"), (a, "")])
    assert [i.item for i in kit.kit_items.all()] == [b, a]
    with pytest.raises(ValidationError):
        services.kit_set_items(entry=kit, by=agent, items=[(kit, "")])
    assert [i.item for i in kit.kit_items.all()] == [b, a]


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_failed_change_leaves_no_stored_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """A study's document is stored when its row is saved; when the change fails after
    that (here the journal refuses the record: fault injection), the file goes too."""
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    study = factories.entry(org, agent, kind="study")
    document = SimpleUploadedFile(
        "rapport.pdf", b"%PDF-1.4 rapport", content_type="application/pdf"
    )
    storage = study.study.document.storage
    before = _stored_files()

    def refuse(**_kwargs: object) -> None:
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr("region27.journal.services.journal_record_version", refuse)
    with pytest.raises(RuntimeError):
        services.entry_update(entry=study, by=agent, detail={"document": document})
    assert _stored_files() == before
    study.study.refresh_from_db()
    assert not study.study.document
    monkeypatch.undo()
    services.entry_update(entry=study, by=agent, detail={"document": document})
    study.study.refresh_from_db()
    assert study.study.document and storage.exists(study.study.document.name)


def test_removing_a_distribution_twice_is_harmless() -> None:
    """A double click on « Retirer »: the second removal finds nothing and records nothing."""
    from region27.journal.models import Record

    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    dataset = factories.entry(org, agent, kind="dataset")
    upload = SimpleUploadedFile("a.csv", b"a;b\n1;2\n", content_type="text/csv")
    dist = services.distribution_add(entry=dataset, by=agent, title="A", file=upload)
    stale = Distribution.objects.get(pk=dist.pk)
    services.distribution_remove(distribution=dist, by=agent)
    records = Record.objects.count()
    services.distribution_remove(distribution=stale, by=agent)
    assert Record.objects.count() == records
    assert not Distribution.objects.filter(pk=dist.pk).exists()


def test_a_slug_of_punctuation_falls_back_to_the_title() -> None:
    org = factories.organisation()
    agent = factories.member(org, Role.AGENT)
    entry = factories.entry(org, agent, title="Budget primitif")
    updated = services.entry_update(entry=entry, by=agent, slug="%%%")
    assert updated.slug.startswith("budget-primitif")
