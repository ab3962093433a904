"""The compiled synthetic-control solver: gradient, V floor, reported optimum, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from region27.evaluation.stats import _kernels
from region27.evaluation.stats.inference import in_space_placebos
from region27.evaluation.stats.panel import Panel
from region27.evaluation.stats.simplex import simplex_least_squares
from region27.evaluation.stats.synth import (
    SynthOptions,
    _Design,
    _normalise,
    _Objective,
    _standardise,
    fit_synth,
    prepare_fit,
)

from .conftest import DATA, PROP99_PREDICTORS

KW = {
    "outcome": "cigsale",
    "treated": "California",
    "treatment_start": 1989,
    "predictors": PROP99_PREDICTORS,
}


def _design(panel: Panel, treated: str = "California") -> tuple[_Design, np.ndarray]:
    prep, _units = prepare_fit(
        panel,
        "cigsale",
        treated,
        1989,
        spec={"predictors": PROP99_PREDICTORS},
        options=SynthOptions(),
    )
    scaled, _sd = _standardise(prep.raw_x, True)
    design = _Design(
        x1=scaled[:, 0].copy(),
        x0=scaled[:, 1:].copy(),
        z1=prep.y[prep.fit_idx, 0].copy(),
        z0=prep.y[prep.fit_idx, 1:].copy(),
    )
    return design, scaled


def test_gradient_matches_central_differences(smoking: Panel) -> None:
    design, _ = _design(smoking)
    rng = np.random.default_rng(7)
    for _ in range(8):
        theta = np.sqrt(rng.dirichlet(np.ones(7)))
        obj = _Objective(design)
        f, grad = obj.value_and_grad(theta)
        eps = 1e-6
        fd = np.array(
            [(obj(theta + eps * e) - obj(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)]
        )
        assert f == pytest.approx(obj(theta), rel=1e-12)
        np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-6 * np.abs(fd).max())


def test_v_is_floored_and_on_the_simplex() -> None:
    theta = np.array([0.0, 1.0, 0.0, 2.0, 1e-9])
    v = _normalise(theta)
    k = theta.size
    assert v.sum() == pytest.approx(1.0, abs=1e-15)
    assert v.min() == pytest.approx(_kernels.V_FLOOR / (1 + k * _kernels.V_FLOOR), rel=1e-6)
    # the ordering of the search variable is kept
    assert v[3] > v[1] > v[4] >= v[0]


def test_reported_weights_are_the_exact_inner_solution_at_the_reported_v(
    smoking: Panel,
) -> None:
    res = fit_synth(smoking, **KW)
    design, _ = _design(smoking)
    v = np.asarray(list(res.v.values()))
    w = np.asarray([res.weights[d] for d in res.donors])
    pts = (design.x0 - design.x1[:, None]) * np.sqrt(v)[:, None]
    cold = simplex_least_squares(pts, np.zeros(pts.shape[0]))
    # the weights reached by the search are optimal for the inner problem at V...
    assert res.predictor_loss <= cold.objective * (1 + 1e-7) + 1e-14
    # ...and the loss reported is the outcome fit of those weights
    gap = design.z1 - design.z0 @ w
    assert res.loss == pytest.approx(float(gap @ gap) / gap.size, rel=1e-12)
    assert res.pre_rmspe <= 1.76


def test_same_seed_same_result_whatever_ran_before(smoking: Panel) -> None:
    first = fit_synth(smoking, **KW)
    fit_synth(smoking, **{**KW, "treated": "Georgia"})
    again = fit_synth(smoking, **KW)
    assert again.weights == first.weights
    assert again.v == first.v
    assert again.solver == first.solver


def test_placebos_do_not_depend_on_the_number_of_processes(smoking: Panel) -> None:
    units = ["Georgia", "Utah", "Texas", "Nevada"]
    serial = in_space_placebos(smoking, placebo_units=units, n_jobs=1, **KW)
    parallel = in_space_placebos(smoking, placebo_units=units, n_jobs=2, **KW)
    assert serial.ratios == parallel.ratios
    assert [p.weights for p in serial.placebos] == [p.weights for p in parallel.placebos]


@pytest.mark.slow
def test_compiled_and_plain_python_kernels_agree(smoking: Panel) -> None:
    """The kernels run as plain Python under NUMBA_DISABLE_JIT=1: same fit (guards against
    anything numba compiles differently, such as an out-of-bounds write it would not catch)."""
    code = (
        "import json, sys\n"
        "from region27.evaluation.stats.panel import Panel\n"
        "from region27.evaluation.stats.synth import fit_synth\n"
        f"p = Panel.from_csv({str(DATA / 'smoking.csv')!r}, unit='state', time='year')\n"
        f"r = fit_synth(p, outcome='cigsale', treated='California', treatment_start=1989,"
        f" predictors={PROP99_PREDICTORS!r})\n"
        "json.dump({'w': r.weights, 'v': r.v, 'loss': r.loss}, sys.stdout)\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    plain = json.loads(out.stdout)
    compiled = fit_synth(smoking, **KW)
    assert plain["loss"] == pytest.approx(compiled.loss, rel=1e-9)
    for unit, w in compiled.weights.items():
        assert plain["w"][unit] == pytest.approx(w, abs=1e-9), unit
