"""The `schema` kind (référentiel), registered from this app's AppConfig.ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from region27.catalog.kinds import KindSpec, kind_register

if TYPE_CHECKING:
    from region27.catalog.models import Entry


def _versions_snapshot(entry: Entry) -> dict[str, Any]:
    """The versions are public content: each one's number, source, the SHA-256 of the
    file as received and that of the rules validations apply (the stored descriptor,
    canonical JSON), so that `journal verify` sees a rule changed in the database."""
    from region27.core.hashing import canonical_json, sha256_hex

    detail = getattr(entry, "schema", None)
    if detail is None:
        return {"versions": []}
    return {
        "versions": [
            {
                "version": v.version,
                "source_url": v.source_url,
                "sha256": v.sha256,
                "rules_sha256": sha256_hex(canonical_json(v.descriptor)),
            }
            for v in detail.versions.order_by("created_at", "pk")
        ]
    }


def register_schema_kind() -> None:
    from region27.validation.models import SchemaDetail

    kind_register(
        KindSpec(
            slug="schema",
            label=_("Référentiel"),
            label_plural=_("Référentiels"),
            detail_model=SchemaDetail,
            related_name="schema",
            form_fields=("name", "homepage", "attribution"),
            description=_(
                "Un schéma de données partagé (Table Schema), comme ceux du socle commun "
                "des données locales, pour publier les mêmes données sous la même forme."
            ),
            extra_snapshot=_versions_snapshot,
        )
    )
