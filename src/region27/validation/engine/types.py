"""Vectorised (polars) parsing of Table Schema types and field constraints.

For each field we build polars expressions over the raw ``String`` column:
``ok`` (the lexical form is valid for the type), ``typed`` (the parsed value,
null when invalid or missing) and one boolean expression per failing constraint.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from .schema import Field

_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SPECIAL_NUM = r"(?i:[+-]?(?:nan|inf|infinity))"
_INT_RE = r"^\s*[+-]?\d+\s*$"
_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_URI_RE = r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$"
_UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_B64_RE = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_DURATION_RE = r"^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$"
_GEO_NUM = r"([+-]?\d+(?:\.\d+)?)"
_GEO_DEFAULT = rf"^\s*{_GEO_NUM}\s*,\s*{_GEO_NUM}\s*$"
_GEO_ARRAY = rf"^\s*\[\s*{_GEO_NUM}\s*,\s*{_GEO_NUM}\s*\]\s*$"
ANY_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")

TYPE_LABELS = {
    "string": "texte",
    "number": "nombre",
    "integer": "nombre entier",
    "boolean": "booléen",
    "date": "date",
    "datetime": "date et heure",
    "time": "heure",
    "year": "année",
    "yearmonth": "année et mois",
    "duration": "durée",
    "geopoint": "point géographique",
    "any": "quelconque",
    "object": "objet JSON",
    "array": "tableau JSON",
    "geojson": "objet GeoJSON",
}
FORMAT_HINTS = {
    ("string", "email"): "adresse électronique",
    ("string", "uri"): "adresse web (URI)",
    ("string", "uuid"): "identifiant UUID",
    ("string", "binary"): "données encodées en base64",
    ("date", "default"): "AAAA-MM-JJ",
    ("datetime", "default"): "AAAA-MM-JJThh:mm:ss",
    ("time", "default"): "hh:mm:ss",
    ("year", "default"): "AAAA",
    ("yearmonth", "default"): "AAAA-MM",
    ("duration", "default"): "durée ISO 8601, par exemple P1Y2M3D",
    ("geopoint", "default"): "« longitude, latitude »",
    ("geopoint", "array"): "« [longitude, latitude] »",
    ("geopoint", "object"): '« {"lon": …, "lat": …} »',
}


def rust_regex_ok(pattern: str) -> bool:
    """True when polars (Rust regex) compiles ``pattern``."""
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.ComputeError:
        return False
    except Exception:
        return False
    return True


def _python_match(pattern: str) -> Callable[[pl.Series], pl.Series]:
    compiled = re.compile(pattern)

    def apply(series: pl.Series) -> pl.Series:
        uniques = series.drop_nulls().unique().to_list()
        mapping = {u: compiled.match(u) is not None for u in uniques}
        return series.replace_strict(mapping, default=None, return_dtype=pl.Boolean)

    return apply


def full_match(expr: pl.Expr, pattern: str) -> pl.Expr:
    """Boolean expression: the whole value matches ``pattern`` (Table Schema semantics)."""
    anchored = f"^(?:{pattern})$"
    if rust_regex_ok(anchored):
        return expr.str.contains(anchored)
    return expr.map_batches(_python_match(anchored), return_dtype=pl.Boolean)


def _python_ok(check: Callable[[str], bool]) -> Callable[[pl.Series], pl.Series]:
    def apply(series: pl.Series) -> pl.Series:
        uniques = series.drop_nulls().unique().to_list()
        mapping = {u: check(u) for u in uniques}
        return series.replace_strict(mapping, default=None, return_dtype=pl.Boolean)

    return apply


def _json_kind(kind: type) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return isinstance(json.loads(value), kind)
        except ValueError:
            return False

    return check


def _geo_object(value: str) -> bool:
    try:
        data = json.loads(value)
    except ValueError:
        return False
    if not isinstance(data, dict) or set(data) != {"lon", "lat"}:
        return False
    try:
        lon, lat = float(data["lon"]), float(data["lat"])
    except (TypeError, ValueError):
        return False
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _strptime_format(fmt: str) -> str:
    return fmt[4:] if fmt.startswith("fmt:") else fmt


@dataclass
class FieldExprs:
    """Expressions computed for one field over a raw string column."""

    ok: pl.Expr  # valid lexical value (only meaningful where not null)
    typed: pl.Expr  # parsed value (only meaningful where ``ok``; the validator masks it)
    lenient: pl.Expr | None = None  # accepted by frictionless/Validata but not by the spec


def number_prepared(col: pl.Expr, f: Field) -> pl.Expr:
    value = col
    if f.group_char:
        value = value.str.replace_all(f.group_char, "", literal=True)
    if f.decimal_char != ".":
        value = value.str.replace_all(f.decimal_char, ".", literal=True)
    if not f.bare_number:
        value = value.str.replace_all(r"^[^0-9+\-.]+|[^0-9.]+$", "")
    return value.str.strip_chars()


def _cast_first(
    col: pl.Expr,
    dtype: type[pl.Int64] | type[pl.Float64],
    pattern: str,
    prepare: Callable[[pl.Expr], pl.Expr],
    *,
    strip_first: bool = False,
) -> FieldExprs:
    """Integers and plain numbers: polars' cast first, the regular expression after.

    Every string polars casts to ``dtype`` is an optional sign and ASCII digits (and
    for numbers a decimal point, an exponent, ``inf`` or ``nan``), which ``pattern``
    accepts too (tests/validation/engine/test_fast_paths.py checks it on 150,000
    strings). So only the cells the cast refuses need the regular expression and the
    cleaning (``prepare``); the others are nulled before them, which is nearly free.
    Results are the same as ``prepare`` + ``pattern`` + cast on every cell.
    """
    cast = col.cast(dtype, strict=False)
    failed = pl.when(cast.is_null()).then(col)
    prepared = prepare(failed)
    ok = cast.is_not_null() | (prepared if strip_first else failed).str.contains(pattern)
    return FieldExprs(
        ok=ok.fill_null(False), typed=pl.coalesce(cast, prepared.cast(dtype, strict=False))
    )


def type_exprs(col: pl.Expr, f: Field) -> FieldExprs:
    """Build the ``ok``/``typed`` expressions of field ``f`` for raw column ``col``."""
    t, fmt = f.type, f.format
    true_v, false_v = f.true_values, f.false_values
    if t == "string":
        if fmt == "email":
            ok = col.str.contains(_EMAIL_RE)
        elif fmt == "uri":
            ok = col.str.contains(_URI_RE)
        elif fmt == "uuid":
            ok = col.str.contains(_UUID_RE)
        elif fmt == "binary":
            ok = col.str.contains(_B64_RE)
        else:
            ok = pl.lit(True)
        return FieldExprs(ok=ok, typed=col)
    if t == "any":
        return FieldExprs(ok=pl.lit(True), typed=col)
    if t == "integer":
        if f.bare_number:
            return _cast_first(col, pl.Int64, _INT_RE, lambda v: v.str.strip_chars())
        value = col.str.replace_all(r"^[^0-9+\-]+|[^0-9]+$", "")
        ok = value.str.contains(_INT_RE)
        return FieldExprs(ok=ok, typed=value.str.strip_chars().cast(pl.Int64, strict=False))
    if t == "number":
        number_re = f"^(?:{_NUM}|{_SPECIAL_NUM})$"
        if f.bare_number and not f.group_char and f.decimal_char == ".":
            return _cast_first(
                col, pl.Float64, number_re, lambda v: number_prepared(v, f), strip_first=True
            )
        value = number_prepared(col, f)
        ok = value.str.contains(number_re)
        return FieldExprs(ok=ok, typed=value.cast(pl.Float64, strict=False))
    if t == "boolean":
        ok = col.is_in(true_v + false_v)
        return FieldExprs(ok=ok, typed=col.is_in(true_v))
    if t == "date":
        if fmt == "default":
            parsed = col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            ok = col.str.contains(r"^\d{4}-\d{2}-\d{2}$") & parsed.is_not_null()
            lenient = col.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$") & parsed.is_not_null()
            return FieldExprs(ok=ok, typed=parsed, lenient=lenient)
        if fmt == "any":
            parsed = pl.coalesce(
                [col.str.strptime(pl.Date, p, strict=False) for p in ANY_DATE_FORMATS]
            )
            return FieldExprs(ok=parsed.is_not_null(), typed=parsed)
        parsed = col.str.strptime(pl.Date, _strptime_format(fmt), strict=False)
        return FieldExprs(ok=parsed.is_not_null(), typed=parsed)
    if t == "datetime":
        if fmt in ("default", "any"):
            base = col.str.slice(0, 19).str.strptime(
                pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False
            )
            ok = (
                col.str.contains(
                    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$"
                )
                & base.is_not_null()
            )
            return FieldExprs(ok=ok, typed=base)
        parsed = col.str.strptime(pl.Datetime("us"), _strptime_format(fmt), strict=False)
        return FieldExprs(ok=parsed.is_not_null(), typed=parsed)
    if t == "time":
        if fmt in ("default", "any"):
            base = col.str.slice(0, 8).str.strptime(pl.Time, "%H:%M:%S", strict=False)
            ok = col.str.contains(r"^\d{2}:\d{2}:\d{2}(?:\.\d+)?$") & base.is_not_null()
            return FieldExprs(ok=ok, typed=base)
        parsed = col.str.strptime(pl.Time, _strptime_format(fmt), strict=False)
        return FieldExprs(ok=parsed.is_not_null(), typed=parsed)
    if t == "year":
        ok = col.str.contains(r"^\d{4}$")
        return FieldExprs(ok=ok, typed=col.cast(pl.Int64, strict=False))
    if t == "yearmonth":
        ok = col.str.contains(r"^\d{4}-(?:0[1-9]|1[0-2])$")
        return FieldExprs(ok=ok, typed=col)
    if t == "duration":
        ok = col.str.contains(_DURATION_RE) & (col != "P") & ~col.str.ends_with("T")
        return FieldExprs(ok=ok, typed=col)
    if t == "geopoint":
        if fmt == "object":
            ok = col.map_batches(_python_ok(_geo_object), return_dtype=pl.Boolean)
            return FieldExprs(ok=ok, typed=col)
        regex = _GEO_ARRAY if fmt == "array" else _GEO_DEFAULT
        lon = col.str.extract(regex, 1).cast(pl.Float64, strict=False)
        lat = col.str.extract(regex, 2).cast(pl.Float64, strict=False)
        ok = lon.is_between(-180, 180) & lat.is_between(-90, 90)
        return FieldExprs(ok=ok.fill_null(False), typed=col)
    if t in ("object", "geojson"):
        ok = col.map_batches(_python_ok(_json_kind(dict)), return_dtype=pl.Boolean)
        return FieldExprs(ok=ok, typed=col)
    if t == "array":
        ok = col.map_batches(_python_ok(_json_kind(list)), return_dtype=pl.Boolean)
        return FieldExprs(ok=ok, typed=col)
    raise ValueError(t)  # pragma: no cover - rejected by load_schema


def _convert_bound(f: Field, value: Any) -> Any:
    """Convert a constraint value (minimum, maximum, enum item) to the field's typed space."""
    t = f.type
    if t in ("integer", "year"):
        return int(value) if not isinstance(value, str) else int(value.strip())
    if t == "number":
        if isinstance(value, str):
            text = value.replace(f.group_char or "\0", "").replace(f.decimal_char, ".")
            return float(Decimal(text))
        return float(value)
    if t == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if t == "datetime":
        return dt.datetime.fromisoformat(str(value).replace("Z", "")).replace(tzinfo=None)
    if t == "time":
        return dt.time.fromisoformat(str(value))
    if t == "boolean":
        if isinstance(value, bool):
            return value
        return str(value) in f.true_values
    return str(value)


def constraint_exprs(raw: pl.Expr, typed: pl.Expr, f: Field) -> dict[str, pl.Expr]:
    """Expressions that are True where a constraint is violated (valid, non-null cells)."""
    out: dict[str, pl.Expr] = {}
    c = f.constraints
    if "enum" in c:
        try:
            items = [_convert_bound(f, v) for v in c["enum"]]
            if f.type in ("string", "any", "yearmonth", "duration", "geopoint"):
                out["enum"] = ~raw.is_in([str(v) for v in c["enum"]])
            else:
                out["enum"] = ~typed.is_in(items)
        except (ValueError, TypeError, InvalidOperation):
            out["enum"] = ~raw.is_in([str(v) for v in c["enum"]])
    if "pattern" in c:
        out["pattern"] = ~full_match(raw, c["pattern"])
    if "minLength" in c and f.type in ("string", "any"):
        out["minLength"] = raw.str.len_chars() < int(c["minLength"])
    if "maxLength" in c and f.type in ("string", "any"):
        out["maxLength"] = raw.str.len_chars() > int(c["maxLength"])
    for name, op in (("minimum", "lt"), ("maximum", "gt")):
        if name not in c:
            continue
        try:
            bound = _convert_bound(f, c[name])
        except (ValueError, TypeError, InvalidOperation):
            continue
        target = typed if f.type not in ("string", "any", "yearmonth", "duration") else raw
        out[name] = target < bound if op == "lt" else target > bound
    return out
