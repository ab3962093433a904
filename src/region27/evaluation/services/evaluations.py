"""Evaluations: requested, run in the background under a lease, stored with their record."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from region27.accounts.policy import Action, can
from region27.core.errors import NotAllowed
from region27.core.jobs import Lease, LeaseLost, heartbeat, lease_acquire, lease_stale
from region27.evaluation.models import (
    Evaluation,
    EvaluationSource,
    EvaluationStatus,
    ExperimentDetail,
    Indicator,
    IndicatorValue,
)
from region27.evaluation.periods import (
    PeriodError,
    parse_period,
    period_label,
    period_of_date,
)
from region27.evaluation.services.records import journal_evaluation
from region27.evaluation.stats import (
    EvaluationError,
    Panel,
    SynthOptions,
    SynthResult,
    build_donor_pool,
    event_study,
    fit_synth,
    format_period,
    in_space_placebos,
    in_time_placebo,
    json_finite,
    leave_one_out,
    run_record,
    twfe,
)

TREATED_POOLED = "__traites__"


def _enqueue(evaluation: Evaluation) -> None:
    from region27.evaluation.tasks import evaluation_run

    pk = evaluation.pk
    transaction.on_commit(lambda: evaluation_run.enqueue(pk))


def _clean_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    allowed = {
        "outcome",
        "unit",
        "time",
        "treated",
        "treatment_start",
        "donors",
        "contaminated",
        "predictors",
        "fit_window",
        "placebos",
        "exclude_poor_fit",
        "reference_weights",
        "true_effect",
        "unit_labels",
        "preselect",
        "unit_of_outcome",
        "robustness",
    }
    unknown = set(parameters) - allowed
    if unknown:
        raise ValidationError(_("Paramètres inconnus : %(p)s.") % {"p": ", ".join(sorted(unknown))})
    return dict(parameters)


@transaction.atomic
def evaluation_request(
    *,
    by: Any,
    experiment: ExperimentDetail,
    indicator: Indicator,
    treatment_start: str = "",
    placebos: bool = True,
    contaminated: Sequence[str] = (),
    exclude_poor_fit: float | None = None,
) -> Evaluation:
    """Queue the evaluation of `experiment` on `indicator` (run in the background)."""
    if not can(by, Action.ENTRY_EVALUATE, experiment.entry):
        raise NotAllowed()
    if not treatment_start:
        if experiment.start_date is None:
            raise ValidationError(
                _("Indiquez la période de début du traitement ou la date de début.")
            )
        first = indicator.values.values_list("period", flat=True).first()
        gran = parse_period(first)[0] if first else "Y"
        treatment_start = period_label(gran, period_of_date(gran, experiment.start_date))
    try:
        parse_period(treatment_start)
    except PeriodError as exc:
        raise ValidationError(
            _("Période de début invalide : %(p)s.") % {"p": treatment_start}
        ) from exc
    evaluation = Evaluation(
        title=_("%(exp)s : %(ind)s") % {"exp": experiment.entry.title, "ind": indicator.name},
        source=EvaluationSource.INDICATOR,
        experiment=experiment,
        indicator=indicator,
        parameters=_clean_parameters(
            {
                "outcome": "valeur",
                "treatment_start": treatment_start,
                "placebos": placebos,
                "contaminated": list(contaminated),
                "exclude_poor_fit": exclude_poor_fit,
            }
        ),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    evaluation.full_clean()
    evaluation.save()
    journal_evaluation(evaluation.pk, action="create", by=by)
    _enqueue(evaluation)
    return evaluation


@transaction.atomic
def evaluation_create_from_panel(
    *,
    title: str,
    source: str,
    panel_csv: str,
    parameters: dict[str, Any],
    panel_description: str = "",
    reference_key: str = "",
    by: Any = None,
    enqueue: bool = True,
) -> Evaluation:
    """Store a panel given as a long CSV (reference study, demonstration or upload) and
    queue its evaluation. `parameters` name the unit, time and outcome columns."""
    if source == EvaluationSource.INDICATOR:
        raise ValidationError(_("Un panel stocké ne peut pas venir d'un indicateur."))
    for key in ("unit", "time", "outcome", "treated", "treatment_start"):
        if key not in parameters:
            raise ValidationError(_("Paramètre manquant : %(p)s.") % {"p": key})
    evaluation = Evaluation(
        title=title,
        source=source,
        panel_csv=panel_csv,
        panel_description=panel_description,
        reference_key=reference_key,
        parameters=_clean_parameters(parameters),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    evaluation.full_clean()
    evaluation.save()
    journal_evaluation(evaluation.pk, action="create", by=by)
    if enqueue:
        _enqueue(evaluation)
    return evaluation


@dataclass
class _Inputs:
    panel: Panel
    outcome: str
    treated: str
    treatment_start: float
    donors: list[str] | None
    labels: dict[str, str]
    period_labels: dict[str, str]
    pool: dict[str, Any] | None = None
    # Before preselection (large pools): the placebos preselect within it, fit by fit.
    candidates: list[str] | None = None


def _indicator_inputs(evaluation: Evaluation) -> _Inputs:
    assert evaluation.indicator is not None and evaluation.experiment is not None
    indicator = evaluation.indicator
    params = evaluation.parameters
    rows = list(
        IndicatorValue.objects.filter(indicator=indicator)
        .select_related("territory")
        .values_list("territory__code", "territory__name", "period", "value")
    )
    if not rows:
        raise EvaluationError("empty_panel", "L'indicateur n'a aucune valeur.")
    grans = {parse_period(p)[0] for _c, _n, p, _v in rows}
    if len(grans) > 1:
        raise EvaluationError(
            "mixed_periods", "L'indicateur mélange des années, des trimestres et des mois."
        )
    gran = grans.pop()
    treated_codes = sorted(
        evaluation.experiment.entry.territories.filter(level=indicator.level).values_list(
            "code", flat=True
        )
    )
    if not treated_codes:
        raise EvaluationError(
            "no_treated",
            "L'expérimentation n'a aucun territoire traité du niveau de l'indicateur.",
        )
    labels = {code: name for code, name, _p, _v in rows}
    records: dict[tuple[str, int], float] = {}
    for code, _n, period, value in rows:
        records[(code, parse_period(period)[1])] = value
    if len(treated_codes) > 1:
        # Several treated territories: their mean is the treated unit.
        by_period: dict[int, list[float]] = {}
        for (code, t), v in records.items():
            if code in treated_codes:
                by_period.setdefault(t, []).append(v)
        for t, vals in by_period.items():
            if len(vals) == len(treated_codes):
                records[(TREATED_POOLED, t)] = sum(vals) / len(vals)
        records = {k: v for k, v in records.items() if k[0] not in treated_codes}
        treated = TREATED_POOLED
        labels[TREATED_POOLED] = _("Territoires traités (moyenne)")
    else:
        treated = treated_codes[0]
    panel = Panel.from_records(
        [{"unit": u, "time": t, "valeur": v} for (u, t), v in sorted(records.items())],
        unit="unit",
        time="time",
    )
    contaminated = [c for c in params.get("contaminated", []) if c in labels]
    pool = build_donor_pool(
        [u for u in panel.units if u not in treated_codes or u == treated],
        treated,
        contaminated=contaminated,
    )
    return _Inputs(
        panel=panel,
        outcome="valeur",
        treated=treated,
        treatment_start=float(parse_period(params["treatment_start"])[1]),
        donors=list(pool.selected),
        labels=labels,
        period_labels={format_period(float(p)): period_label(gran, int(p)) for p in panel.periods},
        pool=pool.to_dict(),
    )


def _panel_inputs(evaluation: Evaluation) -> _Inputs:
    params = evaluation.parameters
    try:
        frame = pl.read_csv(
            io.StringIO(evaluation.panel_csv),
            infer_schema_length=None,
            schema_overrides={params["unit"]: pl.Utf8},
            null_values=["", "NA", "NaN", "nan", "null"],
        )
    except pl.exceptions.PolarsError as exc:
        raise EvaluationError("unreadable_file", f"Panel illisible : {exc}.") from exc
    panel = Panel.from_frame(frame, unit=params["unit"], time=params["time"])
    labels = {u: u for u in panel.units}
    labels.update(params.get("unit_labels") or {})
    donors = params.get("donors") or None
    pool = None
    candidates = None
    if params.get("preselect") or params.get("contaminated"):
        built = build_donor_pool(
            [*(donors or [u for u in panel.units if u != params["treated"]]), params["treated"]],
            params["treated"],
            contaminated=params.get("contaminated") or [],
            panel=panel,
            outcome=params["outcome"],
            treatment_start=float(params["treatment_start"]),
            keep=params.get("preselect") or None,
        )
        pool, candidates, donors = built.to_dict(), list(built.candidates), list(built.selected)
    return _Inputs(
        panel=panel,
        outcome=params["outcome"],
        treated=params["treated"],
        treatment_start=float(params["treatment_start"]),
        donors=donors,
        labels=labels,
        period_labels={format_period(float(p)): format_period(float(p)) for p in panel.periods},
        pool=pool,
        candidates=candidates,
    )


def _set_progress(lease: Lease, evaluation: Evaluation, progress: int, **fields: Any) -> None:
    """Write the progress (and `fields`) while this attempt holds the evaluation, renewing
    its lease; `LeaseLost` otherwise."""
    lease.renew(progress=progress, **fields)
    evaluation.progress = progress
    for k, v in fields.items():
        setattr(evaluation, k, v)


@transaction.atomic
def _finish(evaluation: Evaluation, *, lease: Lease, action: str, **fields: Any) -> bool:
    """The outcome and its journal record commit together, only while this attempt holds
    the evaluation (the run itself is done by the platform: the record's actor is
    `system`)."""
    locked = Evaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
    if locked is None or not lease.holds(locked):
        return False
    fields = {"progress": 100, "lease_until": None, **fields}
    Evaluation.objects.filter(pk=evaluation.pk).update(**fields)
    for k, v in fields.items():
        setattr(evaluation, k, v)
    journal_evaluation(evaluation.pk, action=action, by=None)
    return True


# Cleared when an evaluation is started again from the beginning.
RETRY_RESET: dict[str, Any] = {"input_hash": "", "versions": {}, "result": None, "error": ""}


@transaction.atomic
def evaluation_give_up(evaluation_id: int, attempt: int, reason: str) -> bool:
    """Mark an evaluation whose runner stopped `MAX_ATTEMPTS` times as failed, with
    `reason`, on the journal (called by `core.jobs.leases_reap`)."""
    locked = Evaluation.objects.select_for_update().filter(pk=evaluation_id).first()
    if locked is None or not lease_stale(locked, attempt):
        return False
    # What the interrupted attempt wrote on its way (input hash, versions) is no outcome.
    failed = {
        **RETRY_RESET,
        "status": EvaluationStatus.FAILED,
        "progress": 100,
        "lease_until": None,
        "error": " ".join([reason, _("Pour la relancer, demandez une nouvelle évaluation.")]),
        "finished_at": timezone.now(),
    }
    Evaluation.objects.filter(pk=evaluation_id).update(**failed)
    journal_evaluation(evaluation_id, action="update", by=None)
    return True


MIN_IN_TIME_PRE = 3  # periods before the fake start, as the engine requires


def _fit_summary(fit: SynthResult) -> dict[str, Any]:
    return {
        "average_post_gap": fit.average_post_gap,
        "pre_rmspe": fit.pre_rmspe,
        "post_rmspe": fit.post_rmspe,
        "rmspe_ratio": fit.rmspe_ratio,
        "gaps": fit.gaps_by_label(),
    }


def _robustness(
    inputs: _Inputs, engine_params: dict[str, Any], options: SynthOptions, res: SynthResult
) -> dict[str, Any]:
    """Leave-one-out, an in-time placebo and difference-in-differences (a second estimator),
    each computed on the same panel and donor pool as the synthetic control. A check that
    cannot be computed stores its French reason (`error`) instead of failing the run."""
    out: dict[str, Any] = {}
    common = {
        "outcome": engine_params["outcome"],
        "treated": engine_params["treated"],
        "treatment_start": engine_params["treatment_start"],
        "predictors": engine_params["predictors"],
        "fit_window": engine_params["fit_window"],
        "options": options,
    }
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            loo = leave_one_out(inputs.panel, donors=list(res.donors), base=res, **common)
            out["leave_one_out"] = {
                "fits": [
                    {"unit": u, "weight": res.weights.get(u, 0.0), **_fit_summary(fit)}
                    for u, fit in sorted(loo.fits.items(), key=lambda kv: -res.weights[kv[0]])
                ],
                "max_abs_deviation": loo.max_abs_deviation if loo.fits else None,
            }
        except EvaluationError as exc:
            out["leave_one_out"] = {"error": exc.message}
        pre = list(res.pre_periods)
        if len(pre) < 2 * MIN_IN_TIME_PRE:
            out["in_time_placebo"] = {
                "error": _(
                    "Période avant traitement trop courte pour un placebo temporel "
                    "(%(n)s périodes, il en faut %(m)s)."
                )
                % {"n": len(pre), "m": 2 * MIN_IN_TIME_PRE}
            }
        else:
            fake = pre[len(pre) // 2]
            try:
                itp = in_time_placebo(
                    inputs.panel, fake_start=fake, donors=list(res.donors), **common
                )
                out["in_time_placebo"] = {
                    "fake_start": format_period(fake),
                    **_fit_summary(itp.result),
                    "adjustments": list(itp.adjustments),
                }
            except EvaluationError as exc:
                out["in_time_placebo"] = {"fake_start": format_period(fake), "error": exc.message}
        out["did"] = _did(inputs, res)
    out["warnings"] = sorted({str(w.message) for w in record})
    return out


def _did(inputs: _Inputs, res: SynthResult) -> dict[str, Any]:
    units = [res.treated, *res.donors]
    cohorts: dict[str, float | None] = {u: None for u in res.donors}
    cohorts[res.treated] = res.treatment_start
    outcome = res.outcome
    try:
        two_way = twfe(inputs.panel, outcome=outcome, cohorts=cohorts, units=units)
        study = event_study(inputs.panel, outcome=outcome, cohorts=cohorts, units=units)
    except EvaluationError as exc:
        return {"error": exc.message}
    return {
        "twfe": two_way.to_dict(),
        "event_study": study.as_rows(),
        "reference": study.reference,
        "n_treated": 1,
        "n_controls": len(res.donors),
    }


def evaluation_execute(*, evaluation_id: int) -> Evaluation | None:
    """Run an evaluation: build the panel, fit, run the placebos, store the result.

    Deterministic: the same inputs and parameters give the same result (recorded by the
    input hash and the software versions)."""
    lease = lease_acquire(Evaluation, evaluation_id)
    if lease is None:
        return None  # taken by another attempt, already finished, or removed
    evaluation = Evaluation.objects.select_related("indicator", "experiment__entry").get(
        pk=evaluation_id
    )
    params = evaluation.parameters
    caught: list[str] = []
    try:
        with heartbeat(lease), warnings.catch_warnings(record=True) as record:
            _set_progress(lease, evaluation, 5)
            warnings.simplefilter("always")
            inputs = (
                _indicator_inputs(evaluation)
                if evaluation.source == EvaluationSource.INDICATOR
                else _panel_inputs(evaluation)
            )
            engine_params: dict[str, Any] = {
                "outcome": inputs.outcome,
                "treated": inputs.treated,
                "treatment_start": inputs.treatment_start,
                "donors": inputs.donors,
                "predictors": list(params.get("predictors") or []),
                "fit_window": params.get("fit_window") or None,
            }
            options = SynthOptions()
            rec = run_record(
                inputs.panel,
                {
                    **engine_params,
                    "options": options,
                    "placebos": bool(params.get("placebos")),
                    "exclude_poor_fit": params.get("exclude_poor_fit"),
                    "preselect": params.get("preselect"),
                },
            )
            _set_progress(
                lease, evaluation, 20, input_hash=rec.input_hash, versions=dict(rec.versions)
            )
            placebo_dict: dict[str, Any] | None = None
            placebo_gaps: dict[str, list[float]] = {}
            if params.get("placebos"):
                res_pl = in_space_placebos(
                    inputs.panel,
                    **{**engine_params, "donors": inputs.candidates or inputs.donors},
                    options=options,
                    exclude_poor_fit=params.get("exclude_poor_fit"),
                    preselect=params.get("preselect"),
                    n_jobs=int(getattr(settings, "REGION27_EVALUATION_JOBS", 1)),
                )
                res = res_pl.treated
                if params.get("reference_weights"):
                    res = fit_synth(
                        inputs.panel,
                        **engine_params,
                        options=options,
                        reference_weights=params["reference_weights"],
                    )
                placebo_dict = res_pl.to_dict()
                placebo_gaps = {p.unit: list(p.gaps) for p in res_pl.placebos if not p.excluded}
            else:
                res = fit_synth(
                    inputs.panel,
                    **engine_params,
                    options=options,
                    reference_weights=params.get("reference_weights") or None,
                )
            _set_progress(lease, evaluation, 80)
            robustness = (
                _robustness(inputs, engine_params, options, res)
                if params.get("robustness", True)
                else None
            )
            caught = sorted({str(w.message) for w in record})
    except LeaseLost:
        return None  # taken back after its lease expired: the other attempt writes
    except EvaluationError as exc:
        _finish(
            evaluation,
            lease=lease,
            action="update",
            status=EvaluationStatus.FAILED,
            error=exc.message,
            finished_at=timezone.now(),
        )
        return evaluation
    except Exception:
        _finish(
            evaluation,
            lease=lease,
            action="update",
            status=EvaluationStatus.FAILED,
            error=_("Erreur interne pendant le calcul."),
            finished_at=timezone.now(),
        )
        raise
    synth = res.to_dict()
    pre = [p for p in res.periods if p < res.treatment_start]
    evaluation.result = json_finite(
        {
            "synth": synth,
            "placebos": placebo_dict,
            "placebo_gaps": placebo_gaps,
            "unit_labels": inputs.labels,
            "period_labels": inputs.period_labels,
            "donor_pool": inputs.pool,
            "n_pre_periods": len(pre),
            "n_post_periods": len(res.periods) - len(pre),
            "engine_warnings": caught,
            "robustness": robustness,
            "record": rec.to_dict(),
        }
    )
    _finish(
        evaluation,
        lease=lease,
        action="publish",
        status=EvaluationStatus.DONE,
        result=evaluation.result,
        error="",
        finished_at=timezone.now(),
    )
    return evaluation
