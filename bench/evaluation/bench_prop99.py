"""Benchmark: region27 engine vs pysyncon on Proposition 99 (one fit, full placebo set).

Usage:  python bench/evaluation/bench_prop99.py [--engine ours|pysyncon|both]
        [--pysyncon-placebos N]
pysyncon is a bench-only dependency (the `bench` extra: pip install -e '.[bench]'). Without
touching the project's virtualenv (pysyncon only needs numpy, scipy and pandas, all in the dev
virtualenv): pip install --no-deps --target DIR pysyncon, then PYTHONPATH=src:DIR. pysyncon's
default optimiser can run for a long time: run it under a hard limit (`timeout 900 ...`).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import math
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from region27.evaluation.stats.inference import in_space_placebos
from region27.evaluation.stats.panel import Panel
from region27.evaluation.stats.synth import fit_synth

DATA = Path(__file__).resolve().parents[2] / "tests/evaluation/stats/data/smoking.csv"
PREDICTORS = (
    "lnincome:mean:1980-1988",
    "retprice:mean:1980-1988",
    "age15to24:mean:1980-1988",
    "beer:mean:1984-1988",
    "cigsale:value:1975",
    "cigsale:value:1980",
    "cigsale:value:1988",
)


def ours() -> dict[str, object]:
    panel = Panel.from_csv(DATA, unit="state", time="year")
    kw: dict[str, Any] = {
        "outcome": "cigsale",
        "treated": "California",
        "treatment_start": 1989,
        "predictors": PREDICTORS,
    }
    t0, c0 = time.perf_counter(), time.process_time()
    res = fit_synth(panel, **kw)
    one = (time.perf_counter() - t0, time.process_time() - c0)
    t0, c0 = time.perf_counter(), time.process_time()
    pl = in_space_placebos(panel, **kw)
    allp = (time.perf_counter() - t0, time.process_time() - c0)
    return {
        "engine": "region27",
        "fit_wall_s": one[0],
        "fit_cpu_s": one[1],
        "pre_rmspe": res.pre_rmspe,
        "weights": res.positive_weights,
        "placebos_39_fits_wall_s": allp[0],
        "placebos_cpu_s": allp[1],
        "p_value": pl.p_value,
    }


def pysyncon_dataprep(df: Any, treated: str, donors: list[str]) -> Any:
    """pysyncon's description of the same specification (ADH 2010, Table 2)."""
    from pysyncon import Dataprep

    return Dataprep(
        foo=df,
        predictors=["lnincome", "retprice", "age15to24"],
        predictors_op="mean",
        time_predictors_prior=range(1980, 1989),
        special_predictors=[
            ("beer", range(1984, 1989), "mean"),
            ("cigsale", [1975], "mean"),
            ("cigsale", [1980], "mean"),
            ("cigsale", [1988], "mean"),
        ],
        dependent="cigsale",
        unit_variable="state",
        time_variable="year",
        treatment_identifier=treated,
        controls_identifier=donors,
        time_optimize_ssr=range(1970, 1989),
    )


def pysyncon_run(n_placebos: int) -> dict[str, object]:
    import pandas as pd
    from pysyncon import Synth

    warnings.simplefilter("ignore")
    df = pd.read_csv(DATA)
    states = sorted(df.state.unique())

    def prep(treated: str, donors: list[str]) -> Any:
        return pysyncon_dataprep(df, treated, donors)

    cpu: list[float] = []

    def fit(treated: str, donors: list[str]) -> tuple[float, float, dict[str, float]]:
        dp = prep(treated, donors)
        t0, c0 = time.perf_counter(), time.process_time()
        s = Synth()
        s.fit(dataprep=dp)
        dt = time.perf_counter() - t0
        cpu.append(time.process_time() - c0)
        z0, z1 = dp.make_outcome_mats(time_period=range(1970, 1989))
        rmspe = math.sqrt(float(np.mean((z1 - z0 @ s.W) ** 2)))
        w = {k: float(v) for k, v in s.weights(threshold=0.001).items()}
        return dt, rmspe, w

    donors = [s for s in states if s != "California"]
    dt, rmspe, w = fit("California", donors)
    out: dict[str, object] = {
        "engine": "pysyncon",
        "fit_wall_s": dt,
        "fit_cpu_s": cpu[0],
        "pre_rmspe": rmspe,
        "weights": w,
    }
    times = []
    for unit in donors[:n_placebos]:
        pool = [d for d in donors if d != unit]
        times.append(fit(unit, pool)[0])
    if times:
        out["placebo_fits_timed"] = len(times)
        out["placebo_mean_wall_s"] = float(np.mean(times))
        out["placebo_mean_cpu_s"] = float(np.mean(cpu[1:]))
        out["placebos_39_fits_extrapolated_s"] = dt + 38 * float(np.mean(times))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="both", choices=["ours", "pysyncon", "both"])
    ap.add_argument("--pysyncon-placebos", type=int, default=0)
    args = ap.parse_args()
    if args.engine in ("ours", "both"):
        print(json.dumps(ours()), flush=True)
    if args.engine in ("pysyncon", "both"):
        print(json.dumps(pysyncon_run(args.pysyncon_placebos)), flush=True)


if __name__ == "__main__":
    main()
