"""The validation loop: structure, types, constraints, keys and custom checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from .checks import compile_checks
from .model import Limits, Report, ValidationError, ValidationWarning
from .schema import Field, Schema, load_schema
from .source import Chunk, open_table
from .types import FORMAT_HINTS, TYPE_LABELS, constraint_exprs, type_exprs

Progress = Callable[[int, int | None], None]
MAX_VALUE_CHARS = 500
VALIDATA_NOTE = (
    " Le validateur national (Validata) accepte cette valeur, mais la spécification "
    "Table Schema exige le format {hint}."
)


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def type_message(f: Field, value: str, lenient: bool) -> str:
    label = TYPE_LABELS.get(f.type, f.type)
    hint = FORMAT_HINTS.get((f.type, f.format))
    if hint is None and f.format not in ("default", "any"):
        hint = f"format « {f.format} »"
    text = (
        f"La valeur « {_short(value)} » de la colonne « {f.name} » n'est pas du type "
        f"attendu ({label}"
    )
    text += f", {hint})." if hint else ")."
    if f.type == "boolean":
        text += (
            " Valeurs acceptées : "
            + ", ".join(f"« {x} »" for x in f.true_values + f.false_values)
            + "."
        )
    if lenient:
        text += VALIDATA_NOTE.format(hint=hint or label)
    return text


def constraint_message(f: Field, constraint: str, value: str) -> str:
    c = f.constraints.get(constraint)
    v = _short(value)
    if constraint == "required":
        return f"La colonne « {f.name} » est obligatoire : la cellule ne doit pas être vide."
    if constraint == "enum":
        allowed = ", ".join(f"« {x} »" for x in (c or [])[:20])
        more = " …" if len(c or []) > 20 else ""
        return (
            f"La valeur « {v} » n'est pas autorisée dans la colonne « {f.name} » ; valeurs "
            f"possibles : {allowed}{more}."
        )
    if constraint == "pattern":
        return (
            f"La valeur « {v} » de la colonne « {f.name} » ne respecte pas le motif attendu "
            f"« {c} »."
        )
    if constraint == "minLength":
        return f"La valeur « {v} » de la colonne « {f.name} » doit compter au moins {c} caractères."
    if constraint == "maxLength":
        return f"La valeur « {v} » de la colonne « {f.name} » doit compter au plus {c} caractères."
    if constraint == "minimum":
        return f"La valeur « {v} » de la colonne « {f.name} » doit être supérieure ou égale à {c}."
    if constraint == "maximum":
        return f"La valeur « {v} » de la colonne « {f.name} » doit être inférieure ou égale à {c}."
    return (
        f"La valeur « {v} » de la colonne « {f.name} » ne respecte pas la contrainte {constraint}."
    )


def _is_missing(col: pl.Expr, values: list[str], *, empty: bool) -> pl.Expr:
    """``col`` is one of the missing ``values`` (or empty, when ``empty``)."""
    wanted = list(dict.fromkeys(([""] if empty else []) + list(values)))
    if not wanted:
        return pl.lit(False)
    if len(wanted) == 1:
        return col == wanted[0]
    return col.is_in(wanted)


class _Plan:
    """Expressions compiled once for a header and a schema."""

    def __init__(self, schema: Schema, header: list[str]) -> None:
        self.schema = schema
        self.header = header
        self.width = len(header)
        self.positions: dict[str, int] = {}
        for j, label in enumerate(header):
            if label.strip() and label not in self.positions:
                self.positions[label] = j
        self.present: dict[str, int] = {
            f.name: i for i, f in enumerate(schema.fields) if f.name in self.positions
        }
        mv = schema.missing_values
        counts = pl.col("_n")
        cells = [pl.col(f"c{j}") for j in range(self.width)]
        blank = (
            pl.all_horizontal([_is_missing(c, mv, empty=True) for c in cells]) & ~pl.col("_xb")
            if cells
            else ~pl.col("_xb")
        )
        active = ~pl.col("_blank")
        # stage 0: the primitives of each field over its raw column (missing, lexically
        # valid, typed candidate); stage 1 combines them. Nesting these expressions in
        # one when/then chain made polars evaluate them about twice as slowly.
        self.stage0: list[pl.Expr] = [blank.alias("_blank")]
        self.stage1: list[pl.Expr] = []
        self.stage1b: list[pl.Expr] = []
        # (mask column, field index, kind, constraint)
        self.masks: list[tuple[str, int, str, str | None]] = []
        # field index -> expression over its raw column telling a lenient date
        self.lenient: dict[int, pl.Expr] = {}
        for i, f in enumerate(schema.fields):
            if f.name not in self.positions:
                continue
            j = self.positions[f.name]
            raw = pl.col(f"c{j}")
            fmv = f.missing_values if f.missing_values is not None else mv
            # absent cells are read as "" (source.py): the cell count only matters
            # when "" is not a missing value
            null = _is_missing(raw, fmv, empty=False)
            if "" not in fmv:
                null = null | (counts <= j)
            te = type_exprs(raw, f)
            self.stage0.append(null.alias(f"n{i}"))
            self.stage0.append(te.ok.fill_null(False).alias(f"o{i}"))
            self.stage0.append(te.typed.alias(f"t{i}"))
            n_i, o_i = pl.col(f"n{i}"), pl.col(f"o{i}")
            self.stage1.append((~n_i & ~o_i).alias(f"b{i}"))
            # the typed value where the cell is filled and valid, null elsewhere
            self.stage1.append(pl.when(~n_i & o_i).then(pl.col(f"t{i}")).alias(f"v{i}"))
            if te.lenient is not None:
                self.lenient[i] = te.lenient.fill_null(False)
            if f.required:
                self.stage1b.append((pl.col(f"n{i}") & active).alias(f"e{i}_required"))
                self.masks.append((f"e{i}_required", i, "constraint-error", "required"))
            self.stage1b.append((pl.col(f"b{i}") & active).alias(f"e{i}_type"))
            self.masks.append((f"e{i}_type", i, "type-error", None))
            for cname, cexpr in constraint_exprs(raw, pl.col(f"v{i}"), f).items():
                ok_cell = ~pl.col(f"n{i}") & ~pl.col(f"b{i}") & active
                self.stage1b.append((ok_cell & cexpr.fill_null(False)).alias(f"e{i}_{cname}"))
                self.masks.append((f"e{i}_{cname}", i, "constraint-error", cname))
        self.checks = compile_checks(schema, self.present)
        self.stage1b += [
            (rc.mask.fill_null(False) & active).alias(f"x{k}")
            for k, rc in enumerate(self.checks.row_checks)
        ]
        self.mask_names = [m[0] for m in self.masks] + [
            f"x{k}" for k in range(len(self.checks.row_checks))
        ]
        self.unique_fields = [
            i
            for i, f in enumerate(schema.fields)
            if f.constraints.get("unique") and f.name in self.present
        ]
        # typed values are only materialised when a constraint, a check or a key
        # reads them (copying every string column would double the block's memory)
        needed: set[str] = set()
        for expr in self.stage1b:
            needed.update(expr.meta.root_names())
        for rc in self.checks.row_checks:
            needed.update(rc.value_cols)
        key_names = list(schema.primary_key) + [n for names in schema.unique_keys for n in names]
        key_names += [schema.fields[i].name for i in self.unique_fields]
        needed.update(f"v{self.present[n]}" for n in key_names if n in self.present)
        self.stage1 = [
            e
            for e in self.stage1
            if not e.meta.output_name().startswith("v") or e.meta.output_name() in needed
        ]
        self.stage0 = [
            e
            for e in self.stage0
            if not e.meta.output_name().startswith("t") or f"v{e.meta.output_name()[1:]}" in needed
        ]


def _first_distinct(keys: list[str]) -> pl.Expr:
    """First occurrence of each key (a struct only for composite keys: hashing a
    struct costs several times more than hashing its single column)."""
    if len(keys) == 1:
        return pl.col(keys[0]).is_first_distinct()
    return pl.struct(keys).is_first_distinct()


class _Keys:
    """Accumulates key values across chunks for primaryKey / unique / uniqueKeys."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.pk = plan.schema.primary_key
        self.pk_parts: list[pl.DataFrame] = []
        self.unique_parts: dict[int, list[pl.DataFrame]] = {i: [] for i in plan.unique_fields}
        self.ukeys = plan.schema.unique_keys
        self.ukey_parts: list[list[pl.DataFrame]] = [[] for _ in self.ukeys]

    def _key_cols(self, res: pl.DataFrame, names: list[str]) -> list[pl.Series]:
        cols = []
        for k, name in enumerate(names):
            if name in self.plan.present:
                col = res[f"v{self.plan.present[name]}"].cast(pl.String).alias(f"k{k}")
            else:
                col = pl.Series(f"k{k}", [None] * res.height, dtype=pl.String)
            cols.append(col)
        return cols

    def add(self, res: pl.DataFrame, rows: pl.Series) -> None:
        if self.pk:
            self.pk_parts.append(pl.DataFrame([rows, *self._key_cols(res, self.pk)]))
        for i in self.unique_fields:
            part = pl.DataFrame([rows, res[f"v{i}"].cast(pl.String).alias("k0")])
            self.unique_parts[i].append(part.filter(pl.col("k0").is_not_null()))
        for u, names in enumerate(self.ukeys):
            part = pl.DataFrame([rows, *self._key_cols(res, names)])
            keys = [c for c in part.columns if c != "_row"]
            self.ukey_parts[u].append(part.filter(~pl.all_horizontal(pl.col(keys).is_null())))

    @property
    def unique_fields(self) -> list[int]:
        return self.plan.unique_fields

    def errors(self) -> list[ValidationError]:
        out: list[ValidationError] = []
        if self.pk and self.pk_parts:
            frame = pl.concat(self.pk_parts)
            keys = [c for c in frame.columns if c != "_row"]
            all_null = pl.all_horizontal(pl.col(keys).is_null())
            flagged = frame.with_columns(
                all_null.alias("_null"), _first_distinct(keys).alias("_first")
            ).filter(pl.col("_null") | ~pl.col("_first"))
            names = ", ".join(self.pk)
            for row in flagged.iter_rows(named=True):
                value = ", ".join("" if row[k] is None else str(row[k]) for k in keys)
                if row["_null"]:
                    msg = f"La clé primaire ({names}) est vide sur cette ligne."
                else:
                    msg = (
                        f"La clé primaire ({names}) « {_short(value)} » est déjà utilisée "
                        "par une ligne précédente."
                    )
                out.append(
                    ValidationError(
                        "primary-key",
                        msg,
                        row=row["_row"],
                        field=None,
                        value=_short(value),
                        column=-1,
                    )
                )
        for i, parts in self.unique_parts.items():
            if not parts:
                continue
            f = self.plan.schema.fields[i]
            frame = pl.concat(parts)
            dup = frame.filter(~pl.col("k0").is_first_distinct())
            for row, value in dup.iter_rows():
                out.append(
                    ValidationError(
                        "unique-error",
                        f"La valeur « {_short(value)} » de la colonne « {f.name} » doit être "
                        "unique ; elle apparaît déjà sur une ligne précédente.",
                        row=row,
                        field=f.name,
                        constraint="unique",
                        value=_short(value),
                        column=self.plan.positions[f.name],
                    )
                )
        for u, parts in enumerate(self.ukey_parts):
            if not parts:
                continue
            frame = pl.concat(parts)
            keys = [c for c in frame.columns if c != "_row"]
            dup = frame.filter(~_first_distinct(keys))
            names = ", ".join(self.ukeys[u])
            for row in dup.iter_rows(named=True):
                value = ", ".join("" if row[k] is None else str(row[k]) for k in keys)
                out.append(
                    ValidationError(
                        "unique-error",
                        f"La combinaison ({names}) « {_short(value)} » doit être unique ; elle "
                        "apparaît déjà sur une ligne précédente.",
                        row=row["_row"],
                        field=names,
                        constraint="uniqueKeys",
                        value=_short(value),
                        column=-1,
                    )
                )
        return out


def _label_checks(
    schema: Schema, header: list[str], plan: _Plan
) -> tuple[list[ValidationError], list[ValidationWarning]]:
    errors: list[ValidationError] = []
    warnings: list[ValidationWarning] = []
    names = set(schema.field_names)
    seen: set[str] = set()
    for j, label in enumerate(header):
        if not label.strip():
            errors.append(
                ValidationError(
                    "blank-label",
                    f"L'en-tête de la colonne n° {j + 1} est vide.",
                    value=label,
                    column=j,
                )
            )
        elif label in seen:
            errors.append(
                ValidationError(
                    "duplicate-label",
                    f"La colonne « {label} » apparaît plusieurs fois dans l'en-tête (colonne "
                    f"n° {j + 1}) ; seule la première est validée.",
                    field=label,
                    value=label,
                    column=j,
                )
            )
        else:
            seen.add(label)
            if label not in names:
                errors.append(
                    ValidationError(
                        "extra-label",
                        f"La colonne « {label} » (n° {j + 1}) ne fait pas partie du schéma.",
                        field=label,
                        value=label,
                        column=j,
                    )
                )
    for f in schema.fields:
        if f.name in plan.positions:
            continue
        if f.required:
            errors.append(
                ValidationError(
                    "missing-label",
                    f"La colonne obligatoire « {f.name} » est absente du fichier.",
                    field=f.name,
                    column=10**9,
                )
            )
        else:
            warnings.append(
                ValidationWarning(
                    "missing-label",
                    f"La colonne facultative « {f.name} » est absente du fichier.",
                    field=f.name,
                )
            )
    return errors, warnings


def _chunk_errors(plan: _Plan, chunk: Chunk, keys: _Keys) -> list[ValidationError]:
    schema, header, width = plan.schema, plan.header, plan.width
    n = chunk.frame.height
    if n == 0:
        return []
    extra_nonblank = [i for i, vals in chunk.extras.items() if any(v != "" for v in vals)]
    extra_flags = np.zeros(n, dtype=bool)
    extra_flags[extra_nonblank] = True
    xb = pl.Series("_xb", extra_flags, dtype=pl.Boolean)
    frame = chunk.frame.with_columns(chunk.counts.alias("_n"), xb)
    # one lazy query per block: common subexpressions (missing-value tests, parsed
    # dates...) are computed once
    query = frame.lazy().with_columns(plan.stage0)
    if plan.stage1:
        query = query.with_columns(plan.stage1)
    if plan.stage1b:
        query = query.with_columns(plan.stage1b)
    res = query.collect()
    rows = pl.Series("_row", range(chunk.start + 2, chunk.start + 2 + n), dtype=pl.Int64)
    keys.add(res, rows)
    out: list[ValidationError] = []
    base = chunk.start + 2
    blank = res["_blank"]
    for idx in blank.arg_true().to_list():
        out.append(ValidationError("blank-row", "La ligne est vide.", row=base + idx, column=-1))
    counts = chunk.counts
    if width and (counts.min() or 0) < width:  # type: ignore[operator]
        short = (counts < width) & ~blank
        for idx in short.arg_true().to_list():
            have = int(counts[idx])
            for j in range(max(have, 0), width):
                label = header[j]
                out.append(
                    ValidationError(
                        "missing-cell",
                        f"La ligne n'a pas de cellule pour la colonne « {label} » (n° {j + 1}).",
                        row=base + idx,
                        field=label or None,
                        value="",
                        column=j,
                    )
                )
    for idx, vals in chunk.extras.items():
        if blank[idx]:
            continue
        for k, val in enumerate(vals):
            out.append(
                ValidationError(
                    "extra-cell",
                    f"La ligne a une cellule en trop (colonne n° {width + k + 1}, valeur "
                    f"« {_short(val)} ») au-delà des colonnes de l'en-tête.",
                    row=base + idx,
                    value=_short(val),
                    column=width + k,
                )
            )
    if not plan.mask_names:
        return out
    # the few rows with a cell or row error, with their local index; they are turned
    # into Python values once (a Series method per mask costs ~1 ms, whatever its size)
    flagged = res.with_row_index("_i").filter(pl.any_horizontal(plan.mask_names))
    if flagged.height == 0:
        return out
    hits_matrix = flagged.select(plan.mask_names).to_numpy()
    hit_columns = {name: k for k, name in enumerate(plan.mask_names)}
    local: list[int] = flagged["_i"].to_list()
    values_of: dict[str, list[Any]] = {}

    def column_values(name: str) -> list[Any]:
        if name not in values_of:
            values_of[name] = flagged[name].to_list()
        return values_of[name]

    for mask_name, i, kind, constraint in plan.masks:
        hit = np.flatnonzero(hits_matrix[:, hit_columns[mask_name]]).tolist()
        if not hit:
            continue
        f = schema.fields[i]
        j = plan.positions[f.name]
        raw = column_values(f"c{j}")
        values = [raw[h] for h in hit]
        lenient = [False] * len(values)
        if kind == "type-error" and i in plan.lenient:
            lenient = (
                pl.DataFrame({f"c{j}": pl.Series(values, dtype=pl.String)})
                .select(plan.lenient[i])
                .to_series()
                .to_list()
            )
        for h, value, soft in zip(hit, values, lenient, strict=True):
            if kind == "type-error":
                msg = type_message(f, value, bool(soft))
            else:
                msg = constraint_message(f, constraint or "", value)
            out.append(
                ValidationError(
                    kind,
                    msg,
                    row=base + local[h],
                    field=f.name,
                    constraint=constraint,
                    value=_short(value),
                    column=j,
                )
            )
    for k, rc in enumerate(plan.checks.row_checks):
        hit = np.flatnonzero(hits_matrix[:, hit_columns[f"x{k}"]]).tolist()
        if not hit:
            continue
        value_lists = [column_values(c) for c in rc.value_cols]
        col_pos = plan.positions.get(rc.field or "", width)
        for h in hit:
            vals = [lst[h] for lst in value_lists]
            value = None if rc.value_index is None else _short(vals[rc.value_index])
            out.append(
                ValidationError(
                    rc.code,
                    rc.message(vals),
                    row=base + local[h],
                    field=rc.field,
                    value=value,
                    column=col_pos,
                )
            )
    return out


_END = object()


def _prefetch(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """Read and parse the next block on a worker thread while this one is checked.

    polars and numpy release the GIL, so parsing block k+1 overlaps checking block
    k; at most one block is read ahead (memory stays bounded). An error raised
    while reading a block surfaces when that block is asked for, as before.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="r27-read") as pool:
        pending = pool.submit(next, chunks, _END)
        while True:
            item = pending.result()
            if item is _END:
                return
            pending = pool.submit(next, chunks, _END)
            yield item  # type: ignore[misc]


def _sort_key(e: ValidationError) -> tuple[int, int]:
    return (e.row if e.row is not None else 0, e.column if e.column is not None else 0)


def validate(
    source: str | Path | bytes | BinaryIO,
    schema: dict[str, Any] | str | Path | Schema,
    *,
    sheet: str | None = None,
    max_errors: int | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> Report:
    """Validate a CSV/XLSX/ODS ``source`` against a Table Schema.

    ``source`` is a path, raw bytes or a binary file object; ``schema`` a dict, a
    JSON string, a path or an http(s) URL (see :func:`load_schema`). Raises
    :class:`EngineInputError` when the file or the schema cannot be read at all;
    otherwise returns a :class:`Report` listing every error (or the first
    ``max_errors``). ``progress(done, total)`` is called after each chunk with
    the number of bytes processed and the total size (``None`` when unknown).
    """
    limits = limits or Limits()
    checked = load_schema(schema, limits=limits)
    table = open_table(source, sheet=sheet, limits=limits)
    plan = _Plan(checked, table.header)
    errors, warnings = _label_checks(checked, table.header, plan)
    for code, fname, message in plan.checks.table_errors:
        errors.append(ValidationError(code, message, field=fname, column=-1))
    for code, fname, message in plan.checks.warnings:
        warnings.append(ValidationWarning(code, message, field=fname))
    keys = _Keys(plan)
    rows = 0
    truncated = False
    for chunk in _prefetch(table.chunks):
        rows += chunk.frame.height
        chunk_errors = _chunk_errors(plan, chunk, keys)
        chunk_errors.sort(key=_sort_key)
        errors.extend(chunk_errors)
        if progress is not None:
            progress(chunk.bytes_done, table.total_bytes)
        if max_errors is not None and len(errors) >= max_errors:
            truncated = True
            break
    if not truncated:
        errors.extend(sorted(keys.errors(), key=_sort_key))
    errors.sort(key=_sort_key)
    if max_errors is not None and len(errors) > max_errors:
        errors = errors[:max_errors]
        truncated = True
    if rows == 0:
        warnings.append(
            ValidationWarning("no-data", "Le fichier ne contient aucune ligne de données.")
        )
    encoding = table.encoding or ("utf-8" if table.format == "csv" else None)
    return Report(
        valid=not errors,
        rows=rows,
        encoding=encoding,
        delimiter=table.delimiter,
        errors=errors,
        warnings=warnings,
        truncated=truncated,
    )
