"""Data classes of the validation engine: limits, errors, warnings and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EngineInputError(Exception):
    """A file or a schema that cannot be read at all.

    ``code`` is a stable machine code (e.g. ``"file-too-large"``); ``message``
    is a French sentence meant for the end user.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class SchemaError(EngineInputError):
    """The schema is not a usable Table Schema."""


@dataclass(frozen=True)
class Limits:
    """Resource limits applied while reading a file or a schema."""

    max_file_size: int = 2 * 1024**3  # bytes read from the source (2 GiB)
    max_columns: int = 1000
    max_line_length: int = 8 * 1024**2  # bytes in one CSV record (8 MiB)
    max_decompressed_size: int = 512 * 1024**2  # bytes unpacked from an XLSX/ODS archive
    max_compression_ratio: float = 200.0  # unpacked size / packed size of XLSX/ODS members
    fetch_timeout: float = 10.0  # seconds, whole remote schema download (redirects included)
    max_redirects: int = 5  # redirects followed when downloading a schema
    allow_private_addresses: bool = False  # let schema URLs reach local addresses (tests, dev)
    allowed_networks: tuple[str, ...] = ()  # e.g. ("10.1.2.0/24",): private but accepted
    max_schema_size: int = 5 * 1024**2  # bytes of a schema descriptor
    chunk_size: int = 16 * 1024**2  # bytes of CSV parsed at once (memory bound)


@dataclass
class ValidationError:
    """One error found in the file, named as frictionless names it."""

    type: str
    message: str
    row: int | None = None
    field: str | None = None
    constraint: str | None = None
    value: str | None = None
    # position of the column in the file (0-based) used only to order errors
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "row": self.row,
            "field": self.field,
            "constraint": self.constraint,
            "value": self.value,
            "message": self.message,
        }


@dataclass(frozen=True)
class ErrorCount:
    """How many errors of one type the file has in one column (and constraint)."""

    type: str
    field: str | None
    constraint: str | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "field": self.field,
            "constraint": self.constraint,
            "count": self.count,
        }


@dataclass
class ValidationWarning:
    """A non-blocking remark (e.g. a missing optional column)."""

    type: str
    message: str
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "field": self.field, "message": self.message}


@dataclass
class Report:
    """Result of :func:`region27.validation.engine.validate`."""

    valid: bool
    rows: int
    encoding: str | None
    delimiter: str | None
    errors: list[ValidationError] = field(default_factory=list)
    warnings: list[ValidationWarning] = field(default_factory=list)
    truncated: bool = False  # True when ``max_errors`` stopped the error list
    # every error found, even those not kept in ``errors`` (first ``keep_per_type``
    # of each type); ``counts`` per type, column and constraint add up to it
    error_count: int = 0
    counts: list[ErrorCount] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when ``errors`` lists every error found."""
        return len(self.errors) == self.error_count

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "rows": self.rows,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "error_count": self.error_count,
            "counts": [c.to_dict() for c in self.counts],
        }
