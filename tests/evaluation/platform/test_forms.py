"""The evaluation app's web forms: indicators (list, page, creation, CSV import) and the
request of an experiment's evaluation, through Django's test client."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from region27.evaluation import services
from region27.evaluation.models import Evaluation, Indicator, IndicatorValue
from region27.journal.models import Record
from region27.territories.models import Level
from tests import factories

from .conftest import YEARS

pytestmark = pytest.mark.django_db


def _login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


# --- Indicator pages ------------------------------------------------------------------------


def test_indicator_list_detail_and_csv(setting: dict[str, Any], client: Client) -> None:
    indicator = setting["indicator"]
    listing = client.get(reverse("evaluation:indicators"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert indicator.get_absolute_url() in html and "Créer un indicateur" not in html
    page = client.get(indicator.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Taux de retour à l&#x27;emploi" in html and "Département" in html
    n = len(setting["deps"]) * len(YEARS)
    assert f"{n} valeurs, 7 territoires, de 2008 à 2019" in html
    assert "<caption>Valeurs par territoire et par période (page 1 sur 2)</caption>" in html
    assert "Importer des valeurs" not in html
    assert client.get(indicator.get_absolute_url() + "?page=2").status_code == 200
    response = client.get(reverse("evaluation:indicator_csv", args=[indicator.slug]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == n and set(rows[0]) == {"code", "territoire", "periode", "valeur"}
    assert client.get("/indicateurs/inconnu/").status_code == 404


# --- Creating an indicator ------------------------------------------------------------------


def _indicator_post(org: Any, **over: str) -> dict[str, Any]:
    return {
        "organisation": org.pk,
        "name": "Part des jeunes en formation",
        "level": Level.DEPARTEMENT,
        "unit": "%",
        "source": "Enquête locale",
        "description": "Part des 16-25 ans en formation.",
        **over,
    }


def test_agent_creates_indicator(client: Client) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    _login(client, agent)
    assert "Créer un indicateur" in client.get(reverse("evaluation:indicators")).content.decode()
    assert client.get(reverse("evaluation:indicator_create")).status_code == 200
    response = client.post(reverse("evaluation:indicator_create"), _indicator_post(org))
    indicator = Indicator.objects.get(name="Part des jeunes en formation")
    assert response.status_code == 302 and response["Location"] == indicator.get_absolute_url()
    assert indicator.organisation == org and indicator.unit == "%"
    assert Record.objects.filter(kind="indicator", object_id=indicator.pk).exists()
    # Same name again: a distinct address, not an error.
    client.post(reverse("evaluation:indicator_create"), _indicator_post(org))
    slugs = set(Indicator.objects.values_list("slug", flat=True))
    assert slugs == {"part-des-jeunes-en-formation", "part-des-jeunes-en-formation-2"}


def test_indicator_creation_refused_and_bad_input(client: Client) -> None:
    org = factories.organisation()
    other = factories.organisation()
    assert client.get(reverse("evaluation:indicator_create")).status_code == 302  # login
    _login(client, factories.user())
    assert client.get(reverse("evaluation:indicator_create")).status_code == 403
    assert (
        client.post(reverse("evaluation:indicator_create"), _indicator_post(org)).status_code == 403
    )
    # An agent cannot create for an organisation that is not hers.
    _login(client, factories.member(org, "agent"))
    response = client.post(reverse("evaluation:indicator_create"), _indicator_post(other))
    assert response.status_code == 400
    response = client.post(
        reverse("evaluation:indicator_create"), _indicator_post(org, name="", level="planete")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Rien n'a été enregistré" in html and "Ce champ est obligatoire." in html
    assert "Sélectionnez un choix valide" in html
    assert not Indicator.objects.exists()


# --- Importing values -----------------------------------------------------------------------


@pytest.fixture
def owned(db: Any) -> dict[str, Any]:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    for code, name in (("29", "Finistère"), ("35", "Ille-et-Vilaine")):
        factories.territory(Level.DEPARTEMENT, code=code, name=name)
    indicator = services.indicator_create(
        name="Chômage", level=Level.DEPARTEMENT, unit="%", organisation=org, by=agent
    )
    return {"org": org, "agent": agent, "indicator": indicator}


def _upload(content: bytes) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("valeurs.csv", content, content_type="text/csv")}


def test_import_shows_report(owned: dict[str, Any], client: Client) -> None:
    indicator = owned["indicator"]
    url = reverse("evaluation:indicator_import", args=[indicator.slug])
    _login(client, owned["agent"])
    assert "Importer des valeurs" in client.get(indicator.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    data = b"code;periode;valeur\n29;2019;7,5\n35;2019;6.1\n99;2019;5\n35;2020;beaucoup\n"
    response = client.post(url, _upload(data))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 valeurs enregistrées." in html and "2 lignes refusées." in html
    assert '<th scope="row">4</th><td>code de territoire inconnu</td>' in html
    assert '<th scope="row">5</th><td>valeur non numérique</td>' in html
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 2


def test_import_refused_rights_and_bad_input(owned: dict[str, Any], client: Client) -> None:
    indicator = owned["indicator"]
    url = reverse("evaluation:indicator_import", args=[indicator.slug])
    good = b"code,periode,valeur\n29,2019,1\n"
    _login(client, factories.member(factories.organisation(), "agent"))
    assert client.get(url).status_code == 403
    assert client.post(url, _upload(good)).status_code == 403
    _login(client, owned["agent"])
    missing = client.post(url, {})
    assert missing.status_code == 400
    assert "Déposez un fichier CSV ou choisissez" in missing.content.decode()
    # Read as the validation engine reads tables: bytes no encoding maps well give a
    # header with no known column (the engine refuses binary files outright).
    garbage = client.post(url, _upload(b"\x81\x8d\x8f\x90\x9d" * 20))
    assert garbage.status_code == 400
    assert "colonne manquante" in garbage.content.decode()
    binary = client.post(url, _upload(b"\x00\x01\xff\xfe" * 20))
    assert binary.status_code == 400
    assert "pas un tableau lisible" in binary.content.decode()
    nothing = client.post(url, _upload(b"code,periode,valeur\n99,2019,1\n"))
    assert nothing.status_code == 400
    assert "0 valeur" in nothing.content.decode()
    columns = client.post(url, _upload(b"a,b\n1,2\n"))
    assert "colonne manquante" in columns.content.decode()
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()
    # A platform indicator (no organisation) is imported from the command line only.
    platform = services.indicator_create(name="Référence", level=Level.DEPARTEMENT)
    url = reverse("evaluation:indicator_import", args=[platform.slug])
    assert client.post(url, _upload(good)).status_code == 403


# --- Requesting an evaluation ---------------------------------------------------------------


def _linked(setting: dict[str, Any]) -> dict[str, Any]:
    services.experiment_set_indicators(
        experiment=setting["entry"].experiment,
        by=setting["agent"],
        indicators=[setting["indicator"]],
    )
    return setting


def _request_post(setting: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {
        "action": "evaluer",
        "indicator": setting["indicator"].pk,
        "treatment_start": "2015",
        "placebos": "on",
        "exclude_poor_fit": "5",
        "contaminated": "departement:03",
        **over,
    }


def test_agent_requests_evaluation(setting: dict[str, Any], client: Client) -> None:
    _linked(setting)
    entry = setting["entry"]
    url = reverse("evaluation:request", args=[entry.slug])
    assert url not in client.get(entry.get_absolute_url()).content.decode()
    _login(client, setting["agent"])
    assert url in client.get(entry.get_absolute_url()).content.decode()
    assert url in client.get(reverse("evaluation:list")).content.decode()
    assert url in client.get(setting["indicator"].get_absolute_url()).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "Lancer l'évaluation" in page.content.decode()
    response = client.post(url, _request_post(setting))
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == evaluation.get_absolute_url()
    assert evaluation.parameters["treatment_start"] == "2015"
    assert evaluation.parameters["contaminated"] == ["03"]
    assert evaluation.parameters["exclude_poor_fit"] == 5.0
    assert evaluation.parameters["placebos"] is True
    # Not run yet (the task runs after the commit): the page shows its progress.
    # No full-page refresh (WCAG 2.2.1): htmx polls the status part, a link reloads.
    html = client.get(evaluation.get_absolute_url()).content.decode()
    assert "http-equiv" not in html and "Actualiser" in html and "<progress" in html
    assert 'hx-trigger="every 10s"' in html and 'hx-select="#evaluation-body"' in html
    html = client.get(url).content.decode()
    assert "http-equiv" not in html and evaluation.get_absolute_url() in html
    assert 'hx-trigger="every 15s"' in html


def test_request_uses_start_date_when_empty(setting: dict[str, Any], client: Client) -> None:
    _linked(setting)
    _login(client, setting["agent"])
    url = reverse("evaluation:request", args=[setting["entry"].slug])
    client.post(url, _request_post(setting, treatment_start="", placebos="", contaminated=""))
    evaluation = Evaluation.objects.get()
    assert evaluation.parameters["treatment_start"] == "2015"
    assert evaluation.parameters["placebos"] is False


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"treatment_start": "20-15"}, "Période mal écrite"),
        ({"treatment_start": "2015-Q1"}, "données par des années"),
        ({"treatment_start": "2009"}, "au moins 3 périodes observées avant le début"),
        ({"treatment_start": "2030"}, "au moins 3 périodes observées avant le début"),
        ({"contaminated": "99"}, "Codes inconnus au niveau « Département » : 99."),
        ({"contaminated": "04"}, "04 : territoire traité par"),
        ({"indicator": "0"}, "Sélectionnez un choix valide"),
    ],
)
def test_request_bad_input_writes_nothing(
    setting: dict[str, Any], client: Client, over: dict[str, str], message: str
) -> None:
    _linked(setting)
    _login(client, setting["agent"])
    url = reverse("evaluation:request", args=[setting["entry"].slug])
    response = client.post(url, _request_post(setting, **over))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Aucune évaluation n'a été demandée" in html and message in html
    assert not Evaluation.objects.exists()


def test_request_refused_and_not_found(setting: dict[str, Any], client: Client) -> None:
    _linked(setting)
    entry = setting["entry"]
    url = reverse("evaluation:request", args=[entry.slug])
    assert client.get(url).status_code == 302  # login first
    _login(client, factories.user())
    assert client.get(url).status_code == 403
    assert client.post(url, _request_post(setting)).status_code == 403
    # An élu of the organisation reads but does not request.
    _login(client, factories.member(setting["org"], "elu"))
    assert client.post(url, _request_post(setting)).status_code == 403
    assert not Evaluation.objects.exists()
    _login(client, setting["agent"])
    assert client.get("/experimentations/inconnue/evaluer/").status_code == 404
    study = factories.entry(setting["org"], setting["agent"], kind="study", status="published")
    assert client.get(reverse("evaluation:request", args=[study.slug])).status_code == 404
    draft = factories.entry(
        setting["org"], setting["agent"], kind="experiment", detail={"hypothesis": "H."}
    )
    _login(client, factories.member(factories.organisation(), "agent"))
    assert client.get(reverse("evaluation:request", args=[draft.slug])).status_code == 404


def test_experiment_indicators_form(setting: dict[str, Any], client: Client) -> None:
    entry = setting["entry"]
    url = reverse("evaluation:request", args=[entry.slug])
    _login(client, setting["agent"])
    html = client.get(url).content.decode()
    assert "ne suit encore aucun indicateur" in html and "Lancer l'évaluation" not in html
    response = client.post(
        url, {"action": "indicateurs", "suivi-indicators": [setting["indicator"].pk]}
    )
    assert response.status_code == 302
    assert list(entry.experiment.indicators.all()) == [setting["indicator"]]
    bad = client.post(url, {"action": "indicateurs", "suivi-indicators": ["0"]})
    assert bad.status_code == 400 and "Rien n'a été enregistré" in bad.content.decode()
    assert list(entry.experiment.indicators.all()) == [setting["indicator"]]
    assert client.post(url, {"action": "autre"}).status_code == 404


def test_import_from_a_published_csv(owned: dict[str, Any], client: Client) -> None:
    """An agent imports the values from a CSV the organisation already published."""
    from region27.catalog import services as catalog_services

    org, agent, indicator = owned["org"], owned["agent"], owned["indicator"]
    dataset = factories.entry(org, agent, kind="dataset", status="published")
    csv_file = catalog_services.distribution_add(
        entry=dataset,
        by=agent,
        title="Chômage par département",
        file=SimpleUploadedFile("chomage.csv", b"code;2019;2020\n29;7,5;7,1\n35;6,1;5,9\n"),
    )
    catalog_services.distribution_add(
        entry=dataset, by=agent, title="Lien", url="https://exemple.fr/autre.csv", format="CSV"
    )
    url = reverse("evaluation:indicator_import", args=[indicator.slug])
    _login(client, agent)
    page = client.get(url).content.decode()
    assert "Chômage par département" in page and "Lien" not in page  # files only
    both = client.post(
        url, {**_upload(b"code,periode,valeur\n29,2019,1\n"), "distribution": csv_file.pk}
    )
    assert both.status_code == 400 and not IndicatorValue.objects.exists()
    response = client.post(url, {"distribution": csv_file.pk})
    assert response.status_code == 200, response.content.decode()[-500:]
    assert "4 valeurs enregistrées." in response.content.decode()
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 4
    # another organisation's file is not offered, and cannot be forced
    other = factories.organisation()
    other_agent = factories.member(other, "agent")
    foreign = factories.entry(other, other_agent, kind="dataset", status="published")
    foreign_csv = catalog_services.distribution_add(
        entry=foreign, by=other_agent, title="Ailleurs", file=SimpleUploadedFile("a.csv", b"x\n")
    )
    forced = client.post(url, {"distribution": foreign_csv.pk})
    assert forced.status_code == 400


def test_plots_of_a_draft_experiment_are_not_publicly_cacheable(
    setting: dict[str, Any], client: Client
) -> None:
    import datetime as dt

    agent = setting["agent"]
    draft = factories.entry(
        setting["org"],
        agent,
        kind="experiment",
        status="draft",
        territories=[setting["treated"]],
        detail={"hypothesis": "Essai.", "start_date": dt.date(2015, 1, 1)},
    )
    for entry in (setting["entry"], draft):
        evaluation = services.evaluation_request(
            by=agent, experiment=entry.experiment, indicator=setting["indicator"], placebos=False
        )
        services.evaluation_execute(evaluation_id=evaluation.pk)
    public, private = Evaluation.objects.order_by("pk")
    svg = reverse("evaluation:svg", args=[public.pk, "serie"])
    assert client.get(svg)["Cache-Control"] == "public, max-age=3600"
    svg = reverse("evaluation:svg", args=[private.pk, "serie"])
    assert client.get(svg).status_code == 404  # anonymous: the draft is not visible
    _login(client, agent)
    response = client.get(svg)
    assert response.status_code == 200 and response["Cache-Control"] == "private, max-age=0"


def test_blank_start_is_checked_from_the_start_date(
    setting: dict[str, Any], client: Client
) -> None:
    """Left blank, the first treated period comes from the experiment's start date: a date
    beyond the indicator's periods is refused here, not later by the background task."""
    import datetime as dt

    from region27.evaluation.models import ExperimentDetail

    _linked(setting)
    ExperimentDetail.objects.filter(pk=setting["entry"].experiment.pk).update(
        start_date=dt.date(2030, 1, 1)
    )
    _login(client, setting["agent"])
    url = reverse("evaluation:request", args=[setting["entry"].slug])
    response = client.post(url, _request_post(setting, treatment_start=""))
    assert response.status_code == 400
    assert "au moins 3 périodes observées avant le début" in response.content.decode()
    assert not Evaluation.objects.exists()
