"""Fast Table Schema validation engine (pure Python over polars, no Django).

Public API::

    from region27.validation.engine import validate, load_schema, Limits

    report = validate("subventions.csv", "schema.json")
    report.valid, report.to_dict()
"""

from .model import (
    EngineInputError,
    Limits,
    Report,
    SchemaError,
    ValidationError,
    ValidationWarning,
)
from .schema import Field, Schema, load_schema
from .source import read_rows
from .validator import validate

__all__ = [
    "EngineInputError",
    "Field",
    "Limits",
    "Report",
    "Schema",
    "SchemaError",
    "ValidationError",
    "ValidationWarning",
    "load_schema",
    "read_rows",
    "validate",
]
