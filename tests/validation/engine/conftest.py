"""Shared helpers for the validation engine tests (frictionless is the oracle)."""

from __future__ import annotations

import collections
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parent / "data"
SCHEMAS = ROOT / "src" / "region27" / "validation" / "data" / "schemas"
SHARED = ROOT.parent / "shared" / "data" / "schemas"

# Error types the engine reports that plain frictionless never does (documented in
# docs/validation.md, "Différences avec frictionless").
ENGINE_ONLY = {
    "missing-label",  # columns matched by name: frictionless schema_sync stays silent
    "extra-label",
    "french-siret-value",
    "french-siren-value",
    "one-of-required",
    "year-interval-value",
    "cohesive-columns-value",
    "compare-columns-value",
    "sum-columns-value",
    "nomenclature-actes-value",
}

Key = tuple[str, int | None, str | None]


def load_schema_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name / "schema.json").read_text("utf-8"))
    return data


def oracle(path: Path, schema: dict[str, Any]) -> collections.Counter[Key]:
    """Errors found by frictionless 5 (columns matched by name, no error cap)."""
    from frictionless import Detector, Resource, Schema

    # fieldsMatch "superset" (what Detector(schema_sync=True) did): columns matched by
    # name, absent schema fields tolerated (that is what Validata does)
    descriptor = {**schema, "fieldsMatch": "superset"}
    resource = Resource(  # type: ignore[misc]
        path.name,
        basepath=str(path.parent),
        schema=Schema.from_descriptor(descriptor),
        detector=Detector(),
    )
    report = resource.validate(limit_errors=10**9)
    return collections.Counter(
        (t, r, f or None) for t, r, f in report.flatten(["type", "rowNumber", "fieldName"])
    )


def engine_keys(report: Any, *, drop_engine_only: bool = True) -> collections.Counter[Key]:
    return collections.Counter(
        (e.type, e.row, e.field)
        for e in report.errors
        if not (drop_engine_only and e.type in ENGINE_ONLY)
    )


def lenient_date_keys(report: Any) -> collections.Counter[Key]:
    """Type errors on dates that frictionless (and Validata) accept, e.g. 2019-3-7."""
    return collections.Counter(
        (e.type, e.row, e.field)
        for e in report.errors
        if e.type == "type-error" and "Validata" in e.message
    )


def _load_generator() -> ModuleType:
    path = ROOT / "bench" / "validation" / "generate.py"
    spec = importlib.util.spec_from_file_location("r27_bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generator() -> ModuleType:
    return _load_generator()


def pytest_configure(config: pytest.Config) -> None:
    """Allow ``-p no:django`` (engine tests need no Django).

    Without pytest-django nobody declares the ``DJANGO_SETTINGS_MODULE`` ini key of
    pyproject.toml, and pytest's "unknown config option" warning is turned into an
    error by ``filterwarnings = error``. Declare it here when the plugin is off.
    """
    if config.pluginmanager.has_plugin("django"):
        return
    parser = config._parser  # no public API to declare an ini key after start-up
    if "DJANGO_SETTINGS_MODULE" not in parser._inidict:
        parser.addini("DJANGO_SETTINGS_MODULE", "declared by pytest-django (absent here)")
