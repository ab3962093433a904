"""Exact simplex least squares (Wolfe): optimality conditions and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from region27.evaluation.stats.simplex import simplex_least_squares


def _kkt_gap(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """max violation of the KKT conditions of min ||Aw-b||^2 on the simplex."""
    grad = a.T @ (a @ w - b)
    lam = float(grad[w > 0].mean())
    on_support = np.abs(grad[w > 0] - lam).max()
    off_support = max(0.0, float(lam - grad.min()))
    return max(on_support, off_support) / max(1.0, float(np.abs(grad).max()))


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(1, 8),
    j=st.integers(2, 40),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.01, 100.0),
)
def test_weights_on_simplex_and_optimal(k: int, j: int, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k, j)) * scale
    b = rng.normal(size=k) * scale * 1.5
    sol = simplex_least_squares(a, b)
    w = sol.weights
    assert w.min() >= 0.0
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert len(sol.support) <= k + 1
    assert _kkt_gap(a, b, w) < 1e-8
    assert sol.objective == pytest.approx(float(np.sum((a @ w - b) ** 2)), rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 6), j=st.integers(3, 25), seed=st.integers(0, 2**31 - 1))
def test_invariant_to_donor_order(k: int, j: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k, j))
    b = rng.normal(size=k) * 2
    perm = rng.permutation(j)
    w1 = simplex_least_squares(a, b).weights
    w2 = simplex_least_squares(a[:, perm], b).weights
    # the objective is unique; the weights too for points in general position
    np.testing.assert_allclose(w1[perm], w2, atol=1e-8)


def test_matches_tightly_converged_slsqp() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(7, 38))
    b = rng.normal(size=7) * 2
    sol = simplex_least_squares(a, b)
    res = minimize(
        lambda w: float(np.sum((a @ w - b) ** 2)),
        np.full(38, 1 / 38),
        method="SLSQP",
        bounds=[(0, 1)] * 38,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    # At least as good as SLSQP, up to floating-point noise (BLAS threading varies it).
    assert sol.objective <= res.fun + 1e-7 * max(1.0, abs(res.fun))


def test_warm_start_same_solution_and_edge_cases() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 300))
    b = rng.normal(size=5) * 3
    cold = simplex_least_squares(a, b)
    warm = simplex_least_squares(
        a, b, warm_support=np.array([0, 1, 2]), warm_weights=np.array([0.2, 0.3, 0.5])
    )
    assert warm.objective == pytest.approx(cold.objective, rel=1e-10)
    one = simplex_least_squares(a[:, :1], b)
    assert one.weights.tolist() == [1.0]
    inside = simplex_least_squares(np.array([[0.0, 2.0], [0.0, 2.0]]), np.array([1.0, 1.0]))
    np.testing.assert_allclose(inside.weights, [0.5, 0.5])
    assert inside.objective == pytest.approx(0.0, abs=1e-20)
    with pytest.raises(ValueError):
        simplex_least_squares(np.array([[np.nan, 1.0]]), np.array([0.0]))
