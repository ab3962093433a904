"""The vectorised shortcuts of the engine agree with their plain Python definitions."""

from __future__ import annotations

import csv
import io
import itertools
import random

import polars as pl
import pytest

from region27.validation.engine.checks import number_check
from region27.validation.engine.model import Limits
from region27.validation.engine.schema import load_schema
from region27.validation.engine.source import _is_utf8, _parse_block
from region27.validation.engine.types import _INT_RE, _NUM, _SPECIAL_NUM, type_exprs


def _python_rows(data: bytes, delimiter: str) -> list[list[str]]:
    text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _random_block(rng: random.Random, delimiter: str, crlf: bool) -> bytes:
    eol = "\r\n" if crlf else "\n"
    pieces = ["a", "bé", "", " ", "x y", f"q{delimiter}r", 'say ""hi""', f"l1{eol}l2", '"']
    lines = []
    for _ in range(rng.randrange(1, 40)):
        cells = []
        for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 6])):
            value = rng.choice(pieces)
            quoted = delimiter in value or "\n" in value or '"' in value or rng.random() < 0.2
            if quoted:
                value = '"' + value.replace('""', '"').replace('"', '""') + '"'
            cells.append(value)
        lines.append(delimiter.join(cells))
    text = eol.join(lines)
    if rng.random() < 0.8:
        text += eol
    return text.encode("utf-8")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("crlf", [False, True])
def test_cells_of_each_record_are_counted_like_csv(delimiter: str, crlf: bool) -> None:
    """Counts come from the record's bytes and the cells polars parsed (no delimiter
    scan): short, exact and long records, quoted delimiters, newlines and quotes."""
    rng = random.Random(27)
    for _ in range(200):
        data = _random_block(rng, delimiter, crlf)
        rows = _python_rows(data, delimiter)
        for width in (1, 3):
            chunk = _parse_block(data, width, delimiter, Limits())
            assert chunk.counts.to_list() == [len(r) for r in rows], data


@pytest.mark.parametrize("width", [1, 3, 4])
def test_parse_block_matches_python_parser(width: int) -> None:
    rng = random.Random(width)
    names = [f"c{i}" for i in range(width)]
    for _ in range(100):
        data = _random_block(rng, ",", rng.random() < 0.5)
        rows = _python_rows(data, ",")
        chunk = _parse_block(data, width, ",", Limits())
        assert chunk.counts.to_list() == [len(r) for r in rows]

        # line breaks inside extra cells may come back normalised to "\n" (the
        # engine always did so on its fast path)
        def norm(extras: dict[int, list[str]]) -> dict[int, list[str]]:
            return {i: [v.replace("\r\n", "\n") for v in vals] for i, vals in extras.items()}

        expected_extras = {i: r[width:] for i, r in enumerate(rows) if len(r) > width}
        assert norm(chunk.extras) == norm(expected_extras)
        expected = [tuple(r[j] if j < len(r) else "" for j in range(width)) for r in rows]
        assert chunk.frame.select(names).rows() == expected


def test_is_utf8() -> None:
    assert _is_utf8("École ✓".encode())
    assert not _is_utf8("École".encode("cp1252"))
    assert not _is_utf8(b"\xed\xa0\x80")  # surrogate
    assert not _is_utf8(b"\xc0\xaf")  # overlong


def _luhn(digits: str) -> bool:
    total = 0
    for rank, char in enumerate(reversed(digits)):
        d = int(char) * (2 if rank % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _siret_ok(value: str) -> bool:
    v = value.replace(" ", "").replace(".", "").strip()
    if len(v) != 14 or not v.isascii() or not v.isdigit():
        return False
    if v.startswith("356000000") and v != "35600000000048":
        return sum(map(int, v)) % 5 == 0 and _luhn(v[:9])
    return _luhn(v) and _luhn(v[:9])


def _siren_ok(value: str) -> bool:
    v = value.replace(" ", "").replace(".", "").strip()
    return len(v) == 9 and v.isascii() and v.isdigit() and _luhn(v)


def test_siret_siren_vectorised() -> None:
    rng = random.Random(5)
    values: list[str | None] = [None, "", "35600000000048", " 732 829 320 00074 ", "1234５6789"]
    for _ in range(5000):
        v = "".join(rng.choice("0123456789") for _ in range(rng.choice([9, 13, 14, 15])))
        if rng.random() < 0.05:
            v = "356000000" + v[9:]
        if rng.random() < 0.05:
            v = v[:3] + rng.choice([" ", ".", "a"]) + v[3:]
        values.append(v)
    series = pl.Series("x", values, dtype=pl.String)
    got14 = number_check(series, 14, True).to_list()
    got9 = number_check(series, 9, False).to_list()
    assert got14 == [v is not None and _siret_ok(v) for v in values]
    assert got9 == [v is not None and _siren_ok(v) for v in values]


def test_cast_accepts_only_what_the_type_pattern_accepts() -> None:
    """types._cast_first relies on it: a string polars casts is lexically valid."""
    rng = random.Random(11)
    alphabet = "0123456789+-.eEinfatyINFATY _x\t,"
    values = {"".join(t) for n in range(1, 5) for t in itertools.product("01+-.eEn ", repeat=n)}
    values |= {
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))) for _ in range(60_000)
    }
    values |= {"inf", "-Infinity", "NaN", "1E+05", ".5", "5.", "0x1p3", "1_0", "١٢", "1e", "e5"}
    series = pl.Series(sorted(values))
    for dtype, pattern in (
        (pl.Int64, _INT_RE),
        (pl.Float64, f"^(?:{_NUM}|{_SPECIAL_NUM})$"),
    ):
        cast_ok = series.cast(dtype, strict=False).is_not_null()
        assert cast_ok.sum() > 100
        assert series.filter(cast_ok & ~series.str.contains(pattern)).to_list() == []


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ({"type": "integer"}, ["5", "+5", " 5 ", "05", "1.0", "99999999999999999999", "x", "-"]),
        ({"type": "number"}, ["5", " 5.5 ", "1e3", "NaN", "-inf", "1,5", "x", ".", "5."]),
    ],
)
def test_cast_first_types_like_the_pattern(field: dict[str, str], values: list[str]) -> None:
    """Same ``ok`` and typed values as the pattern applied to every cell."""
    f = load_schema({"fields": [{"name": "x", **field}]}).fields[0]
    frame = pl.DataFrame({"x": values})
    got = frame.select(ok=type_exprs(pl.col("x"), f).ok, typed=type_exprs(pl.col("x"), f).typed)
    if f.type == "integer":
        want_ok = frame["x"].str.contains(_INT_RE)
        want_typed = frame["x"].str.strip_chars().cast(pl.Int64, strict=False)
    else:
        stripped = frame["x"].str.strip_chars()
        want_ok = stripped.str.contains(f"^(?:{_NUM}|{_SPECIAL_NUM})$")
        want_typed = stripped.cast(pl.Float64, strict=False)
    assert got["ok"].to_list() == want_ok.to_list()
    assert got["typed"].cast(pl.String).to_list() == want_typed.cast(pl.String).to_list()
