"""Every registered kind: an object made through the services, changed behind the
application's back (QuerySet.update, raw SQL, a deleted row, a file swapped on disk),
makes `journal verify` fail with a message that names the object."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from region27.accounts.models import Organisation
from region27.catalog import services as catalog_services
from region27.catalog.models import (
    DatasetDetail,
    Distribution,
    Entry,
    FailureDetail,
    KitItem,
    StudyDetail,
)
from region27.evaluation import services as evaluation_services
from region27.evaluation.models import (
    Evaluation,
    ExperimentDetail,
    ExperimentPhase,
    Indicator,
    IndicatorValue,
)
from region27.journal.registry import journaled_kinds
from region27.journal.verify import verify
from region27.territories.models import Level
from region27.validation.models import SchemaVersion
from region27.validation.services import schema_create
from tests import factories

pytestmark = pytest.mark.django_db

SCHEMA = {"fields": [{"name": "code", "type": "integer"}], "version": "1.0"}


def _fails_naming(*needles: str) -> str:
    """`verify` (the function and the command) fails, and one problem names all needles."""
    report = verify(files=True)
    assert not report.ok
    named = [p for p in report.problems if all(n in p for n in needles)]
    assert named, report.problems
    with pytest.raises(CommandError, match="échec de la vérification du journal"):
        call_command("journal", "verify", "--files", stdout=StringIO(), stderr=StringIO())
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("journal", "verify", "--files", stdout=StringIO(), stderr=err)
    assert named[0] in err.getvalue()
    return named[0]


def _raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _name(entry: Entry) -> str:
    return f"{entry.kind} {entry.pk} «{entry.slug}»"


@pytest.fixture
def world(org_agent: tuple[Any, Any]) -> dict[str, Any]:
    org, agent = org_agent
    return {"org": org, "agent": agent}


def _entry(world: dict[str, Any], kind: str, **extra: Any) -> Entry:
    return factories.entry(world["org"], world["agent"], kind=kind, status="published", **extra)


# One case per way of tampering: (kind, build and tamper, returns the needles to expect).
Case = Callable[[dict[str, Any]], tuple[str, ...]]


def dataset_title(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "dataset")
    Entry.objects.filter(pk=entry.pk).update(title="Réécrit en douce")
    return (_name(entry), "fields that differ: title")


def dataset_detail(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "dataset")
    DatasetDetail.objects.filter(entry=entry).update(frequency="daily")
    return (_name(entry), "detail.frequency")


def _with_file(world: dict[str, Any]) -> tuple[Entry, Distribution]:
    entry = _entry(world, "dataset")
    upload = SimpleUploadedFile("t.csv", b"code\n1\n", content_type="text/csv")
    distribution = catalog_services.distribution_add(
        entry=entry, by=world["agent"], title="Le fichier", file=upload
    )
    entry.refresh_from_db()
    return entry, distribution


def dataset_checksum(world: dict[str, Any]) -> tuple[str, ...]:
    entry, distribution = _with_file(world)
    _raw("UPDATE catalog_distribution SET checksum = %s WHERE id = %s", ["0" * 64, distribution.pk])
    return (_name(entry), "distributions")


def dataset_file_swapped(world: dict[str, Any]) -> tuple[str, ...]:
    entry, distribution = _with_file(world)
    with open(distribution.file.path, "wb") as handle:
        handle.write(b"code\n2\n")
    return (f"dataset {entry.pk}", "Le fichier", "file replaced on disk")


def dataset_distribution_deleted(world: dict[str, Any]) -> tuple[str, ...]:
    entry, distribution = _with_file(world)
    _raw("DELETE FROM catalog_distribution WHERE id = %s", [distribution.pk])
    return (_name(entry), "distributions")


def study_summary(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "study")
    Entry.objects.filter(pk=entry.pk).update(summary="Autre résumé")
    StudyDetail.objects.filter(entry=entry).update(authors="Quelqu'un d'autre")
    return (_name(entry), "summary", "detail.authors")


def study_version_made_approved(world: dict[str, Any]) -> tuple[str, ...]:
    """The history claims an élu approved what an agent published."""
    from region27.catalog.models import EntryVersion

    entry = _entry(world, "study")
    latest = EntryVersion.objects.filter(entry=entry).order_by("-number")[0]
    EntryVersion.objects.filter(pk=latest.pk).update(action="approve", role="elu")
    return (f"study {entry.pk} version {latest.number}", "'approve' by 'elu'")


def software_body(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "software")
    Entry.objects.filter(pk=entry.pk).update(body="Un autre texte.")
    return (_name(entry), "body")


def service_status(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "service")
    Entry.objects.filter(pk=entry.pk).update(status="draft")
    return (_name(entry), "status")


def service_deleted(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "service")
    _raw("DELETE FROM catalog_servicedetail WHERE entry_id = %s", [entry.pk])
    Entry.objects.filter(pk=entry.pk).delete()
    return (f"service {entry.pk}: gone from the database",)


def failure_lessons(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _entry(world, "failure")
    FailureDetail.objects.filter(entry=entry).update(lessons="Rien appris.")
    return (_name(entry), "detail.lessons")


def failure_cost(world: dict[str, Any]) -> tuple[str, ...]:
    """A draft's creation snapshot keeps a cost as it was given (18000); the database
    gives it back at its scale (18000.00): not a change. 19000 is one."""
    detail = {**factories.DEFAULT_DETAILS["failure"], "cost": Decimal("18000")}
    entry = factories.entry(world["org"], world["agent"], kind="failure", detail=detail)
    stored = entry.versions.order_by("-number")[0].snapshot["detail"]["cost"]
    assert stored == "18000" and str(FailureDetail.objects.get(entry=entry).cost) == "18000.00"
    assert verify().ok
    FailureDetail.objects.filter(entry=entry).update(cost="19000")
    return (_name(entry), "detail.cost")


def failure_anonymised_title(world: dict[str, Any]) -> tuple[str, ...]:
    detail = {**factories.DEFAULT_DETAILS["failure"], "anonymised": True}
    entry = _entry(world, "failure", detail=detail)
    Entry.objects.filter(pk=entry.pk).update(title="Réécrit sous le sceau")
    return (_name(entry), "title")


def kit_item_deleted(world: dict[str, Any]) -> tuple[str, ...]:
    kit = _entry(world, "kit")
    items = [_entry(world, "study"), _entry(world, "service")]
    catalog_services.kit_set_items(
        entry=kit, by=world["agent"], items=[(item, "") for item in items]
    )
    KitItem.objects.filter(kit=kit, item=items[0]).delete()
    return (_name(kit), "items")


def schema_version_hash(world: dict[str, Any]) -> tuple[str, ...]:
    entry = schema_create(
        by=world["agent"],
        organisation=world["org"],
        title="Arbres",
        summary="Les arbres.",
        licence="lov2",
        name="test/arbres",
        schema_file=SimpleUploadedFile("s.json", json.dumps(SCHEMA).encode()),
    )
    SchemaVersion.objects.filter(schema__entry=entry).update(sha256="f" * 64)
    return (_name(entry), "versions")


def schema_rules_loosened(world: dict[str, Any]) -> tuple[str, ...]:
    """The rules validations apply changed in the database (every constraint dropped),
    the recorded SHA-256 of the file left as it was."""
    entry = schema_create(
        by=world["agent"],
        organisation=world["org"],
        title="Arbres",
        summary="Les arbres.",
        licence="lov2",
        name="test/arbres",
        schema_file=SimpleUploadedFile("s.json", json.dumps(SCHEMA).encode()),
    )
    loose = {"fields": [{"name": f["name"], "type": "string"} for f in SCHEMA["fields"]]}
    SchemaVersion.objects.filter(schema__entry=entry).update(descriptor=loose)
    return (_name(entry), "versions")


def _experiment(world: dict[str, Any]) -> Entry:
    return _entry(
        world,
        "experiment",
        detail={"hypothesis": "Essai.", "start_date": dt.date(2015, 1, 1)},
    )


def experiment_hypothesis(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _experiment(world)
    ExperimentDetail.objects.filter(entry=entry).update(hypothesis="Autre hypothèse.")
    return (_name(entry), "detail.hypothesis")


def experiment_phase(world: dict[str, Any]) -> tuple[str, ...]:
    entry = _experiment(world)
    evaluation_services.experiment_phase_add(
        experiment=ExperimentDetail.objects.get(entry=entry),
        by=world["agent"],
        name="Phase 1",
        start=dt.date(2015, 1, 1),
    )
    ExperimentPhase.objects.filter(experiment__entry=entry).update(name="Phase réécrite")
    return (_name(entry), "phases")


def _indicator(world: dict[str, Any]) -> Indicator:
    deps = [
        factories.territory(Level.DEPARTEMENT, code=f"{n:02d}", name=f"Département {n:02d}")
        for n in range(1, 4)
    ]
    indicator = evaluation_services.indicator_create(name="Emploi", level=Level.DEPARTEMENT)
    rows = ["code;periode;valeur"] + [f"{d.code};2015;{i}.5" for i, d in enumerate(deps)]
    evaluation_services.indicator_import_csv(indicator=indicator, data="\n".join(rows))
    return indicator


def indicator_name(world: dict[str, Any]) -> tuple[str, ...]:
    indicator = _indicator(world)
    Indicator.objects.filter(pk=indicator.pk).update(name="Chômage")
    return (f"indicator {indicator.pk} «{indicator.slug}»",)


def indicator_value_deleted(world: dict[str, Any]) -> tuple[str, ...]:
    indicator = _indicator(world)
    IndicatorValue.objects.filter(indicator=indicator).first().delete()  # type: ignore[union-attr]
    return (f"indicator {indicator.pk} «{indicator.slug}»",)


def evaluation_parameters(world: dict[str, Any]) -> tuple[str, ...]:
    indicator = _indicator(world)
    experiment = _experiment(world)
    evaluation = evaluation_services.evaluation_request(
        by=world["agent"],
        experiment=ExperimentDetail.objects.get(entry=experiment),
        indicator=indicator,
        placebos=False,
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(title="Une autre évaluation")
    return (f"evaluation {evaluation.pk} «Une autre évaluation»",)


def organisation_description(world: dict[str, Any]) -> tuple[str, ...]:
    org = world["org"]
    Organisation.objects.filter(pk=org.pk).update(description="Réécrite")
    return (f"organisation {org.pk} «{org.slug}»",)


CASES: dict[str, list[Case]] = {
    "dataset": [
        dataset_title,
        dataset_detail,
        dataset_checksum,
        dataset_file_swapped,
        dataset_distribution_deleted,
    ],
    "study": [study_summary, study_version_made_approved],
    "software": [software_body],
    "service": [service_status, service_deleted],
    "failure": [failure_lessons, failure_cost, failure_anonymised_title],
    "kit": [kit_item_deleted],
    "schema": [schema_version_hash, schema_rules_loosened],
    "experiment": [experiment_hypothesis, experiment_phase],
    "indicator": [indicator_name, indicator_value_deleted],
    "evaluation": [evaluation_parameters],
    "organisation": [organisation_description],
}


def test_every_registered_kind_has_a_tamper_case() -> None:
    """A kind registered later must join this file."""
    assert set(journaled_kinds()) == set(CASES)


@pytest.mark.parametrize(
    "case", [case for cases in CASES.values() for case in cases], ids=lambda c: c.__name__
)
def test_tampering_is_named(world: dict[str, Any], case: Case) -> None:
    assert verify(files=True).ok, "the untouched data must verify"
    needles = case(world)
    problem = _fails_naming(*needles)
    assert re.search(r"\d", problem)  # an object id or a record number


def test_renamed_kit_item_is_not_a_change(world: dict[str, Any]) -> None:
    """A kit names its items by slug: an item renamed through the services is still the
    same item, so the kit's latest record still holds."""
    kit = _entry(world, "kit")
    item = _entry(world, "study")
    catalog_services.kit_set_items(entry=kit, by=world["agent"], items=[(item, "lire")])
    catalog_services.entry_update(entry=item, by=world["agent"], slug="un-nouveau-nom")
    report = verify(files=True)
    assert report.ok, report.problems


def test_demo_like_data_verifies(world: dict[str, Any]) -> None:
    """One object of every kind, changed only through the services: verify is OK and
    counts them all (and re-hashes the stored files)."""
    _with_file(world)
    kit = _entry(world, "kit")
    catalog_services.kit_set_items(
        entry=kit, by=world["agent"], items=[(_entry(world, "failure"), "")]
    )
    _entry(world, "failure", detail={**factories.DEFAULT_DETAILS["failure"], "anonymised": True})
    for kind in ("study", "software", "service"):
        _entry(world, kind)
    _experiment(world)
    _indicator(world)
    out = StringIO()
    call_command("journal", "verify", "--files", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert text.startswith("OK : ") and "1 fichier" in text
    report = verify(files=True)
    assert report.ok and report.files == 1
    assert report.objects == Entry.objects.count() + Organisation.objects.count() + 1
