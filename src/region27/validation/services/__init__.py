"""Every write about référentiels and validation runs, one module per part. Each
function's writes are atomic.

- `schemas`: schema entries (kind `schema`, created and published through
  `catalog.services`, so they get versions and journal records like any entry) and
  their Table Schema versions;
- `reference`: the reference schemas shipped with region27, published by a system
  account of the reference organisation;
- `distributions`: distributions that declare a schema, their files and replacements;
- `runs`: running a validation in the background and storing its report;
- `common`: the engine's version, limits and error cap, and stored names.

Callers import from `region27.validation.services`, which names every service.
"""

from region27.validation.services.common import (
    engine_limits,
    engine_version,
    errors_counts_name,
    errors_csv_name,
    max_errors,
)
from region27.validation.services.distributions import (
    distribution_add_with_schema,
    distribution_declare_schema,
    distribution_files_release,
    distribution_replace_file,
    run_decide,
)
from region27.validation.services.reference import (
    REFERENCE_ORGANISATION,
    REFERENCE_ORGANISATION_SLUG,
    SHIPPED_ATTRIBUTION,
    SHIPPED_DIR,
    SHIPPED_SCHEMAS,
    SYSTEM_EMAIL,
    LoadResult,
    reference_publisher,
    schemas_load_shipped,
)
from region27.validation.services.runs import run_execute, run_give_up
from region27.validation.services.schemas import (
    CheckedSchema,
    schema_check,
    schema_create,
    schema_fetch,
    schema_version_add,
)

__all__ = [
    "REFERENCE_ORGANISATION",
    "REFERENCE_ORGANISATION_SLUG",
    "SHIPPED_ATTRIBUTION",
    "SHIPPED_DIR",
    "SHIPPED_SCHEMAS",
    "SYSTEM_EMAIL",
    "CheckedSchema",
    "LoadResult",
    "distribution_add_with_schema",
    "distribution_declare_schema",
    "distribution_files_release",
    "distribution_replace_file",
    "engine_limits",
    "engine_version",
    "errors_counts_name",
    "errors_csv_name",
    "max_errors",
    "reference_publisher",
    "run_decide",
    "run_execute",
    "run_give_up",
    "schema_check",
    "schema_create",
    "schema_fetch",
    "schema_version_add",
    "schemas_load_shipped",
]
