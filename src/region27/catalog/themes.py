"""The fixed theme taxonomy: stable slugs, French labels, EU data-theme URIs where they fit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"

# (slug, label, EU data theme code or "")
THEMES: tuple[tuple[str, object, str], ...] = (
    ("administration", _("Administration et citoyenneté"), "GOVE"),
    ("amenagement", _("Aménagement et urbanisme"), "REGI"),
    ("culture", _("Culture et patrimoine"), "EDUC"),
    ("developpement-durable", _("Développement durable"), "ENVI"),
    ("economie", _("Économie et emploi"), "ECON"),
    ("education", _("Éducation et formation"), "EDUC"),
    ("energie", _("Énergie"), "ENER"),
    ("environnement", _("Environnement et biodiversité"), "ENVI"),
    ("finances", _("Finances publiques et budget"), "ECON"),
    ("innovation-sociale", _("Innovation sociale"), "SOCI"),
    ("logement", _("Logement"), "SOCI"),
    ("mobilite", _("Mobilité et transports"), "TRAN"),
    ("numerique", _("Numérique"), "TECH"),
    ("participation", _("Participation citoyenne"), "GOVE"),
    ("sante", _("Santé et solidarités"), "HEAL"),
    ("securite", _("Sécurité et prévention"), "JUST"),
    ("sport-loisirs", _("Sport et loisirs"), "EDUC"),
    ("tourisme", _("Tourisme"), "ECON"),
    ("agriculture", _("Agriculture et alimentation"), "AGRI"),
    ("dechets", _("Déchets et économie circulaire"), "ENVI"),
)
