"""Fields of the six core kinds, each in a table beside Entry (one-to-one)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.db import models
from django.utils.translation import gettext_lazy as _

from region27.catalog.models.entry import Entry


class Frequency(models.TextChoices):
    UNKNOWN = "unknown", _("Inconnue")
    CONTINUOUS = "continuous", _("Temps réel")
    DAILY = "daily", _("Quotidienne")
    WEEKLY = "weekly", _("Hebdomadaire")
    MONTHLY = "monthly", _("Mensuelle")
    QUARTERLY = "quarterly", _("Trimestrielle")
    ANNUAL = "annual", _("Annuelle")
    IRREGULAR = "irregular", _("Irrégulière")
    PUNCTUAL = "punctual", _("Ponctuelle")


class DatasetDetail(models.Model):
    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="dataset"
    )
    frequency = models.CharField(
        _("fréquence de mise à jour"),
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.UNKNOWN,
    )
    temporal_start = models.DateField(_("début de la période couverte"), null=True, blank=True)
    temporal_end = models.DateField(_("fin de la période couverte"), null=True, blank=True)
    contact_email = models.EmailField(_("contact"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temporal_start__isnull=True)
                | models.Q(temporal_end__isnull=True)
                | models.Q(temporal_start__lte=models.F("temporal_end")),
                name="dataset_temporal_order",
            )
        ]

    def __str__(self) -> str:
        return f"dataset:{self.entry_id}"


def _distribution_path(instance: Distribution, filename: str) -> str:
    return f"distributions/{uuid.uuid4().hex}/{PurePath(filename).name}"


class Distribution(models.Model):
    """A file or a link through which a dataset is available."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="distributions")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(
        _("fichier"), upload_to=_distribution_path, blank=True, max_length=300, db_index=True
    )
    url = models.URLField(_("adresse"), blank=True, max_length=1000)
    format = models.CharField(_("format"), max_length=20, blank=True)
    media_type = models.CharField(_("type MIME"), max_length=100, blank=True)
    size = models.BigIntegerField(_("taille (octets)"), null=True, blank=True)
    checksum = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entry", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""),
                name="distribution_file_or_url",
            )
        ]

    def __str__(self) -> str:
        return self.title


class StudyDetail(models.Model):
    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="study"
    )
    authors = models.CharField(_("auteurs"), max_length=500)
    study_date = models.DateField(_("date de l'étude"), null=True, blank=True)
    cost = models.DecimalField(
        _("coût (euros TTC)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    commissioned_by = models.CharField(_("commanditaire"), max_length=300, blank=True)
    document = models.FileField(
        _("document"), upload_to="studies/%Y/", blank=True, max_length=300, db_index=True
    )
    document_url = models.URLField(_("adresse du document"), blank=True, max_length=1000)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="study_cost_positive",
            )
        ]

    def __str__(self) -> str:
        return f"study:{self.entry_id}"


class SoftwareDetail(models.Model):
    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="software"
    )
    repository_url = models.URLField(_("dépôt du code source"), max_length=500)
    publiccode_yml = models.TextField(
        _("publiccode.yml"),
        blank=True,
        help_text=_("Le contenu du fichier publiccode.yml du logiciel, s'il en a un."),
    )
    publiccode = models.JSONField(default=dict, blank=True, editable=False)
    development_status = models.CharField(
        _("état de développement"), max_length=32, blank=True, editable=False
    )

    def __str__(self) -> str:
        return f"software:{self.entry_id}"


class ServiceDetail(models.Model):
    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="service"
    )
    url = models.URLField(_("adresse du service"), max_length=500)
    api_url = models.URLField(_("adresse de l'API"), blank=True, max_length=500)
    documentation_url = models.URLField(_("documentation de l'API"), blank=True, max_length=500)

    def __str__(self) -> str:
        return f"service:{self.entry_id}"


class FailureDetail(models.Model):
    """A "livre noir" report: what was tried, what it cost, what went wrong, what was learnt."""

    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="failure"
    )
    context = models.TextField(_("contexte"))
    attempted = models.TextField(_("ce qui a été tenté"))
    cost = models.DecimalField(
        _("coût (euros TTC)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    what_went_wrong = models.TextField(_("ce qui n'a pas marché"))
    lessons = models.TextField(_("enseignements"))
    anonymised = models.BooleanField(
        _("anonymiser"),
        default=False,
        help_text=_("Masquer publiquement l'organisation qui témoigne."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="failure_cost_positive",
            )
        ]

    def __str__(self) -> str:
        return f"failure:{self.entry_id}"


class KitDetail(models.Model):
    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.CASCADE, related_name="kit"
    )
    howto = models.TextField(_("mode d'emploi"), help_text=_("Format Markdown."))

    def __str__(self) -> str:
        return f"kit:{self.entry_id}"


class KitItem(models.Model):
    kit = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="kit_items")
    item = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="in_kits")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["kit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "item"], name="kit_item_unique"),
            models.CheckConstraint(
                condition=~models.Q(kit=models.F("item")), name="kit_item_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kit_id}#{self.position} → {self.item_id}"
