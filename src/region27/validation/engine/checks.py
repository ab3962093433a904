"""French checks that SCDL schemas declare as Validata ``custom_checks``.

Each check becomes polars expressions over the typed columns of a chunk
(``v{i}`` = typed value of schema field ``i``, null when empty or invalid),
following the behaviour of Validata (validata-table, validata_core/custom_checks):
a cell that is empty (or failed its type check) is never checked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from .schema import Schema

ACTES_NOMENCLATURE = [
    "Commande publique",
    "Urbanisme",
    "Domaine et patrimoine",
    "Fonction publique",
    "Institutions et vie politique",
    "Libertés publiques et pouvoirs de police",
    "Finances locales",
    "Domaines de compétences par thèmes",
    "Autres domaines de compétences",
]
OPERATORS = {
    ">": "supérieure",
    ">=": "supérieure ou égale",
    "==": "égale",
    "<=": "inférieure ou égale",
    "<": "inférieure",
}


def _identifier_message(what: str, digits: int) -> Callable[[list[Any]], str]:
    """The message of a wrong SIRET or SIREN number."""

    def message(vals: list[Any]) -> str:
        return (
            f"La valeur « {vals[0]} » n'est pas un numéro {what} "
            f"valide ({digits} chiffres et clé de contrôle de Luhn)."
        )

    return message


SUPPORTED = {
    "french-siret-value",
    "french-siren-value",
    "one-of-required",
    "year-interval-value",
    "cohesive-columns-value",
    "compare-columns-value",
    "sum-columns-value",
    "nomenclature-actes-value",
}


@dataclass
class RowCheck:
    """A row-level check: ``mask`` is True on failing rows."""

    code: str
    field: str | None
    mask: pl.Expr
    value_cols: list[str]
    message: Callable[[list[Any]], str]
    value_index: int | None = 0  # which value_cols entry is the reported cell value
    # the message only quotes the value as it is (or not at all): built by polars
    template: bool = False


@dataclass
class CompiledChecks:
    row_checks: list[RowCheck] = field(default_factory=list)
    # SIRET/SIREN keys of text columns, computed on the raw column before the block's
    # query (column name, field name, digits, SIRET?): a Python callback inside the
    # query would wait for the interpreter lock on polars' threads
    numbers: list[tuple[str, str, int, bool]] = field(default_factory=list)
    table_errors: list[tuple[str, str | None, str]] = field(default_factory=list)
    warnings: list[tuple[str, str | None, str]] = field(default_factory=list)


def _message(fn: Callable[..., str], **bound: Any) -> Callable[[list[Any]], str]:
    """Bind the parameters of a message builder (keeps mypy happy with closures in loops)."""

    def message(vals: list[Any]) -> str:
        return fn(vals, **bound)

    return message


def _norm(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn"
    )


_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def _luhn_ok(columns: np.ndarray) -> np.ndarray:
    """Luhn validity of each value, its digits given column by column (``uint8``,
    one row of the array per position, each a contiguous vector, at most 9).

    From the right, every second digit is doubled and its digits summed (a table).
    """
    width, count = columns.shape
    total = np.zeros(count, dtype=np.uint16)
    for k in range(width):
        if (width - 1 - k) % 2:  # rank from the right is odd: doubled
            total += _DOUBLED[columns[k]]
        else:
            total += columns[k]
    result: np.ndarray = total % 10 == 0
    return result


def number_check(series: pl.Series, width: int, siret: bool) -> pl.Series:
    """SIRET (``siret``) or SIREN validity of each value, like python-stdnum.

    A value of exactly ``width`` bytes is taken as it is (cleaning only removes
    characters, so it could not make it ``width`` digits); its bytes become a row of
    a ``uint8`` matrix, checked for ASCII digits and Luhn keys by numpy. Only the
    values of another length are cleaned (spaces and dots removed, whitespace
    stripped) and tried again, so the common case costs no regular expression.
    """
    exact = (series.str.len_bytes() == width).fill_null(False)
    kept = series.filter(exact)
    kept_idx = exact.arg_true()
    rest_idx = (~exact & series.is_not_null()).arg_true()
    if rest_idx.len():
        cleaned = (
            series.gather(rest_idx)
            .str.replace_all(" ", "", literal=True)
            .str.replace_all(".", "", literal=True)
            .str.strip_chars()
        )
        fixed = (cleaned.str.len_bytes() == width).fill_null(False)
        if fixed.any():
            kept = pl.concat([kept, cleaned.filter(fixed)])
            kept_idx = pl.concat([kept_idx, rest_idx.filter(fixed)])
    out = np.zeros(series.len(), dtype=bool)
    if kept.len():
        # every kept value is ``width`` bytes: one matrix, one row per value
        joined = kept.str.join("").item()
        raw = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8).reshape(-1, width)
        # one contiguous vector per position; bytes below "0" wrap around: then > 9
        columns = np.ascontiguousarray(raw.T) - np.uint8(48)
        is_number = (columns <= 9).all(axis=0)
        digits = np.minimum(columns, 9)
        if siret:
            # La Poste establishments: sum of digits multiple of 5 instead of Luhn
            la_poste = (kept.str.starts_with("356000000") & (kept != "35600000000048")).to_numpy()
            checksum = _luhn_ok(digits)
            if la_poste.any():
                sums = digits[:, la_poste].sum(axis=0, dtype=np.int32)
                checksum[la_poste] = sums % 5 == 0
            ok = is_number & checksum & _luhn_ok(digits[:9])
        else:
            ok = is_number & _luhn_ok(digits)
        out[kept_idx.to_numpy()] = ok
    return pl.Series(series.name, out, dtype=pl.Boolean)


def siret_valid(value: pl.Expr) -> pl.Expr:
    """Same rule as python-stdnum ``stdnum.fr.siret.is_valid`` (used by Validata)."""
    return value.map_batches(lambda s: number_check(s, 14, True), return_dtype=pl.Boolean)


def siren_valid(value: pl.Expr) -> pl.Expr:
    """Same rule as python-stdnum ``stdnum.fr.siren.is_valid``."""
    return value.map_batches(lambda s: number_check(s, 9, False), return_dtype=pl.Boolean)


def compile_checks(schema: Schema, present: dict[str, int]) -> CompiledChecks:
    """Turn ``schema.custom_checks`` into expressions; ``present`` maps field name -> index."""
    out = CompiledChecks()
    types = {f.name: f.type for f in schema.fields}

    def v(name: str) -> str:
        return f"v{present[name]}"

    for check in schema.custom_checks:
        name = check["name"]
        params: dict[str, Any] = check.get("params", {}) or {}
        if name not in SUPPORTED:
            out.warnings.append(
                (
                    "unsupported-check",
                    None,
                    f"Le contrôle personnalisé « {name} » n'est pas pris en charge : il n'a pas "
                    "été appliqué.",
                )
            )
            continue
        if name in (
            "french-siret-value",
            "french-siren-value",
            "year-interval-value",
            "nomenclature-actes-value",
        ):
            column = params.get("column")
            if not isinstance(column, str) or column not in present:
                continue  # Validata ignores a single-column check on an absent column
            col = pl.col(v(column))
            if types.get(column) not in ("string", "any"):
                col = col.cast(pl.String)
            textual = types.get(column) in ("string", "any")
            if name in ("french-siret-value", "french-siren-value") and textual:
                # the typed value of a text column is its raw cell, or null
                siret = name == "french-siret-value"
                out.numbers.append((f"_num{len(out.numbers)}", column, 14 if siret else 9, siret))
                valid = pl.col(out.numbers[-1][0])
            elif name == "french-siret-value":
                valid = siret_valid(col)
            else:
                valid = siren_valid(col)
            if name in ("french-siret-value", "french-siren-value"):
                what, digits = ("SIRET", 14) if name == "french-siret-value" else ("SIREN", 9)
                out.row_checks.append(
                    RowCheck(
                        name,
                        column,
                        col.is_not_null() & (col != "") & ~valid,
                        [v(column)],
                        _identifier_message(what, digits),
                        template=True,
                    )
                )
            elif name == "year-interval-value":
                allow_year = str(params.get("allow-year-only", "")) in ("true", "yes")
                interval = col.str.extract(r"^(\d{4})/(\d{4})$", 1).is_not_null()
                y1 = col.str.extract(r"^(\d{4})/(\d{4})$", 1).cast(pl.Int64, strict=False)
                y2 = col.str.extract(r"^(\d{4})/(\d{4})$", 2).cast(pl.Int64, strict=False)
                year_only = col.str.contains(r"^\d{4}$")
                bad_format = ~interval & (~year_only if allow_year else pl.lit(True))
                bad = col.is_not_null() & (col != "") & (bad_format | (interval & (y1 >= y2)))

                def year_msg(vals: list[Any], allow_year: bool = allow_year) -> str:
                    text = str(vals[0])
                    parts = text.split("/")
                    if len(parts) == 2 and all(p.isdigit() and len(p) == 4 for p in parts):
                        if parts[0] == parts[1]:
                            note = "les deux années doivent être différentes"
                        else:
                            note = (
                                f"la deuxième année ({parts[1]}) doit être postérieure "
                                f"à la première ({parts[0]})"
                            )
                    elif allow_year:
                        note = "format attendu : année (AAAA) ou intervalle (AAAA/AAAA)"
                    else:
                        note = "format attendu : AAAA/AAAA"
                    return f"L'année ou l'intervalle d'années « {text} » est incorrect ({note})."

                out.row_checks.append(
                    RowCheck(name, column, bad.fill_null(False), [v(column)], year_msg)
                )
            else:
                allowed = {_norm(x) for x in ACTES_NOMENCLATURE}

                def actes_bad(series: pl.Series, allowed: set[str] = allowed) -> pl.Series:
                    mapping: dict[str, bool] = {}
                    for value in series.drop_nulls().unique().to_list():
                        if "/" not in value:
                            mapping[value] = True
                            continue
                        prefix = value[: value.find("/")]
                        mapping[value] = not (_norm(prefix) in allowed and "/ " not in value)
                    return series.replace_strict(mapping, default=False, return_dtype=pl.Boolean)

                def actes_msg(vals: list[Any], allowed: set[str] = allowed) -> str:
                    value = str(vals[0])
                    if "/" not in value:
                        note = "le signe oblique « / » est manquant"
                    else:
                        prefix = value[: value.find("/")]
                        if _norm(prefix.rstrip()) in allowed or "/ " in value:
                            note = "le signe oblique ne doit être ni précédé ni suivi d'une espace"
                        else:
                            note = (
                                f"le préfixe de nomenclature Actes « {prefix} » n'est pas reconnu"
                            )
                    return (
                        f"La valeur « {value} » ne respecte pas le format des nomenclatures "
                        f"d'actes ({note})."
                    )

                mask = (col != "") & col.map_batches(actes_bad, return_dtype=pl.Boolean)
                out.row_checks.append(
                    RowCheck(name, column, mask.fill_null(False), [v(column)], actes_msg)
                )
            continue
        if name == "one-of-required":
            c1, c2 = params.get("column1"), params.get("column2")
            if not isinstance(c1, str) or not isinstance(c2, str):
                out.table_errors.append(
                    (name, None, "Le contrôle « one-of-required » est mal paramétré.")
                )
                continue
            if c1 not in present and c2 not in present:
                out.table_errors.append(
                    (
                        name,
                        None,
                        f"Les deux colonnes « {c1} » et « {c2} » sont manquantes : l'une "
                        "des deux est obligatoire.",
                    )
                )
                continue
            cols = [v(c) for c in (c1, c2) if c in present]
            mask = pl.all_horizontal([pl.col(c).is_null() for c in cols])
            out.row_checks.append(
                RowCheck(
                    name,
                    None,
                    mask,
                    cols,
                    _message(
                        lambda vals, c1, c2: (
                            f"Au moins l'une des colonnes « {c1} » ou "
                            f"« {c2} » doit comporter une valeur."
                        ),
                        c1=c1,
                        c2=c2,
                    ),
                    value_index=None,
                    template=True,
                )
            )
            continue
        column = params.get("column")
        if not isinstance(column, str):
            continue
        if name == "cohesive-columns-value":
            others = params.get("othercolumns") or []
            all_cols = [column, *others]
            if any(c not in present for c in all_cols):
                continue
            valued = [pl.col(v(c)).is_not_null() for c in all_cols]
            if not others:
                continue
            mask = pl.any_horizontal([x != valued[0] for x in valued[1:]])
            listed = ", ".join(all_cols)
            out.row_checks.append(
                RowCheck(
                    name,
                    column,
                    mask,
                    [v(column)],
                    _message(
                        lambda vals, listed: (
                            f"Incohérence relevée : les colonnes {listed} "
                            "doivent toutes comporter une valeur ou toutes être vides."
                        ),
                        listed=listed,
                    ),
                    template=True,
                )
            )
        elif name == "compare-columns-value":
            column2, op = params.get("column2"), params.get("op")
            if not isinstance(column2, str) or column not in present or column2 not in present:
                continue
            if op not in OPERATORS:
                out.table_errors.append(
                    (
                        name,
                        column,
                        f"L'opérateur « {op} » du contrôle de comparaison n'est pas géré.",
                    )
                )
                continue
            a, b = pl.col(v(column)), pl.col(v(column2))
            numeric = {"integer", "number", "year"}
            ta, tb = types.get(column), types.get(column2)
            if (ta in numeric) != (tb in numeric) or (ta != tb and ta not in numeric):
                a, b = a.cast(pl.String), b.cast(pl.String)
            result = {">": a > b, ">=": a >= b, "==": a == b, "<=": a <= b, "<": a < b}[op]
            mask = a.is_not_null() & b.is_not_null() & ~result
            label = OPERATORS[op]
            out.row_checks.append(
                RowCheck(
                    name,
                    column,
                    mask.fill_null(False),
                    [v(column), v(column2)],
                    _message(
                        lambda vals, c1, c2, label: (
                            f"La valeur de la colonne {c1} « {vals[0]} » devrait être {label} "
                            f"à la valeur de la colonne {c2} « {vals[1]} »."
                        ),
                        c1=column,
                        c2=column2,
                        label=label,
                    ),
                )
            )
        elif name == "sum-columns-value":
            columns = params.get("columns") or []
            all_cols = [column, *columns]
            if len(columns) < 2 or any(c not in present for c in all_cols):
                continue
            terms = [pl.col(v(c)).cast(pl.Float64) for c in columns]
            total = pl.sum_horizontal(terms)
            expected = pl.col(v(column)).cast(pl.Float64)
            everything = pl.all_horizontal([pl.col(v(c)).is_not_null() for c in all_cols])
            mask = everything & (total != expected)
            listed = ", ".join(columns)
            out.row_checks.append(
                RowCheck(
                    name,
                    column,
                    mask.fill_null(False),
                    [v(column)] + [v(c) for c in columns],
                    _message(
                        lambda vals, column, listed: (
                            f"La somme des colonnes {listed} "
                            f"({' + '.join(str(x) for x in vals[1:])}) est différente de la "
                            f"valeur de la colonne {column} « {vals[0]} »."
                        ),
                        column=column,
                        listed=listed,
                    ),
                )
            )
    return out
