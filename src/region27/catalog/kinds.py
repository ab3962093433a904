"""The registry of entry kinds.

A kind is a slug (stable, English), labels (French, translatable), a detail model
(one-to-one with Entry) and the fields its form shows. Kinds defined in other
apps (experiments in `evaluation`, loans in `marketplace`) call `kind_register`
from their AppConfig.ready(); nothing shared changes when a kind is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from region27.catalog.models import Entry


@dataclass(frozen=True)
class KindSpec:
    slug: str
    label: Any
    label_plural: Any
    detail_model: type[models.Model]
    # Related name of the detail model on Entry (entry.<related_name>).
    related_name: str
    # Detail fields an agent fills in, in form order.
    form_fields: tuple[str, ...]
    description: Any = ""
    # Extra public content for the version snapshot (distributions, kit items...).
    extra_snapshot: Callable[[Entry], dict[str, Any]] | None = None
    # Kinds exported as DCAT (dcat:Dataset / dcat:DataService) and CKAN packages.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def file_fields(self) -> tuple[str, ...]:
        """Names of the detail model's own stored files (a study's `document`)."""
        return tuple(
            f.name
            for f in self.detail_model._meta.get_fields()
            if getattr(f, "get_internal_type", lambda: "")() == "FileField"
        )

    def detail_of(self, entry: Entry) -> models.Model | None:
        try:
            return getattr(entry, self.related_name)  # type: ignore[no-any-return,unused-ignore]
        except self.detail_model.DoesNotExist:  # type: ignore[attr-defined]
            return None


_REGISTRY: dict[str, KindSpec] = {}


def kind_register(spec: KindSpec) -> None:
    existing = _REGISTRY.get(spec.slug)
    if existing is not None and existing != spec:
        raise ValueError(f"Kind {spec.slug!r} is already registered.")
    _REGISTRY[spec.slug] = spec


def kind_get(slug: str) -> KindSpec | None:
    return _REGISTRY.get(slug)


def kind_all() -> list[KindSpec]:
    return list(_REGISTRY.values())


def kind_choices() -> list[tuple[str, Any]]:
    return [(spec.slug, spec.label) for spec in _REGISTRY.values()]


def _distributions_snapshot(entry: Entry) -> dict[str, Any]:
    return {
        "distributions": [
            {
                "uuid": str(d.uuid),
                "title": d.title,
                "description": d.description,
                "url": d.url,
                "file": d.file.name if d.file else "",
                "format": d.format,
                "media_type": d.media_type,
                "size": d.size,
                "checksum": d.checksum,
            }
            for d in entry.distributions.all()
        ]
    }


def _kit_snapshot(entry: Entry) -> dict[str, Any]:
    return {
        "items": [
            {"slug": item.item.slug, "note": item.note}
            for item in entry.kit_items.select_related("item")
        ]
    }


def register_core_kinds() -> None:
    from region27.catalog import models as m

    kind_register(
        KindSpec(
            slug="dataset",
            label=_("Jeu de données"),
            label_plural=_("Jeux de données"),
            detail_model=m.DatasetDetail,
            related_name="dataset",
            form_fields=("frequency", "temporal_start", "temporal_end", "contact_email"),
            description=_("Des données publiques en formats ouverts, en fichiers ou en liens."),
            extra_snapshot=_distributions_snapshot,
            extra={"dcat": "Dataset", "ckan": True},
        )
    )
    kind_register(
        KindSpec(
            slug="study",
            label=_("Étude"),
            label_plural=_("Études"),
            detail_model=m.StudyDetail,
            related_name="study",
            form_fields=(
                "authors",
                "study_date",
                "cost",
                "commissioned_by",
                "document",
                "document_url",
            ),
            description=_("Une étude commandée ou menée par une collectivité, à réutiliser."),
        )
    )
    kind_register(
        KindSpec(
            slug="software",
            label=_("Logiciel"),
            label_plural=_("Logiciels"),
            detail_model=m.SoftwareDetail,
            related_name="software",
            form_fields=("repository_url", "publiccode_yml"),
            description=_("Un logiciel libre utilisé ou développé par une collectivité."),
        )
    )
    kind_register(
        KindSpec(
            slug="service",
            label=_("Service"),
            label_plural=_("Services"),
            detail_model=m.ServiceDetail,
            related_name="service",
            form_fields=("url", "api_url", "documentation_url"),
            description=_("Un service numérique en ligne, avec son API s'il en a une."),
            extra={"dcat": "DataService"},
        )
    )
    kind_register(
        KindSpec(
            slug="failure",
            label=_("Retour d'échec"),
            label_plural=_("Livre noir : retours d'échec"),
            detail_model=m.FailureDetail,
            related_name="failure",
            form_fields=(
                "context",
                "attempted",
                "cost",
                "what_went_wrong",
                "lessons",
                "anonymised",
            ),
            description=_("Ce qui n'a pas marché, pour que d'autres ne le refassent pas."),
        )
    )
    kind_register(
        KindSpec(
            slug="kit",
            label=_("Kit"),
            label_plural=_("Kits"),
            detail_model=m.KitDetail,
            related_name="kit",
            form_fields=("howto",),
            description=_("Une sélection ordonnée de fiches avec un mode d'emploi."),
            extra_snapshot=_kit_snapshot,
        )
    )
