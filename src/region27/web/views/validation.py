"""Référentiels and validation reports: report pages and downloads, file replacement,
schema creation, and the public validation page `/valider/`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from region27.accounts.policy import Action, can
from region27.accounts.selectors import writer_organisations
from region27.catalog.models import Distribution, Entry
from region27.core.errors import NotAllowed
from region27.core.ratelimit import client_ip, hit
from region27.core.uploads import upload_refused
from region27.validation import services
from region27.validation.engine import EngineInputError, Report, load_schema, validate
from region27.validation.models import SchemaVersion, ValidationRun
from region27.validation.selectors import (
    ErrorGroup,
    declared_schema,
    group_errors,
    run_get,
    run_report,
    runs_of,
)
from region27.web.forms import FileReplaceForm
from region27.web.forms_validation import (
    DeclareForm,
    PublicValidationForm,
    SchemaForm,
    SchemaSourceForm,
)
from region27.web.views.common import (
    attach_errors,
    entry_or_404,
    paginate,
    render_form,
    too_large_message,
)

ERRORS_PER_PAGE = 100
PUBLIC_SHOWN_ERRORS = 500
CSV_COLUMNS = ("type", "row", "field", "constraint", "value", "message")
CSV_COLUMNS_FR = ("type", "ligne", "champ", "contrainte", "valeur", "message")


# --- Helpers ------------------------------------------------------------------------------


def _distribution_or_404(request: HttpRequest, slug: str, uuid: Any) -> tuple[Entry, Distribution]:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        raise Http404()
    distribution = get_object_or_404(Distribution, entry=found, uuid=uuid)
    return found, distribution


def _run_or_404(request: HttpRequest, slug: str, uuid: Any, run: Any) -> ValidationRun:
    _entry, distribution = _distribution_or_404(request, slug, uuid)
    found = run_get(user=request.user, distribution=distribution, uuid=run)
    if found is None:
        raise Http404(_("Aucune validation à cette adresse."))
    return found


def _run_urls(run: ValidationRun) -> dict[str, str]:
    args = [run.distribution.entry.slug, run.distribution.uuid, run.uuid]
    return {
        name: reverse(f"validation:{name}", args=args)
        for name in ("run", "run_status", "run_json", "run_csv", "run_csv_excel", "run_decide")
    }


def _safe_cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(errors: list[dict[str, Any]], filename: str, *, excel: bool) -> HttpResponse:
    buffer = io.StringIO()
    if excel:
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS_FR)
        for error in errors:
            writer.writerow(
                [_safe_cell("" if error.get(k) is None else error.get(k)) for k in CSV_COLUMNS]
            )
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for error in errors:
            writer.writerow(["" if error.get(k) is None else error.get(k) for k in CSV_COLUMNS])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Report pages -------------------------------------------------------------------------


def report_latest(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    entry, distribution = _distribution_or_404(request, slug, uuid)
    runs = runs_of(user=request.user, distribution=distribution)
    if not runs:
        raise Http404(_("Ce fichier n'a pas encore été validé."))
    return _render_report(request, entry, distribution, runs[0], runs)


def report_run(request: HttpRequest, slug: str, uuid: Any, run: Any) -> HttpResponse:
    found = _run_or_404(request, slug, uuid, run)
    distribution = found.distribution
    runs = runs_of(user=request.user, distribution=distribution)
    return _render_report(request, distribution.entry, distribution, found, runs)


def _render_report(
    request: HttpRequest,
    entry: Entry,
    distribution: Distribution,
    run: ValidationRun,
    runs: list[ValidationRun],
) -> HttpResponse:
    errors: list[dict[str, Any]] = run.errors or []
    wanted_type = request.GET.get("type", "")[:60]
    wanted_field = request.GET.get("field", "")[:200]
    shown = [
        e
        for e in errors
        if (not wanted_type or e.get("type") == wanted_type)
        and (not wanted_field or (e.get("field") or "") == wanted_field)
    ]
    page = paginate(request, shown, per_page=ERRORS_PER_PAGE)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "validation/report.html",
        {
            "entry": entry,
            "distribution": distribution,
            "run": run,
            "runs": runs,
            "groups": _with_every_count(group_errors(errors), run),
            "listed": len(errors),
            "page": page,
            "querystring": params.urlencode(),
            "wanted_type": wanted_type,
            "wanted_field": wanted_field,
            "urls": _run_urls(run),
            "can_edit": can(request.user, Action.ENTRY_EDIT, entry),
            "declared": declared_schema(distribution),
            "nav": "catalog",
        },
    )


def run_status(request: HttpRequest, slug: str, uuid: Any, run: Any) -> HttpResponse:
    """The progress block, polled by htmx; once finished, htmx reloads the whole page."""
    found = _run_or_404(request, slug, uuid, run)
    response = render(request, "validation/_status.html", {"run": found, "urls": _run_urls(found)})
    if found.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def run_json(request: HttpRequest, slug: str, uuid: Any, run: Any) -> HttpResponse:
    found = _run_or_404(request, slug, uuid, run)
    response = JsonResponse(run_report(found), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="validation-{found.uuid}.json"'
    return response


def _every_error(run: ValidationRun) -> str | None:
    """Stored name of the CSV of every error, when the report lists only part of them."""
    if run.error_count <= len(run.errors or []):
        return None
    name = services.errors_csv_name(run)
    return name if default_storage.exists(name) else None


def _with_every_count(groups: list[ErrorGroup], run: ValidationRun) -> list[ErrorGroup]:
    """The groups of the listed errors, counting every error of the run when its
    report lists part of them (counts stored beside the complete CSV)."""
    if run.error_count <= len(run.errors or []):
        return groups
    name = services.errors_counts_name(run)
    if not default_storage.exists(name):
        return groups
    with default_storage.open(name, "rb") as handle:
        counts = json.loads(handle.read().decode("utf-8"))
    found = {(g.type, g.field, g.constraint): g for g in groups}
    for item in counts:
        key = (item["type"], item["field"], item["constraint"])
        if key not in found:  # every error of that column came after the listed ones
            found[key] = ErrorGroup(type=key[0], field=key[1], constraint=key[2])
        found[key].count = int(item["count"])
    return sorted(found.values(), key=lambda g: (-g.count, g.type, g.field or ""))


def _excel_rows(name: str) -> Iterator[bytes]:
    """The stored CSV of every error, read as it is sent, for spreadsheets (;, BOM)."""
    with default_storage.open(name, "rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        reader = csv.reader(text)
        next(reader, None)
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS_FR)
        for n, row in enumerate(reader, 1):
            writer.writerow([_safe_cell(cell) for cell in row])
            if n % 5000 == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")


def run_csv(request: HttpRequest, slug: str, uuid: Any, run: Any) -> HttpResponseBase:
    found = _run_or_404(request, slug, uuid, run)
    filename = f"validation-{found.uuid}.csv"
    name = _every_error(found)
    if name is not None:  # every error, as the engine wrote it while validating
        response = FileResponse(
            default_storage.open(name, "rb"), as_attachment=True, filename=filename
        )
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
    return _csv_response(found.errors or [], filename, excel=False)


def run_csv_excel(request: HttpRequest, slug: str, uuid: Any, run: Any) -> HttpResponseBase:
    found = _run_or_404(request, slug, uuid, run)
    filename = f"validation-{found.uuid}-tableur.csv"
    name = _every_error(found)
    if name is not None:
        streamed = StreamingHttpResponse(_excel_rows(name), content_type="text/csv; charset=utf-8")
        streamed["Content-Disposition"] = f'attachment; filename="{filename}"'
        return streamed
    return _csv_response(found.errors or [], filename, excel=True)


@require_POST
@login_required
def run_decide(request: HttpRequest, slug: str, uuid: Any, run: Any) -> HttpResponse:
    found = _run_or_404(request, slug, uuid, run)
    publish = request.POST.get("decision") == "publish"
    try:
        services.run_decide(run=found, by=request.user, publish=publish)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Le nouveau fichier est publié malgré sa validation.")
            if publish
            else _("Le fichier publié reste en place ; le fichier refusé reste consultable ici."),
        )
    return redirect(_run_urls(found)["run"])


# --- Replacing a file, declaring a schema -------------------------------------------------


@login_required
def distribution_replace(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    entry, distribution = _distribution_or_404(request, slug, uuid)
    if not can(request.user, Action.ENTRY_EDIT, entry) or not distribution.file:
        raise NotAllowed()
    refused = upload_refused(request) if request.method == "POST" else None
    form = FileReplaceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        refused_message=too_large_message(refused) if refused else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = services.distribution_replace_file(
                distribution=distribution,
                by=request.user,  # type: ignore[arg-type]
                file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            if run is None:
                messages.success(request, _("Fichier remplacé ; l'ancien reste conservé."))
                return redirect(entry.get_absolute_url())
            messages.success(
                request,
                _(
                    "Nouveau fichier reçu : il remplacera le fichier publié s'il est conforme "
                    "au schéma. Vous pouvez suivre sa validation ici."
                ),
            )
            return redirect(_run_urls(run)["run"])
    return render_form(
        request,
        "validation/replace.html",
        {
            "entry": entry,
            "distribution": distribution,
            "form": form,
            "declared": declared_schema(distribution),
            "nav": "catalog",
        },
    )


@login_required
def distribution_declare(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    entry, distribution = _distribution_or_404(request, slug, uuid)
    if not can(request.user, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    declared = declared_schema(distribution)
    form = DeclareForm(
        request.POST if request.method == "POST" else None,
        initial={"schema": declared.pk if declared else None},
    )
    if request.method == "POST" and form.is_valid():
        run = services.distribution_declare_schema(
            distribution=distribution,
            by=request.user,  # type: ignore[arg-type]
            schema_version=form.cleaned_data["schema"],
        )
        if run is not None:
            messages.success(request, _("Schéma enregistré : la validation du fichier commence."))
            return redirect(_run_urls(run)["run"])
        messages.success(request, _("Schéma enregistré."))
        return redirect(entry.get_absolute_url())
    return render_form(
        request,
        "validation/declare.html",
        {"entry": entry, "distribution": distribution, "form": form, "nav": "catalog"},
    )


# --- Référentiels -------------------------------------------------------------------------


@login_required
def schema_new(request: HttpRequest) -> HttpResponse:
    organisations = writer_organisations(user=request.user)
    if not organisations.exists():
        raise NotAllowed(_("Seuls les agents d'une organisation peuvent publier."))
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organisations=organisations,
        initial={"licence": "lov2"},
    )
    if request.method == "POST":
        refused = upload_refused(request)
        if refused:
            form.add_error(None, too_large_message(refused))
        elif form.is_valid():
            cd = form.cleaned_data
            try:
                entry = services.schema_create(
                    by=request.user,  # type: ignore[arg-type]
                    organisation=cd["organisation"],
                    title=cd["title"],
                    summary=cd["summary"],
                    licence=cd["licence"],
                    name=cd["name"],
                    homepage=cd["homepage"],
                    attribution=cd["attribution"],
                    version=cd["version"],
                    schema_file=cd["schema_file"],
                    schema_url=cd["schema_url"],
                )
            except ValidationError as error:
                attach_errors(error, form)
            else:
                messages.success(
                    request,
                    _("Référentiel enregistré en brouillon : vérifiez-le puis publiez-le."),
                )
                return redirect(entry.get_absolute_url())
    return render_form(
        request,
        "validation/schema_form.html",
        {"form": form, "entry": None, "nav": "new"},
    )


@login_required
def schema_version_new(request: HttpRequest, slug: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    if entry.kind != "schema" or not can(request.user, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    form = SchemaSourceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST":
        refused = upload_refused(request)
        if refused:
            form.add_error(None, too_large_message(refused))
        elif form.is_valid():
            try:
                services.schema_version_add(
                    entry=entry,
                    by=request.user,  # type: ignore[arg-type]
                    version=form.cleaned_data["version"],
                    schema_file=form.cleaned_data["schema_file"],
                    schema_url=form.cleaned_data["schema_url"],
                )
            except ValidationError as error:
                attach_errors(error, form)
            else:
                messages.success(request, _("Version ajoutée."))
                return redirect(entry.get_absolute_url())
    return render_form(
        request,
        "validation/schema_form.html",
        {"form": form, "entry": entry, "nav": "catalog"},
    )


def schema_version_json(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    if found.kind != "schema":
        raise Http404()
    item = get_object_or_404(SchemaVersion, schema__entry=found, version=version)
    return JsonResponse(item.descriptor, json_dumps_params={"ensure_ascii": False, "indent": 2})


# --- Public validation page ---------------------------------------------------------------


def _rate_limited(request: HttpRequest) -> int | None:
    """Seconds to wait when this address has used its validations for the minute."""
    limit = int(settings.REGION27_VALIDATION_PUBLIC_RATE)
    allowed, _remaining, reset = hit(f"valider:{client_ip(request)}", limit, 60)
    return None if allowed else reset


def _public_validate(form: PublicValidationForm) -> tuple[Report | None, str, str]:
    """Run the engine on the uploaded file; returns (report, schema label, problem)."""
    cd = form.cleaned_data
    upload = cd["file"]
    if cd.get("schema"):
        version: SchemaVersion = cd["schema"]
        schema: Any = version.descriptor
        label = version.label
    else:
        try:
            fetched = services.schema_fetch(cd["schema_url"])
            schema = services.schema_check(fetched, field="schema_url").descriptor
        except ValidationError as error:
            return None, "", " ".join(error.messages)
        label = cd["schema_url"]
    path = getattr(upload, "temporary_file_path", None)
    source = path() if path else upload.file
    try:
        checked = load_schema(schema, limits=services.engine_limits())
        report = validate(
            source,
            checked,
            max_errors=services.max_errors(),
            limits=services.engine_limits(),
            keep_per_type=None,  # the page lists every error up to the cap, as before
        )
    except EngineInputError as error:
        return None, label, error.message
    return report, label, ""


def public_validate(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wait = _rate_limited(request)
        if wait is not None:
            response = render(
                request,
                "validation/rate_limited.html",
                {
                    "wait": wait,
                    "limit": settings.REGION27_VALIDATION_PUBLIC_RATE,
                    "nav": "validate",
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
    refused = upload_refused(request) if request.method == "POST" else None
    form = PublicValidationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        refused_message=too_large_message(refused) if refused else "",
    )
    context: dict[str, Any] = {
        "form": form,
        "max_size": settings.REGION27_MAX_UPLOAD_SIZE,
        "rate": settings.REGION27_VALIDATION_PUBLIC_RATE,
        "nav": "validate",
    }
    if request.method != "POST":
        return render(request, "validation/public.html", context)
    if not form.is_valid():
        return render(request, "validation/public.html", context, status=400)
    report, label, problem = _public_validate(form)
    if report is None:
        context |= {"problem": problem, "schema_label": label}
        return render(request, "validation/public.html", context, status=400)
    data = report.to_dict()
    output = form.cleaned_data.get("output") or "page"
    if output == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = 'attachment; filename="validation.json"'
        return response
    if output == "csv":
        return _csv_response(data["errors"], "validation-tableur.csv", excel=True)
    context |= {
        "report": report,
        "data": data,
        "schema_label": label,
        "file_name": form.cleaned_data["file"].name,
        "groups": group_errors(data["errors"]),
        "shown_errors": data["errors"][:PUBLIC_SHOWN_ERRORS],
        "more_errors": max(0, len(data["errors"]) - PUBLIC_SHOWN_ERRORS),
    }
    return render(request, "validation/public.html", context)
