"""Request and response schemas (pydantic, through ninja); they make the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

# Every list answers with this shape.
PAGE_FIELDS_DOC = "Pagination: data, page, page_size, total, next_page, previous_page."


class ProblemOut(Schema):
    """RFC 9457 problem details (media type application/problem+json)."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class PageMeta(Schema):
    page: int
    page_size: int
    total: int
    next_page: int | None
    previous_page: int | None


class OrganisationRef(Schema):
    slug: str
    name: str
    url: str


class TerritoryRef(Schema):
    code: str = Field(description="Typed code: level:code, e.g. departement:84")
    level: str
    name: str


class DistributionOut(Schema):
    uuid: str
    title: str
    description: str
    url: str
    format: str
    media_type: str
    size: int | None
    checksum: str
    created_at: dt.datetime
    modified_at: dt.datetime


class EntrySummaryOut(Schema):
    slug: str
    kind: str
    title: str
    summary: str
    status: str
    version: int
    organisation: OrganisationRef | None
    themes: list[str]
    keywords: list[str]
    licence: str
    url: str
    api_url: str
    created_at: dt.datetime
    modified_at: dt.datetime
    published_at: dt.datetime | None


class KitItemOut(Schema):
    """One entry of a kit, in the kit's order."""

    position: int
    note: str
    slug: str
    kind: str
    title: str
    status: str
    url: str
    api_url: str


class EntryOut(EntrySummaryOut):
    body: str
    territories: list[TerritoryRef]
    detail: dict[str, Any]
    distributions: list[DistributionOut]
    items: list[KitItemOut] = Field(
        default_factory=list, description="A kit's entries, in order (empty for other kinds)"
    )
    archived_at: dt.datetime | None
    submitted_at: dt.datetime | None


class EntryPage(PageMeta):
    data: list[EntrySummaryOut]


_SCALAR = str | int | float | bool | None


class EntryCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=32, description="dataset, study, software, service, failure, kit…")
    organisation: str = Field(max_length=100, description="Slug of an organisation you write for")
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=500)
    licence: str = Field(max_length=40, description="Licence id, see /licences")
    body: str = Field("", max_length=100_000, description="Markdown")
    slug: str = Field("", max_length=120)
    territories: list[str] = Field(
        default_factory=list, max_length=200, description="Typed codes, e.g. commune:84007"
    )
    themes: list[str] = Field(default_factory=list, max_length=50)
    keywords: list[str] = Field(default_factory=list, max_length=100)
    detail: dict[str, _SCALAR] = Field(
        default_factory=dict, description="The kind's own fields (see /kinds)"
    )


class EntryUpdateIn(Schema):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, min_length=1, max_length=200)
    summary: str | None = Field(None, min_length=1, max_length=500)
    licence: str | None = Field(None, max_length=40)
    body: str | None = Field(None, max_length=100_000)
    slug: str | None = Field(None, max_length=120)
    territories: list[str] | None = Field(None, max_length=200)
    themes: list[str] | None = Field(None, max_length=50)
    keywords: list[str] | None = Field(None, max_length=100)
    detail: dict[str, _SCALAR] | None = Field(None)
    comment: str | None = Field(None, max_length=500)


class KitItemIn(Schema):
    model_config = ConfigDict(extra="forbid")
    entry: str = Field(min_length=1, max_length=120, description="Slug of a published entry")
    note: str = Field("", max_length=300)


class KitItemsIn(Schema):
    """The kit's whole list, in order: it replaces the current one."""

    model_config = ConfigDict(extra="forbid")
    items: list[KitItemIn] = Field(max_length=200)


class ValidationSchemaOut(Schema):
    name: str
    version: str
    sha256: str


class ValidationFileOut(Schema):
    name: str
    size: int | None
    sha256: str
    published: bool = Field(description="The file the distribution serves now")


class ValidationFailureOut(Schema):
    code: str
    message: str


class ValidationRunOut(Schema):
    """One validation of a distribution's file against its declared schema."""

    uuid: str
    status: str = Field(description="queued, running, done, failed")
    progress: int
    valid: bool | None
    rows: int | None
    error_count: int
    warning_count: int
    truncated: bool
    is_replacement: bool
    decision: str = Field(description="For a replacement: promoted, forced, kept_previous or ''")
    schema_version: ValidationSchemaOut
    file: ValidationFileOut
    engine_version: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str = Field(description="The report's page")
    api_url: str


class ValidationRunPage(PageMeta):
    data: list[ValidationRunOut]


class ValidationReportOut(ValidationRunOut):
    """The full report: every error and warning as the validation engine gives them."""

    encoding: str | None
    delimiter: str | None
    failure: ValidationFailureOut | None
    errors: list[dict[str, Any]] = Field(
        description="{type, row, field, constraint, value, message}"
    )
    warnings: list[dict[str, Any]]


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(min_length=1, max_length=500)


class KindOut(Schema):
    slug: str
    label: str
    label_plural: str
    description: str
    fields: list[str]


class KindPage(PageMeta):
    data: list[KindOut]


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    siren: str
    description: str
    website: str
    territory: TerritoryRef | None
    requires_validation: bool
    url: str
    api_url: str
    created_at: dt.datetime


class OrganisationPage(PageMeta):
    data: list[OrganisationOut]


class TerritoryOut(Schema):
    code: str
    level: str
    insee_code: str
    name: str
    label: str
    siren: str
    population: int | None
    postal_codes: list[str]
    url: str
    api_url: str


class TerritoryDetailOut(TerritoryOut):
    ancestors: list[TerritoryRef]


class TerritoryPage(PageMeta):
    data: list[TerritoryOut]


class ThemeOut(Schema):
    slug: str
    label: str
    eu_theme: str


class ThemePage(PageMeta):
    data: list[ThemeOut]


class LicenceOut(Schema):
    id: str
    title: str
    url: str
    eu_uri: str
    open: bool
    software: bool


class LicencePage(PageMeta):
    data: list[LicenceOut]


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchHitOut(EntrySummaryOut):
    snippet: str = Field(description="HTML extract, words of the query in <mark>")
    score: float


class SearchPageOut(PageMeta):
    data: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]
    problems: list[str]
    query: dict[str, Any]


class JournalRecordOut(Schema):
    seq: int
    time: dt.datetime
    action: str
    kind: str
    object_id: int
    object_version: int
    content_hash: str
    actor: str
    role: str
    organisation: str | None
    entry: str | None = Field(description="Slug of the entry, when you may see it")
    leaf_hash: str = Field(description="Base64 SHA-256 leaf hash (RFC 6962)")
    url: str


class JournalPage(PageMeta):
    data: list[JournalRecordOut]
