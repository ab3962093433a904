"""Balanced panel container with strict validation (no Django, numpy + polars)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .errors import EvaluationError

FloatArray = NDArray[np.float64]

__all__ = ["Panel", "format_period"]


def format_period(value: float) -> str:
    """Write a period as in the source file: whole numbers without a decimal point."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _examples(values: Iterable[Any], limit: int = 3) -> list[str]:
    out: list[str] = []
    for v in values:
        out.append(str(v))
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True, eq=False)
class Panel:
    """A unit × period panel.

    ``data[column]`` is a ``(n_periods, n_units)`` float array with ``NaN`` for a missing
    cell (a missing row or an empty value).  Periods are numeric and sorted; units are
    strings in first-appearance order.
    """

    units: tuple[str, ...]
    periods: FloatArray
    data: Mapping[str, FloatArray]
    unit_column: str = "unit"
    time_column: str = "time"
    _unit_index: dict[str, int] = field(init=False, repr=False)
    _period_index: dict[float, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_unit_index", {u: i for i, u in enumerate(self.units)})
        object.__setattr__(self, "_period_index", {float(p): i for i, p in enumerate(self.periods)})

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(
        cls,
        frame: pl.DataFrame,
        *,
        unit: str,
        time: str,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Build a panel from a long polars frame (one row per unit and period)."""
        if columns is None:
            columns = [c for c in frame.columns if c not in (unit, time)]
        wanted = [unit, time, *columns]
        missing_cols = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
        if missing_cols:
            raise EvaluationError(
                "unknown_column",
                "Colonne(s) absente(s) du panel : " + ", ".join(missing_cols) + ".",
                columns=missing_cols,
                available=list(frame.columns),
            )
        if frame.height == 0:
            raise EvaluationError("empty_panel", "Le panel ne contient aucune ligne.")
        units_s = frame.get_column(unit)
        if units_s.null_count():
            raise EvaluationError(
                "missing_values",
                f"La colonne des territoires « {unit} » contient des valeurs manquantes.",
                column=unit,
            )
        units_s = units_s.cast(pl.Utf8)
        time_s = _numeric_column(frame, time, is_time=True)
        if time_s.null_count() or bool(time_s.is_nan().any()):
            raise EvaluationError(
                "missing_values",
                f"La colonne des périodes « {time} » contient des valeurs manquantes.",
                column=time,
            )
        keys = pl.DataFrame({"u": units_s, "t": time_s})
        dup = keys.filter(keys.is_duplicated())
        if dup.height:
            ex = [f"{r[0]} / {format_period(r[1])}" for r in dup.unique().head(3).iter_rows()]
            raise EvaluationError(
                "duplicate_rows",
                "Lignes en double pour un même territoire et une même période : "
                + "; ".join(ex)
                + ".",
                examples=ex,
                count=dup.height,
            )
        unit_list = list(dict.fromkeys(units_s.to_list()))
        periods = np.unique(time_s.to_numpy().astype(np.float64))
        u_idx = {u: i for i, u in enumerate(unit_list)}
        p_idx = {float(p): i for i, p in enumerate(periods)}
        rows = np.fromiter((p_idx[float(t)] for t in time_s.to_list()), dtype=np.intp)
        cols = np.fromiter((u_idx[u] for u in units_s.to_list()), dtype=np.intp)
        data: dict[str, FloatArray] = {}
        for c in dict.fromkeys(columns):
            if c in (unit, time):
                continue
            values = _numeric_column(frame, c).to_numpy().astype(np.float64)
            mat = np.full((periods.size, len(unit_list)), np.nan)
            mat[rows, cols] = values
            mat.setflags(write=False)
            data[c] = mat
        periods.setflags(write=False)
        return cls(tuple(unit_list), periods, data, unit, time)

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        *,
        unit: str,
        time: str,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Read a CSV file (comma separated, header line) into a panel."""
        p = Path(path)
        if not p.is_file():
            raise EvaluationError("file_not_found", f"Fichier introuvable : {p}.", path=str(p))
        try:
            frame = pl.read_csv(
                p,
                infer_schema_length=None,
                schema_overrides={unit: pl.Utf8},
                null_values=["", "NA", "NaN", "nan", "null"],
            )
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise EvaluationError(
                "unreadable_file",
                f"Impossible de lire le fichier CSV {p} : {exc}.",
                path=str(p),
            ) from exc
        return cls.from_frame(frame, unit=unit, time=time, columns=columns)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        *,
        unit: str,
        time: str,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Build a panel from dictionaries (e.g. rows fetched by the Django ORM)."""
        rows = list(records)
        if not rows:
            raise EvaluationError("empty_panel", "Le panel ne contient aucune ligne.")
        frame = pl.DataFrame(rows, infer_schema_length=None, strict=False)
        return cls.from_frame(frame, unit=unit, time=time, columns=columns)

    # ------------------------------------------------------------------ accessors
    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.data)

    def has_unit(self, name: str) -> bool:
        return name in self._unit_index

    def unit_index(self, name: str) -> int:
        try:
            return self._unit_index[name]
        except KeyError:
            raise EvaluationError(
                "unknown_unit",
                f"Territoire inconnu dans le panel : « {name} ».",
                unit=name,
            ) from None

    def period_index(self, period: float) -> int:
        try:
            return self._period_index[float(period)]
        except KeyError:
            raise EvaluationError(
                "unknown_period",
                f"Période absente du panel : {format_period(float(period))}.",
                period=float(period),
            ) from None

    def has_period(self, period: float) -> bool:
        return float(period) in self._period_index

    def column(self, name: str) -> FloatArray:
        try:
            return self.data[name]
        except KeyError:
            raise EvaluationError(
                "unknown_column",
                f"Colonne absente du panel : « {name} ».",
                column=name,
                available=list(self.data),
            ) from None

    def restrict_periods(self, before: float) -> Panel:
        """A panel with only the periods strictly before ``before``."""
        keep = self.periods < float(before)
        periods = self.periods[keep].copy()
        periods.setflags(write=False)
        data: dict[str, FloatArray] = {}
        for name, mat in self.data.items():
            sub = mat[keep].copy()
            sub.setflags(write=False)
            data[name] = sub
        return Panel(self.units, periods, data, self.unit_column, self.time_column)

    def fingerprint(self) -> str:
        """SHA-256 of the panel content (units, periods, columns and values)."""
        h = hashlib.sha256()
        h.update(repr((self.unit_column, self.time_column)).encode())
        h.update("\x1f".join(self.units).encode())
        h.update(np.ascontiguousarray(self.periods).tobytes())
        for name in sorted(self.data):
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.data[name]).tobytes())
        return h.hexdigest()


def _numeric_column(frame: pl.DataFrame, name: str, *, is_time: bool = False) -> pl.Series:
    s = frame.get_column(name)
    if s.dtype == pl.Boolean or not (s.dtype.is_numeric() or s.dtype == pl.Null):
        if s.dtype in (pl.Utf8, pl.String):
            cast = s.str.strip_chars().cast(pl.Float64, strict=False)
            bad_mask = cast.is_null() & s.is_not_null() & (s.str.strip_chars() != "")
            if not bool(bad_mask.any()):
                return cast
            bad = s.filter(bad_mask)
        else:
            bad = s.drop_nulls()
        ex = _examples(bad.unique(maintain_order=True).to_list())
        what = "des périodes" if is_time else "des valeurs"
        raise EvaluationError(
            "non_numeric_values",
            f"La colonne « {name} » contient {what} non numériques : "
            + ", ".join(repr(e) for e in ex)
            + ".",
            column=name,
            examples=ex,
        )
    out = s.cast(pl.Float64)
    arr = out.to_numpy()
    if np.isinf(arr[~np.isnan(arr)]).any():
        raise EvaluationError(
            "non_finite_values",
            f"La colonne « {name} » contient des valeurs infinies.",
            column=name,
        )
    return out
