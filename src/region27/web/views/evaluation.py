"""Evaluations: the page (27th region, gap, composition, balance, placebos, reading), the
printable brief for élus, the SVG plots and the CSV/JSON downloads."""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from region27.evaluation.models import Evaluation
from region27.evaluation.plots import gap_svg, series_svg
from region27.evaluation.report import Report, build_report
from region27.evaluation.selectors import evaluation_get, reference_evaluations


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


def evaluation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "evaluation/list.html",
        {"evaluations": reference_evaluations(), "nav": "catalog"},
    )


def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _get(request, pk)
    report = build_report(evaluation)
    context = {"evaluation": evaluation, "report": report, "nav": "catalog"}
    if report is not None:
        context["series_title"], context["series_desc"] = _series_text(report)
        context["gap_title"], context["gap_desc"] = _gap_text(report)
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
    else:
        raise Http404(_("Graphique inconnu."))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
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
