"""Parity with frictionless 5 (the oracle) on SCDL fixtures and generated files."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import ModuleType

import pytest

from region27.validation.engine import validate

from .conftest import (
    DATA,
    SCHEMAS,
    SHARED,
    engine_keys,
    lenient_date_keys,
    load_schema_json,
    oracle,
)

FIXTURES = sorted(DATA.glob("exemple_*subventions*.csv"))


def _expected_type(name: str) -> str | None:
    if name.startswith("exemple_valide"):
        return None
    if "constraint_error" in name:
        return "constraint-error"
    if "french_siret" in name:
        return "french-siret-value"
    return "one-of-required"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_validata_fixtures_expected_outcome(path: Path) -> None:
    report = validate(path, SCHEMAS / "subventions" / "schema.json")
    expected = _expected_type(path.name)
    assert report.rows == 1
    if expected is None:
        assert report.valid, report.to_dict()
    else:
        assert not report.valid
        assert {e.type for e in report.errors} == {expected}
    # missing optional columns are warnings, never errors
    assert all(w.type == "missing-label" for w in report.warnings)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_validata_fixtures_parity(path: Path) -> None:
    schema = load_schema_json("subventions")
    report = validate(path, schema)
    assert engine_keys(report) == oracle(path, schema)


def test_irve_example_valid() -> None:
    schema = load_schema_json("irve-statique")
    path = DATA / "irve-exemple-valide-statique.csv"
    report = validate(path, schema)
    assert report.valid and report.rows == 2
    assert engine_keys(report) == oracle(path, schema)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared absent")
@pytest.mark.parametrize(
    "name", ["budget", "catalogue", "deliberations", "equipements", "irve-statique", "subventions"]
)
def test_shipped_schemas_identical_to_shared(name: str) -> None:
    assert (SCHEMAS / name / "schema.json").read_bytes() == (
        SHARED / name / "schema.json"
    ).read_bytes()


@pytest.mark.parametrize("kind", ["subventions", "deliberations"])
@pytest.mark.parametrize("pk", [False, True])
def test_generated_files_parity(kind: str, pk: bool, generator: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        generator.generate(kind, 1000, handle, pk=pk, error_rate=0.03, seed=7)
    schema = generator.schema_for(kind, pk)
    report = validate(path, schema)
    ours = engine_keys(report)
    theirs = oracle(path, schema)
    lenient = lenient_date_keys(report)
    assert lenient, "the generator injects dates frictionless accepts"
    assert ours - lenient == theirs
    # every kind of injected error is found
    types = {e.type for e in report.errors}
    assert {"type-error", "constraint-error", "missing-cell", "extra-cell", "blank-row"} <= types
    assert ("primary-key" in types) == pk
    assert "french-siret-value" in types


STRUCTURE_SCHEMA = {
    "fields": [
        {"name": "a", "type": "string", "constraints": {"required": True}},
        {"name": "b", "type": "date"},
        {"name": "c", "type": "integer", "constraints": {"required": True, "minimum": 0}},
        {"name": "d", "type": "string"},
    ],
    "primaryKey": ["a"],
}


def test_structure_parity(tmp_path: Path) -> None:
    data = (
        "a,c,b,d\r\n1,2,2019-03-07,x\r\n1,3,2019-03-08,y\r\n\r\n,4,,\r\n5\r\n"
        '"mul\r\nti, line",6,2020-01-01,"q""uote"\r\n7,8,2020-01-01,z,extra,\r\n'
        ",,,\r\n9,-1,bad,\r\n"
    )
    path = tmp_path / "s.csv"
    path.write_bytes(data.encode())
    report = validate(path, STRUCTURE_SCHEMA)
    assert engine_keys(report) == oracle(path, STRUCTURE_SCHEMA)
    assert report.rows == 9
    assert report.to_dict()["errors"][0]["row"] == 3


def test_generated_bytes_deterministic(generator: ModuleType) -> None:
    first, second = io.StringIO(), io.StringIO()
    generator.generate("subventions", 300, first, pk=True, error_rate=0.05, seed=3)
    generator.generate("subventions", 300, second, pk=True, error_rate=0.05, seed=3)
    assert first.getvalue() == second.getvalue()


def test_small_chunks_give_same_errors(generator: ModuleType, tmp_path: Path) -> None:
    from region27.validation.engine import Limits

    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        generator.generate("deliberations", 800, handle, pk=True, error_rate=0.05, seed=11)
    schema = generator.schema_for("deliberations", True)
    whole = validate(path, schema).to_dict()
    chunked = validate(path, schema, limits=Limits(chunk_size=4096)).to_dict()
    assert whole == chunked
    assert json.dumps(whole)
