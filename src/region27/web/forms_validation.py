"""The forms of référentiels and validation: declaring a schema, creating a référentiel
and its versions, and the public validation page `/valider/`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from region27.catalog.licences import LICENCES
from region27.catalog.models import Entry
from region27.validation.models import SchemaVersion
from region27.validation.selectors import schema_version_choices, schema_versions_published


class SchemaVersionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.schema.name} v{obj.version} — {obj.schema.entry.title}"


def _schema_field(required: bool) -> SchemaVersionField:
    return SchemaVersionField(
        label=gettext_lazy("Référentiel"),
        queryset=SchemaVersion.objects.none(),
        required=required,
        empty_label=gettext_lazy("Choisir un schéma…"),
    )


class DeclareForm(forms.Form):
    schema = _schema_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["schema"]
        field.queryset = schema_versions_published()
        field.empty_label = _("Aucun")


class SchemaSourceForm(forms.Form):
    version = forms.CharField(
        label=gettext_lazy("Version"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Laissez vide pour reprendre celle du schéma (« version »)."),
    )
    schema_file = forms.FileField(
        label=gettext_lazy("Fichier du schéma (JSON, Table Schema)"), required=False
    )
    schema_url = forms.URLField(
        label=gettext_lazy("Ou adresse du schéma"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("schema_file")) == bool(data.get("schema_url")):
            raise ValidationError(_("Donnez soit le fichier du schéma, soit son adresse."))
        return data


class SchemaForm(SchemaSourceForm):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Entry.objects.none(), empty_label=None
    )
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Résumé"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    name = forms.CharField(
        label=gettext_lazy("Nom du schéma"),
        max_length=120,
        help_text=gettext_lazy("Identifiant stable, par exemple « ma-commune/arbres »."),
    )
    licence = forms.ChoiceField(
        label=gettext_lazy("Licence"),
        choices=[(lic.id, lic.title) for lic in LICENCES if lic.open and not lic.software],
    )
    homepage = forms.URLField(
        label=gettext_lazy("Page du schéma"), required=False, assume_scheme="https"
    )
    attribution = forms.CharField(label=gettext_lazy("Attribution"), max_length=300, required=False)

    field_order = (
        "organisation",
        "title",
        "summary",
        "name",
        "licence",
        "homepage",
        "attribution",
        "version",
        "schema_file",
        "schema_url",
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations


class PublicValidationForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier à valider (CSV, XLSX ou ODS)"),
        required=False,
    )
    schema = _schema_field(required=False)
    schema_url = forms.URLField(
        label=gettext_lazy("Ou adresse d'un schéma (Table Schema JSON)"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )
    output = forms.ChoiceField(
        label=gettext_lazy("Résultat"),
        choices=[
            ("page", gettext_lazy("Afficher le rapport")),
            ("json", gettext_lazy("Télécharger le rapport en JSON")),
            ("csv", gettext_lazy("Télécharger les erreurs en CSV pour tableur")),
        ],
        initial="page",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, refused_message: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_message = refused_message
        field: Any = self.fields["schema"]
        field.queryset = schema_versions_published()
        field.choices = [("", _("Choisir un schéma…"))] + [
            (v.pk, f"{v.schema.name} v{v.version} — {v.schema.entry.title}")
            for v in schema_version_choices()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.refused_message:
            raise ValidationError({"file": self.refused_message})
        if not data.get("file") and "file" not in self.errors:
            self.add_error("file", _("Choisissez le fichier à valider."))
        if bool(data.get("schema")) == bool(data.get("schema_url")):
            raise ValidationError(
                _("Choisissez un référentiel dans la liste, ou donnez l'adresse d'un schéma.")
            )
        return data
