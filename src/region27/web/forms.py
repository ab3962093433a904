"""Forms of the HTML interface: they parse and validate input, services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _

from region27.accounts.models import Organisation, Role
from region27.catalog.kinds import KindSpec
from region27.catalog.licences import LICENCES
from region27.catalog.models import Entry
from region27.catalog.themes import THEMES
from region27.territories.models import Territory
from region27.territories.selectors import territory_get, territory_parse_typed

MAX_TERRITORIES = 50


class TerritoriesField(forms.CharField):
    """Typed codes separated by commas or spaces: `commune:69123, departement:26`."""

    def to_python(self, value: Any) -> list[Territory]:  # type: ignore[override]
        text = super().to_python(value) or ""
        codes = [c for c in text.replace(",", " ").split() if c]
        if len(codes) > MAX_TERRITORIES:
            raise ValidationError(_("Pas plus de %(n)d territoires.") % {"n": MAX_TERRITORIES})
        found: list[Territory] = []
        for code in codes:
            try:
                level, number = territory_parse_typed(code)
                found.append(territory_get(level=level, code=number))
            except (ValueError, Territory.DoesNotExist):
                raise ValidationError(
                    _("Territoire inconnu : « %(c)s ». Écrivez par exemple commune:69123.")
                    % {"c": code[:40]}
                ) from None
        return list(dict.fromkeys(found))


class KeywordsField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [w.strip() for w in text.split(",") if w.strip()]


def theme_choices() -> list[tuple[str, Any]]:
    return [(slug, label) for slug, label, _eu in THEMES]


class EntryForm(forms.Form):
    """Fields every kind shares."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titre"), max_length=200)
    summary = forms.CharField(
        label=_("Résumé"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une ou deux phrases : ce que c'est et à qui cela sert."),
    )
    body = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Format Markdown : titres avec ##, listes avec -, liens [texte](adresse)."),
    )
    licence = forms.ChoiceField(label=_("Licence"))
    themes = forms.MultipleChoiceField(
        label=_("Thèmes"),
        required=False,
        choices=theme_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    keywords = KeywordsField(
        label=_("Mots-clés"),
        required=False,
        help_text=_("Séparés par des virgules."),
    )
    territories = TerritoriesField(
        label=_("Territoires couverts"),
        required=False,
        help_text=_(
            "Codes séparés par des virgules, par exemple commune:26362, departement:26, "
            "region:84 ou epci:200068781. La page Territoires donne les codes."
        ),
    )

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        kind: KindSpec,
        entry: Entry | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        if entry is not None:
            del self.fields["organisation"]
        software = kind.slug == "software"
        licence_field = self.fields["licence"]
        assert isinstance(licence_field, forms.ChoiceField)
        licence_field.choices = [
            (licence.id, licence.title) for licence in LICENCES if licence.software == software
        ] + [
            (licence.id, licence.title)
            for licence in LICENCES
            if licence.software != software and licence.id.startswith("cc-")
        ]


def detail_form_class(spec: KindSpec) -> type[forms.ModelForm[Any]]:
    widgets: dict[str, Any] = {}
    for name in spec.form_fields:
        field = spec.detail_model._meta.get_field(name)
        internal = field.get_internal_type()  # type: ignore[union-attr]
        if internal == "DateField":
            widgets[name] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        elif internal == "TextField":
            widgets[name] = forms.Textarea(attrs={"rows": 6})
    return modelform_factory(
        spec.detail_model,
        fields=list(spec.form_fields),
        widgets=widgets,
        formfield_callback=_formfield,
    )


def _formfield(field: Any, **kwargs: Any) -> Any:
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class KitItemsForm(forms.Form):
    items = forms.CharField(
        label=_("Fiches du kit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Une fiche par ligne, dans l'ordre : son identifiant (la fin de son adresse), "
            "puis, après une barre verticale, une note facultative."
        ),
    )

    def clean_items(self) -> list[tuple[Entry, str]]:
        result: list[tuple[Entry, str]] = []
        for raw in (self.cleaned_data.get("items") or "").splitlines():
            if not raw.strip():
                continue
            slug, _sep, note = raw.partition("|")
            slug = slug.strip().rstrip("/").rsplit("/", 1)[-1]
            entry = Entry.objects.filter(slug=slug, status="published").first()
            if entry is None:
                raise ValidationError(
                    _("Aucune fiche publiée ne porte l'identifiant « %(s)s ».") % {"s": slug[:80]}
                )
            result.append((entry, note.strip()))
        return result


class DistributionForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200, required=False)
    file = forms.FileField(label=_("Fichier"), required=False)
    url = forms.URLField(
        label=_("Ou adresse d'un fichier en ligne"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    schema = forms.ModelChoiceField(
        label=_("Référentiel suivi (facultatif)"),
        queryset=Entry.objects.none(),
        required=False,
        empty_label=_("Aucun"),
        help_text=_(
            "Le fichier sera validé selon ce schéma ; le rapport de validation s'affichera "
            "sur la fiche."
        ),
    )

    def __init__(self, *args: Any, refused_message: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_message = refused_message
        from region27.validation.selectors import schema_versions_published

        field: Any = self.fields["schema"]
        field.queryset = schema_versions_published()
        field.label_from_instance = lambda v: (
            f"{v.schema.name} v{v.version} — {v.schema.entry.title}"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.refused_message:
            raise ValidationError({"file": self.refused_message})
        if bool(data.get("file")) == bool(data.get("url")):
            raise ValidationError(_("Donnez soit un fichier, soit une adresse (l'un des deux)."))
        return data


class RejectForm(forms.Form):
    comment = forms.CharField(
        label=_("Ce qui doit changer"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegisterForm(forms.Form):
    display_name = forms.CharField(
        label=_("Nom ou pseudonyme affiché"), max_length=150, required=False
    )
    email = forms.EmailField(label=_("Adresse électronique"))
    password = forms.CharField(
        label=_("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 10 caractères, pas uniquement des chiffres."),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Nom ou pseudonyme affiché"), max_length=150, required=False
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique de la personne invitée"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je comprends que mon compte sera supprimé définitivement."), required=True
    )


class RevisionRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Ce qui doit changer (les agents le liront)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FileReplaceForm(forms.Form):
    """A new file for a distribution (a replacement, or a proposed one)."""

    file = forms.FileField(label=_("Nouveau fichier"))

    def __init__(self, *args: Any, refused_message: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_message = refused_message

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.refused_message:
            raise ValidationError({"file": self.refused_message})
        return data
