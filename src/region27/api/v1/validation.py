"""Validation reports of a distribution's files (read-only), through the validation
app's selectors: a report is as visible as on the web (a published file's report is as
public as its dataset; a replacement not yet published only for the organisation)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from region27.api.v1.auth import READ_AUTH
from region27.api.v1.common import MAX_PAGE, MAX_PAGE_SIZE, READ_ERRORS, gettext_lazy
from region27.api.v1.entries import visible_entry
from region27.api.v1.problems import Problem
from region27.api.v1.schemas import ValidationReportOut, ValidationRunPage
from region27.api.v1.serialize import API, absolute, page_of
from region27.catalog.models import Distribution
from region27.validation.models import ValidationRun
from region27.validation.selectors import (
    run_file_json,
    run_get,
    run_report,
    run_schema_json,
    runs_of,
)

router = Router(tags=["validation"])


def _not_found(detail: str) -> Problem:
    return Problem(404, "not-found", detail, title=_("Introuvable"))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value[:40])
    except ValueError:
        raise _not_found(_("Identifiant mal formé : « %(v)s ».") % {"v": value[:40]}) from None


def _distribution(request: HttpRequest, slug: str, distribution: str) -> Distribution:
    entry = visible_entry(request, slug)
    found = Distribution.objects.filter(entry=entry, uuid=_uuid(distribution)).first()
    if found is None:
        raise _not_found(_("Cette fiche n'a pas de fichier ou lien à cette adresse."))
    return found


def _run_urls(request: HttpRequest, run: ValidationRun) -> dict[str, str]:
    d = run.distribution
    base = f"/entries/{d.entry.slug}/distributions/{d.uuid}/validations/{run.uuid}"
    page = f"/catalogue/{d.entry.slug}/fichiers/{d.uuid}/validation/{run.uuid}/"
    return {"url": absolute(request, page), "api_url": absolute(request, API + base)}


def _run_out(request: HttpRequest, run: ValidationRun) -> dict[str, Any]:
    return {
        "uuid": str(run.uuid),
        "status": run.status,
        "progress": run.progress,
        "valid": run.valid,
        "rows": run.rows,
        "error_count": run.error_count,
        "warning_count": run.warning_count,
        "truncated": run.truncated,
        "is_replacement": run.is_replacement,
        "decision": run.decision,
        "schema_version": run_schema_json(run),
        "file": run_file_json(run),
        "engine_version": run.engine_version,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        **_run_urls(request, run),
    }


def _report_out(request: HttpRequest, run: ValidationRun) -> dict[str, Any]:
    report = run_report(run)
    out = _run_out(request, run)
    out.update(
        {
            "encoding": report["encoding"],
            "delimiter": report["delimiter"],
            "failure": report["failure"],
            "errors": report["errors"] or [],
            "warnings": report["warnings"] or [],
        }
    )
    return out


@router.get(
    "/entries/{slug}/distributions/{distribution}/validations",
    response={200: ValidationRunPage, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy(
        "Les validations des fichiers d'une distribution, de la plus récente à la plus "
        "ancienne (sans leurs erreurs)"
    ),
)
def validation_index(
    request: HttpRequest,
    slug: str,
    distribution: str,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    found = _distribution(request, slug, distribution)
    runs = runs_of(user=request.user, distribution=found)
    result = page_of(runs, page=page, page_size=page_size)
    result["data"] = [_run_out(request, run) for run in result["data"]]
    return result


@router.get(
    "/entries/{slug}/distributions/{distribution}/validation",
    response={200: ValidationReportOut, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy(
        "Le dernier rapport de validation d'une distribution (erreurs et avertissements compris)"
    ),
)
def validation_latest(request: HttpRequest, slug: str, distribution: str) -> Any:
    found = _distribution(request, slug, distribution)
    runs = runs_of(user=request.user, distribution=found)
    run = run_get(user=request.user, distribution=found, uuid=runs[0].uuid) if runs else None
    if run is None:
        raise _not_found(_("Ce fichier n'a pas encore été validé (aucun référentiel déclaré ?)."))
    return _report_out(request, run)


@router.get(
    "/entries/{slug}/distributions/{distribution}/validations/{run}",
    response={200: ValidationReportOut, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy("Un rapport de validation (erreurs et avertissements compris)"),
)
def validation_read(request: HttpRequest, slug: str, distribution: str, run: str) -> Any:
    found = _distribution(request, slug, distribution)
    report = run_get(user=request.user, distribution=found, uuid=_uuid(run))
    if report is None:
        raise _not_found(_("Aucun rapport de validation à cette adresse."))
    return _report_out(request, report)
