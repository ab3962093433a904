"""Benchmark: frictionless 5 vs the region27 engine vs a plain polars read.

Usage:
    python bench/validation/run.py --rows 100000 1000000 [--kinds subventions deliberations]
        [--no-frictionless-above N] [--repeat N] [--out bench/results/validation.md]

Files are generated (deterministically) in a temporary folder deleted afterwards.
Each measurement runs in its own subprocess (time inside the process, peak RSS
from ``getrusage(RUSAGE_SELF).ru_maxrss``, which includes the interpreter). The
polars read and the engine run ``--repeat`` times (default 2) and the best time is
kept (the machine is shared); the 1-minute load average is printed with each line.
"engine vs read (CPU)" compares the CPU time of the two processes (all threads,
``time.process_time``) of those best runs: less sensitive to the other jobs of a
shared machine than the wall-clock ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, schema_for  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["subventions", "deliberations"])
    parser.add_argument("--no-frictionless-above", type=int, default=1_000_000)
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=2, help="runs of polars/engine (best kept)")
    parser.add_argument("--out", default=None, help="append a Markdown table to this file")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="r27-bench-"))
    lines = [
        "| file | rows | pk | size MiB | polars read s / MiB | engine s / MiB "
        "| frictionless s / MiB | engine vs frictionless | engine vs read "
        "| engine vs read (CPU) | same errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    try:
        for rows in args.rows:
            for kind in args.kinds:
                for pk in (False, True):
                    csv_path = tmp / f"{kind}-{rows}-{int(pk)}.csv"
                    schema_path = tmp / f"{kind}-{int(pk)}.schema.json"
                    started = time.perf_counter()
                    with csv_path.open("w", encoding="utf-8", newline="") as handle:
                        generate(kind, rows, handle, pk=pk, error_rate=args.error_rate)
                    schema_path.write_text(json.dumps(schema_for(kind, pk)), "utf-8")
                    gen_s = time.perf_counter() - started
                    size = csv_path.stat().st_size / 2**20
                    res = {}
                    loads = [os.getloadavg()[0]]
                    for mode in ("polars", "engine"):
                        runs = [
                            measure(mode, csv_path, schema_path, tmp / f"{mode}.keys.json")
                            for _ in range(max(args.repeat, 1))
                        ]
                        res[mode] = min(runs, key=lambda r: float(r["seconds"]))
                        loads.append(os.getloadavg()[0])
                    same = "n/a"
                    if rows <= args.no_frictionless_above:
                        res["frictionless"] = measure(
                            "frictionless", csv_path, schema_path, tmp / "frictionless.keys.json"
                        )
                        same = (
                            "yes"
                            if (tmp / "engine.keys.json").read_text()
                            == (tmp / "frictionless.keys.json").read_text()
                            else "NO"
                        )
                    e, p = res["engine"], res["polars"]
                    f = res.get("frictionless")
                    fr = f"{f['seconds']:.2f} / {f['peak_mib']:.0f}" if f else "skipped"
                    speedup = f"{f['seconds'] / e['seconds']:.1f}x" if f else "-"
                    line = (
                        f"| {kind} | {rows:,} | {'yes' if pk else 'no'} | {size:.0f} | "
                        f"{p['seconds']:.2f} / {p['peak_mib']:.0f} | "
                        f"{e['seconds']:.2f} / {e['peak_mib']:.0f} | {fr} | {speedup} | "
                        f"{e['seconds'] / p['seconds']:.1f}x | "
                        f"{e['cpu_seconds'] / p['cpu_seconds']:.1f}x | {same} "
                        f"({e['errors']} errors, {e['lenient']} lenient dates) |"
                    )
                    lines.append(line)
                    loads.append(os.getloadavg()[0])
                    print(
                        line,
                        f"(generated in {gen_s:.1f} s, load {min(loads):.1f}-{max(loads):.1f})",
                        flush=True,
                    )
                    csv_path.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    header = (
        f"\n### Run {time.strftime('%Y-%m-%d %H:%M')} — Python {platform.python_version()}, "
        f"{platform.machine()}, command: `{' '.join(['python', *sys.argv])}`\n\n"
    )
    text = header + "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
