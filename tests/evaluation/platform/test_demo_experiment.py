"""The demonstration experiment: created once, through the services, with its phases,
followed indicator, publication and requested evaluation (all on the journal)."""

from __future__ import annotations

from typing import Any

import pytest

from region27.evaluation import demo, services
from region27.evaluation.models import Evaluation
from region27.journal.models import Record
from region27.territories.models import Level
from tests import factories


@pytest.mark.django_db
def test_demo_experiment_is_built_once_through_the_services() -> None:
    said: list[str] = []
    assert demo.build_demo_experiment(said.append) is None  # nothing to build it on
    assert "prérequis absents" in said[0]
    deps = [factories.territory(Level.DEPARTEMENT, code=c) for c in ("26", "29", "07", "38")]
    org = factories.organisation(name="Département de la Drôme", slug=demo.ORGANISATION)
    factories.member(org, "agent")
    indicator = services.indicator_create(
        name="Taux fictif", slug=demo.INDICATOR, level=Level.DEPARTEMENT
    )
    entry = demo.build_demo_experiment(said.append)
    assert entry is not None and entry.status == "published" and entry.kind == "experiment"
    assert [t.code for t in entry.territories.all()] == [deps[0].code]
    experiment = entry.experiment
    assert experiment.phases.count() == 2
    assert list(experiment.indicators.all()) == [indicator]
    evaluation = Evaluation.objects.get(experiment=experiment)
    assert evaluation.parameters["treatment_start"] == "2016"
    records: Any = Record.objects.filter(kind="experiment", object_id=entry.pk)
    # create, two phases, indicators, publication: five versions, five records
    assert records.count() == 5
    assert Record.objects.filter(kind="evaluation", object_id=evaluation.pk).exists()
    assert demo.build_demo_experiment(said.append) == entry  # idempotent
    assert Evaluation.objects.filter(experiment=experiment).count() == 1
