"""No file left in storage with nothing pointing at it: replacement files that were
never published go when a newer file replaces them or when the distribution is removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from region27.catalog.models import Distribution, EntryVersion
from region27.catalog.services import distribution_remove
from region27.validation.models import ValidationRun
from region27.validation.selectors import schema_resolve
from region27.validation.services import (
    distribution_add_with_schema,
    distribution_replace_file,
    run_decide,
)
from tests.validation.platform.conftest import subventions_csv, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> Path:
    """A storage of our own, so that every file in it comes from this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


def stored_files() -> set[str]:
    root = Path(default_storage.location)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def referenced_files() -> set[str]:
    """Every stored name something points at: distributions, runs, the entries' versions."""
    names = {d.file.name for d in Distribution.objects.all() if d.file}
    for run in ValidationRun.objects.all():
        names.update({run.candidate.name or "", run.previous_file, run.file_name})
    for version in EntryVersion.objects.all():
        for item in version.snapshot.get("distributions", []):
            names.add(item.get("file") or "")
    names.discard("")
    return names


def assert_no_orphan() -> None:
    assert stored_files() <= referenced_files()


def _add(world: dict[str, Any], capture: Any) -> Distribution:
    with capture(execute=True):
        return distribution_add_with_schema(
            entry=world["dataset"],
            by=world["agent"],
            title="Subventions 2024",
            file=upload(subventions_csv()),
            schema_version=schema_resolve("scdl/subventions"),
        )


def _replace(
    world: dict[str, Any],
    distribution: Distribution,
    data: bytes,
    capture: Any,
    *,
    run: bool = True,
) -> tuple[ValidationRun, list[Any]]:
    """Upload a replacement; its validation task runs when the transaction commits."""
    with capture(execute=run) as callbacks:
        replacement = distribution_replace_file(
            distribution=distribution, by=world["agent"], file=upload(data)
        )
    assert replacement is not None
    replacement.refresh_from_db()
    return replacement, callbacks


def test_removed_distribution_takes_its_rejected_replacement(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, django_capture_on_commit_callbacks)
    rejected, _ = _replace(
        world, distribution, subventions_csv(bad_sirets=2), django_capture_on_commit_callbacks
    )
    assert rejected.awaiting_decision
    pending = rejected.candidate.name
    assert default_storage.exists(pending)
    with django_capture_on_commit_callbacks(execute=True):
        distribution_remove(distribution=distribution, by=world["agent"])
    assert not default_storage.exists(pending)
    assert not ValidationRun.objects.filter(pk=rejected.pk).exists()
    assert_no_orphan()


def test_removed_distribution_takes_a_refused_replacement_kept_for_its_report(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, django_capture_on_commit_callbacks)
    refused, _ = _replace(world, distribution, b"a,b\n1,2\n", django_capture_on_commit_callbacks)
    run_decide(run=refused, by=world["agent"], publish=False)
    assert default_storage.exists(refused.candidate.name)  # linked from its report
    with django_capture_on_commit_callbacks(execute=True):
        distribution_remove(distribution=distribution, by=world["agent"])
    assert not default_storage.exists(refused.candidate.name)
    assert_no_orphan()


def test_a_removed_distribution_takes_files_replaced_without_validation(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """A distribution without a schema is replaced directly (no validation run keeps the
    old name): the entry's versions name it, and the removal finds it there."""
    from region27.catalog import services as catalog_services

    with django_capture_on_commit_callbacks(execute=True):
        plain = catalog_services.distribution_add(
            entry=world["dataset"],
            by=world["agent"],
            title="Sans schéma",
            file=upload(b"a,b\n1,2\n", "plain.csv"),
        )
        distribution_replace_file(
            distribution=plain, by=world["agent"], file=upload(b"a,b\n3,4\n", "plain-2.csv")
        )
    plain.refresh_from_db()
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        distribution_remove(distribution=plain, by=world["agent"])
    assert stored_files() == set()


def test_a_removed_distribution_takes_every_file_it_served(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, django_capture_on_commit_callbacks)
    first = distribution.file.name
    promoted, _ = _replace(
        world, distribution, subventions_csv(rows=5), django_capture_on_commit_callbacks
    )
    assert promoted.decision == "promoted" and promoted.previous_file == first
    assert default_storage.exists(first)  # kept while the distribution is there
    distribution.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        distribution_remove(distribution=distribution, by=world["agent"])
    # The usual reason to remove a file is a mistake: none of its files stays.
    assert stored_files() == set()
    # The versions keep the names and checksums the public journal hashed.
    named = {
        item.get("file")
        for version in EntryVersion.objects.filter(entry=world["dataset"])
        for item in version.snapshot.get("distributions", [])
    }
    assert {first, promoted.candidate.name} <= named


def test_a_file_published_by_mistake_is_purged_by_an_administrator(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    distribution = _add(world, django_capture_on_commit_callbacks)
    first = distribution.file.name
    _replace(world, distribution, subventions_csv(rows=5), django_capture_on_commit_callbacks)
    distribution.refresh_from_db()
    current = distribution.file.name
    refused, _ = _replace(
        world, distribution, subventions_csv(bad_sirets=1), django_capture_on_commit_callbacks
    )
    run_decide(run=refused, by=world["agent"], publish=False)
    # The file served now: refused, nothing deleted.
    with pytest.raises(CommandError, match="encore servi"):
        call_command("files", "purge", current, "--apply")
    assert default_storage.exists(current)
    # The earlier file the distribution keeps: a dry run first, then for real.
    out = StringIO()
    call_command("files", "purge", first, stdout=out)
    assert "Essai à blanc" in out.getvalue() and default_storage.exists(first)
    assert "version de fiche le nomme" in out.getvalue() or "versions de fiches" in out.getvalue()
    out = StringIO()
    call_command("files", "purge", first, "--apply", stdout=out)
    assert out.getvalue().startswith("Supprimé") and not default_storage.exists(first)
    # A refused file kept for its report: purged, the report stops linking it.
    call_command("files", "purge", refused.candidate.name, "--apply", stdout=StringIO())
    refused.refresh_from_db()
    assert not refused.candidate
    client.force_login(world["agent"])
    d = refused.distribution
    report = client.get(f"/catalogue/{d.entry.slug}/fichiers/{d.uuid}/validation/{refused.uuid}/")
    assert (
        report.status_code == 200 and "Télécharger le fichier reçu" not in report.content.decode()
    )
    # Names that are not a stored file.
    folder = current.rsplit("/", 1)[0]
    for bad in ("../settings.py", "/etc/passwd", "distributions//a.csv", "inconnu/a.csv", folder):
        with pytest.raises(CommandError):
            call_command("files", "purge", bad, "--apply")
    assert default_storage.exists(current)


def test_the_purge_counts_versions_naming_a_file_with_accents(world: dict[str, Any]) -> None:
    from region27.catalog import services as catalog_services

    upload_file = upload(subventions_csv(), "données-2024.csv")
    distribution = catalog_services.distribution_add(
        entry=world["dataset"], by=world["agent"], title="Données", file=upload_file
    )
    name = distribution.file.name
    assert "é" in name
    catalog_services.entry_update(entry=world["dataset"], by=world["agent"], summary="Nouveau.")
    report = catalog_services.stored_file_purge(name=name)
    assert report.versions == 2 and report.exists and report.in_use and not report.deleted
    # A name that only contains this one is not counted.
    assert catalog_services.stored_file_purge(name=name[:-4]).versions == 0


def test_newer_replacement_supersedes_a_pending_one(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, django_capture_on_commit_callbacks)
    rejected, _ = _replace(
        world, distribution, subventions_csv(bad_amounts=1), django_capture_on_commit_callbacks
    )
    pending = rejected.candidate.name
    assert rejected.awaiting_decision and default_storage.exists(pending)
    newer, _ = _replace(
        world, distribution, subventions_csv(rows=4), django_capture_on_commit_callbacks
    )
    rejected.refresh_from_db()
    distribution.refresh_from_db()
    assert not default_storage.exists(pending)
    assert rejected.decision == "superseded" and not rejected.candidate
    assert not rejected.awaiting_decision
    assert rejected.error_count == 1  # the report itself stays
    assert newer.decision == "promoted" and distribution.file.name == newer.candidate.name
    assert_no_orphan()


def test_replacement_without_schema_supersedes_a_pending_one(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, django_capture_on_commit_callbacks)
    rejected, _ = _replace(
        world, distribution, subventions_csv(bad_sirets=1), django_capture_on_commit_callbacks
    )
    from region27.validation.services import distribution_declare_schema

    distribution_declare_schema(distribution=distribution, by=world["agent"], schema_version=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            distribution_replace_file(
                distribution=distribution, by=world["agent"], file=upload(b"a,b\n1,2\n")
            )
            is None
        )
    assert not default_storage.exists(rejected.candidate.name)
    assert_no_orphan()


def test_superseded_run_still_queued_is_never_published(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    distribution = _add(world, django_capture_on_commit_callbacks)
    queued, first_task = _replace(
        world, distribution, subventions_csv(rows=6), django_capture_on_commit_callbacks, run=False
    )
    assert queued.status == "queued"
    newer, _ = _replace(
        world, distribution, subventions_csv(rows=7), django_capture_on_commit_callbacks
    )
    for callback in first_task:
        callback()  # the older task runs late: it finds its run superseded
    queued.refresh_from_db()
    distribution.refresh_from_db()
    assert queued.status == "failed" and queued.failure_code == "superseded"
    assert queued.decision == "superseded" and not queued.candidate
    assert distribution.file.name == newer.candidate.name
    assert distribution.checksum == newer.checksum
    assert_no_orphan()


def test_refused_replacement_changes_nothing_stored(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """A replacement refused before it is stored (too large) supersedes nothing."""
    distribution = _add(world, django_capture_on_commit_callbacks)
    rejected, _ = _replace(
        world, distribution, subventions_csv(bad_sirets=1), django_capture_on_commit_callbacks
    )
    before = stored_files()
    from django.core.exceptions import ValidationError
    from django.test import override_settings

    with override_settings(REGION27_MAX_UPLOAD_SIZE=10), pytest.raises(ValidationError):
        distribution_replace_file(
            distribution=distribution, by=world["agent"], file=upload(subventions_csv())
        )
    rejected.refresh_from_db()
    assert rejected.awaiting_decision and default_storage.exists(rejected.candidate.name)
    assert stored_files() == before


def test_files_kept_by_validations_are_served_as_their_reports(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    from django.test import Client

    distribution = _add(world, django_capture_on_commit_callbacks)
    first_url = distribution.file.url
    promoted, _ = _replace(
        world, distribution, subventions_csv(rows=5), django_capture_on_commit_callbacks
    )
    refused, _ = _replace(
        world, distribution, subventions_csv(bad_sirets=1), django_capture_on_commit_callbacks
    )
    anonymous = Client()
    # The file a replacement took the place of: the organisation's only (it may have been
    # replaced while the entry was a draft, never public).
    assert anonymous.get(first_url).status_code == 404
    member = Client()
    member.force_login(world["agent"])
    assert member.get(first_url).status_code == 200
    # A file received and refused: only for the organisation's members, like its report.
    assert anonymous.get(refused.candidate.url).status_code == 404
    client.force_login(world["agent"])
    response = client.get(refused.candidate.url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert promoted.previous_file == first_url.removeprefix("/media/")
