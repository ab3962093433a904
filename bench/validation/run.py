"""Benchmark: the region27 engine against a plain polars read and frictionless 5.

Usage:
    python bench/validation/run.py [--rows 1000000] [--kinds subventions deliberations]
        [--repeat 5] [--wrong-siret] [--frictionless run|skip|DIR] [--out FILE]

Files are generated (deterministically) in a temporary folder deleted afterwards:
each kind without and with a ``primaryKey``, and with ``--wrong-siret`` a
subventions file whose ``idAttribuant`` has a wrong key on every row (one error
per row). Each measurement runs in its own subprocess (``measure.py``: time and
CPU time of the validation only, peak RSS from ``getrusage``, interpreter
included). The machine is shared: the plain read, the engine and the engine
writing the CSV of every error (``engine-csv``, what the platform does) run
**alternately** ``--repeat`` times and the **medians** are kept; the 1-minute
load average is read before and after each file. "CPU" ratios compare the
processes' CPU time (all threads), less sensitive to the other jobs than wall
time. frictionless runs once per file (``run``), is skipped (``skip``), or is read
from a folder of earlier ``measure.py`` outputs named ``<file>.json`` and
``<file>.keys.json`` (``DIR``: the 1 M frictionless runs take minutes each).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, schema_for  # noqa: E402

MODES = ("polars", "engine", "engine-csv")


def measure(mode: str, csv_path: Path, schema_path: Path, keys_path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "measure.py"),
            mode,
            str(csv_path),
            str(schema_path),
            str(keys_path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["subventions", "deliberations"])
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs (medians kept)")
    parser.add_argument("--wrong-siret", action="store_true", help="add the all-wrong file")
    parser.add_argument("--frictionless", default="run", help="run, skip, or a results folder")
    parser.add_argument("--out", default=None, help="append a Markdown table to this file")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="r27-bench-"))
    lines = [
        "| file | rows | pk | MiB | read s (CPU) | engine s (CPU) / MiB "
        "| engine + CSV s (CPU) / MiB | frictionless s (CPU) | engine vs read "
        "| engine vs read, CPU | engine + CSV vs read | vs frictionless | "
        "vs frictionless, CPU | errors | same errors | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    cases = [(kind, rows, pk, False) for rows in args.rows for kind in args.kinds for pk in (0, 1)]
    if args.wrong_siret:
        cases += [("subventions", rows, 0, True) for rows in args.rows]
    try:
        for kind, rows, pk, wrong in cases:
            name = f"{kind}-{rows}-{pk}" + ("-wrong" if wrong else "")
            csv_path = tmp / f"{name}.csv"
            schema_path = tmp / f"{name}.schema.json"
            with csv_path.open("w", encoding="utf-8", newline="") as handle:
                generate(
                    kind,
                    rows,
                    handle,
                    pk=bool(pk),
                    error_rate=args.error_rate,
                    wrong_siret=wrong,
                )
            schema_path.write_text(json.dumps(schema_for(kind, bool(pk))), "utf-8")
            size = csv_path.stat().st_size / 2**20
            loads = [os.getloadavg()[0]]
            runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
            for _ in range(max(args.repeat, 1)):
                for mode in MODES:
                    keys = tmp / f"{mode}.keys.json"
                    runs[mode].append(measure(mode, csv_path, schema_path, keys))
            loads.append(os.getloadavg()[0])
            fr: dict[str, Any] | None = None
            fr_keys = tmp / "frictionless.keys.json"
            if args.frictionless == "run":
                fr = measure("frictionless", csv_path, schema_path, fr_keys)
                loads.append(os.getloadavg()[0])
            elif args.frictionless != "skip":
                cached = Path(args.frictionless) / f"{name}.json"
                if cached.exists() and cached.read_text().strip():
                    fr = json.loads(cached.read_text())
                    shutil.copy(Path(args.frictionless) / f"{name}.keys.json", fr_keys)
            same = "n/a"
            if fr is not None:
                ours = (tmp / "engine-csv.keys.json").read_text()
                same = "yes" if ours == fr_keys.read_text() else "NO"
            med = {m: (_median(runs[m], "seconds"), _median(runs[m], "cpu_seconds")) for m in MODES}
            peak = {m: max(float(r["peak_mib"]) for r in runs[m]) for m in MODES}
            (p, pc), (e, ec), (c, cc) = med["polars"], med["engine"], med["engine-csv"]
            fr_cell, vs_fr, vs_fr_cpu = "skipped", "-", "-"
            if fr is not None:
                fr_cell = f"{fr['seconds']:.1f} ({fr['cpu_seconds']:.1f})"
                vs_fr = f"{fr['seconds'] / c:.0f}x"
                vs_fr_cpu = f"{fr['cpu_seconds'] / cc:.0f}x"
            last = runs["engine-csv"][-1]
            line = (
                f"| {kind}{' (SIRET wrong on every row)' if wrong else ''} | {rows:,} | "
                f"{'yes' if pk else 'no'} | {size:.0f} | {p:.2f} ({pc:.2f}) | "
                f"{e:.2f} ({ec:.2f}) / {peak['engine']:.0f} | "
                f"{c:.2f} ({cc:.2f}) / {peak['engine-csv']:.0f} | {fr_cell} | "
                f"{e / p:.1f}x | {ec / pc:.1f}x | {c / p:.1f}x | {vs_fr} | {vs_fr_cpu} | "
                f"{last['errors']:,} | {same} ({last['lenient']} lenient dates) | "
                f"{min(loads):.1f}–{max(loads):.1f} |"
            )
            lines.append(line)
            print(line, flush=True)
            csv_path.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    header = (
        f"\n### Run {time.strftime('%Y-%m-%d %H:%M')} — Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, command: "
        f"`{' '.join(['python', *sys.argv])}`\n\n"
    )
    text = header + "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
