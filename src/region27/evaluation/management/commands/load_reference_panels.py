"""Load the reference studies (California's Proposition 99, the Basque Country) and
fictitious French panels with a known injected effect, and run their evaluations
(idempotent: a stored evaluation with the same parameters is kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from region27.evaluation import services
from region27.evaluation.models import Evaluation, EvaluationSource, Indicator
from region27.evaluation.synthetic import (
    COMMUNES,
    DEPARTEMENTS,
    END_YEAR,
    REGIONS,
    SPECS,
    START_YEAR,
    SyntheticSpec,
    synthetic_panel,
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
        parser.add_argument(
            "--only",
            choices=["prop99", "basque", "regions", "departements", "communes"],
            default=None,
        )

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
        for spec in SPECS:
            if options["only"] in (None, SYNTHETIC_KEYS[spec.key]):
                self._load_synthetic(spec, extra)

    def _load_synthetic(self, spec: SyntheticSpec, extra: dict[str, Any]) -> None:
        codes = _codes(spec)
        labels = dict(
            Territory.objects.filter(level=spec.level, code__in=codes).values_list("code", "name")
        )
        noun, plural = LEVEL_NOUNS[spec.level]
        parameters: dict[str, Any] = {
            "unit": spec.level,
            "time": "annee",
            "outcome": "taux",
            "treated": spec.treated,
            "treatment_start": spec.treatment_year,
            **extra,
            "true_effect": spec.true_effect,
            "unit_labels": {c: labels.get(c, f"{noun.capitalize()} {c}") for c in codes},
            "unit_of_outcome": "points",
        }
        if spec.preselect:
            parameters["preselect"] = spec.preselect
        panel_csv = synthetic_panel(spec, codes)
        if len(labels) == len(codes):
            self._load_indicator(spec, panel_csv, plural)
        self._load(
            spec.key,
            title=f"Démonstration : panel fictif de {plural}, effet injecté connu",
            source=EvaluationSource.SYNTHETIC,
            panel_csv=panel_csv,
            panel_description=(
                f"Données FICTIVES : un taux par {noun} et par an ({START_YEAR}-{END_YEAR}) pour "
                f"{len(codes)} {plural}, généré par un modèle à facteur commun documenté dans "
                f"region27/evaluation/synthetic.py (seuls les codes et noms sont réels) ; un "
                f"effet de {spec.true_effect:+} points est injecté dans le territoire "
                f"{spec.treated} à partir de {spec.treatment_year}."
                + (
                    f" Le vivier est présélectionné : les {spec.preselect} {plural} les plus "
                    "proches avant le début, pour chaque ajustement."
                    if spec.preselect
                    else ""
                )
            ),
            parameters=parameters,
        )

    def _load_indicator(self, spec: SyntheticSpec, panel_csv: str, plural: str) -> None:
        """The same fictitious values as a platform indicator, so that the indicator pages
        and the evaluation request form have something to show (COG codes only)."""
        slug = f"{spec.key}-taux-fictif"
        if Indicator.objects.filter(slug=slug).exists():
            return
        indicator = services.indicator_create(
            name=f"Taux fictif de démonstration ({plural})",
            slug=slug,
            level=spec.level,
            unit="points",
            source="region27, données générées (region27/evaluation/synthetic.py)",
            description=(
                "Données FICTIVES, générées pour la démonstration : elles ne décrivent aucun "
                f"territoire réel. Un effet de {spec.true_effect:+} points est injecté dans le "
                f"territoire {spec.treated} à partir de {spec.treatment_year}."
            ),
        )
        _header, _sep, body = panel_csv.partition("\n")
        report = services.indicator_import_csv(
            indicator=indicator, data="code,periode,valeur\n" + body
        )
        self.stdout.write(f"{slug}: indicateur, {report.created} valeurs.")


LEVEL_NOUNS: dict[str, tuple[str, str]] = {
    Level.REGION.value: ("région", "régions"),
    Level.DEPARTEMENT.value: ("département", "départements"),
    Level.COMMUNE.value: ("commune", "communes"),
}
SYNTHETIC_KEYS = {
    REGIONS.key: "regions",
    DEPARTEMENTS.key: "departements",
    COMMUNES.key: "communes",
}
FALLBACK_REGIONS = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
MAX_COMMUNES = 300


def _codes(spec: SyntheticSpec) -> list[str]:
    """Real COG codes when the territories are loaded, fictitious ones otherwise."""
    territories = Territory.objects.filter(level=spec.level).order_by("code")
    if spec.level == Level.REGION:
        codes = list(territories.filter(zone="metro").values_list("code", flat=True))
        codes = codes or FALLBACK_REGIONS
    elif spec.level == Level.DEPARTEMENT:
        codes = list(
            territories.filter(zone="metro")
            .exclude(code__in=["2A", "2B"])
            .values_list("code", flat=True)[:30]
        )
        codes = codes or FALLBACK_DEPARTEMENTS
    else:
        department = spec.treated[:2]
        codes = list(
            territories.filter(departement__code=department).values_list("code", flat=True)[
                :MAX_COMMUNES
            ]
        )
        codes = codes or [f"{department}{n:03d}" for n in range(1, MAX_COMMUNES + 1)]
    if spec.treated not in codes:
        codes = [spec.treated, *codes]
    return codes
