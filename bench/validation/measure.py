"""Run one validator on one file in this process; print a JSON line with time and peak memory.

Usage: python bench/validation/measure.py MODE FILE SCHEMA KEYS_OUT
(MODE: engine, engine-csv, frictionless or polars)

``engine`` validates as the library does by default (counts, first 1,000 errors of
each type); ``engine-csv`` also writes the complete list of errors to a CSV file
while validating, as the platform does. Only the validation is timed; the
``(type, row, field)`` keys compared with frictionless are read afterwards (from
the report when it lists every error, else from the CSV).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
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
    elif mode in ("engine", "engine-csv"):
        import polars as pl

        from region27.validation.engine import validate

        target = Path(tempfile.mkdtemp()) / "errors.csv" if mode == "engine-csv" else None
        report = validate(file, schema, errors_csv=target)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the keys
        total = report.error_count
        if target is not None:
            rows = pl.read_csv(target, infer_schema=False).select(
                "type", pl.col("row").cast(pl.Int64), "field", "message"
            )
            listed = list(rows.iter_rows())
            target.unlink()
        elif report.complete:
            listed = [(e.type, e.row, e.field, e.message) for e in report.errors]
        else:
            listed = []  # the report lists part of the errors: no comparison
        for etype, row, field, message in listed:
            if etype in ENGINE_ONLY:
                continue
            if etype == "type-error" and "Validata" in message:
                lenient += 1  # documented difference: frictionless accepts 2019-3-7
                continue
            keys.append((etype, row, field or None))
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
    if mode not in ("engine", "engine-csv"):
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
