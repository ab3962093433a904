"""Benchmark: generated commune-level panel, 5,000 donors x 20 years.

(1) one fit + 200 in-space placebos with preselection (k nearest donors per fit);
(2) one fit on the full 5,000-donor pool without preselection.  Reports peak memory.
Usage: python bench/evaluation/bench_communes.py [--donors 5000] [--years 20]
       [--placebos 200] [--keep 50] [--jobs 2]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import time
from typing import Any

import numpy as np
import polars as pl

from region27.evaluation.stats.donors import build_donor_pool
from region27.evaluation.stats.inference import in_space_placebos
from region27.evaluation.stats.panel import Panel
from region27.evaluation.stats.synth import SynthOptions, fit_synth


def generate(n_donors: int, n_years: int, seed: int = 2027) -> pl.DataFrame:
    """Interactive fixed-effects (factor) model with a common trend; the treated unit has
    typical loadings, so it lies inside the donors' hull."""
    rng = np.random.default_rng(seed)
    n = n_donors + 1
    years = np.arange(2000, 2000 + n_years)
    factors = 2.0 * rng.normal(size=(n_years, 3)).cumsum(axis=0)
    loadings = rng.normal(size=(n, 3))
    loadings[0] = [0.8, -0.5, 0.4]
    level = rng.normal(100, 15, size=n)
    level[0] = 100.0
    trend = rng.normal(0.5, 0.3, size=n)
    trend[0] = 0.5
    y = (
        level[None, :]
        + trend[None, :] * (years - 2000)[:, None]
        + factors @ loadings.T
        + rng.normal(0, 0.5, size=(n_years, n))
    )
    start = 2000 + int(0.75 * n_years)
    years = np.arange(2000, 2000 + n_years)
    y[years >= start, 0] -= 5.0
    x = rng.normal(50, 5, size=(n_years, n))
    units = ["treated"] + [f"commune_{i:05d}" for i in range(1, n)]
    return pl.DataFrame(
        {
            "commune": np.repeat(np.asarray(units), n_years),
            "year": np.tile(years, n),
            "y": y.T.reshape(-1),
            "x": x.T.reshape(-1),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--donors", type=int, default=5000)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--placebos", type=int, default=200)
    ap.add_argument("--keep", type=int, default=50)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--placebo-solver", choices=["default", "fast"], default="default")
    args = ap.parse_args()
    frame = generate(args.donors, args.years)
    panel = Panel.from_frame(frame, unit="commune", time="year")
    start = 2000 + int(0.75 * args.years)
    preds = [
        f"x:mean:2000-{start - 1}",
        f"y:mean:2000-{start - 1}",
        "y:value:2003",
        f"y:value:{start - 1}",
    ]
    kw: dict[str, Any] = {
        "outcome": "y",
        "treated": "treated",
        "treatment_start": start,
        "predictors": preds,
    }
    out: dict[str, object] = {
        "donors": args.donors,
        "years": args.years,
        "placebo_solver": args.placebo_solver,
    }
    p_opts = (
        SynthOptions(n_random_starts=1, polish_top=1, polish_rounds=1)
        if args.placebo_solver == "fast"
        else None
    )
    c0 = time.process_time()
    t0 = time.perf_counter()
    pool = build_donor_pool(
        list(panel.units),
        "treated",
        panel=panel,
        outcome="y",
        treatment_start=start,
        keep=args.keep,
    )
    out["pool_before_preselection"] = len(pool.candidates)
    out["pool_after_preselection"] = len(pool.selected)
    placebo_units = [u for u in pool.candidates][: args.placebos]
    res = in_space_placebos(
        panel,
        preselect=args.keep,
        placebo_units=placebo_units,
        n_jobs=args.jobs,
        placebo_options=p_opts,
        **kw,
    )
    out["fit_plus_placebos_wall_s"] = time.perf_counter() - t0
    out["fit_plus_placebos_cpu_s_parent"] = time.process_time() - c0
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["placebos_cpu_s_workers"] = ch.ru_utime + ch.ru_stime
    out["placebos"] = len(res.placebos)
    out["p_value"] = res.p_value
    out["treated_pre_rmspe_preselected"] = res.treated.pre_rmspe
    out["treated_weights_preselected"] = {
        k: round(v, 4) for k, v in res.treated.positive_weights.items()
    }
    t0, c0 = time.perf_counter(), time.process_time()
    full = fit_synth(panel, **kw)
    out["full_pool_fit_wall_s"] = time.perf_counter() - t0
    out["full_pool_fit_cpu_s"] = time.process_time() - c0
    out["full_pool_solver_evaluations"] = full.solver.evaluations
    out["load_average_1min_at_end"] = os.getloadavg()[0]
    out["full_pool_donors"] = len(full.donors)
    out["full_pool_pre_rmspe"] = full.pre_rmspe
    out["full_pool_positive_weights"] = len(full.positive_weights)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_children_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
