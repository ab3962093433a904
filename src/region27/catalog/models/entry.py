"""The catalog core: one Entry model that every kind shares, its versions and themes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from region27.catalog.licences import licence_get
from region27.catalog.themes import THEMES

if TYPE_CHECKING:
    from region27.catalog.licences import Licence


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("À valider")
    PUBLISHED = "published", _("Publié")
    ARCHIVED = "archived", _("Archivé")


class Theme(models.Model):
    """A theme of the fixed taxonomy; labels come from `catalog.themes` so they translate."""

    slug = models.SlugField(max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["position"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> Any:
        for slug, label, _eu in THEMES:
            if slug == self.slug:
                return label
        return self.slug

    @property
    def eu_code(self) -> str:
        for slug, _label, eu in THEMES:
            if slug == self.slug:
                return eu
        return ""


class Entry(models.Model):
    """Anything shared: a dataset, a study, a software, a service, a failure report, a kit..."""

    kind = models.CharField(_("nature"), max_length=32, db_index=True)
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=120, unique=True)
    summary = models.CharField(_("résumé"), max_length=500)
    body = models.TextField(_("description"), blank=True, help_text=_("Format Markdown."))
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name=_("territoires couverts"),
        blank=True,
        related_name="entries",
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("thèmes"), blank=True, related_name="entries"
    )
    keywords = models.JSONField(_("mots-clés"), default=list, blank=True)
    licence = models.CharField(_("licence"), max_length=40)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    is_demo = models.BooleanField(_("démonstration"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modifié le"), auto_now=True)
    submitted_at = models.DateTimeField(_("soumis le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("fiche")
        verbose_name_plural = _("fiches")
        ordering = ["-modified_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[c.value for c in Status]),
                name="entry_status_valid",
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="entry_title_not_empty"),
        ]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:entry", kwargs={"slug": self.slug})

    @property
    def licence_info(self) -> Licence | None:
        return licence_get(self.licence)

    @property
    def kind_label(self) -> Any:
        from region27.catalog.kinds import kind_get

        spec = kind_get(self.kind)
        return spec.label if spec else self.kind

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED


class SlugRedirect(models.Model):
    """An entry's former slug, kept so that old addresses answer 301."""

    old_slug = models.SlugField(max_length=120, unique=True)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.entry.slug}"


class EntryVersion(models.Model):
    """The entry's public content after each change, with who made it and when."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    snapshot = models.JSONField()
    content_hash = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=16, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number} ({self.action})"

    @property
    def action_label(self) -> Any:
        return VERSION_ACTIONS.get(self.action, self.action)


VERSION_ACTIONS = {
    "create": _("création"),
    "update": _("modification"),
    "submit": _("soumission"),
    "publish": _("publication"),
    "reject": _("renvoi aux agents"),
    "archive": _("archivage"),
    "approve": _("modification validée par un élu"),
}
