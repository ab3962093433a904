"""Référentiels (Table Schemas with versions), the schema a distribution declares,
and the validation runs of its files."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from region27.core.jobs import INTERRUPTED, LeasedJob

SCHEMA_NAME_RE = r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$"


def version_key(version: str) -> tuple[Any, ...]:
    """Order versions as people expect: 2.10.0 after 2.9.1, pre-releases before."""
    parts: list[Any] = []
    for piece in re.split(r"[.\-+]", version.lstrip("vV")):
        parts.append((0, int(piece), "") if piece.isdigit() else (-1, 0, piece))
    return tuple(parts)


class SchemaDetail(models.Model):
    """The detail of a `schema` entry: its stable name and where it is maintained."""

    entry = models.OneToOneField(
        "catalog.Entry", primary_key=True, on_delete=models.CASCADE, related_name="schema"
    )
    name = models.CharField(
        _("nom du schéma"),
        max_length=120,
        unique=True,
        validators=[
            RegexValidator(
                SCHEMA_NAME_RE,
                _(
                    "Lettres minuscules, chiffres, « . », « - », « _ » et « / » "
                    "(ex. : scdl/subventions)."
                ),
            )
        ],
        help_text=_("Identifiant stable, par exemple « scdl/subventions »."),
    )
    homepage = models.URLField(_("page du schéma"), blank=True, max_length=500)
    attribution = models.CharField(
        _("attribution"),
        max_length=300,
        blank=True,
        help_text=_("Auteurs et licence du schéma, à citer."),
    )

    class Meta:
        verbose_name = _("référentiel")
        verbose_name_plural = _("référentiels")

    def __str__(self) -> str:
        return self.name

    def sorted_versions(self) -> list[SchemaVersion]:
        return sorted(self.versions.all(), key=lambda v: version_key(v.version), reverse=True)

    @property
    def latest(self) -> SchemaVersion | None:
        found = self.sorted_versions()
        return found[0] if found else None


class SchemaVersion(models.Model):
    """One published version of a schema: the Table Schema descriptor itself."""

    schema = models.ForeignKey(SchemaDetail, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    descriptor = models.JSONField(_("descripteur Table Schema"))
    source_url = models.URLField(_("adresse d'origine"), blank=True, max_length=1000)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version de référentiel")
        verbose_name_plural = _("versions de référentiel")
        ordering = ["schema", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "version"], name="schema_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.schema.name}@{self.version}"

    @property
    def label(self) -> str:
        return f"{self.schema.name} v{self.version}"


class DistributionSchema(models.Model):
    """The schema (version) a distribution declares it follows."""

    distribution = models.OneToOneField(
        "catalog.Distribution",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="declared_schema",
    )
    schema_version = models.ForeignKey(
        SchemaVersion, on_delete=models.PROTECT, related_name="declared_by"
    )
    declared_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.distribution_id} → {self.schema_version}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminée")
    FAILED = "failed", _("Échec de lecture")


class Decision(models.TextChoices):
    NONE = "", _("—")
    PROMOTED = "promoted", _("Publié (conforme)")
    FORCED = "forced", _("Publié quand même")
    KEPT_PREVIOUS = "kept_previous", _("Version précédente conservée")
    SUPERSEDED = "superseded", _("Remplacé par un fichier plus récent")


def _candidate_path(instance: ValidationRun, filename: str) -> str:
    return f"distributions/{uuid.uuid4().hex}/{filename.rsplit('/', 1)[-1]}"


class ValidationRun(LeasedJob):
    """The validation of one file of a distribution against its declared schema.

    A first upload is validated where it is (`file` is the distribution's file).
    A replacement is stored beside the published file (`candidate`) and only
    replaces it when valid, or when an agent chooses to publish it anyway;
    the replaced file is kept (`previous_file`): nothing is lost.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    distribution = models.ForeignKey(
        "catalog.Distribution", on_delete=models.CASCADE, related_name="validation_runs"
    )
    schema_version = models.ForeignKey(SchemaVersion, on_delete=models.PROTECT, related_name="runs")
    is_replacement = models.BooleanField(default=False)
    candidate = models.FileField(
        upload_to=_candidate_path, blank=True, max_length=300, db_index=True
    )
    file_name = models.CharField(max_length=300, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    valid = models.BooleanField(null=True)
    rows = models.BigIntegerField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    truncated = models.BooleanField(default=False)
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.TextField(blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True, default="")
    previous_file = models.CharField(max_length=300, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("validation")
        verbose_name_plural = _("validations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[c.value for c in RunStatus]),
                name="validation_run_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="validation_run_progress_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id} / {self.schema_version} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def interrupted(self) -> bool:
        """Given up after its runner stopped twice (not a problem of the file)."""
        return self.status == RunStatus.FAILED and self.failure_code == INTERRUPTED

    @property
    def conforms(self) -> bool:
        return self.status == RunStatus.DONE and bool(self.valid)

    @property
    def awaiting_decision(self) -> bool:
        """A replacement that is not valid waits for the agent (publish anyway or keep)."""
        return self.is_replacement and self.finished and not self.conforms and not self.decision

    @property
    def is_published_file(self) -> bool:
        """Does this run describe the file the distribution serves now?"""
        return not self.is_replacement or self.decision in (Decision.PROMOTED, Decision.FORCED)
