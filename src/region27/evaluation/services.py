"""Every write of the evaluation app: indicators and their import, experiment phases and
indicators, and evaluations (requested, run in the background, stored with their record)."""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from region27.accounts.models import Organisation
from region27.accounts.policy import Action, can, role_in
from region27.catalog.models import Distribution, Entry
from region27.catalog.services import record_change as catalog_record
from region27.core.errors import NotAllowed
from region27.core.jobs import Lease, LeaseLost, heartbeat, lease_acquire, lease_stale
from region27.evaluation.models import (
    Evaluation,
    EvaluationSource,
    EvaluationStatus,
    ExperimentDetail,
    ExperimentPhase,
    Indicator,
    IndicatorValue,
)
from region27.evaluation.periods import (
    PeriodError,
    parse_period,
    period_label,
    period_of_date,
)
from region27.evaluation.snapshots import (
    EVALUATION_KIND,
    INDICATOR_KIND,
    evaluation_organisation,
    evaluation_snapshot,
    indicator_snapshot,
)
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
from region27.territories.models import Territory

TREATED_POOLED = "__traites__"


# --- The public journal ---------------------------------------------------------------------


def _journal_indicator(indicator: Indicator, *, action: str, by: Any) -> None:
    from region27.journal.services import journal_record_state

    journal_record_state(
        kind=INDICATOR_KIND,
        object_id=indicator.pk,
        content=indicator_snapshot(indicator),
        action=action,
        by=by,
        organisation_id=indicator.organisation_id,
        role=_role(by, indicator.organisation),
    )


def _journal_evaluation(evaluation_id: int, *, action: str, by: Any) -> None:
    """Recorded from the stored row, so that the hash is that of what `verify` reads."""
    from region27.journal.services import journal_record_state

    stored = Evaluation.objects.select_related("experiment__entry__organisation").get(
        pk=evaluation_id
    )
    organisation = stored.experiment.entry.organisation if stored.experiment is not None else None
    journal_record_state(
        kind=EVALUATION_KIND,
        object_id=stored.pk,
        content=evaluation_snapshot(stored),
        action=action,
        by=by,
        organisation_id=evaluation_organisation(stored),
        role=_role(by, organisation),
    )


def _role(by: Any, organisation: Organisation | None) -> str:
    if by is None:
        return ""
    return str(role_in(by, organisation) or "")


def _require_indicator_rights(by: Any, organisation: Organisation | None) -> None:
    """Agents and admins of the indicator's organisation; platform indicators
    (no organisation) only from the command line (`by=None`)."""
    if by is None:
        return
    if organisation is None or not can(by, Action.ENTRY_CREATE, organisation):
        raise NotAllowed()


# --- Indicators -----------------------------------------------------------------------------


@transaction.atomic
def indicator_create(
    *,
    name: str,
    level: str,
    unit: str = "",
    source: str = "",
    description: str = "",
    slug: str = "",
    organisation: Organisation | None = None,
    by: Any = None,
) -> Indicator:
    """A new indicator, maintained by `organisation` (None: a platform indicator, created
    from the command line with `by=None`)."""
    _require_indicator_rights(by, organisation)
    indicator = Indicator(
        name=name.strip(),
        slug=slugify(slug)[:120] if slug else _free_slug(name),
        unit=unit.strip(),
        source=source.strip(),
        description=description,
        level=level,
        organisation=organisation,
    )
    indicator.full_clean()
    indicator.save()
    _journal_indicator(indicator, action="create", by=by)
    return indicator


def _free_slug(name: str) -> str:
    """The slug of `name`, numbered (`-2`, `-3`...) if another indicator has it."""
    base = slugify(name)[:110] or "indicateur"
    taken = set(Indicator.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken.add("nouveau")  # /indicateurs/nouveau/ is the creation form
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# Marked for translation here, translated where they are shown.
REFUSAL_REASONS = {
    "unknown_territory": gettext_noop("code de territoire inconnu"),
    "duplicate": gettext_noop("doublon"),
    "non_numeric": gettext_noop("valeur non numérique"),
    "invalid_period": gettext_noop("période mal écrite (attendu : 2019, 2019-Q2 ou 2019-03)"),
    "out_of_range_period": gettext_noop("période hors limites"),
    "mixed_granularity": gettext_noop("période d'une autre fréquence que les autres"),
    "missing_column": gettext_noop("colonne manquante"),
    "unknown_column": gettext_noop("colonne ignorée : ni un code, ni un libellé, ni une période"),
}


@dataclass
class RefusedRow:
    line: int
    reason: str
    value: str

    @property
    def message(self) -> str:
        return _(REFUSAL_REASONS[self.reason])


@dataclass
class ImportReport:
    """Values stored, and the refused cells: every one counted by reason, the first
    `KEEP_REFUSED` kept with their line and content (memory stays bounded)."""

    created: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def refuse(self, line: int, reason: str, value: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if len(self.refused) < KEEP_REFUSED:
            self.refused.append(RefusedRow(line, reason, value[:200]))

    @property
    def refused_total(self) -> int:
        return sum(self.counts.values())

    def reasons(self) -> dict[str, int]:
        return dict(self.counts)


KEEP_REFUSED = 1000
IMPORT_BATCH = 2000


_CODE_COLS = ("code", "territoire", "code_territoire", "codgeo", "territory")
_PERIOD_COLS = ("periode", "période", "period", "annee", "année", "year")
_VALUE_COLS = ("valeur", "value")
# Columns of a wide table that name the territory (kept for people, ignored here).
_LABEL_COLS = ("libelle", "libellé", "libgeo", "nom", "name", "label")


def _pick(header: list[str], names: Sequence[str]) -> int | None:
    low = [h.strip().lower() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    return None


def _wide_periods(
    header: list[str], code_column: int
) -> tuple[list[tuple[int, str]], list[str]] | None:
    """The period columns of a wide header and the names of the columns that are
    neither a period, the code, a label nor empty (refused); None if no period column."""
    periods: list[tuple[int, str]] = []
    unknown: list[str] = []
    for index, cell in enumerate(header):
        label = cell.strip()
        if index == code_column or not label or label.lower() in _LABEL_COLS:
            continue
        try:
            parse_period(label)
        except PeriodError:
            unknown.append(label)
            continue
        periods.append((index, label))
    return (periods, unknown) if periods else None


def _long_cells(
    header: list[str], rows: Iterator[list[str]], dialect: str, report: ImportReport
) -> Iterator[tuple[int, str, str, str]] | None:
    """(line, code, period, raw value) of every non-empty cell, read as the rows come, from
    a long or a wide table; None (with the reason in the report) when the header is
    neither."""
    ci, pi, vi = _pick(header, _CODE_COLS), _pick(header, _PERIOD_COLS), _pick(header, _VALUE_COLS)
    if ci is not None and pi is not None and vi is not None:
        return _long_rows(rows, dialect, report, ci, pi, vi)
    wide = _wide_periods(header, ci) if ci is not None else None
    if ci is None or wide is None:
        report.refuse(1, "missing_column", ";".join(header))
        return None
    periods, unknown = wide
    for name in unknown:
        report.refuse(1, "unknown_column", name)
    return _wide_rows(rows, dialect, report, ci, periods)


def _long_rows(
    rows: Iterator[list[str]], dialect: str, report: ImportReport, ci: int, pi: int, vi: int
) -> Iterator[tuple[int, str, str, str]]:
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(ci, pi, vi):
            report.refuse(line, "missing_column", dialect.join(row))
            continue
        yield line, row[ci].strip(), row[pi].strip(), row[vi]


def _wide_rows(
    rows: Iterator[list[str]],
    dialect: str,
    report: ImportReport,
    ci: int,
    periods: list[tuple[int, str]],
) -> Iterator[tuple[int, str, str, str]]:
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= ci:
            report.refuse(line, "missing_column", dialect.join(row))
            continue
        code = row[ci].strip()
        for index, period in periods:
            raw = row[index] if index < len(row) else ""
            if raw.strip():  # an empty cell of a wide table is a missing value, not an error
                yield line, code, period, raw


def _parse_value(text: str) -> float | None:
    t = text.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _decode(data: bytes | str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (spreadsheets' French CSV)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError(
            _("Le fichier n'est pas un texte lisible : enregistrez-le en CSV (UTF-8)."),
            code="unreadable_file",
        ) from None


@transaction.atomic
def indicator_import_csv(
    *, indicator: Indicator, data: bytes | str, by: Any = None
) -> ImportReport:
    """Import values from a CSV (`,` or `;`), long or wide:

    * long: one row per territory and period, columns code, periode, valeur;
    * wide: one row per territory, a code column then one column per period
      (`code;2018;2019;2020`), as spreadsheets and INSEE tables often have it.

    Every refused cell is reported with its line and reason; valid values are stored.
    A value already stored for the same territory and period is refused as a duplicate.
    An import that stores values appends one journal record (the digest of all values).
    """
    _require_indicator_rights(by, indicator.organisation)
    limit = int(settings.REGION27_INDICATOR_IMPORT_MAX_BYTES)
    if len(data) > limit:
        raise ValidationError(
            _("Fichier trop volumineux pour un import d'indicateur (%(n)s octets au plus).")
            % {"n": limit},
            code="too_large",
        )
    # One import at a time per indicator: a second one (a double click) waits, then finds
    # the first one's values and refuses them as duplicates.
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    dialect = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=dialect)
    report = ImportReport()
    try:
        header = next(reader, None)
        if header is None:
            return report
        cells = _long_cells(header, reader, dialect, report)
        if cells is None:
            return report
        report.created = _store_cells(indicator, cells, report)
    except csv.Error as exc:
        raise ValidationError(
            _("Le fichier n'est pas un CSV lisible : %(e)s.") % {"e": str(exc)[:200]},
            code="unreadable_file",
        ) from None
    if report.created:
        _journal_indicator(indicator, action="update", by=by)
    return report


def _store_cells(
    indicator: Indicator, cells: Iterator[tuple[int, str, str, str]], report: ImportReport
) -> int:
    """Check each cell and store the valid values in batches; returns how many."""
    territories = {
        t.code: t.pk for t in Territory.objects.filter(level=indicator.level).only("pk", "code")
    }
    existing = {
        (tid, p)
        for tid, p in IndicatorValue.objects.filter(indicator=indicator).values_list(
            "territory_id", "period"
        )
    }
    granularity = {parse_period(p)[0] for _t, p in list(existing)[:1]}
    seen: set[tuple[int, str]] = set()
    batch: list[IndicatorValue] = []
    created = 0
    unknown_lines: set[int] = set()
    for line, code, period, raw in cells:
        tid = territories.get(code)
        if tid is None:
            if line not in unknown_lines:  # once per line, even in a wide table
                unknown_lines.add(line)
                report.refuse(line, "unknown_territory", code)
            continue
        try:
            gran, _ordinal = parse_period(period)
        except PeriodError as exc:
            report.refuse(line, exc.code, period)
            continue
        if granularity and gran not in granularity:
            report.refuse(line, "mixed_granularity", period)
            continue
        granularity.add(gran)
        value = _parse_value(raw)
        if value is None:
            report.refuse(line, "non_numeric", raw)
            continue
        key = (tid, period)
        if key in seen or key in existing:
            report.refuse(line, "duplicate", f"{code} {period}")
            continue
        seen.add(key)
        batch.append(
            IndicatorValue(indicator=indicator, territory_id=tid, period=period, value=value)
        )
        if len(batch) >= IMPORT_BATCH:
            IndicatorValue.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    IndicatorValue.objects.bulk_create(batch)
    return created + len(batch)


def indicator_import_distribution(
    *, indicator: Indicator, distribution: Distribution, by: Any
) -> ImportReport:
    """Import values from a CSV file already published in the catalog (a dataset's
    distribution that `by` may see), long or wide as `indicator_import_csv` reads it."""
    from region27.accounts.policy import can_view

    if not can_view(by, distribution.entry):
        raise NotAllowed()
    if not distribution.file:
        raise ValidationError(
            _("Ce fichier est un lien vers un autre site : téléchargez-le puis déposez-le."),
            code="not_a_file",
        )
    if (distribution.format or "").upper() not in ("CSV", "TXT", ""):
        raise ValidationError(
            _("Seuls les fichiers CSV peuvent être importés (celui-ci est en %(f)s).")
            % {"f": distribution.format},
            code="not_csv",
        )
    limit = int(settings.REGION27_INDICATOR_IMPORT_MAX_BYTES)
    if (distribution.size or 0) > limit:
        raise ValidationError(
            _("Fichier trop volumineux pour un import d'indicateur (%(n)s octets au plus).")
            % {"n": limit},
            code="too_large",
        )
    with distribution.file.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("Fichier trop volumineux pour un import d'indicateur (%(n)s octets au plus).")
            % {"n": limit},
            code="too_large",
        )
    return indicator_import_csv(indicator=indicator, data=data, by=by)


# --- Experiments ----------------------------------------------------------------------------


def _require_edit(by: Any, entry: Entry) -> str:
    """The version action of a change to an experiment's parts (phases, indicators).

    Its writers change it ("update"); once it is published in an organisation whose
    élus validate, nobody changes it behind them, so only an élu does, and the change
    is approved by that élu ("approve")."""
    if can(by, Action.ENTRY_EDIT, entry):
        return "update"
    if can(by, Action.ENTRY_REVIEW, entry):
        return "approve"
    if can(by, Action.ENTRY_PROPOSE, entry):
        raise NotAllowed(
            _(
                "Cette expérimentation est publiée et son organisation fait valider ses "
                "changements par un élu : demandez à un élu de faire cette modification."
            )
        )
    raise NotAllowed()


@transaction.atomic
def experiment_phase_add(
    *,
    experiment: ExperimentDetail,
    by: Any,
    name: str,
    start: Any,
    end: Any = None,
    review: str = "",
) -> ExperimentPhase:
    action = _require_edit(by, experiment.entry)
    phase = ExperimentPhase(experiment=experiment, name=name, start=start, end=end, review=review)
    phase.full_clean()
    phase.save()
    # Phases are part of the experiment's public content: a new version and its record.
    catalog_record(experiment.entry, action=action, by=by, comment=f"Phase « {name} »"[:500])
    return phase


@transaction.atomic
def experiment_set_indicators(
    *, experiment: ExperimentDetail, by: Any, indicators: Sequence[Indicator]
) -> None:
    action = _require_edit(by, experiment.entry)
    experiment.indicators.set(indicators)
    catalog_record(experiment.entry, action=action, by=by, comment="Indicateurs suivis")


# --- Evaluations ----------------------------------------------------------------------------


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
    _journal_evaluation(evaluation.pk, action="create", by=by)
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
    _journal_evaluation(evaluation.pk, action="create", by=by)
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
    _journal_evaluation(evaluation.pk, action=action, by=None)
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
    _journal_evaluation(evaluation_id, action="update", by=None)
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
