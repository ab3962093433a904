"""The official geography: régions, départements, EPCI and communes from INSEE's COG."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    EPCI = "epci", _("Intercommunalité (EPCI)")
    COMMUNE = "commune", _("Commune")
    COMMUNE_DELEGUEE = "commune-deleguee", _("Commune déléguée")
    COMMUNE_ASSOCIEE = "commune-associee", _("Commune associée")
    ARRONDISSEMENT = "arrondissement-municipal", _("Arrondissement municipal")


class Territory(models.Model):
    """One territory of the COG; codes are unique per level (84: a région and a département)."""

    level = models.CharField(_("niveau"), max_length=32, choices=Level.choices)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("nom"), max_length=200)
    # Accent- and case-folded name, for the picker.
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    # Région zone: metro, drom or com; EPCI legal kind: CC, CA, CU, METRO...
    zone = models.CharField(_("zone"), max_length=16, blank=True)
    epci_type = models.CharField(_("type d'EPCI"), max_length=16, blank=True)
    # Space-separated postal codes (communes only).
    postal_codes = models.CharField(_("codes postaux"), max_length=400, blank=True)
    region = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    departement = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    epci = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Delegated / associated communes and municipal arrondissements point to their commune.
    parent_commune = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="territory_level_code_unique"),
            models.CheckConstraint(
                condition=models.Q(level__in=[choice.value for choice in Level]),
                name="territory_level_valid",
            ),
        ]
        indexes = [models.Index(fields=["level", "name"])]
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()} {self.code})"

    def get_absolute_url(self) -> str:
        return reverse("web:territory", kwargs={"level": self.level, "code": self.code})

    @property
    def typed_code(self) -> str:
        """The code with its level, as used in filters: `departement:84`."""
        return f"{self.level}:{self.code}"
