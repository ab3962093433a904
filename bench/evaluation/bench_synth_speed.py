"""Benchmark: Proposition 99, the treated fit and its 38 in-space placebos (39 fits, serial),
region27 against pysyncon with ``optim_method="COBYLA"``, alternating in one run.

Usage:  OPENBLAS_NUM_THREADS=1 python bench/evaluation/bench_synth_speed.py [--rounds 3]
pysyncon is the ``bench`` extra (``pip install 'pysyncon>=1.4'``).  CPU times
(``time.process_time``) are the figures to compare: the machine is shared.  Prints one JSON
object per measurement, then a summary with medians, the ratio and the load average.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from region27.evaluation.stats.inference import in_space_placebos
from region27.evaluation.stats.panel import Panel
from region27.evaluation.stats.synth import fit_synth

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_prop99 import DATA, PREDICTORS, pysyncon_dataprep  # the same specification

KW: dict[str, Any] = {
    "outcome": "cigsale",
    "treated": "California",
    "treatment_start": 1989,
    "predictors": PREDICTORS,
}


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def first_fit_fresh_process() -> float:
    """CPU seconds of the first fit in a new interpreter (loads numba and the cached code)."""
    code = (
        "import time; c = time.process_time();"
        "from region27.evaluation.stats.panel import Panel;"
        "from region27.evaluation.stats.synth import fit_synth;"
        f"p = Panel.from_csv({str(DATA)!r}, unit='state', time='year');"
        f"fit_synth(p, outcome='cigsale', treated='California', treatment_start=1989,"
        f" predictors={PREDICTORS!r});"
        "print(time.process_time() - c)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    return float(out.stdout.strip().splitlines()[-1])


def ours(panel: Panel) -> dict[str, Any]:
    c0 = time.process_time()
    res = fit_synth(panel, **KW)
    one = time.process_time() - c0
    c0, t0 = time.process_time(), time.perf_counter()
    pl = in_space_placebos(panel, **KW)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    ratios = pl.ratios
    return {
        "engine": "region27",
        "one_fit_cpu_s": one,
        "fits_39_cpu_s": cpu,
        "fits_39_wall_s": wall,
        "pre_rmspe": res.pre_rmspe,
        "p_value": pl.p_value,
        "rank": pl.rank,
        "order": sorted(ratios, key=lambda u: -ratios[u]),
        "placebo_pre_rmspe": {p.unit: p.pre_rmspe for p in pl.placebos},
        "evaluations": res.solver.evaluations,
    }


def pysyncon_39(method: str) -> dict[str, Any]:
    import pandas as pd
    from pysyncon import Synth

    warnings.simplefilter("ignore")
    df = pd.read_csv(DATA)
    states = sorted(df.state.unique())
    donors = [s for s in states if s != "California"]

    cpu = 0.0
    wall = 0.0
    ratio: dict[str, float] = {}
    pre: dict[str, float] = {}
    years = df.year.unique()
    for unit in ["California", *donors]:
        pool = [d for d in donors if d != unit]
        dp = pysyncon_dataprep(df, unit, pool)
        c0, t0 = time.process_time(), time.perf_counter()
        s = Synth()
        s.fit(dataprep=dp, optim_method=method)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - t0
        z0, z1 = dp.make_outcome_mats(time_period=sorted(years))
        gap = np.asarray(z1 - z0 @ s.W, dtype=float)
        yrs = np.asarray(sorted(years))
        pre_r = math.sqrt(float(np.mean(gap[yrs < 1989] ** 2)))
        post_r = math.sqrt(float(np.mean(gap[yrs >= 1989] ** 2)))
        pre[unit] = pre_r
        ratio[unit] = post_r / pre_r
    rank = 1 + sum(1 for u, r in ratio.items() if u != "California" and r >= ratio["California"])
    return {
        "engine": f"pysyncon-{method}",
        "fits_39_cpu_s": cpu,
        "fits_39_wall_s": wall,
        "pre_rmspe": pre["California"],
        "p_value": rank / len(ratio),
        "rank": rank,
        "order": sorted(ratio, key=lambda u: -ratio[u]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--method", default="COBYLA")
    args = ap.parse_args()
    load_before = loadavg()
    fresh = first_fit_fresh_process()
    panel = Panel.from_csv(DATA, unit="state", time="year")
    fit_synth(panel, **KW)  # loads the compiled kernels (measured above, in a fresh process)
    runs: dict[str, list[dict[str, Any]]] = {"region27": [], "pysyncon": []}
    for _ in range(args.rounds):
        r = ours(panel)
        runs["region27"].append(r)
        print(json.dumps({k: v for k, v in r.items() if k != "placebo_pre_rmspe"}), flush=True)
        p = pysyncon_39(args.method)
        runs["pysyncon"].append(p)
        print(json.dumps(p), flush=True)
    ours_cpu = statistics.median(r["fits_39_cpu_s"] for r in runs["region27"])
    theirs_cpu = statistics.median(r["fits_39_cpu_s"] for r in runs["pysyncon"])
    summary = {
        "load_before": load_before,
        "load_after": loadavg(),
        "cpus": os.cpu_count(),
        "first_fit_fresh_process_cpu_s": fresh,
        "one_fit_cpu_s_median": statistics.median(r["one_fit_cpu_s"] for r in runs["region27"]),
        "region27_39_fits_cpu_s_median": ours_cpu,
        "pysyncon_39_fits_cpu_s_median": theirs_cpu,
        "ratio": theirs_cpu / ours_cpu,
        "region27_pre_rmspe": runs["region27"][0]["pre_rmspe"],
        "pysyncon_pre_rmspe": runs["pysyncon"][0]["pre_rmspe"],
        "region27_p": runs["region27"][0]["p_value"],
        "pysyncon_p": runs["pysyncon"][0]["p_value"],
        "deterministic": all(
            r["order"] == runs["region27"][0]["order"]
            and r["placebo_pre_rmspe"] == runs["region27"][0]["placebo_pre_rmspe"]
            for r in runs["region27"]
        ),
    }
    print(json.dumps(summary, indent=1), flush=True)


if __name__ == "__main__":
    main()
