"""Indicators and their values per territory and period, the `experiment` kind's detail
(phases, linked indicators) and the evaluations run by the statistics engine."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from region27.core.jobs import LeasedJob
from region27.territories.models import Level

PERIOD_RE = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"


class Indicator(models.Model):
    """A measured quantity, with values per territory (one COG level) and period."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    unit = models.CharField(_("unité"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("niveau territorial"), max_length=32, choices=Level.choices)
    # Who maintains it: its agents and admins import values. Empty for the platform's
    # reference indicators (loaded from the command line).
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:indicator", kwargs={"slug": self.slug})


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(
        _("période"),
        max_length=7,
        validators=[RegexValidator(PERIOD_RE, _("Période : 2019, 2019-Q2 ou 2019-03."))],
    )
    value = models.FloatField(_("valeur"))

    class Meta:
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateur")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory", "period"], name="indicator_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.territory_id} {self.period} = {self.value}"


class ExperimentStatus(models.TextChoices):
    PLANNED = "planned", _("En préparation")
    RUNNING = "running", _("En cours")
    REVIEW = "review", _("En revue")
    GENERALISED = "generalised", _("Généralisée")
    STOPPED = "stopped", _("Arrêtée")


class ExperimentDetail(models.Model):
    """The detail of an `experiment` entry; treated territories are the entry's territories."""

    entry = models.OneToOneField(
        "catalog.Entry", primary_key=True, on_delete=models.CASCADE, related_name="experiment"
    )
    hypothesis = models.TextField(
        _("hypothèse"), help_text=_("Ce que l'expérimentation doit changer, et pour qui.")
    )
    start_date = models.DateField(_("date de début"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget (euros)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    funding = models.TextField(
        _("financement"),
        blank=True,
        help_text=_("Qui finance et comment, y compris un fonds de capital-risque social public."),
    )
    experiment_status = models.CharField(
        _("état"), max_length=20, choices=ExperimentStatus.choices, default="planned"
    )
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="experiments", verbose_name=_("indicateurs suivis")
    )

    class Meta:
        verbose_name = _("expérimentation")
        verbose_name_plural = _("expérimentations")

    def __str__(self) -> str:
        return str(self.entry)


class ExperimentPhase(models.Model):
    """A phase (typically three or four years) and its review."""

    experiment = models.ForeignKey(
        ExperimentDetail, on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField(_("nom"), max_length=120)
    start = models.DateField(_("début"))
    end = models.DateField(_("fin"), null=True, blank=True)
    review = models.TextField(_("bilan"), blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return self.name


class EvaluationSource(models.TextChoices):
    INDICATOR = "indicator", _("Indicateur de la plateforme")
    REFERENCE = "reference", _("Étude de référence")
    SYNTHETIC = "synthetic", _("Panel fictif de démonstration")
    UPLOAD = "upload", _("Panel déposé")


class EvaluationStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminée")
    FAILED = "failed", _("Échec")


class Evaluation(LeasedJob):
    """One synthetic-control run: its inputs (an indicator, or a stored panel), parameters,
    status, result (the engine's `to_dict()`) and reproducibility record."""

    title = models.CharField(_("titre"), max_length=300)
    reference_key = models.SlugField(max_length=80, blank=True, db_index=True)
    source = models.CharField(_("origine"), max_length=20, choices=EvaluationSource.choices)
    experiment = models.ForeignKey(
        ExperimentDetail,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    # Long CSV of a stored panel (reference, synthetic or uploaded), empty for indicators.
    panel_csv = models.TextField(blank=True)
    panel_description = models.TextField(_("description du panel"), blank=True)
    parameters = models.JSONField(_("paramètres"), default=dict)
    status = models.CharField(
        _("état"), max_length=10, choices=EvaluationStatus.choices, default="queued"
    )
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    result = models.JSONField(_("résultat"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    input_hash = models.CharField(_("empreinte des entrées"), max_length=64, blank=True)
    versions = models.JSONField(_("versions des logiciels"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:detail", kwargs={"pk": self.pk})

    @property
    def is_done(self) -> bool:
        return self.status == EvaluationStatus.DONE
