"""Periods as people write them ("2019", "2019-Q2", "2019-03") and the whole numbers the
engine works with: years as they are, quarters as year*4+q-1, months as year*12+m-1."""

from __future__ import annotations

import datetime as dt
import re

MIN_YEAR = 1900
MAX_YEAR = 2100

_RE = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$", re.ASCII)


class PeriodError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "invalid_period" or "out_of_range_period"


def parse_period(text: str) -> tuple[str, int]:
    """`(granularity, ordinal)`: granularity "Y", "Q" or "M"."""
    m = _RE.match(text.strip())
    if not m:
        raise PeriodError("invalid_period")
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError("out_of_range_period")
    if m.group(2):
        return "Q", year * 4 + int(m.group(2)) - 1
    if m.group(3):
        return "M", year * 12 + int(m.group(3)) - 1
    return "Y", year


def period_label(granularity: str, ordinal: int) -> str:
    if granularity == "Q":
        return f"{ordinal // 4}-Q{ordinal % 4 + 1}"
    if granularity == "M":
        return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"
    return str(ordinal)


def period_of_date(granularity: str, day: dt.date) -> int:
    """The period containing `day`."""
    if granularity == "Q":
        return day.year * 4 + (day.month - 1) // 3
    if granularity == "M":
        return day.year * 12 + day.month - 1
    return day.year
