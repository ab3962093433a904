from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from region27.core.errors import NotAllowed
from region27.evaluation import services
from region27.evaluation.models import Evaluation
from tests import factories

from .conftest import EFFECT


def _run(setting: dict[str, Any], **kw: Any) -> Evaluation:
    evaluation = services.evaluation_request(
        by=setting["agent"],
        experiment=setting["entry"].experiment,
        indicator=setting["indicator"],
        **kw,
    )
    evaluation.refresh_from_db()
    return evaluation


@pytest.mark.django_db(transaction=True)
def test_task_stores_result_and_is_reproducible(setting: dict[str, Any]) -> None:
    first = _run(setting)
    assert first.status == "done", first.error
    assert first.progress == 100 and first.finished_at is not None
    assert first.result is not None
    synth = first.result["synth"]
    assert synth["treated"] == setting["treated"].code
    assert synth["treatment_start"] == "2015"
    assert abs(synth["average_post_gap"] - EFFECT) < 1.0
    assert first.result["placebos"]["n_units"] == 7
    assert len(first.input_hash) == 64 and "numpy" in first.versions
    second = _run(setting)
    assert second.input_hash == first.input_hash
    assert second.result == first.result


@pytest.mark.django_db(transaction=True)
def test_pages_render(setting: dict[str, Any], client: Client) -> None:
    evaluation = _run(setting)
    entry_page = client.get(setting["entry"].get_absolute_url())
    assert entry_page.status_code == 200
    assert evaluation.get_absolute_url() in entry_page.content.decode()
    page = client.get(evaluation.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "27e région" in html and "Précautions de lecture" in html
    assert "<caption>" in html and '<th scope="row">2015 *</th>' in html
    assert reverse("evaluation:svg", args=[evaluation.pk, "serie"]) in html
    assert "Période avant traitement courte" not in html
    for plot in ("serie", "ecart"):
        svg = client.get(reverse("evaluation:svg", args=[evaluation.pk, plot]))
        assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
        text = svg.content.decode()
        assert text.startswith("<svg") and "<title" in text and "<desc" in text
        assert 'role="img"' in text
    brief = client.get(reverse("evaluation:brief", args=[evaluation.pk]))
    assert brief.status_code == 200
    assert "Argumentaire pour les élus" in brief.content.decode()
    assert "evaluation/brief.css" in brief.content.decode()


@pytest.mark.django_db(transaction=True)
def test_downloads_parse(setting: dict[str, Any], client: Client) -> None:
    evaluation = _run(setting)
    data = json.loads(client.get(reverse("evaluation:json", args=[evaluation.pk])).content)
    assert data["input_hash"] == evaluation.input_hash
    assert data["result"]["synth"]["weights"]
    for table, column in (
        ("series", "ecart"),
        ("poids", "poids"),
        ("equilibre", "predicteur"),
        ("placebos", "rapport"),
    ):
        response = client.get(reverse("evaluation:csv", args=[evaluation.pk, table]))
        assert response.status_code == 200
        reader = csv.DictReader(io.StringIO(response.content.decode()))
        assert column in (reader.fieldnames or []), (table, reader.fieldnames)
        rows = list(reader)
        # no predictor is declared here (outcome only): the balance table is empty
        assert bool(rows) == (table != "equilibre"), table
    weights = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    reverse("evaluation:csv", args=[evaluation.pk, "poids"])
                ).content.decode()
            )
        )
    )
    assert abs(sum(float(r["poids"]) for r in weights) - 1) < 1e-6


@pytest.mark.django_db
def test_unknown_ids_404(client: Client) -> None:
    assert client.get("/evaluations/999999/").status_code == 404
    assert client.get("/evaluations/999999/argumentaire/").status_code == 404
    assert client.get("/evaluations/999999/serie.svg").status_code == 404
    assert client.get("/evaluations/999999/evaluation.json").status_code == 404
    assert client.get("/evaluations/999999/series.csv").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_draft_experiment_evaluation_hidden_and_request_checked(
    setting: dict[str, Any], client: Client
) -> None:
    org = setting["org"]
    entry = factories.entry(
        org,
        setting["agent"],
        kind="experiment",
        territories=[setting["treated"]],
        detail={"hypothesis": "H."},
    )
    evaluation = services.evaluation_request(
        by=setting["agent"],
        experiment=entry.experiment,  # type: ignore[attr-defined]
        indicator=setting["indicator"],
        treatment_start="2015",
        placebos=False,
    )
    assert client.get(evaluation.get_absolute_url()).status_code == 404
    stranger = factories.user()
    with pytest.raises(NotAllowed):
        services.evaluation_request(
            by=stranger,
            experiment=entry.experiment,  # type: ignore[attr-defined]
            indicator=setting["indicator"],
        )


@pytest.mark.django_db(transaction=True)
def test_short_pre_period_and_failure_are_reported(setting: dict[str, Any], client: Client) -> None:
    short = _run(setting, treatment_start="2011", placebos=False)
    assert short.status == "done"
    assert (
        "Période avant traitement courte" in client.get(short.get_absolute_url()).content.decode()
    )
    failed = _run(setting, treatment_start="2009", placebos=False)
    assert failed.status == "failed" and failed.error
    page = client.get(failed.get_absolute_url())
    assert page.status_code == 200 and "n'a pas pu aboutir" in page.content.decode()


@pytest.mark.django_db
def test_load_reference_panels_demo(client: Client) -> None:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_reference_panels", "--only", "departements", "--no-placebos", stdout=out)
    evaluation = Evaluation.objects.get(reference_key="demo-departements")
    assert evaluation.status == "done", evaluation.error
    html = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Données fictives" in html and "Effet injecté (vrai)" in html
    assert evaluation.result is not None
    assert abs(evaluation.result["synth"]["average_post_gap"] - (-4.0)) < 1.5
    call_command("load_reference_panels", "--only", "departements", "--no-placebos", stdout=out)
    assert Evaluation.objects.filter(reference_key="demo-departements").count() == 1
    # New parameters: a new evaluation, and the list shows only the newest.
    call_command("load_reference_panels", "--only", "departements", "--quick", stdout=out)
    newest = Evaluation.objects.filter(reference_key="demo-departements").latest("pk")
    assert newest.pk != evaluation.pk
    listing = client.get(reverse("evaluation:list")).content.decode()
    assert newest.get_absolute_url() in listing
    assert evaluation.get_absolute_url() not in listing


@pytest.mark.django_db
def test_load_reference_panels_prop99(client: Client) -> None:
    from django.core.management import call_command

    call_command("load_reference_panels", "--only", "prop99", "--quick", stdout=io.StringIO())
    evaluation = Evaluation.objects.get(reference_key="prop99")
    assert evaluation.status == "done", evaluation.error
    assert evaluation.result is not None
    weights = evaluation.result["synth"]["weights"]
    assert abs(weights["Utah"] - 0.334) < 0.02
    assert evaluation.result["synth"]["reference"]["verdict"] == "matches_reference"
    html = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Californie" in html and "Utah" in html and "paquets par habitant" in html
    assert "Comparaison avec les poids publiés" in html and "Nos poids sont ceux publiés" in html
    assert "Vérifications de robustesse" not in html  # --quick
    assert client.get(reverse("evaluation:csv", args=[evaluation.pk, "panel"])).status_code == 200
    assert client.get(reverse("evaluation:list")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_robustness_checks_stored_shown_and_downloadable(
    setting: dict[str, Any], client: Client
) -> None:
    evaluation = _run(setting, placebos=False)
    assert evaluation.result is not None
    rob = evaluation.result["robustness"]
    synth = evaluation.result["synth"]
    positive = {u for u, w in synth["weights"].items() if w > 0}
    assert {f["unit"] for f in rob["leave_one_out"]["fits"]} == positive
    for fit in rob["leave_one_out"]["fits"]:
        assert fit["unit"] in synth["donors"] and len(fit["gaps"]) == 12
    # The treated unit is an exact mix of two donors before 2015: no fake effect.
    itp = rob["in_time_placebo"]
    assert itp["fake_start"] == "2011" and set(itp["gaps"]) == {str(y) for y in range(2008, 2015)}
    assert abs(itp["average_post_gap"]) < 0.5
    twfe = rob["did"]["twfe"]
    assert twfe["n_clusters"] == 7 and twfe["ci_low"] < twfe["coefficient"] < twfe["ci_high"]
    assert twfe["coefficient"] < 0
    relative = [r["relative_period"] for r in rob["did"]["event_study"]]
    assert relative == [-7, -6, -5, -4, -3, -2, 0, 1, 2, 3, 4]
    html = client.get(evaluation.get_absolute_url()).content.decode()
    for text in ("Retrait d", "Placebo temporel", "Doubles différences", "tendances parallèles"):
        assert text in html
    for plot in ("evenement", "retrait"):
        svg = client.get(reverse("evaluation:svg", args=[evaluation.pk, plot]))
        assert svg.status_code == 200 and 'role="img"' in svg.content.decode()
        assert "<desc" in svg.content.decode()
    for table, n in (
        ("retrait", len(positive)),
        ("placebo-temporel", 7),
        ("doubles-differences", 1),
        ("etude-evenement", 11),
    ):
        response = client.get(reverse("evaluation:csv", args=[evaluation.pk, table]))
        assert response.status_code == 200, table
        assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == n
    brief = client.get(reverse("evaluation:brief", args=[evaluation.pk])).content.decode()
    assert "Vérifications de robustesse" in brief
    # A second run gives the same robustness figures.
    assert _run(setting, placebos=False).result["robustness"] == rob  # type: ignore[index]


@pytest.mark.django_db(transaction=True)
def test_robustness_reports_what_cannot_be_computed(
    setting: dict[str, Any], client: Client
) -> None:
    evaluation = _run(setting, treatment_start="2012", placebos=False)
    assert evaluation.status == "done"
    assert evaluation.result is not None
    rob = evaluation.result["robustness"]
    assert "trop courte pour un placebo temporel" in rob["in_time_placebo"]["error"]
    html = client.get(evaluation.get_absolute_url()).content.decode()
    assert "trop courte pour un placebo temporel" in html
    missing = client.get(reverse("evaluation:csv", args=[evaluation.pk, "placebo-temporel"]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_load_reference_panels_basque(client: Client) -> None:
    from django.core.management import call_command

    call_command("load_reference_panels", "--only", "basque", "--quick", stdout=io.StringIO())
    evaluation = Evaluation.objects.get(reference_key="basque")
    assert evaluation.status == "done", evaluation.error
    assert evaluation.result is not None
    synth = evaluation.result["synth"]
    assert "Spain (Espana)" not in synth["donors"] and len(synth["donors"]) == 16
    reference = synth["reference"]
    # Published weights (Cataluña .851, Madrid .149), or a strictly lower pre-period loss.
    if reference["verdict"] == "matches_reference":
        assert abs(synth["weights"]["Cataluna"] - 0.851) < 0.02
    else:
        assert reference["verdict"] == "lower_loss_than_reference"
        assert synth["loss"] < reference["loss"]
    html = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Pays basque" in html and "Catalogne" in html and "Communauté de Madrid" in html
    assert "Comparaison avec les poids publiés" in html and "Poids publié" in html
    assert "<td>0.851</td>" in html or "<td>0,851</td>" in html
    listing = client.get(reverse("evaluation:list")).content.decode()
    assert evaluation.get_absolute_url() in listing


@pytest.mark.django_db
def test_load_reference_panels_regions_and_communes(client: Client) -> None:
    from django.core.management import call_command

    from region27.evaluation.synthetic import COMMUNES, REGIONS

    # Without the COG: fictitious codes, and no indicator (its codes would be refused).

    for only in ("regions", "communes"):
        call_command("load_reference_panels", "--only", only, "--quick", stdout=io.StringIO())
    regions = Evaluation.objects.get(reference_key=REGIONS.key)
    assert regions.result is not None and regions.status == "done"
    assert len(regions.result["synth"]["donors"]) == 12  # 13 metropolitan régions (fallback)
    assert abs(regions.result["synth"]["average_post_gap"] - REGIONS.true_effect) < 1.0
    communes = Evaluation.objects.get(reference_key=COMMUNES.key)
    assert communes.result is not None and communes.status == "done", communes.error
    pool = communes.result["donor_pool"]
    assert len(pool["candidates"]) == 299 and len(pool["selected"]) == COMMUNES.preselect
    assert abs(communes.result["synth"]["average_post_gap"] - COMMUNES.true_effect) < 1.0
    html = client.get(communes.get_absolute_url()).content.decode()
    assert "Données fictives" in html and "Effet injecté (vrai)" in html
    assert "Vivier avant présélection : 299 territoires témoins" in html


@pytest.mark.django_db
def test_load_reference_panels_fictitious_indicator_with_cog(client: Client) -> None:
    from django.core.management import call_command

    from region27.evaluation.models import Indicator, IndicatorValue
    from region27.evaluation.synthetic import REGIONS
    from region27.territories.models import Level

    for code in ("11", "24", "27", "28", "53"):
        factories.territory(Level.REGION, code=code, name=f"Région {code}", zone="metro")
    call_command("load_reference_panels", "--only", "regions", "--quick", stdout=io.StringIO())
    indicator = Indicator.objects.get(slug=f"{REGIONS.key}-taux-fictif")
    assert indicator.organisation is None and "FICTIVES" in indicator.description
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 5 * 18
    html = client.get(indicator.get_absolute_url()).content.decode()
    assert "Taux fictif de démonstration (régions)" in html and "90 valeurs" in html
    call_command("load_reference_panels", "--only", "regions", "--quick", stdout=io.StringIO())
    assert Indicator.objects.filter(slug__startswith=REGIONS.key).count() == 1
