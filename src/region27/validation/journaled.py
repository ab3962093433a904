"""What the public journal records of `validation`: the `schema` kind (référentiels and
their versions) as catalog entries. Registered from `ValidationConfig.ready()`."""

from __future__ import annotations

PRIVATE_MODELS = {
    "validation.distributionschema": (
        "the schema a distribution declares: shown beside the file, not yet part of the "
        "entry's versioned snapshot (catalog's choice)"
    ),
    "validation.validationrun": (
        "a report computed from a stored file and a schema version (both journaled), and "
        "its candidate files before they are published"
    ),
}


def register() -> None:
    from region27.catalog.journaled import register_entry_kind
    from region27.journal.registry import declare_private

    register_entry_kind("schema", models=("validation.schemadetail", "validation.schemaversion"))
    for model, reason in PRIVATE_MODELS.items():
        declare_private(model, reason)
