"""Forms of the evaluation pages: indicators, their CSV import and evaluation requests.

They parse and check input; the services of `region27.evaluation` do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from region27.accounts.models import Organisation
from region27.evaluation.models import ExperimentDetail, Indicator
from region27.evaluation.periods import PeriodError, parse_period, period_label, period_of_date
from region27.evaluation.selectors import indicator_periods
from region27.territories.models import Level, Territory

INDICATOR_LEVELS = [
    (level.value, level.label)
    for level in (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE)
]
MIN_PRE_PERIODS = 3  # the engine refuses fewer
MAX_CONTAMINATED = 200
GRANULARITY_LABELS = {
    "Y": _("des années (2019)"),
    "Q": _("des trimestres (2019-Q2)"),
    "M": _("des mois (2019-03)"),
}


class IndicatorForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation qui le tient à jour"),
        queryset=Organisation.objects.none(),
        empty_label=None,
    )
    name = forms.CharField(label=_("Nom"), max_length=200)
    level = forms.ChoiceField(
        label=_("Niveau territorial"),
        choices=INDICATOR_LEVELS,
        help_text=_("Les valeurs seront données pour des territoires de ce niveau (codes COG)."),
    )
    unit = forms.CharField(
        label=_("Unité"), max_length=60, required=False, help_text=_("Par exemple : %, euros.")
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("Qui produit les valeurs, et où les trouver."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce que mesure l'indicateur et comment il est calculé."),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class DistributionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.entry.title} — {obj.title}"


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        required=False,
        help_text=_(
            "Format long : une ligne par territoire et période, avec trois colonnes : code "
            "(code COG du territoire), periode (2019, 2019-Q2 ou 2019-03) et valeur. Ou "
            "format large : une colonne code puis une colonne par période (2018, 2019…). "
            "Séparateur virgule ou point-virgule ; décimales avec un point ou une virgule."
        ),
    )
    distribution = DistributionChoiceField(
        label=_("Ou un fichier CSV déjà publié par l'organisation"),
        queryset=None,
        required=False,
        empty_label=_("— aucun —"),
    )

    def __init__(
        self, *args: Any, refused_message: str = "", distributions: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.refused_message = refused_message
        field = self.fields["distribution"]
        field.queryset = distributions  # type: ignore[attr-defined]
        if distributions is None or not distributions.exists():
            del self.fields["distribution"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.refused_message:
            raise ValidationError({"file": self.refused_message})
        chosen = [name for name in ("file", "distribution") if data.get(name)]
        if len(chosen) != 1:
            target = "file" if "distribution" not in self.fields else None
            self.add_error(
                target,
                _("Déposez un fichier CSV ou choisissez un fichier déjà publié, l'un des deux."),
            )
        return data


class ExperimentIndicatorsForm(forms.Form):
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicateurs suivis par l'expérimentation"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["indicators"]
        field.queryset = Indicator.objects.order_by("name")
        field.label_from_instance = lambda i: f"{i.name} ({i.get_level_display()})"


POOR_FIT_CHOICES = [
    ("", _("Garder tous les placebos")),
    ("20", _("Écarter ceux ajustés 20 fois moins bien que le territoire traité")),
    ("5", _("Écarter ceux ajustés 5 fois moins bien (comme Abadie et al. 2010)")),
    ("2", _("Écarter ceux ajustés 2 fois moins bien")),
]


class EvaluationRequestForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicateur"),
        queryset=Indicator.objects.none(),
        empty_label=None,
        help_text=_("Un des indicateurs suivis par l'expérimentation."),
    )
    treatment_start = forms.CharField(
        label=_("Première période traitée"),
        max_length=7,
        required=False,
        help_text=_(
            "2019, 2019-Q2 ou 2019-03, selon les périodes de l'indicateur. Vide : la période "
            "qui contient la date de début de l'expérimentation."
        ),
    )
    placebos = forms.BooleanField(
        label=_("Calculer les placebos (p-valeur)"),
        required=False,
        initial=True,
        help_text=_(
            "Chaque territoire témoin est traité à son tour comme s'il avait mené "
            "l'expérimentation : plus long, mais seul moyen de juger si l'écart est rare."
        ),
    )
    exclude_poor_fit = forms.ChoiceField(
        label=_("Placebos mal ajustés"),
        choices=POOR_FIT_CHOICES,
        required=False,
        help_text=_(
            "Un placebo dont l'écart avant le début est bien plus grand que celui du territoire "
            "traité ne dit rien : on peut l'écarter du calcul de la p-valeur."
        ),
    )
    contaminated = forms.CharField(
        label=_("Territoires touchés à exclure des témoins"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Codes COG séparés par des virgules ou des espaces (par exemple des voisins qui "
            "ont profité de l'expérimentation, ou qui ont mené une politique semblable)."
        ),
    )

    def __init__(self, *args: Any, experiment: ExperimentDetail, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.experiment = experiment
        field: Any = self.fields["indicator"]
        field.queryset = experiment.indicators.order_by("name")
        field.label_from_instance = lambda i: (
            f"{i.name} ({i.unit}, {i.get_level_display()})"
            if i.unit
            else f"{i.name} ({i.get_level_display()})"
        )

    def clean_exclude_poor_fit(self) -> float | None:
        raw = self.cleaned_data.get("exclude_poor_fit") or ""
        return float(raw) if raw else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        indicator: Indicator | None = data.get("indicator")
        if indicator is None:
            return data
        entry = self.experiment.entry
        treated = set(
            entry.territories.filter(level=indicator.level).values_list("code", flat=True)
        )
        if not treated:
            self.add_error(
                "indicator",
                _(
                    "L'expérimentation n'a aucun territoire traité de niveau « %(l)s » : "
                    "choisissez un indicateur du niveau de ses territoires."
                )
                % {"l": indicator.get_level_display()},
            )
            return data
        periods = indicator_periods(indicator)
        if not periods:
            self.add_error(
                "indicator",
                _("Cet indicateur n'a encore aucune valeur : importez-les d'abord."),
            )
            return data
        self._check_start(data, periods)
        data["contaminated"] = self._check_contaminated(
            data.get("contaminated") or "", indicator, treated
        )
        return data

    def _check_start(self, data: dict[str, Any], periods: list[str]) -> None:
        parsed = sorted(parse_period(p) for p in periods)
        granularity = parsed[0][0]
        text = (data.get("treatment_start") or "").strip()
        if not text:
            if self.experiment.start_date is None:
                self.add_error(
                    "treatment_start",
                    _(
                        "L'expérimentation n'a pas de date de début : indiquez la première "
                        "période traitée."
                    ),
                )
                return
            # The period the service will derive from the start date: checked the same way.
            text = period_label(
                granularity, period_of_date(granularity, self.experiment.start_date)
            )
        try:
            gran, ordinal = parse_period(text)
        except PeriodError as exc:
            self.add_error(
                "treatment_start",
                _("Période mal écrite : « %(p)s » (attendu : 2019, 2019-Q2 ou 2019-03).")
                % {"p": text[:20]}
                if exc.code == "invalid_period"
                else _("Période hors limites : « %(p)s ».") % {"p": text[:20]},
            )
            return
        if gran != granularity:
            self.add_error(
                "treatment_start",
                _("Les valeurs de cet indicateur sont données par %(g)s.")
                % {"g": GRANULARITY_LABELS[granularity]},
            )
            return
        before = sum(1 for _g, o in parsed if o < ordinal)
        after = sum(1 for _g, o in parsed if o >= ordinal)
        if before < MIN_PRE_PERIODS or after < 1:
            self.add_error(
                "treatment_start",
                _(
                    "Il faut au moins %(n)s périodes observées avant le début et une après ; "
                    "l'indicateur couvre %(a)s à %(b)s."
                )
                % {"n": MIN_PRE_PERIODS, "a": periods[0], "b": periods[-1]},
            )
            return
        data["treatment_start"] = text

    def _check_contaminated(self, text: str, indicator: Indicator, treated: set[str]) -> list[str]:
        codes = list(
            dict.fromkeys(c.split(":")[-1].strip() for c in text.replace(",", " ").split())
        )
        codes = [c for c in codes if c]
        if len(codes) > MAX_CONTAMINATED:
            self.add_error(
                "contaminated", _("Pas plus de %(n)d territoires.") % {"n": MAX_CONTAMINATED}
            )
            return []
        known = set(
            Territory.objects.filter(level=indicator.level, code__in=codes).values_list(
                "code", flat=True
            )
        )
        unknown = [c for c in codes if c not in known]
        if unknown:
            self.add_error(
                "contaminated",
                _("Codes inconnus au niveau « %(l)s » : %(c)s.")
                % {
                    "l": indicator.get_level_display(),
                    "c": ", ".join(c[:12] for c in unknown[:10]),
                },
            )
            return []
        clash = [c for c in codes if c in treated]
        if clash:
            self.add_error(
                "contaminated",
                _("%(c)s : territoire traité par l'expérimentation, pas un témoin.")
                % {"c": ", ".join(clash[:10])},
            )
            return []
        return codes
