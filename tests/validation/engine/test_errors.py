"""Errors counted, kept in part and streamed in full (CSV, ``--json``), with bounded memory."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest

from region27.validation.engine import Limits, validate
from region27.validation.engine import validator as engine_validator
from region27.validation.engine.cli import run_cli
from region27.validation.engine.errors import ERROR_COLUMNS

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "siret", "type": "string"},
    ],
    "custom_checks": [{"name": "french-siret-value", "params": {"column": "siret"}}],
}
GOOD_SIRET = "73282932000074"
BAD_SIRET = "73282932000075"


def _file(rows: int, *, duplicate_every: int = 0) -> bytes:
    """Every row has a wrong SIRET key; one row in 10 a negative number, one in 500
    a word; with ``duplicate_every``, that row repeats the previous identifier."""
    lines = ["id,n,siret"]
    for i in range(rows):
        ident = f"R{i - 1}" if duplicate_every and i % duplicate_every == 1 else f"R{i}"
        n = "douze" if i % 500 == 7 else ("-1" if i % 10 == 3 else str(i))
        lines.append(f"{ident},{n},{BAD_SIRET}")
    return ("\n".join(lines) + "\n").encode()


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _as_csv(errors: list[dict[str, Any]]) -> list[list[str]]:
    return [["" if e[k] is None else str(e[k]) for k in ERROR_COLUMNS] for e in errors]


def test_counts_everything_and_keeps_the_first_thousand_of_each_type() -> None:
    report = validate(_file(2_500), SCHEMA)
    assert not report.valid and report.rows == 2_500
    assert report.error_count == 2_500 + 250 + 5
    assert {(c.type, c.field, c.constraint): c.count for c in report.counts} == {
        ("french-siret-value", "siret", None): 2_500,
        ("constraint-error", "n", "minimum"): 250,
        ("type-error", "n", None): 5,
    }
    assert [c.type for c in report.counts] == [
        "french-siret-value",
        "constraint-error",
        "type-error",
    ]  # most frequent first
    kept = [e for e in report.errors if e.type == "french-siret-value"]
    assert [e.row for e in kept] == list(range(2, 1_002))  # the first 1,000, in order
    assert len(report.errors) == 1_000 + 250 + 5 and not report.complete
    rows = [(e.row or 0, e.column or 0) for e in report.errors]
    assert rows == sorted(rows)
    assert report.to_dict()["error_count"] == report.error_count
    assert report.to_dict()["counts"][0] == {
        "type": "french-siret-value",
        "field": "siret",
        "constraint": None,
        "count": 2_500,
    }
    assert validate(_file(20), SCHEMA, keep_per_type=None).complete


def test_the_csv_lists_every_error_in_report_order(tmp_path: Path) -> None:
    data = _file(3_000)
    target = tmp_path / "erreurs.csv"
    small = Limits(chunk_size=4_096)  # many blocks
    report = validate(data, SCHEMA, errors_csv=target, limits=small)
    every = validate(data, SCHEMA, keep_per_type=None, limits=small)
    assert every.error_count == report.error_count == len(every.errors)
    written = _csv_rows(target.read_bytes())
    assert written[0] == list(ERROR_COLUMNS)
    assert written[1:] == _as_csv(every.to_dict()["errors"])
    assert target.read_bytes().count(b"\r\n") == len(written)


@pytest.mark.parametrize("block", [4_096, 16 * 1024**2])
def test_key_errors_are_merged_in_row_order_into_the_stream(block: int) -> None:
    schema = {**SCHEMA, "primaryKey": ["id"]}
    data = _file(2_000, duplicate_every=7)
    frames: list[pl.DataFrame] = []
    limits = Limits(chunk_size=block)
    report = validate(data, schema, error_sink=frames.append, limits=limits)
    every = validate(data, schema, keep_per_type=None, limits=limits)
    streamed = pl.concat(frames).select(ERROR_COLUMNS).to_dicts()
    assert streamed == every.to_dict()["errors"]
    assert sum(1 for e in streamed if e["type"] == "primary-key") == 286
    assert report.error_count == len(streamed)


@pytest.mark.parametrize("vector_min_rows", [-1, 10**9])
def test_polars_and_python_messages_are_the_same(
    vector_min_rows: int,
    generator: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Blocks with many errors build them with polars, blocks with few in Python:
    the errors (messages, values, order) must not depend on the path."""
    for kind in ("subventions", "deliberations"):
        path = tmp_path / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            generator.generate(kind, 1_500, handle, pk=True, error_rate=0.05, seed=3)
        schema = generator.schema_for(kind, True)
        expected = validate(path, schema, keep_per_type=None).to_dict()
        monkeypatch.setattr(engine_validator, "VECTOR_MIN_ROWS", vector_min_rows)
        assert validate(path, schema, keep_per_type=None).to_dict() == expected
        monkeypatch.undo()
    assert len(expected["errors"]) > 50


def test_a_long_value_is_cut_the_same_way_by_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    data = ("n\n" + ("é" * 600 + "\n") * 3).encode()
    schema = {"fields": [{"name": "n", "type": "integer"}]}
    few = validate(data, schema).to_dict()["errors"]
    monkeypatch.setattr(engine_validator, "VECTOR_MIN_ROWS", -1)
    many = validate(data, schema).to_dict()["errors"]
    assert few == many and len(few) == 3
    assert few[0]["value"] == "é" * 500 + "…"


def test_max_errors_caps_the_stream_too() -> None:
    frames: list[pl.DataFrame] = []
    report = validate(_file(1_000), SCHEMA, max_errors=30, error_sink=frames.append)
    assert report.truncated and report.error_count == 30
    assert sum(f.height for f in frames) == 30


def test_wrong_siret_on_every_row_gives_one_error_per_row(generator: ModuleType) -> None:
    out = io.StringIO()
    generator.generate("subventions", 3_000, out, error_rate=0, wrong_siret=True)
    report = validate(out.getvalue().encode(), generator.schema_for("subventions", False))
    assert {(c.type, c.field): c.count for c in report.counts} == {
        ("french-siret-value", "idAttribuant"): 3_000
    }
    assert len(report.errors) == 1_000


# ----------------------------------------------------------------------------- CLI


def _on_disk(tmp_path: Path, data: bytes) -> tuple[str, str]:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA), "utf-8")
    return str(path), str(schema)


def test_cli_json_prints_every_error_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, schema = _on_disk(tmp_path, _file(2_100))
    assert run_cli(["validate", path, "--schema", schema, "--json"]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    payload = json.loads(out)
    every = validate(path, SCHEMA, keep_per_type=None).to_dict()
    assert payload == every
    assert len(payload["errors"]) == payload["error_count"] == 2_100 + 210 + 5


def test_cli_text_shows_counts_and_writes_the_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, schema = _on_disk(tmp_path, _file(1_200))
    target = tmp_path / "toutes.csv"
    code = run_cli(["validate", path, "--schema", schema, "--errors-csv", str(target)])
    assert code == 1
    out = capsys.readouterr().out
    assert out.startswith("INVALIDE : 1200 lignes, 1323 erreur(s)")
    assert "1200 × [french-siret-value] colonne « siret »" in out
    assert "120 × [constraint-error (minimum)] colonne « n »" in out
    assert "200 autre(s) erreur(s) non affichée(s)" in out and str(target) in out
    assert len(_csv_rows(target.read_bytes())) == 1 + 1_323


def test_cli_json_stays_json_when_a_later_block_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # UTF-8 first, then a Windows-1252 byte: refused as a mixed encoding
    # (beyond the first 64 KiB, read to find the delimiter)
    path, schema = _on_disk(tmp_path, _file(5_000) + "R9,1,é\n".encode() + b"R10,1,\xe9\n")
    monkeypatch.setattr(engine_validator, "Limits", lambda: Limits(chunk_size=16_384))
    assert run_cli(["validate", path, "--schema", schema, "--json"]) == 2
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload["valid"] is False and payload["failure"]["code"] == "mixed-encoding"
    assert payload["errors"] and "mixed-encoding" in captured.err
