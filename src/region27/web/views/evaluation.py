"""Evaluations: the page (27th region, gap, composition, balance, placebos, robustness,
reading), the printable brief for élus, the SVG plots and the CSV/JSON downloads; indicators
(list, page, values, creation, CSV import) and the request of an experiment's evaluation."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from region27.accounts.policy import Action, can
from region27.accounts.selectors import writer_organisations
from region27.catalog.models import Entry
from region27.catalog.selectors import entry_get
from region27.core.errors import NotAllowed
from region27.core.uploads import upload_refused
from region27.evaluation import services
from region27.evaluation.models import Evaluation, EvaluationStatus, ExperimentDetail, Indicator
from region27.evaluation.plots import event_study_svg, gap_svg, series_svg
from region27.evaluation.report import Report, build_report
from region27.evaluation.selectors import (
    evaluable_experiments,
    evaluation_get,
    evaluations_of,
    importable_distributions,
    indicator_evaluations,
    indicator_experiments,
    indicator_get,
    indicator_list,
    indicator_summary,
    indicator_values,
    reference_evaluations,
)
from region27.web.forms_evaluation import (
    EvaluationRequestForm,
    ExperimentIndicatorsForm,
    IndicatorForm,
    IndicatorImportForm,
)
from region27.web.views.common import attach_errors, paginate, render_form, too_large_message

MAX_REFUSED_SHOWN = 500


def _get(request: HttpRequest, pk: int) -> Evaluation:
    evaluation = evaluation_get(user=request.user, pk=pk)
    if evaluation is None:
        raise Http404(_("Aucune évaluation à cette adresse."))
    return evaluation


def _report_or_404(evaluation: Evaluation) -> Report:
    report = build_report(evaluation)
    if report is None:
        raise Http404(_("Cette évaluation n'a pas encore de résultat."))
    return report


def _series_text(report: Report) -> tuple[str, str]:
    title = _("%(t)s et sa 27e région") % {"t": report.treated_name}
    desc = _(
        "Courbe de %(t)s et de sa 27e région, de %(a)s à %(b)s ; début du traitement en %(s)s. "
        "Écart quadratique moyen avant : %(pre)s ; écart moyen après : %(gap)s."
    ) % {
        "t": report.treated_name,
        "a": report.labels[0],
        "b": report.labels[-1],
        "s": report.start_label,
        "pre": report.fmt(report.pre_rmspe),
        "gap": report.fmt(report.average_post_gap),
    }
    return title, desc


def _gap_text(report: Report) -> tuple[str, str]:
    title = _("Écart entre %(t)s et sa 27e région") % {"t": report.treated_name}
    desc = _(
        "Écart par période (traité moins 27e région), en trait épais, et en gris les écarts "
        "des %(n)s placebos. Écart moyen après %(s)s : %(gap)s."
    ) % {
        "n": len(report.placebo_gap_lists),
        "s": report.start_label,
        "gap": report.fmt(report.average_post_gap),
    }
    return title, desc


def _loo_text(report: Report) -> tuple[str, str]:
    title = _("Écart de %(t)s, sans chacun des territoires de sa 27e région") % {
        "t": report.treated_name
    }
    rob = report.robustness
    low, high = rob.loo_range if rob and rob.loo_range else (0.0, 0.0)
    desc = _(
        "Écart par période avec la 27e région complète (trait épais) et, en gris, avec une "
        "27e région recalculée sans chacun des %(n)s territoires de poids positif. Écart "
        "moyen après %(s)s : de %(a)s à %(b)s. Valeurs dans le tableau « Retrait d'un "
        "témoin »."
    ) % {
        "n": len(rob.loo) if rob else 0,
        "s": report.start_label,
        "a": report.fmt(low),
        "b": report.fmt(high),
    }
    return title, desc


def _event_text(report: Report) -> tuple[str, str]:
    title = _("Étude d'événement : écart de %(t)s aux témoins, période par période") % {
        "t": report.treated_name
    }
    desc = _(
        "Coefficients des doubles différences par période relative au début (0 = %(s)s), "
        "avec leur intervalle de confiance à 95 %% ; la période −1 sert de référence (0). "
        "Avant 0, des coefficients proches de 0 soutiennent l'hypothèse de tendances "
        "parallèles. Valeurs dans le tableau de l'étude d'événement."
    ) % {"s": report.start_label}
    return title, desc


def evaluation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "evaluation/list.html",
        {
            "evaluations": reference_evaluations(),
            "experiments": list(evaluable_experiments(user=request.user)),
            "nav": "catalog",
        },
    )


def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _get(request, pk)
    report = build_report(evaluation)
    context = {"evaluation": evaluation, "report": report, "nav": "catalog"}
    if report is not None:
        context["series_title"], context["series_desc"] = _series_text(report)
        context["gap_title"], context["gap_desc"] = _gap_text(report)
        context["event_title"], context["event_desc"] = _event_text(report)
        context["loo_title"], context["loo_desc"] = _loo_text(report)
    return render(request, "evaluation/detail.html", context)


def evaluation_brief(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _get(request, pk)
    report = _report_or_404(evaluation)
    title, desc = _series_text(report)
    return render(
        request,
        "evaluation/brief.html",
        {"evaluation": evaluation, "report": report, "series_title": title, "series_desc": desc},
    )


def evaluation_svg(request: HttpRequest, pk: int, plot: str) -> HttpResponse:
    evaluation = _get(request, pk)
    report = _report_or_404(evaluation)
    rows = report.series
    if plot == "serie":
        title, desc = _series_text(report)
        svg = series_svg(
            labels=report.labels,
            treated=[r["treated"] for r in rows],
            synthetic=[r["synthetic"] for r in rows],
            start_index=report.start_index,
            treated_name=report.treated_name,
            ylabel=report.unit,
            title=title,
            desc=desc,
        )
    elif plot == "ecart":
        title, desc = _gap_text(report)
        svg = gap_svg(
            labels=report.labels,
            gaps=[r["gap"] for r in rows],
            placebo_gaps=report.placebo_gap_lists,
            start_index=report.start_index,
            ylabel=report.unit,
            title=title,
            desc=desc,
        )
    elif plot == "retrait" and report.robustness and report.robustness.loo:
        title, desc = _loo_text(report)
        svg = gap_svg(
            labels=report.labels,
            gaps=[r["gap"] for r in rows],
            placebo_gaps=[
                [f["gaps"].get(r["key"], math.nan) for r in rows] for f in report.robustness.loo
            ],
            start_index=report.start_index,
            ylabel=report.unit,
            title=title,
            desc=desc,
        )
    elif plot == "evenement" and report.robustness and report.robustness.event_study:
        title, desc = _event_text(report)
        rows_es = report.robustness.event_study
        svg = event_study_svg(
            relative=[r["relative_period"] for r in rows_es],
            coefficients=[r["coefficient"] for r in rows_es],
            ci_low=[r["ci_low"] for r in rows_es],
            ci_high=[r["ci_high"] for r in rows_es],
            reference=report.robustness.reference,
            ylabel=report.unit,
            title=title,
            desc=desc,
        )
    else:
        raise Http404(_("Graphique inconnu."))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    experiment = evaluation.experiment
    public = experiment is None or experiment.entry.status == "published"
    # Shared caches may keep the plot of a public evaluation, never that of a draft's.
    response["Cache-Control"] = "public, max-age=3600" if public else "private, max-age=0"
    return response


def evaluation_json(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _get(request, pk)
    payload = {
        "id": evaluation.pk,
        "title": evaluation.title,
        "source": evaluation.source,
        "experiment": evaluation.experiment.entry.slug if evaluation.experiment else None,
        "indicator": evaluation.indicator.slug if evaluation.indicator else None,
        "parameters": evaluation.parameters,
        "status": evaluation.status,
        "error": evaluation.error,
        "input_hash": evaluation.input_hash,
        "versions": evaluation.versions,
        "created_at": evaluation.created_at.isoformat(),
        "finished_at": evaluation.finished_at.isoformat() if evaluation.finished_at else None,
        "result": evaluation.result,
    }
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-{evaluation.pk}.json"'
    return response


def _csv_rows(report: Report, table: str) -> tuple[list[str], list[list[object]]]:
    if table == "series":
        return ["periode", "traite", "27e_region", "ecart", "apres_traitement"], [
            [r["period"], r["treated"], r["synthetic"], r["gap"], int(r["post"])]
            for r in report.series
        ]
    if table == "poids":
        return ["unite", "nom", "poids"], [
            [w["unit"], w["name"], w["weight"]] for w in report.weights
        ]
    if table == "equilibre":
        return ["predicteur", "traite", "27e_region", "moyenne_temoins", "importance_v"], [
            [b["predictor"], b["treated"], b["synthetic"], b["donor_mean"], b["v"]]
            for b in report.balance
        ]
    if table == "placebos":
        return ["unite", "nom", "traite", "rmspe_avant", "rmspe_apres", "rapport", "exclu"], [
            [
                p["unit"],
                p["name"],
                int(p["treated"]),
                p["pre_rmspe"],
                p["post_rmspe"],
                p["rmspe_ratio"],
                int(p["excluded"]),
            ]
            for p in report.placebos
        ]
    rob = report.robustness
    if table == "retrait" and rob and rob.loo:
        return [
            "unite_retiree",
            "nom",
            "poids",
            "ecart_moyen_apres",
            "rmspe_avant",
            "rmspe_apres",
            "rapport",
        ], [
            [
                f["unit"],
                f["name"],
                f["weight"],
                f["average_post_gap"],
                f["pre_rmspe"],
                f["post_rmspe"],
                f["rmspe_ratio"],
            ]
            for f in rob.loo
        ]
    if table == "placebo-temporel" and rob and rob.in_time:
        return ["periode", "ecart", "apres_fausse_date"], [
            [r["period"], r["gap"], int(r["post"])] for r in rob.in_time_rows
        ]
    if table == "doubles-differences" and rob and rob.twfe:
        t = rob.twfe
        head = ["estimation", "erreur_type", "t", "p_valeur", "ic_bas", "ic_haut"]
        return [*head, "observations", "grappes"], [
            [
                t["coefficient"],
                t["std_error"],
                t["t_stat"],
                t["p_value"],
                t["ci_low"],
                t["ci_high"],
                t["n_obs"],
                t["n_clusters"],
            ]
        ]
    if table == "etude-evenement" and rob and rob.event_study:
        return ["periode_relative", "coefficient", "erreur_type", "ic_bas", "ic_haut"], [
            [r["relative_period"], r["coefficient"], r["std_error"], r["ci_low"], r["ci_high"]]
            for r in rob.event_study
        ]
    raise Http404(_("Tableau inconnu."))


def evaluation_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    evaluation = _get(request, pk)
    if table == "panel" and evaluation.panel_csv:
        response = HttpResponse(evaluation.panel_csv, content_type="text/csv; charset=utf-8")
    else:
        header, rows = _csv_rows(_report_or_404(evaluation), table)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{pk}-{table}.csv"'
    return response


# --- Indicators -----------------------------------------------------------------------------


def _indicator_or_404(slug: str) -> Indicator:
    indicator = indicator_get(slug=slug)
    if indicator is None:
        raise Http404(_("Aucun indicateur à cette adresse."))
    return indicator


def _can_import(user: Any, indicator: Indicator) -> bool:
    organisation = indicator.organisation
    return organisation is not None and can(user, Action.ENTRY_CREATE, organisation)


def indicator_list_view(request: HttpRequest) -> HttpResponse:
    page = paginate(request, indicator_list())
    return render(
        request,
        "evaluation/indicator_list.html",
        {
            "page": page,
            "can_create": writer_organisations(user=request.user).exists(),
            "nav": "catalog",
        },
    )


def indicator_detail(request: HttpRequest, slug: str) -> HttpResponse:
    indicator = _indicator_or_404(slug)
    experiments = list(indicator_experiments(user=request.user, indicator=indicator))
    return render(
        request,
        "evaluation/indicator_detail.html",
        {
            "indicator": indicator,
            "summary": indicator_summary(indicator),
            "page": paginate(request, indicator_values(indicator), per_page=50),
            "experiments": [(e, can(request.user, Action.ENTRY_EVALUATE, e)) for e in experiments],
            "evaluations": list(indicator_evaluations(user=request.user, indicator=indicator)),
            "can_import": _can_import(request.user, indicator),
            "nav": "catalog",
        },
    )


def indicator_values_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    indicator = _indicator_or_404(slug)

    def rows() -> Any:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(["code", "territoire", "periode", "valeur"])
        for value in indicator_values(indicator).iterator(chunk_size=2000):
            writer.writerow([value.territory.code, value.territory.name, value.period, value.value])
            if buf.tell() > 32_000:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicateur-{indicator.slug}.csv"'
    return response


@login_required
def indicator_create(request: HttpRequest) -> HttpResponse:
    organisations = writer_organisations(user=request.user)
    if not organisations.exists():
        raise NotAllowed(_("Seuls les agents d'une organisation peuvent créer un indicateur."))
    form = IndicatorForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            indicator = services.indicator_create(
                by=request.user,
                organisation=cd["organisation"],
                name=cd["name"],
                level=cd["level"],
                unit=cd["unit"],
                source=cd["source"],
                description=cd["description"],
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request, _("Indicateur créé. Vous pouvez maintenant importer ses valeurs.")
            )
            return redirect(indicator.get_absolute_url())
    return render_form(
        request,
        "evaluation/indicator_form.html",
        {"form": form, "nav": "catalog"},
    )


@login_required
def indicator_import(request: HttpRequest, slug: str) -> HttpResponse:
    indicator = _indicator_or_404(slug)
    if not _can_import(request.user, indicator):
        raise NotAllowed(
            _("Seuls les agents de l'organisation de l'indicateur peuvent importer ses valeurs.")
        )
    refused = upload_refused(request) if request.method == "POST" else None
    form = IndicatorImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        refused_message=too_large_message(refused) if refused else "",
        distributions=importable_distributions(
            user=request.user, organisation=indicator.organisation
        ),
    )
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if form.cleaned_data.get("distribution") is not None:
                    report = services.indicator_import_distribution(
                        indicator=indicator,
                        distribution=form.cleaned_data["distribution"],
                        by=request.user,
                    )
                else:
                    report = services.indicator_import_csv(
                        indicator=indicator,
                        data=form.cleaned_data["file"].read(),
                        by=request.user,
                    )
            except ValidationError as error:
                attach_errors(error, form)
            else:
                status = 200 if report.created else 400
    return render(
        request,
        "evaluation/indicator_import.html",
        {
            "indicator": indicator,
            "form": form,
            "report": report,
            "refused": report.refused[:MAX_REFUSED_SHOWN] if report else [],
            "reasons": _reason_counts(report) if report else [],
            "nav": "catalog",
        },
        status=status,
    )


def _reason_counts(report: services.ImportReport) -> list[tuple[str, int]]:
    return [
        (_(services.REFUSAL_REASONS[reason]), count)
        for reason, count in sorted(report.reasons().items(), key=lambda kv: -kv[1])
    ]


# --- Requesting an experiment's evaluation ------------------------------------------------


def _experiment_or_404(request: HttpRequest, slug: str) -> tuple[Entry, ExperimentDetail]:
    entry, _moved = entry_get(user=request.user, slug=slug)
    detail = getattr(entry, "experiment", None) if entry is not None else None
    if entry is None or entry.kind != "experiment" or detail is None:
        raise Http404(_("Aucune expérimentation à cette adresse."))
    return entry, detail


@login_required
def evaluation_request(request: HttpRequest, slug: str) -> HttpResponse:
    entry, detail = _experiment_or_404(request, slug)
    if not can(request.user, Action.ENTRY_EVALUATE, entry):
        raise NotAllowed(
            _("Seuls les agents de l'organisation de l'expérimentation peuvent l'évaluer.")
        )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = EvaluationRequestForm(request.POST if action == "evaluer" else None, experiment=detail)
    indicators_form = ExperimentIndicatorsForm(
        request.POST if action == "indicateurs" else None,
        initial={"indicators": list(detail.indicators.all())},
        prefix="suivi",
    )
    status = 200
    if action == "evaluer":
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                evaluation = services.evaluation_request(
                    by=request.user,
                    experiment=detail,
                    indicator=cd["indicator"],
                    treatment_start=cd["treatment_start"],
                    placebos=cd["placebos"],
                    contaminated=cd["contaminated"],
                    exclude_poor_fit=cd["exclude_poor_fit"],
                )
            except ValidationError as error:
                attach_errors(error, form)
            else:
                messages.success(
                    request, _("Évaluation demandée : elle est calculée en arrière-plan.")
                )
                return redirect(evaluation.get_absolute_url())
    elif action == "indicateurs":
        status = 400
        if indicators_form.is_valid():
            services.experiment_set_indicators(
                experiment=detail,
                by=request.user,
                indicators=list(indicators_form.cleaned_data["indicators"]),
            )
            messages.success(request, _("Indicateurs suivis enregistrés."))
            return redirect("evaluation:request", slug=entry.slug)
    elif request.method == "POST":
        raise Http404(_("Action inconnue."))
    evaluations = list(evaluations_of(user=request.user, entry=entry))
    pending = any(
        e.status in (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING) for e in evaluations
    )
    return render(
        request,
        "evaluation/request.html",
        {
            "entry": entry,
            "detail": detail,
            "form": form,
            "indicators_form": indicators_form,
            "has_indicators": detail.indicators.exists(),
            "evaluations": evaluations,
            "pending": pending,
            "nav": "catalog",
        },
        status=status,
    )
