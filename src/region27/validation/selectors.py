"""Every read about référentiels and validation reports, with the acting user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.db.models import Q, QuerySet

from region27.accounts.policy import Action, can, can_view
from region27.catalog.models import Distribution, Entry, Status
from region27.validation.models import (
    Decision,
    DistributionSchema,
    SchemaDetail,
    SchemaVersion,
    ValidationRun,
    version_key,
)


def schema_versions_published() -> QuerySet[SchemaVersion]:
    """Versions of published référentiels (what a distribution or a visitor may choose)."""
    return (
        SchemaVersion.objects.filter(schema__entry__status=Status.PUBLISHED)
        .select_related("schema", "schema__entry")
        .order_by("schema__name", "-created_at")
    )


def schema_version_choices() -> list[SchemaVersion]:
    """Published versions, by name then newest version first."""
    found = list(schema_versions_published())
    grouped: dict[str, list[SchemaVersion]] = defaultdict(list)
    for v in found:
        grouped[v.schema.name].append(v)
    ordered: list[SchemaVersion] = []
    for name in sorted(grouped):
        ordered.extend(sorted(grouped[name], key=lambda v: version_key(v.version), reverse=True))
    return ordered


def schema_resolve(name: str) -> SchemaVersion:
    """`scdl/subventions` (latest version) or `scdl/subventions@2.1.1`; LookupError if unknown.

    Only published référentiels are known by name.
    """
    base, _sep, version = name.strip().partition("@")
    detail = (
        SchemaDetail.objects.filter(name=base.lower(), entry__status=Status.PUBLISHED)
        .select_related("entry")
        .first()
    )
    if detail is None:
        raise LookupError(name)
    if version:
        found = detail.versions.filter(version=version.lstrip("vV")).first()
        if found is None:
            raise LookupError(name)
        return found
    latest = detail.latest
    if latest is None:
        raise LookupError(name)
    return latest


def schema_versions_of(*, user: Any, entry: Entry) -> list[SchemaVersion]:
    if entry.kind != "schema" or not can_view(user, entry):
        return []
    detail = SchemaDetail.objects.filter(entry=entry).first()
    return detail.sorted_versions() if detail else []


def declared_schema(distribution: Distribution) -> SchemaVersion | None:
    found = (
        DistributionSchema.objects.filter(distribution=distribution)
        .select_related("schema_version__schema__entry")
        .first()
    )
    return found.schema_version if found else None


def run_visible(user: Any, run: ValidationRun) -> bool:
    """The report of a published file is as public as its dataset; a replacement not
    (yet) published is shown only to the organisation's members."""
    entry = run.distribution.entry
    if run.is_published_file:
        return can_view(user, entry)
    return can(user, Action.ENTRY_VIEW_DRAFT, entry)


def stored_file_run(*, user: Any, name: str) -> ValidationRun | None:
    """A validation run keeping the stored file, if the user may see it: a file received
    for a replacement (as its report), or the file a replacement took the place of (only
    for the organisation's members: it may never have been public, replaced while the
    entry was a draft)."""
    runs = ValidationRun.objects.select_related("distribution__entry__organisation").defer(
        "errors", "warnings"
    )
    for run in runs.filter(candidate=name):
        if run_visible(user, run):
            return run
    for run in runs.filter(previous_file=name):
        if can(user, Action.ENTRY_VIEW_DRAFT, run.distribution.entry):
            return run
    return None


def runs_of(*, user: Any, distribution: Distribution) -> list[ValidationRun]:
    runs = ValidationRun.objects.filter(distribution=distribution).select_related(
        "schema_version__schema", "distribution__entry__organisation"
    )
    return [r for r in runs.defer("errors", "warnings") if run_visible(user, r)]


def run_get(*, user: Any, distribution: Distribution, uuid: Any) -> ValidationRun | None:
    run = (
        ValidationRun.objects.filter(distribution=distribution, uuid=uuid)
        .select_related("schema_version__schema", "distribution__entry__organisation")
        .first()
    )
    if run is None or not run_visible(user, run):
        return None
    return run


def current_run(distribution: Distribution) -> ValidationRun | None:
    """The latest run about the file the distribution serves now."""
    for run in (
        ValidationRun.objects.filter(distribution=distribution)
        .select_related("schema_version__schema")
        .defer("errors", "warnings")
    ):
        if run.is_published_file:
            return run
    return None


def pending_run(distribution: Distribution) -> ValidationRun | None:
    """The latest replacement still in validation or waiting for the agent's decision."""
    for run in (
        ValidationRun.objects.filter(distribution=distribution, is_replacement=True, decision="")
        .select_related("schema_version__schema")
        .defer("errors", "warnings")
    ):
        return run
    return None


@dataclass
class ValidationState:
    """What the entry page shows of one distribution: its declared schema, the run about
    the file it serves now, and (for members) a replacement waiting."""

    declared: SchemaVersion | None = None
    run: ValidationRun | None = None
    pending: ValidationRun | None = None


def validation_states(*, entry: Entry, member: bool) -> dict[int, ValidationState]:
    """`declared_schema`, `current_run` and `pending_run` of every distribution of the
    entry at once: three queries, however many distributions it has."""
    states: dict[int, ValidationState] = defaultdict(ValidationState)
    for link in (
        DistributionSchema.objects.filter(distribution__entry=entry)
        .select_related("schema_version__schema__entry")
        .order_by("-pk")
    ):
        states[link.distribution_id].declared = link.schema_version
    runs = (
        ValidationRun.objects.filter(distribution__entry=entry)
        .select_related("schema_version__schema")
        .defer("errors", "warnings")
    )
    published = Q(is_replacement=False) | Q(decision__in=[Decision.PROMOTED, Decision.FORCED])
    for run in runs.filter(published):  # newest first: the first one of each wins
        state = states[run.distribution_id]
        if state.run is None:
            state.run = run
    if member:
        for run in runs.filter(is_replacement=True, decision=""):
            state = states[run.distribution_id]
            if state.pending is None:
                state.pending = run
    return dict(states)


@dataclass
class ErrorGroup:
    type: str
    field: str | None
    constraint: str | None
    count: int = 0
    rows: list[int] = dc_field(default_factory=list)
    values: list[str] = dc_field(default_factory=list)
    message: str = ""


def group_errors(errors: list[dict[str, Any]], *, samples: int = 10) -> list[ErrorGroup]:
    """Errors grouped by type, field and constraint, most frequent first, with a few rows."""
    groups: dict[tuple[Any, ...], ErrorGroup] = {}
    for error in errors:
        key = (error.get("type"), error.get("field"), error.get("constraint"))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ErrorGroup(
                type=str(key[0]), field=key[1], constraint=key[2], message=error.get("message", "")
            )
        group.count += 1
        if len(group.rows) < samples and error.get("row") is not None:
            group.rows.append(int(error["row"]))
            value = error.get("value")
            if value not in (None, "") and len(group.values) < samples:
                group.values.append(str(value)[:80])
    return sorted(groups.values(), key=lambda g: (-g.count, g.type, g.field or ""))


def run_schema_json(run: ValidationRun) -> dict[str, Any]:
    """The schema version a run checked against, as the report and the API give it."""
    return {
        "name": run.schema_version.schema.name,
        "version": run.schema_version.version,
        "sha256": run.schema_version.sha256,
    }


def run_file_json(run: ValidationRun) -> dict[str, Any]:
    """The file a run checked, as the report and the API give it."""
    return {
        "name": run.original_name,
        "size": run.size,
        "sha256": run.checksum,
        "published": run.is_published_file,
    }


def run_report(run: ValidationRun) -> dict[str, Any]:
    """The stored report as one JSON object (the engine's `to_dict()` keys, plus the
    schema, the file and the run); for the HTML download and the API."""
    return {
        "valid": run.valid if run.status == "done" else False,
        "rows": run.rows,
        "encoding": run.encoding or None,
        "delimiter": run.delimiter or None,
        "errors": run.errors,
        "warnings": run.warnings,
        "status": run.status,
        "truncated": run.truncated,
        "failure": {"code": run.failure_code, "message": run.failure_message}
        if run.status == "failed"
        else None,
        "schema": run_schema_json(run),
        "file": run_file_json(run),
        "engine_version": run.engine_version,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
