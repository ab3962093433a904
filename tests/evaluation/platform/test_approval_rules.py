"""A published experiment of an organisation whose élus validate: nobody changes its
parts behind the élus, yet its agents still ask for its evaluation."""

from __future__ import annotations

import datetime as dt

import pytest

from region27.accounts.models import Role
from region27.core.errors import NotAllowed
from region27.evaluation import services
from region27.journal.verify import verify
from region27.territories.models import Level
from tests import factories


@pytest.fixture
def published(db: object) -> dict[str, object]:
    org = factories.organisation(requires_validation=True)
    agent = factories.member(org, Role.AGENT)
    elu = factories.member(org, Role.ELU)
    entry = factories.entry(
        org,
        agent,
        kind="experiment",
        detail={"hypothesis": "Essai.", "start_date": dt.date(2015, 1, 1)},
    )
    from region27.catalog import services as catalog

    catalog.entry_submit(entry=entry, by=agent)
    catalog.entry_publish(entry=entry, by=elu)
    entry.refresh_from_db()
    return {"org": org, "agent": agent, "elu": elu, "entry": entry}


def test_agent_cannot_change_a_published_experiment_but_is_told_who_can(
    published: dict,
) -> None:
    entry = published["entry"]
    with pytest.raises(NotAllowed) as refused:
        services.experiment_phase_add(
            experiment=entry.experiment, by=published["agent"], name="Bilan", start=dt.date.today()
        )
    assert "élu" in str(refused.value)
    assert not entry.experiment.phases.exists()


def test_an_elu_change_is_an_approved_version_and_the_journal_verifies(
    published: dict,
) -> None:
    entry = published["entry"]
    services.experiment_phase_add(
        experiment=entry.experiment, by=published["elu"], name="Bilan", start=dt.date.today()
    )
    latest = entry.versions.order_by("-number").first()
    assert latest is not None and latest.action == "approve" and latest.role == Role.ELU
    assert entry.experiment.phases.get().name == "Bilan"
    assert verify().ok


def test_agents_ask_for_an_evaluation_elus_and_others_cannot(published: dict) -> None:
    entry = published["entry"]
    indicator = services.indicator_create(
        name="Taux", level=Level.DEPARTEMENT, organisation=published["org"], by=published["agent"]
    )
    from region27.accounts.policy import Action, can

    assert can(published["agent"], Action.ENTRY_EVALUATE, entry)
    assert not can(published["elu"], Action.ENTRY_EVALUATE, entry)  # élus read the result
    outsider = factories.member(factories.organisation(), Role.AGENT)
    assert not can(outsider, Action.ENTRY_EVALUATE, entry)
    with pytest.raises(NotAllowed):
        services.evaluation_request(
            by=outsider, experiment=entry.experiment, indicator=indicator, treatment_start="2015"
        )


def test_the_api_says_a_change_waits_for_an_elu(published: dict, client: object) -> None:
    from django.test import Client

    from region27.accounts.tokens import token_create

    assert isinstance(client, Client)
    token = token_create(user=published["agent"], name="script")[1]
    entry = published["entry"]
    answer = client.patch(
        f"/api/1/entries/{entry.slug}",
        data={"title": "Nouveau titre"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 403
    assert answer["Content-Type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].endswith("approval-required") and "élu" in problem["detail"]
    entry.refresh_from_db()
    assert entry.title != "Nouveau titre"
