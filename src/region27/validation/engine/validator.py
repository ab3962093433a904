"""The validation loop: structure, types, constraints, keys and custom checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from .checks import compile_checks, number_check
from .errors import (
    Collector,
    CsvErrorWriter,
    ErrorSink,
    empty_frame,
    frame_of,
    short_expr,
    short_text,
    sort_frame,
    template,
)
from .model import Limits, Report, ValidationError, ValidationWarning
from .schema import Field, Schema, load_schema
from .source import Chunk, open_table
from .types import FORMAT_HINTS, TYPE_LABELS, constraint_exprs, type_exprs

Progress = Callable[[int, int | None], None]
KEEP_PER_TYPE = 1000
# above this many rows with errors in a block, errors are built by polars expressions
VECTOR_MIN_ROWS = 2000
VALIDATA_NOTE = (
    " Le validateur national (Validata) accepte cette valeur, mais la spécification "
    "Table Schema exige le format {hint}."
)


_short = short_text


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
        # the columns of the error frame of each mask, compiled once
        self.error_exprs = [_cell_error_exprs(self, m) for m in self.masks]
        # the columns the errors are built from: only these are copied for the rows
        # with an error (a block's result has several columns per field)
        kept: dict[str, None] = dict.fromkeys(self.mask_names)
        for exprs in self.error_exprs:
            for expr in exprs:
                kept.update(dict.fromkeys(expr.meta.root_names()))
        for rc in self.checks.row_checks:
            kept.update(dict.fromkeys(rc.value_cols))
        kept.pop("_r", None)
        self.flag_columns = list(kept)


def _unique_message(name: str) -> Callable[[str], str]:
    def build(value: str) -> str:
        return (
            f"La valeur « {value} » de la colonne « {name} » doit être "
            "unique ; elle apparaît déjà sur une ligne précédente."
        )

    return build


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

    def _composite(
        self, frame: pl.DataFrame, kind: str, field: str | None, constraint: str | None
    ) -> pl.DataFrame:
        """Errors of a primary key or a ``uniqueKeys`` entry (several columns)."""
        keys = [c for c in frame.columns if c != "_row"]
        names = ", ".join(self.pk if kind == "primary-key" else (field or "").split(", "))
        joined = (
            pl.col(keys[0]).fill_null("")
            if len(keys) == 1
            else pl.concat_str([pl.col(k).fill_null("") for k in keys], separator=", ")
        )
        value = short_expr(joined)
        if kind == "primary-key":
            all_null = pl.all_horizontal(pl.col(keys).is_null())
            flagged = frame.with_columns(
                all_null.alias("_null"), _first_distinct(keys).alias("_first")
            ).filter(pl.col("_null") | ~pl.col("_first"))
            used = template(
                lambda v: (
                    f"La clé primaire ({names}) « {v} » est déjà utilisée par une ligne précédente."
                ),
                value,
            )
            message: pl.Expr | None = (
                pl.when(pl.col("_null"))
                .then(pl.lit(f"La clé primaire ({names}) est vide sur cette ligne."))
                .otherwise(used)
            )
        else:
            flagged = frame.filter(~_first_distinct(keys))
            message = template(
                lambda v: (
                    f"La combinaison ({names}) « {v} » doit être unique ; elle "
                    "apparaît déjà sur une ligne précédente."
                ),
                value,
            )
        assert message is not None
        return flagged.select(
            pl.lit(kind, dtype=pl.String).alias("type"),
            pl.col("_row").alias("row"),
            pl.lit(field, dtype=pl.String).alias("field"),
            pl.lit(constraint, dtype=pl.String).alias("constraint"),
            value.alias("value"),
            message.alias("message"),
            pl.lit(-1, dtype=pl.Int64).alias("column"),
        )

    def errors(self) -> pl.DataFrame:
        """Errors of every key, as an error frame sorted by row."""
        parts: list[pl.DataFrame] = []
        if self.pk and self.pk_parts:
            parts.append(self._composite(pl.concat(self.pk_parts), "primary-key", None, None))
        for i, found in self.unique_parts.items():
            if not found:
                continue
            f = self.plan.schema.fields[i]
            value = short_expr(pl.col("k0"))
            message = template(_unique_message(f.name), value)
            assert message is not None
            frame = pl.concat(found)
            parts.append(
                frame.filter(~pl.col("k0").is_first_distinct()).select(
                    pl.lit("unique-error", dtype=pl.String).alias("type"),
                    pl.col("_row").alias("row"),
                    pl.lit(f.name, dtype=pl.String).alias("field"),
                    pl.lit("unique", dtype=pl.String).alias("constraint"),
                    value.alias("value"),
                    message.alias("message"),
                    pl.lit(self.plan.positions[f.name], dtype=pl.Int64).alias("column"),
                )
            )
        for u, found in enumerate(self.ukey_parts):
            if found:
                names = ", ".join(self.ukeys[u])
                parts.append(self._composite(pl.concat(found), "unique-error", names, "uniqueKeys"))
        if not parts:
            return empty_frame()
        return sort_frame(pl.concat(parts))


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


def _cell_error_exprs(plan: _Plan, mask: tuple[str, int, str, str | None]) -> list[pl.Expr]:
    """The error frame's columns for the rows of one type or constraint mask."""
    _name, i, kind, constraint = mask
    f = plan.schema.fields[i]
    j = plan.positions[f.name]
    value = short_expr(pl.col(f"c{j}"))
    message: pl.Expr | None
    if kind == "type-error":
        message = template(lambda v: type_message(f, v, False), value)
        if i in plan.lenient and message is not None:
            soft = template(lambda v: type_message(f, v, True), value)
            if soft is not None:
                message = pl.when(plan.lenient[i]).then(soft).otherwise(message)
            else:
                message = None
    else:
        message = template(lambda v: constraint_message(f, constraint or "", v), value)
    if message is None:  # a message that does not merely quote the value
        lenient = plan.lenient.get(i, pl.lit(False))
        message = pl.struct(pl.col(f"c{j}"), lenient.alias("_soft")).map_elements(
            lambda x: (
                type_message(f, x[f"c{j}"], bool(x["_soft"]))
                if kind == "type-error"
                else constraint_message(f, constraint or "", x[f"c{j}"])
            ),
            return_dtype=pl.String,
        )
    return [
        pl.lit(kind, dtype=pl.String).alias("type"),
        pl.col("_r").alias("row"),
        pl.lit(f.name, dtype=pl.String).alias("field"),
        pl.lit(constraint, dtype=pl.String).alias("constraint"),
        value.alias("value"),
        message.alias("message"),
        pl.lit(j, dtype=pl.Int64).alias("column"),
    ]


def _row_check_frame(plan: _Plan, k: int, sub: pl.DataFrame) -> pl.DataFrame:
    """The errors of the Validata check ``k`` on the rows ``sub`` where it fails."""
    rc = plan.checks.row_checks[k]
    col_pos = plan.positions.get(rc.field or "", plan.width)
    fixed = [
        pl.lit(rc.code, dtype=pl.String).alias("type"),
        pl.col("_r").alias("row"),
        pl.lit(rc.field, dtype=pl.String).alias("field"),
        pl.lit(None, dtype=pl.String).alias("constraint"),
    ]
    source = None if rc.value_index is None else rc.value_cols[rc.value_index]
    textual = source is None or sub.schema[source] == pl.String
    message = None
    if rc.template and textual:
        message = template(lambda v: rc.message([v] * len(rc.value_cols)), pl.col(rc.value_cols[0]))
    if message is not None:
        value = pl.lit(None, dtype=pl.String) if source is None else short_expr(pl.col(source))
        return sub.select(
            *fixed,
            value.alias("value"),
            message.alias("message"),
            pl.lit(col_pos, dtype=pl.Int64).alias("column"),
        )
    value_lists = [sub[c].to_list() for c in rc.value_cols]
    messages = [rc.message(list(vals)) for vals in zip(*value_lists, strict=True)]
    values: list[str | None] = (
        [None] * sub.height
        if rc.value_index is None
        else [short_text(x) for x in value_lists[rc.value_index]]
    )
    return sub.select(
        *fixed,
        pl.Series("value", values, dtype=pl.String),
        pl.Series("message", messages, dtype=pl.String),
        pl.lit(col_pos, dtype=pl.Int64).alias("column"),
    )


def _few_errors(plan: _Plan, flagged: pl.DataFrame, base: int) -> list[ValidationError]:
    """Errors of the flagged rows of a block built in Python (few rows: cheaper than
    a polars call per mask); same errors as the polars path, in the same order."""
    schema, width = plan.schema, plan.width
    out: list[ValidationError] = []
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


def _chunk_errors(plan: _Plan, chunk: Chunk, keys: _Keys) -> pl.DataFrame:
    """Every error of the block (keys excepted) as an error frame, in report order."""
    header, width = plan.header, plan.width
    n = chunk.frame.height
    if n == 0:
        return empty_frame()
    extra_nonblank = [i for i, vals in chunk.extras.items() if any(v != "" for v in vals)]
    extra_flags = np.zeros(n, dtype=bool)
    extra_flags[extra_nonblank] = True
    xb = pl.Series("_xb", extra_flags, dtype=pl.Boolean)
    numbers = [
        number_check(chunk.frame[f"c{plan.positions[fname]}"], digits, siret).alias(name)
        for name, fname, digits, siret in plan.checks.numbers
    ]
    frame = chunk.frame.with_columns(chunk.counts.alias("_n"), xb, *numbers)
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
                    f"« {short_text(val)} ») au-delà des colonnes de l'en-tête.",
                    row=base + idx,
                    value=short_text(val),
                    column=width + k,
                )
            )
    parts = []
    if plan.mask_names:
        # the rows with a cell or row error, with their local index
        flagged = (
            res.lazy()
            .select(plan.flag_columns)
            .with_row_index("_i")
            .filter(pl.any_horizontal(plan.mask_names))
            .collect()
        )
        if flagged.height > VECTOR_MIN_ROWS:
            # many errors: built by polars expressions, mask by mask (a Python object
            # per error cost more than the checks on a file wrong on every row)
            flagged = flagged.with_columns((pl.col("_i").cast(pl.Int64) + base).alias("_r"))
            hits = flagged.select(plan.mask_names).sum().row(0)
            for k, mask in enumerate(plan.masks):
                if hits[k]:
                    sub = flagged.filter(pl.col(mask[0]))
                    parts.append(sub.select(plan.error_exprs[k]))
            offset = len(plan.masks)
            for k in range(len(plan.checks.row_checks)):
                if hits[offset + k]:
                    parts.append(_row_check_frame(plan, k, flagged.filter(pl.col(f"x{k}"))))
        elif flagged.height:
            # a few: one polars call for the block, messages in Python
            out.extend(_few_errors(plan, flagged, base))
    if out:
        parts.insert(0, frame_of(out))
    if not parts:
        return empty_frame()
    return sort_frame(pl.concat(parts) if len(parts) > 1 else parts[0])


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


def validate(
    source: str | Path | bytes | BinaryIO,
    schema: dict[str, Any] | str | Path | Schema,
    *,
    sheet: str | None = None,
    max_errors: int | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
    keep_per_type: int | None = KEEP_PER_TYPE,
    errors_csv: str | Path | BinaryIO | None = None,
    error_sink: ErrorSink | None = None,
) -> Report:
    """Validate a CSV/XLSX/ODS ``source`` against a Table Schema.

    ``source`` is a path, raw bytes or a binary file object; ``schema`` a dict, a
    JSON string, a path or an http(s) URL (see :func:`load_schema`). Raises
    :class:`EngineInputError` when the file or the schema cannot be read at all;
    otherwise returns a :class:`Report`: the count of every error, per type, column
    and constraint, and the first ``keep_per_type`` errors of each type in full
    (``None``: all of them). ``max_errors`` stops reading once that many errors are
    found. ``errors_csv`` (a path or a binary file) receives the complete list as
    CSV, written while validating; ``error_sink(frame)`` receives it as polars
    frames (columns of :data:`errors.ERROR_SCHEMA`), in report order.
    ``progress(done, total)`` is called after each chunk with the number of bytes
    processed and the total size (``None`` when unknown).
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
    writer = CsvErrorWriter(errors_csv) if errors_csv is not None else None
    sinks = [s for s in (writer, error_sink) if s is not None]

    def both(frame: pl.DataFrame) -> None:
        for sink in sinks:
            sink(frame)

    collector = Collector(
        keep_per_type=keep_per_type,
        max_errors=max_errors,
        sink=both if sinks else None,
        keys_expected=bool(checked.primary_key or plan.unique_fields or checked.unique_keys),
    )
    rows = 0
    truncated = False
    try:
        collector.add(sort_frame(frame_of(errors)))
        for chunk in _prefetch(table.chunks):
            rows += chunk.frame.height
            first = chunk.start + 2
            found = _chunk_errors(plan, chunk, keys)
            collector.add(found, rows=(first, first + chunk.frame.height))
            if progress is not None:
                progress(chunk.bytes_done, table.total_bytes)
            if collector.full:
                truncated = True
                break
        collector.finish(None if truncated else keys.errors())
    finally:
        collector.close()
        if writer is not None:
            writer.close()
    if rows == 0:
        warnings.append(
            ValidationWarning("no-data", "Le fichier ne contient aucune ligne de données.")
        )
    encoding = table.encoding or ("utf-8" if table.format == "csv" else None)
    return Report(
        valid=collector.total == 0,
        rows=rows,
        encoding=encoding,
        delimiter=table.delimiter,
        errors=collector.errors(),
        warnings=warnings,
        truncated=truncated or collector.truncated,
        error_count=collector.total,
        counts=collector.error_counts(),
    )
