"""Type and constraint semantics (against frictionless), custom checks, CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from region27.validation.engine import validate
from region27.validation.engine.cli import run_cli

from .conftest import DATA, SCHEMAS, engine_keys, oracle

FIELDS = [
    {"name": "s", "type": "string"},
    {"name": "email", "type": "string", "format": "email"},
    {"name": "uuid", "type": "string", "format": "uuid"},
    {"name": "i", "type": "integer"},
    {"name": "n", "type": "number"},
    {"name": "nfr", "type": "number", "decimalChar": ",", "groupChar": " "},
    {"name": "b", "type": "boolean"},
    {"name": "bfr", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
    {"name": "d", "type": "date"},
    {"name": "dfr", "type": "date", "format": "%d/%m/%Y"},
    {"name": "dt", "type": "datetime"},
    {"name": "t", "type": "time"},
    {"name": "y", "type": "year"},
    {"name": "ym", "type": "yearmonth"},
    {"name": "dur", "type": "duration"},
    {"name": "gp", "type": "geopoint"},
    {"name": "gpa", "type": "geopoint", "format": "array"},
    {"name": "any", "type": "any"},
    {"name": "len", "type": "string", "constraints": {"minLength": 2, "maxLength": 3}},
    {"name": "pat", "type": "string", "constraints": {"pattern": "[A-Z]{2}\\d"}},
    {"name": "enum", "type": "string", "constraints": {"enum": ["oui", "non"]}},
    {"name": "range", "type": "integer", "constraints": {"minimum": 1, "maximum": 5}},
    {"name": "nrange", "type": "number", "constraints": {"minimum": 0.5}},
    {"name": "drange", "type": "date", "constraints": {"minimum": "2020-01-01"}},
    {"name": "u", "type": "string", "constraints": {"unique": True}},
]
CASES: dict[str, list[str]] = {
    "s": ["x", " spaces ", "é"],
    "email": ["a@b.fr", "pas-un-courriel", "a@b"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000", "123"],
    "i": ["1", "-7", "+3", "007", "1.0", "1e3", "abc"],
    "n": ["1", "1.5", "-2.5e3", ".5", "NaN", "INF", "1,5", "abc"],
    "nfr": ["1 234,5", "12,0", "1.5x"],
    "b": ["true", "False", "1", "0", "oui", "yes"],
    "bfr": ["oui", "non", "true"],
    "d": ["2020-02-29", "2021-02-29", "2020-13-01", "31/12/2020", "2020-01-01T00:00:00"],
    "dfr": ["31/12/2020", "2020-12-31", "32/01/2020"],
    "dt": ["2020-01-01T10:00:00", "2020-01-01T10:00:00Z", "2020-01-01T25:00:00", "hier"],
    "t": ["10:00:00", "25:00:00", "10h"],
    "y": ["2020", "20", "deux"],
    "ym": ["2020-01", "2020-13", "2020"],
    "dur": ["P1Y2M3DT4H5M6S", "PT1H", "1 heure"],
    "gp": ["2.35, 48.85", "200, 10", "x"],
    "gpa": ["[2.35, 48.85]", "[2.35]", "2.35, 48.85"],
    "any": ["n'importe quoi"],
    "len": ["ab", "a", "abcd"],
    "pat": ["AB1", "ab1", "AB12", "xAB1"],
    "enum": ["oui", "peut-être"],
    "range": ["1", "5", "0", "6", "x"],
    "nrange": ["0.5", "0.4"],
    "drange": ["2020-01-01", "2019-12-31"],
    "u": ["a", "b", "a", "a"],
}


def _table(tmp_path: Path) -> tuple[Path, dict[str, list[int]]]:
    names = [f["name"] for f in FIELDS]  # type: ignore[index]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    where: dict[str, list[int]] = {}
    row = 2
    for name, values in CASES.items():
        for value in values:
            cells = ["x" if n == "s" else "" for n in names]
            cells[names.index(name)] = value
            writer.writerow(cells)
            where.setdefault(name, []).append(row)
            row += 1
    path = tmp_path / "types.csv"
    path.write_text(out.getvalue(), "utf-8")
    return path, where


def test_types_and_constraints_match_frictionless(tmp_path: Path) -> None:
    path, _ = _table(tmp_path)
    schema = {"fields": FIELDS}
    report = validate(path, schema)
    ours = engine_keys(report)
    theirs = oracle(path, schema)
    only_ours = ours - theirs
    only_theirs = theirs - ours
    assert not only_ours and not only_theirs, (only_ours, only_theirs)


def test_type_errors_expected(tmp_path: Path) -> None:
    path, where = _table(tmp_path)
    report = validate(path, {"fields": FIELDS})
    bad = {(e.field, e.row) for e in report.errors}
    rows = {name: dict(zip(CASES[name], where[name], strict=True)) for name in CASES}
    assert ("i", rows["i"]["abc"]) in bad and ("i", rows["i"]["007"]) not in bad
    assert ("nfr", rows["nfr"]["1 234,5"]) not in bad
    assert ("bfr", rows["bfr"]["true"]) in bad
    assert ("d", rows["d"]["2021-02-29"]) in bad and ("d", rows["d"]["2020-02-29"]) not in bad
    assert ("dfr", rows["dfr"]["31/12/2020"]) not in bad
    assert ("gp", rows["gp"]["200, 10"]) in bad
    constraint = {(e.field, e.constraint) for e in report.errors if e.type == "constraint-error"}
    assert {
        ("len", "minLength"),
        ("len", "maxLength"),
        ("pat", "pattern"),
        ("enum", "enum"),
        ("range", "minimum"),
        ("range", "maximum"),
        ("nrange", "minimum"),
        ("drange", "minimum"),
    } <= constraint
    assert sum(1 for e in report.errors if e.type == "unique-error") == 2


def test_documented_difference_lenient_date(tmp_path: Path) -> None:
    """Difference n° 1 of docs/validation.md: frictionless accepts 2019-3-7."""
    path = tmp_path / "d.csv"
    path.write_bytes(b"d\n2019-3-7\n2019-03-07\n")
    schema = {"fields": [{"name": "d", "type": "date"}]}
    report = validate(path, schema)
    assert [(e.type, e.row) for e in report.errors] == [("type-error", 2)]
    assert "Validata" in report.errors[0].message
    assert not oracle(path, schema)


DELIB = SCHEMAS / "deliberations" / "schema.json"
DELIB_HEADER = (
    "COLL_NOM,COLL_SIRET,DELIB_ID,DELIB_DATE,DELIB_MATIERE_CODE,DELIB_MATIERE_NOM,DELIB_OBJET,"
    "BUDGET_ANNEE,BUDGET_NOM,PREF_ID,PREF_DATE,VOTE_EFFECTIF,VOTE_REEL,VOTE_POUR,VOTE_CONTRE,"
    "VOTE_ABSTENTION,DELIB_URL\n"
)


def _delib(row: str) -> list[tuple[str, str | None]]:
    report = validate((DELIB_HEADER + row + "\n").encode(), DELIB)
    return [(e.type, e.field) for e in report.errors]


def test_deliberations_custom_checks() -> None:
    ok = "Ville,21060004500392,D1,2020-01-01,7.1,Finances locales/Budget,Objet,2020,B,,2020-01-05,10,9,5,2,2,"
    assert _delib(ok) == []
    assert _delib(ok.replace("21060004500392", "21060004500393")) == [
        ("french-siret-value", "COLL_SIRET")
    ]
    assert _delib(ok.replace(",2020,B,", ",2021/2020,B,")) == [
        ("year-interval-value", "BUDGET_ANNEE")
    ]
    assert _delib(ok.replace(",2020,B,", ",2020,,")) == [("cohesive-columns-value", "BUDGET_ANNEE")]
    assert _delib(ok.replace("2020-01-05", "2019-12-31")) == [
        ("compare-columns-value", "PREF_DATE")
    ]
    assert ("sum-columns-value", "VOTE_REEL") in _delib(ok.replace(",5,2,2,", ",4,2,2,"))
    assert ("compare-columns-value", "VOTE_REEL") in _delib(ok.replace(",9,5,2,2,", ",9,10,2,2,"))
    assert _delib(ok.replace("Finances locales/Budget", "Finances / Budget")) == [
        ("nomenclature-actes-value", "DELIB_MATIERE_NOM")
    ]
    assert _delib(ok.replace("Finances locales/Budget", "finances LOCALES/Budget")) == []


def test_siret_la_poste_and_unknown_check() -> None:
    schema = {
        "fields": [{"name": "siret"}],
        "custom_checks": [
            {"name": "french-siret-value", "params": {"column": "siret"}},
            {"name": "inconnu", "params": {}},
        ],
    }
    report = validate(b"siret\n35600000000048\n35600000012345\n35600000012346\n", schema)
    assert [(e.type, e.row) for e in report.errors] == [("french-siret-value", 3)]
    assert [w.type for w in report.warnings] == ["unsupported-check"]


def test_max_errors_and_progress() -> None:
    data = b"i\n" + b"x\n" * 50
    seen: list[tuple[int, int | None]] = []
    report = validate(
        data,
        {"fields": [{"name": "i", "type": "integer"}]},
        max_errors=5,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(report.errors) == 5 and not report.valid
    assert seen and seen[-1][1] == len(data)
    assert report.to_dict().keys() == {
        "valid",
        "rows",
        "encoding",
        "delimiter",
        "errors",
        "warnings",
        "error_count",
        "counts",
    }


# ----------------------------------------------------------------------------- CLI


def test_cli_json_and_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    schema = str(SCHEMAS / "subventions" / "schema.json")
    valid = str(DATA / "exemple_valide_subventions1.csv")
    invalid = str(DATA / "exemple_invalide_subventions_french_siret_error1.csv")
    assert run_cli(["validate", valid, "--schema", schema]) == 0
    assert run_cli(["validate", invalid, "--schema", schema, "--json"]) == 1
    out = capsys.readouterr().out.strip().splitlines()[-1]
    payload = json.loads(out)
    assert payload["valid"] is False
    assert payload["errors"][0]["type"] == "french-siret-value"
    assert set(payload["errors"][0]) == {"type", "row", "field", "constraint", "value", "message"}
    assert run_cli(["validate", str(tmp_path / "absent.csv"), "--schema", schema]) == 2
    assert "Erreur" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    assert run_cli(["validate", valid, "--schema", str(bad)]) == 2
    assert run_cli(["validate", valid]) == 2  # --schema missing
    assert run_cli(["validate", invalid, "--schema", schema, "--max-errors", "1"]) == 1


def test_cli_resolve_schema_hook(capsys: pytest.CaptureFixture[str]) -> None:
    descriptor = json.loads((SCHEMAS / "subventions" / "schema.json").read_text("utf-8"))

    def resolve(name: str) -> dict[str, object]:
        if name == "scdl/subventions@2.1.1":
            return descriptor
        raise LookupError(name)

    valid = str(DATA / "exemple_valide_subventions2.csv")
    assert (
        run_cli(["validate", valid, "--schema", "scdl/subventions@2.1.1"], resolve_schema=resolve)
        == 0
    )
    capsys.readouterr()
