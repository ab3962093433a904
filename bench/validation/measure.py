"""Run one validator on one file in this process; print a JSON line with time and peak memory.

Usage: python bench/validation/measure.py {engine,frictionless,polars} FILE SCHEMA KEYS_OUT
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

# error types frictionless cannot report (see docs/validation.md)
ENGINE_ONLY = {
    "missing-label",
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


def main() -> None:
    mode, file, schema_path, keys_out = sys.argv[1:5]
    schema = json.loads(Path(schema_path).read_text("utf-8"))
    started = time.perf_counter()
    cpu_started = time.process_time()
    keys: list[tuple[str, int | None, str | None]] = []
    lenient = 0
    total = 0
    if mode == "polars":
        import polars as pl

        frame = pl.read_csv(file, infer_schema=False, truncate_ragged_lines=True)
        total = frame.height
    elif mode == "engine":
        from region27.validation.engine import validate

        report = validate(file, schema)
        total = len(report.errors)
        for e in report.errors:
            if e.type in ENGINE_ONLY:
                continue
            if e.type == "type-error" and "Validata" in e.message:
                lenient += 1  # documented difference: frictionless accepts 2019-3-7
                continue
            keys.append((e.type, e.row, e.field))
    elif mode == "frictionless":
        import warnings

        warnings.simplefilter("ignore")
        from frictionless import Detector, Resource, Schema

        path = Path(file)
        table = Resource(  # type: ignore[misc]
            path.name,
            basepath=str(path.parent),
            schema=Schema.from_descriptor({**schema, "fieldsMatch": "superset"}),
            detector=Detector(),
        )
        oracle = table.validate(limit_errors=10**9)
        for t, r, f in oracle.flatten(["type", "rowNumber", "fieldName"]):
            keys.append((t, r, f or None))
        total = len(keys)
    else:
        raise SystemExit(f"unknown mode {mode}")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # every thread of the process
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path(keys_out).write_text(json.dumps(sorted(keys, key=str)), "utf-8")
    print(
        json.dumps(
            {
                "mode": mode,
                "seconds": round(elapsed, 3),
                "cpu_seconds": round(cpu, 3),
                "peak_mib": round(peak_kib / 1024, 1),
                "errors": total,
                "compared": len(keys),
                "lenient": lenient,
            }
        )
    )


if __name__ == "__main__":
    main()
