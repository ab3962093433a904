"""Load the reference studies (California's Proposition 99, the Basque Country) and
fictitious French panels with a known injected effect, and run their evaluations
(idempotent: a stored evaluation with the same parameters is kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from region27.evaluation import services
from region27.evaluation.models import Evaluation, EvaluationSource
from region27.evaluation.synthetic import (
    TREATED,
    TREATMENT_YEAR,
    TRUE_EFFECT,
    synthetic_departements,
)
from region27.territories.models import Level, Territory

DATA = Path(__file__).resolve().parents[2] / "data"

PROP99 = {
    "unit": "state",
    "time": "year",
    "outcome": "cigsale",
    "treated": "California",
    "treatment_start": 1989,
    "predictors": [
        "lnincome:mean:1980-1988",
        "retprice:mean:1980-1988",
        "age15to24:mean:1980-1988",
        "beer:mean:1984-1988",
        "cigsale:value:1975",
        "cigsale:value:1980",
        "cigsale:value:1988",
    ],
    "fit_window": "1970-1988",
    "reference_weights": {
        "Utah": 0.334,
        "Nevada": 0.234,
        "Montana": 0.199,
        "Colorado": 0.164,
        "Connecticut": 0.069,
    },
    "unit_of_outcome": "paquets par habitant",
}

BASQUE_TREATED = "Basque Country (Pais Vasco)"
BASQUE_NAMES = {
    "Andalucia": "Andalousie",
    "Aragon": "Aragon",
    "Baleares (Islas)": "Îles Baléares",
    "Basque Country (Pais Vasco)": "Pays basque",
    "Canarias": "Canaries",
    "Cantabria": "Cantabrie",
    "Castilla Y Leon": "Castille-et-León",
    "Castilla-La Mancha": "Castille-La Manche",
    "Cataluna": "Catalogne",
    "Comunidad Valenciana": "Communauté valencienne",
    "Extremadura": "Estrémadure",
    "Galicia": "Galice",
    "Madrid (Comunidad De)": "Communauté de Madrid",
    "Murcia (Region de)": "Région de Murcie",
    "Navarra (Comunidad Foral De)": "Navarre",
    "Principado De Asturias": "Asturies",
    "Rioja (La)": "La Rioja",
    "Spain (Espana)": "Espagne (ensemble du pays)",
}
# Abadie & Gardeazabal (2003), as the JSS Synth example: the Spain aggregate is no donor.
BASQUE = {
    "unit": "regionname",
    "time": "year",
    "outcome": "gdpcap",
    "treated": BASQUE_TREATED,
    "treatment_start": 1970,
    "donors": sorted(u for u in BASQUE_NAMES if u not in (BASQUE_TREATED, "Spain (Espana)")),
    "predictors": [
        *(
            f"{c}:mean:1964-1969"
            for c in (
                "school.illit",
                "school.prim",
                "school.med",
                "school.high",
                "school.post.high",
                "invest",
            )
        ),
        "gdpcap:mean:1960-1969",
        *(
            f"{c}:mean:1961-1969/2"
            for c in (
                "sec.agriculture",
                "sec.energy",
                "sec.industry",
                "sec.construction",
                "sec.services.venta",
                "sec.services.nonventa",
            )
        ),
        "popdens:value:1969",
    ],
    "fit_window": "1960-1969",
    "reference_weights": {"Cataluna": 0.8508, "Madrid (Comunidad De)": 0.1492},
    "unit_labels": BASQUE_NAMES,
    "unit_of_outcome": "milliers de dollars de 1986 par habitant",
}

FALLBACK_DEPARTEMENTS = [f"{n:02d}" for n in range(1, 20)] + ["21", "22", "24", "25", "26"]


class Command(BaseCommand):
    help = (
        "Charge les études de référence (Proposition 99, Pays basque) et des panels fictifs "
        "de régions, départements et communes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-placebos", action="store_true", help="Sans placebos (plus rapide)."
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="Sans placebos ni vérifications de robustesse (tests, essais).",
        )
        parser.add_argument("--only", choices=["prop99", "basque", "departements"], default=None)

    def _load(self, key: str, **kwargs: Any) -> None:
        existing = Evaluation.objects.filter(reference_key=key, status="done").first()
        if existing is not None and existing.parameters == kwargs["parameters"]:
            self.stdout.write(f"{key}: déjà chargée (évaluation {existing.pk}).")
            return
        evaluation = services.evaluation_create_from_panel(
            reference_key=key, enqueue=False, **kwargs
        )
        services.evaluation_execute(evaluation_id=evaluation.pk)
        evaluation.refresh_from_db()
        self.stdout.write(f"{key}: évaluation {evaluation.pk} — {evaluation.status}.")

    def handle(self, *args: Any, **options: Any) -> None:
        placebos = not (options["no_placebos"] or options["quick"])
        extra: dict[str, Any] = {"placebos": placebos}
        if options["quick"]:
            extra["robustness"] = False
        if options["only"] in (None, "prop99"):
            self._load(
                "prop99",
                title="Proposition 99 (Californie, 1988) — étude de référence",
                source=EvaluationSource.REFERENCE,
                panel_csv=(DATA / "smoking.csv").read_text(encoding="utf-8"),
                panel_description=(
                    "Ventes de cigarettes par habitant dans 39 États américains, 1970-2000 "
                    "(Abadie, Diamond et Hainmueller 2010, JASA). La Californie augmente la "
                    "taxe sur le tabac en 1988 ; la 27e région est faite des 38 autres États."
                ),
                parameters={**PROP99, **extra},
            )
        if options["only"] in (None, "basque"):
            self._load(
                "basque",
                title="Pays basque (1970) — étude de référence",
                source=EvaluationSource.REFERENCE,
                panel_csv=(DATA / "basque.csv").read_text(encoding="utf-8"),
                panel_description=(
                    "PIB par habitant de 17 communautés autonomes espagnoles, 1955-1997 "
                    "(Abadie et Gardeazabal 2003, American Economic Review). Le terrorisme "
                    "s'installe au Pays basque à la fin des années 1960 ; la 27e région est "
                    "faite des 16 autres communautés (l'agrégat national est écarté)."
                ),
                parameters={**BASQUE, **extra},
            )
        if options["only"] in (None, "departements"):
            codes = (
                list(
                    Territory.objects.filter(level=Level.DEPARTEMENT, zone="")
                    .exclude(code__in=["2A", "2B"])
                    .order_by("code")
                    .values_list("code", flat=True)[:30]
                )
                or FALLBACK_DEPARTEMENTS
            )
            if TREATED not in codes:
                codes = [TREATED, *codes]
            labels = dict(
                Territory.objects.filter(level=Level.DEPARTEMENT, code__in=codes).values_list(
                    "code", "name"
                )
            )
            self._load(
                "demo-departements",
                title="Démonstration : panel fictif de départements, effet injecté connu",
                source=EvaluationSource.SYNTHETIC,
                panel_csv=synthetic_departements(codes),
                panel_description=(
                    "Données FICTIVES : un taux par département et par an (2005-2022), généré "
                    "par un modèle à facteur commun documenté dans region27/evaluation/"
                    f"synthetic.py ; un effet de {TRUE_EFFECT} est injecté dans le département "
                    f"{TREATED} à partir de {TREATMENT_YEAR}."
                ),
                parameters={
                    "unit": "departement",
                    "time": "annee",
                    "outcome": "taux",
                    "treated": TREATED,
                    "treatment_start": TREATMENT_YEAR,
                    **extra,
                    "true_effect": TRUE_EFFECT,
                    "unit_labels": {c: labels.get(c, f"Département {c}") for c in codes},
                    "unit_of_outcome": "points",
                },
            )
