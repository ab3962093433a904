"""Exact least squares on the probability simplex.

``simplex_least_squares(A, b)`` solves ``min ||A w - b||^2`` subject to ``w >= 0`` and
``sum(w) = 1``.  Writing ``p_j = A[:, j] - b``, the residual is ``sum_j w_j p_j``: the problem
is the minimum-norm point of the convex hull of the points ``p_j``, which Wolfe's (1976)
finite active-set algorithm solves exactly (up to floating point).  Each major iteration
costs one ``O(k J)`` scan, and the active set (the "corral") never holds more than
``k + 1`` affinely independent points, so the method scales to thousands of donors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

__all__ = ["SimplexSolution", "simplex_least_squares"]


@dataclass(frozen=True, slots=True)
class SimplexSolution:
    """Solution of the simplex-constrained least-squares problem."""

    weights: FloatArray
    """Weights on the simplex, one per column of ``A``."""
    support: IntArray
    """Indices of the columns with a positive weight (the final corral)."""
    objective: float
    """``||A w - b||^2`` at the solution."""
    iterations: int
    """Number of major iterations."""


def wolfe_core(
    pts: FloatArray,
    support: list[int],
    lam: FloatArray,
    abs_tol: float,
    max_iter: int = 10_000,
) -> tuple[list[int], FloatArray, int]:
    """Wolfe's minimum-norm-point iterations from a feasible corral (no input checks).

    ``support``/``lam`` describe a feasible start (weights on ``pts[:, support]`` summing to
    one).  Returns the final corral, its weights and the number of major iterations.  The
    iterations run compiled (:func:`._kernels.wolfe`).
    """
    from . import _kernels  # numba loads on first use, not when Django starts

    pts = np.ascontiguousarray(pts, dtype=np.float64)
    n = pts.shape[1]
    sup = np.zeros(n, dtype=np.int64)
    weights = np.zeros(n)
    m = len(support)
    sup[:m] = support
    weights[:m] = lam
    size, iterations = _kernels.wolfe(pts, sup, weights, m, float(abs_tol), int(max_iter))
    return [int(j) for j in sup[:size]], weights[:size].copy(), int(iterations)


def simplex_least_squares(
    a_mat: FloatArray,
    b_vec: FloatArray,
    *,
    warm_support: IntArray | None = None,
    warm_weights: FloatArray | None = None,
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> SimplexSolution:
    """Solve ``min ||A w - b||^2`` s.t. ``w >= 0, sum(w) = 1`` exactly (Wolfe's algorithm).

    ``warm_support``/``warm_weights`` optionally start from a previous corral (for example
    the solution for a nearby predictor weighting); the optimum does not depend on the start
    (except which of several equally good solutions is returned, when the optimum is not
    unique).
    """
    a_mat = np.asarray(a_mat, dtype=np.float64)
    b_vec = np.asarray(b_vec, dtype=np.float64)
    if a_mat.ndim != 2 or b_vec.ndim != 1 or a_mat.shape[0] != b_vec.shape[0]:
        raise ValueError("shape mismatch between A and b")
    n_cols = a_mat.shape[1]
    if n_cols == 0:
        raise ValueError("no column")
    if not (np.isfinite(a_mat).all() and np.isfinite(b_vec).all()):
        raise ValueError("non-finite input")
    pts = a_mat - b_vec[:, None]
    sq_norms = np.einsum("ij,ij->j", pts, pts)
    scale = float(sq_norms.max())
    if n_cols == 1:
        return SimplexSolution(np.ones(1), np.zeros(1, dtype=np.intp), float(sq_norms[0]), 0)
    if scale == 0.0:
        # Every column equals b: any weighting is optimal; return equal weights.
        w = np.full(n_cols, 1.0 / n_cols)
        return SimplexSolution(w, np.arange(n_cols, dtype=np.intp), 0.0, 0)
    if warm_support is not None and warm_weights is not None and len(warm_support) > 0:
        support = [int(j) for j in warm_support]
        lam = np.maximum(np.asarray(warm_weights, dtype=np.float64), 0.0)
        lam = lam / lam.sum() if lam.sum() > 0 else np.full(len(support), 1.0 / len(support))
    else:
        support = [int(np.argmin(sq_norms))]
        lam = np.ones(1)
    support, lam, iterations = wolfe_core(pts, support, lam, tol * scale, max_iter)
    w = np.zeros(n_cols)
    w[support] = np.maximum(lam, 0.0)
    w /= w.sum()
    resid = pts @ w
    return SimplexSolution(
        weights=w,
        support=np.asarray(sorted(support), dtype=np.intp),
        objective=float(resid @ resid),
        iterations=iterations,
    )
