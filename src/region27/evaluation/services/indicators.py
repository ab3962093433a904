"""Indicators: creation, and their values imported from CSV files (long or wide), uploaded
or taken from a dataset the organisation published."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from region27.accounts.models import Organisation
from region27.catalog.models import Distribution
from region27.core.errors import NotAllowed
from region27.evaluation.models import (
    Indicator,
    IndicatorValue,
)
from region27.evaluation.periods import (
    PeriodError,
    parse_period,
)
from region27.evaluation.services.records import journal_indicator, require_indicator_rights
from region27.territories.models import Territory
from region27.validation.engine import EngineInputError, Limits, read_rows


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
    require_indicator_rights(by, organisation)
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
    journal_indicator(indicator, action="create", by=by)
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


@transaction.atomic
def indicator_import_csv(
    *, indicator: Indicator, data: bytes | str, by: Any = None
) -> ImportReport:
    """Import values from a table (CSV with `,` or `;`, XLSX or ODS, read by the validation
    engine's reader), long or wide:

    * long: one row per territory and period, columns code, periode, valeur;
    * wide: one row per territory, a code column then one column per period
      (`code;2018;2019;2020`), as spreadsheets and INSEE tables often have it.

    Every refused cell is reported with its line and reason; valid values are stored.
    A value already stored for the same territory and period is refused as a duplicate.
    An import that stores values appends one journal record (the digest of all values).
    """
    require_indicator_rights(by, indicator.organisation)
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
    raw = data.encode("utf-8") if isinstance(data, str) else data
    report = ImportReport()
    try:
        # One way to read a table: the validation engine's reader (encoding, delimiter,
        # quoting, spreadsheets), block by block.
        table, rows = read_rows(raw, limits=Limits(max_file_size=limit))
        dialect = table.delimiter or ";"
        if not table.header:
            return report
        cells = _long_cells(table.header, rows, dialect, report)
        if cells is None:
            return report
        report.created = _store_cells(indicator, cells, report)
    except EngineInputError as exc:
        if exc.code == "empty-file":
            return report
        raise ValidationError(
            _("Le fichier n'est pas un tableau lisible : %(e)s") % {"e": str(exc)[:300]},
            code="unreadable_file",
        ) from None
    if report.created:
        journal_indicator(indicator, action="update", by=by)
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
