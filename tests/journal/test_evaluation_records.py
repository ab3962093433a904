"""Indicators and evaluations are public content: each of their services appends its
record, and `journal verify` catches a change made behind the application's back."""

from __future__ import annotations

import datetime as dt
import math
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from region27.core.errors import NotAllowed
from region27.core.hashing import canonical_json, sha256_hex
from region27.evaluation import services
from region27.evaluation.models import Evaluation, EvaluationSource, IndicatorValue
from region27.evaluation.snapshots import evaluation_snapshot, indicator_snapshot
from region27.journal.db import maintenance
from region27.journal.models import Record
from region27.territories.models import Level
from tests import factories

pytestmark = pytest.mark.django_db

YEARS = range(2008, 2020)


def _csv(deps: list[Any]) -> str:
    lines = ["code;periode;valeur"]
    for i, d in enumerate(deps):
        for y in YEARS:
            v = 40 + 3 * i + 0.5 * (y - 2008) + math.sin(y + i)
            if i == 3 and y >= 2015:
                v -= 4
            lines.append(f"{d.code};{y};{v:.3f}")
    return "\n".join(lines)


@pytest.fixture
def world(org_agent: tuple[Any, Any]) -> dict[str, Any]:
    org, agent = org_agent
    deps = [
        factories.territory(Level.DEPARTEMENT, code=f"{n:02d}", name=f"Département {n:02d}")
        for n in range(1, 8)
    ]
    entry = factories.entry(
        org,
        agent,
        kind="experiment",
        status="published",
        territories=[deps[3]],
        detail={"hypothesis": "Essai.", "start_date": dt.date(2015, 1, 1)},
    )
    return {"org": org, "agent": agent, "deps": deps, "entry": entry}


def _last(kind: str, object_id: int) -> Record:
    return Record.objects.filter(kind=kind, object_id=object_id).order_by("-seq")[0]


def test_every_evaluation_service_appends_its_record(world: dict[str, Any]) -> None:
    org, agent, entry = world["org"], world["agent"], world["entry"]
    before = Record.objects.count()
    indicator = services.indicator_create(
        name="Taux d'emploi", level=Level.DEPARTEMENT, unit="%", organisation=org, by=agent
    )
    created = _last("indicator", indicator.pk)
    assert (created.action, created.object_version, created.role) == ("create", 1, "agent")
    assert created.organisation_id == org.pk
    report = services.indicator_import_csv(indicator=indicator, data=_csv(world["deps"]), by=agent)
    assert report.created == 7 * len(YEARS) and not report.refused
    imported = _last("indicator", indicator.pk)
    assert (imported.action, imported.object_version) == ("update", 2)
    assert imported.content_hash == sha256_hex(canonical_json(indicator_snapshot(indicator)))
    # an import that stores nothing changes nothing public: no record
    services.indicator_import_csv(indicator=indicator, data=_csv(world["deps"]), by=agent)
    assert _last("indicator", indicator.pk).seq == imported.seq

    experiment = entry.experiment
    services.experiment_phase_add(
        experiment=experiment, by=agent, name="Phase 1", start=dt.date(2015, 1, 1)
    )
    services.experiment_set_indicators(experiment=experiment, by=agent, indicators=[indicator])
    evaluation = services.evaluation_request(
        by=agent, experiment=experiment, indicator=indicator, placebos=False
    )
    requested = _last("evaluation", evaluation.pk)
    assert (requested.action, requested.organisation_id) == ("create", org.pk)
    services.evaluation_execute(evaluation_id=evaluation.pk)
    evaluation.refresh_from_db()
    assert evaluation.status == "done", evaluation.error
    done = _last("evaluation", evaluation.pk)
    assert (done.action, done.actor, done.object_version) == ("publish", "system", 2)
    assert done.content_hash == sha256_hex(canonical_json(evaluation_snapshot(evaluation)))

    panel = services.evaluation_create_from_panel(
        title="Panel",
        source=EvaluationSource.REFERENCE,
        panel_csv="u,t,y\na,1,1\nb,1,2\n",
        parameters={"unit": "u", "time": "t", "outcome": "y", "treated": "a",
                    "treatment_start": "1"},
        enqueue=False,
    )  # fmt: skip
    assert _last("evaluation", panel.pk).action == "create"
    services.evaluation_execute(evaluation_id=panel.pk)  # too short: fails, on the record
    panel.refresh_from_db()
    assert panel.status == "failed"
    failed = _last("evaluation", panel.pk)
    assert (failed.action, failed.object_version) == ("update", 2)
    # indicator ×2, phase and indicators (2 entry versions), evaluations 2 + 2
    assert Record.objects.count() - before == 8
    out = StringIO()
    call_command("journal", "verify", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("OK : ")


def test_indicator_rights(world: dict[str, Any]) -> None:
    org = world["org"]
    outsider = factories.member(factories.organisation(), "agent")
    elu = factories.member(org, "elu")
    for by in (outsider, elu):
        with pytest.raises(NotAllowed):
            services.indicator_create(name="X", level=Level.DEPARTEMENT, organisation=org, by=by)
    with pytest.raises(NotAllowed):  # platform indicators come from the command line only
        services.indicator_create(name="Y", level=Level.DEPARTEMENT, by=world["agent"])
    platform = services.indicator_create(name="Z", level=Level.DEPARTEMENT)
    with pytest.raises(NotAllowed):
        services.indicator_import_csv(indicator=platform, data="code,periode,valeur\n", by=elu)
    assert not Record.objects.filter(kind="indicator").exclude(object_id=platform.pk).exists()


def _raw(sql: str, params: list[Any]) -> None:
    with maintenance(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _fails(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        call_command("journal", "verify", stdout=StringIO(), stderr=StringIO())


def test_changed_indicator_value_is_caught(world: dict[str, Any]) -> None:
    indicator = services.indicator_create(name="Emploi", level=Level.DEPARTEMENT)
    services.indicator_import_csv(indicator=indicator, data=_csv(world["deps"]))
    value = IndicatorValue.objects.filter(indicator=indicator).first()
    assert value is not None
    record = _last("indicator", indicator.pk)
    _raw("UPDATE evaluation_indicatorvalue SET value = value + 1 WHERE id = %s", [value.pk])
    _fails(
        f"indicator {indicator.pk} «{indicator.slug}»: no longer matches its latest record #{record.seq}"
    )


def test_changed_evaluation_result_and_deleted_evaluation_are_caught(
    world: dict[str, Any],
) -> None:
    indicator = services.indicator_create(name="Emploi", level=Level.DEPARTEMENT)
    services.indicator_import_csv(indicator=indicator, data=_csv(world["deps"]))
    evaluation = services.evaluation_request(
        by=world["agent"], experiment=world["entry"].experiment, indicator=indicator,
        placebos=False,
    )  # fmt: skip
    services.evaluation_execute(evaluation_id=evaluation.pk)
    record = _last("evaluation", evaluation.pk)
    stored = Evaluation.objects.get(pk=evaluation.pk)
    assert stored.result is not None
    stored.result["synth"]["average_post_gap"] = 0.0
    Evaluation.objects.filter(pk=stored.pk).update(result=stored.result)
    _fails(f"evaluation {evaluation.pk} «.*»: no longer matches its latest record #{record.seq}")
    Evaluation.objects.filter(pk=stored.pk).delete()
    _fails(f"evaluation {evaluation.pk}: gone from the database without a deletion record")


def test_journal_page_names_indicators_and_evaluations(world: dict[str, Any], client: Any) -> None:
    indicator = services.indicator_create(name="Emploi salarié", level=Level.DEPARTEMENT)
    services.indicator_import_csv(indicator=indicator, data=_csv(world["deps"]))
    evaluation = services.evaluation_request(
        by=world["agent"], experiment=world["entry"].experiment, indicator=indicator,
        placebos=False,
    )  # fmt: skip
    html = client.get("/journal/?kind=evaluation").content.decode()
    assert "Évaluation" in html and evaluation.get_absolute_url() in html
    html = client.get("/journal/?kind=indicator").content.decode()
    assert "Emploi salarié" in html and 'href=""' not in html
    api = client.get("/api/1/journal?kind=evaluation").json()
    assert api["data"][0]["kind"] == "evaluation" and api["data"][0]["entry"] is None


def test_state_objects_show_their_journal_history(world: dict[str, Any], client: Any) -> None:
    """Organisations, indicators and evaluations, like entries, link each of their
    records on the journal and its inclusion proof."""
    indicator = services.indicator_create(name="Emploi salarié", level=Level.DEPARTEMENT)
    services.indicator_import_csv(indicator=indicator, data=_csv(world["deps"]))
    evaluation = services.evaluation_request(
        by=world["agent"], experiment=world["entry"].experiment, indicator=indicator,
        placebos=False,
    )  # fmt: skip
    org = world["org"]
    for kind, object_id, url in (
        ("organisation", org.pk, org.get_absolute_url()),
        ("indicator", indicator.pk, indicator.get_absolute_url()),
        ("evaluation", evaluation.pk, evaluation.get_absolute_url()),
    ):
        html = client.get(url).content.decode()
        assert "Historique sur le journal public" in html, url
        for record in Record.objects.filter(kind=kind, object_id=object_id):
            assert f'href="/journal/{record.seq}/"' in html, (url, record.seq)
            assert f'href="/journal/{record.seq}/#preuve"' in html


def test_journal_page_labels_roles_in_french_and_refuses_bad_dates(
    world: dict[str, Any], client: Any
) -> None:
    services.indicator_create(name="Emploi", level=Level.DEPARTEMENT)  # by the platform
    html = client.get("/journal/?kind=indicator").content.decode()
    # The platform is named once, as a person would say it (not « Plateforme (Plateforme) »).
    assert "<td>La plateforme</td>" in html and "(Plateforme)" not in html
    assert "(system)" not in html
    html = client.get("/journal/?kind=organisation").content.decode()
    assert "(system)" not in html
    response = client.get("/journal/?since=hier")
    assert "Date mal écrite" in response.content.decode()
