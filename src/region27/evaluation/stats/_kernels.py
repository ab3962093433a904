"""Compiled inner loops of the synthetic-control solver (numba, ``cache=True``).

Everything here is plain Python over numpy arrays in the subset numba compiles; the same
code runs, slowly, as ordinary Python under ``NUMBA_DISABLE_JIT=1`` (handy to debug).  The
functions are compiled on first use, not at import, and the machine code is cached next to
this file (or in numba's per-user cache when that folder is read-only), so only the very
first fit on a machine pays the compilation (12-15 s of CPU); later processes load it.

Why compiled: one synthetic-control fit runs a few thousand evaluations of the outer
objective, each an exact Wolfe minimum-norm-point solve on tiny matrices (7 predictors ×
38 donors for Proposition 99).  In numpy each of these costs tens of microseconds of call
overhead for nanoseconds of arithmetic; here an evaluation is a few microseconds, and the
outer optimisers (L-BFGS and Nelder-Mead) run inside the compiled code too, so a fit makes
a handful of Python calls instead of thousands.

The objective's state (the last corral of the inner problem, used to warm-start the next
solve) and the incumbent live in four arrays owned by the caller:

* ``sup`` (int64, length ``J``): indices of the corral's donors, the first ``state[0]``;
* ``lam`` (float64, length ``J``): their weights;
* ``state`` (int64, length 2): ``[corral size, evaluations so far]``;
* ``best`` (float64, length ``1 + k + J``): the incumbent, the lowest loss evaluated so far,
  its ``theta`` and the donor weights computed for it (initialised with ``inf``).

The incumbent's weights are the result: with some V components near zero the inner
problem is ill-conditioned and a fresh solve at the same V may return other weights with
the same predictor fit but a different outcome fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Problem = tuple[FloatArray, FloatArray, FloatArray, IntArray, FloatArray, IntArray, FloatArray]
"""``(diff, z0, z1, sup, lam, state, best)``: the data, then the state (see above)."""
_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(fn: _F) -> _F:
    """Compile ``fn`` on first call, caching the machine code on disk when a cache folder is
    writable (next to this file, else numba's per-user cache); otherwise compile in memory
    in each process rather than fail."""
    try:
        return cast(_F, njit(cache=True)(fn))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(_F, njit(fn))


_EPS_LAM = 1e-14
V_FLOOR = 1e-6
"""Least weight of a predictor in V.  ``theta -> V`` maps ``u = theta² / sum(theta²)`` to
``V = (u + V_FLOOR) / (1 + k V_FLOOR)``: smooth, on the simplex, every V_k ≥ ~1e-6.  Without
a floor the searches drift to V with components of 1e-10 or less, where the inner problem
is so ill-conditioned that two exact solves at the same V return different donor weights
(the outer loss then depends on the path that led there)."""


@_jit
def v_of_theta(theta: FloatArray) -> FloatArray:
    """The predictor weighting V for the search variable ``theta`` (see ``V_FLOOR``)."""
    k = theta.shape[0]
    t2 = theta * theta
    return (t2 / t2.sum() + V_FLOOR) / (1.0 + k * V_FLOOR)


# ---------------------------------------------------------------------------- linear algebra
@_jit
def _solve_inplace(mat: FloatArray, rhs: FloatArray) -> bool:
    """Solve ``mat x = rhs`` by Gaussian elimination with partial pivoting, in place.

    Returns ``False`` on an exactly zero pivot (LAPACK's ``dgesv`` notion of singular), the
    arrays then being garbage.  The systems here have at most a few dozen unknowns.
    """
    n = rhs.shape[0]
    for c in range(n):
        p = c
        best = abs(mat[c, c])
        for i in range(c + 1, n):
            a = abs(mat[i, c])
            if a > best:
                best = a
                p = i
        if best == 0.0:
            return False
        if p != c:
            for j in range(c, n):
                t = mat[c, j]
                mat[c, j] = mat[p, j]
                mat[p, j] = t
            t = rhs[c]
            rhs[c] = rhs[p]
            rhs[p] = t
        piv = mat[c, c]
        for i in range(c + 1, n):
            f = mat[i, c] / piv
            if f != 0.0:
                for j in range(c + 1, n):
                    mat[i, j] -= f * mat[c, j]
                rhs[i] -= f * rhs[c]
    for c in range(n - 1, -1, -1):
        s = rhs[c]
        for j in range(c + 1, n):
            s -= mat[c, j] * rhs[j]
        rhs[c] = s / mat[c, c]
    return True


@_jit
def _affine_minimiser(pts: FloatArray, sup: IntArray, m: int) -> FloatArray:
    """Coefficients (summing to one) of the minimum-norm point of the affine hull of the
    corral ``pts[:, sup[:m]]``: the KKT system ``[[G, 1], [1', 0]] [a; mu] = [0; 1]``."""
    out = np.empty(m)
    if m == 1:
        out[0] = 1.0
        return out
    r = pts.shape[0]
    kkt = np.zeros((m + 1, m + 1))
    for a in range(m):
        ca = sup[a]
        for b in range(a, m):
            cb = sup[b]
            s = 0.0
            for i in range(r):
                s += pts[i, ca] * pts[i, cb]
            kkt[a, b] = s
            kkt[b, a] = s
        kkt[a, m] = 1.0
        kkt[m, a] = 1.0
    rhs = np.zeros(m + 1)
    rhs[m] = 1.0
    saved = kkt.copy()
    if not _solve_inplace(kkt, rhs):
        # Affinely dependent corral (degenerate input): a tiny ridge on G picks one of the
        # minimisers, as a least-squares solve would.
        ridge = 0.0
        for a in range(m):
            ridge = max(ridge, saved[a, a])
        ridge = 1e-12 * ridge if ridge > 0.0 else 1e-300
        for a in range(m):
            saved[a, a] += ridge
        rhs[:] = 0.0
        rhs[m] = 1.0
        _solve_inplace(saved, rhs)
    total = 0.0
    for a in range(m):
        out[a] = rhs[a]
        total += rhs[a]
    if total != 0.0 and math.isfinite(total):
        for a in range(m):
            out[a] /= total
    return out


# ---------------------------------------------------------------------------- inner problem
@_jit
def wolfe(
    pts: FloatArray, sup: IntArray, lam: FloatArray, m: int, abs_tol: float, max_iter: int
) -> tuple[int, int]:
    """Wolfe's minimum-norm-point iterations on the points ``pts[:, j]`` (in place).

    ``sup[:m]``/``lam[:m]`` describe a feasible start (weights summing to one).  Returns the
    final corral size and the number of major iterations; the corral is left in
    ``sup[:size]``/``lam[:size]``.
    """
    r, n = pts.shape
    x = np.empty(r)
    need_minor = m > 1
    iterations = 0
    for it in range(1, max_iter + 1):
        iterations = it
        if need_minor:
            for _ in range(4 * (m + 2)):
                alpha = _affine_minimiser(pts, sup, m)
                amin = alpha[0]
                for a in range(1, m):
                    amin = min(amin, alpha[a])
                if amin > _EPS_LAM:
                    for a in range(m):
                        lam[a] = alpha[a]
                    break
                theta = 1.0
                for a in range(m):
                    if alpha[a] <= _EPS_LAM:
                        den = lam[a] - alpha[a]
                        if den > 0.0:
                            theta = min(theta, lam[a] / den)
                for a in range(m):
                    lam[a] += theta * (alpha[a] - lam[a])
                kept = 0
                for a in range(m):
                    if lam[a] > _EPS_LAM:
                        kept += 1
                drop = -1
                if kept == m:  # drop the smallest weight to make progress
                    drop = 0
                    for a in range(1, m):
                        if lam[a] < lam[drop]:
                            drop = a
                w = 0
                total = 0.0
                for a in range(m):
                    if lam[a] > _EPS_LAM and a != drop:
                        sup[w] = sup[a]
                        lam[w] = lam[a]
                        total += lam[a]
                        w += 1
                m = w
                for a in range(m):
                    lam[a] /= total
        for i in range(r):
            s = 0.0
            for a in range(m):
                s += pts[i, sup[a]] * lam[a]
            x[i] = s
        xx = 0.0
        for i in range(r):
            xx += x[i] * x[i]
        j = 0
        gmin = math.inf
        for c in range(n):
            g = 0.0
            for i in range(r):
                g += x[i] * pts[i, c]
            if g < gmin:
                gmin = g
                j = c
        if xx - gmin <= abs_tol:
            break
        present = False
        for a in range(m):
            if sup[a] == j:
                present = True
        if present:
            break
        sup[m] = j
        lam[m] = 0.0
        m += 1
        need_minor = True
    return m, iterations


# ---------------------------------------------------------------------------- outer objective
@_jit
def loss(
    theta: FloatArray,
    prob: Problem,
) -> float:
    """Outer objective: the fit-window MSPE of ``W(V)``, ``V = theta² / sum(theta²)``.

    ``diff`` holds ``X0 - X1`` (predictors × donors, standardised); the inner problem, the
    minimum-norm point of the columns of ``diag(sqrt(V)) diff`` on the simplex, is solved
    exactly from the previous corral.
    """
    diff, z0, z1, sup, lam, state, best = prob
    state[1] += 1
    k, n = diff.shape
    s = 0.0
    for i in range(k):
        s += theta[i] * theta[i]
    if not math.isfinite(s) or s <= 0.0:
        return math.inf
    pts = np.empty((k, n))
    root_v = np.sqrt(v_of_theta(theta))
    scale = 0.0
    for c in range(n):
        sq = 0.0
        for i in range(k):
            p = diff[i, c] * root_v[i]
            pts[i, c] = p
            sq += p * p
        if sq > scale:
            scale = sq
    m = state[0]
    if scale <= 0.0:
        # every donor matches the treated unit's predictors: equal weights
        tsz = z1.shape[0]
        out = 0.0
        for t in range(tsz):
            e = z1[t]
            for c in range(n):
                e -= z0[t, c] / n
            out += e * e
        return out / tsz
    if m == 0:
        nearest = math.inf
        for c in range(n):
            sq = 0.0
            for i in range(k):
                sq += pts[i, c] * pts[i, c]
            if sq < nearest:
                nearest = sq
                sup[0] = c
        lam[0] = 1.0
        m = 1
    m, _ = wolfe(pts, sup, lam, m, 1e-12 * scale, 10_000)
    state[0] = m
    tsz = z1.shape[0]
    out = 0.0
    for t in range(tsz):
        e = z1[t]
        for a in range(m):
            e -= z0[t, sup[a]] * lam[a]
        out += e * e
    out /= tsz
    if out < best[0]:  # keep the incumbent: its V and the exact W computed for it
        best[0] = out
        best[1 : 1 + k] = theta
        best[1 + k :] = 0.0
        for a in range(m):
            best[1 + k + sup[a]] = lam[a]
    return out


@_jit
def losses_at(thetas: FloatArray, prob: Problem) -> FloatArray:
    """The loss at each row of ``thetas``, in order (screening many V in one call)."""
    out = np.empty(thetas.shape[0])
    for r in range(thetas.shape[0]):
        out[r] = loss(thetas[r], prob)
    return out


@_jit
def loss_and_grad(
    theta: FloatArray,
    prob: Problem,
) -> tuple[float, FloatArray]:
    """Loss and its gradient in ``theta`` (exact where the donor support is locally fixed).

    On a fixed support ``S`` the weights are the affine minimiser ``a = u / 1'u`` with
    ``u = G^{-1} 1`` and ``G = D_S' diag(v) D_S``, so ``dL/dv_k = -(d_k . q)(d_k . u)`` with
    ``q = G^{-1} (I - 1 a') g_a / 1'u`` and ``g_a = dL/da``; then the chain rule through
    ``v = theta^2 / sum(theta^2)``.
    """
    f = loss(theta, prob)
    diff, z0, z1, sup, _lam, state, _best = prob
    k = theta.shape[0]
    grad = np.zeros(k)
    m = state[0]
    if not math.isfinite(f) or m < 2:
        return f, grad
    s = 0.0
    for i in range(k):
        s += theta[i] * theta[i]
    v = v_of_theta(theta)
    gmat = np.empty((m, m))
    for a in range(m):
        for b in range(a, m):
            acc = 0.0
            for i in range(k):
                acc += v[i] * diff[i, sup[a]] * diff[i, sup[b]]
            gmat[a, b] = acc
            gmat[b, a] = acc
    g2 = gmat.copy()
    u = np.ones(m)
    if not _solve_inplace(gmat, u):
        return f, grad  # perfect predictor fit: W locally independent of V
    one_u = 0.0
    for a in range(m):
        one_u += u[a]
    if not math.isfinite(one_u) or abs(one_u) < 1e-300:
        return f, grad
    a_w = u / one_u
    tsz = z1.shape[0]
    g_a = np.zeros(m)
    for t in range(tsz):
        e = z1[t]
        for a in range(m):
            e -= z0[t, sup[a]] * a_w[a]
        for a in range(m):
            g_a[a] += -2.0 * z0[t, sup[a]] * e / tsz
    ag = 0.0
    for a in range(m):
        ag += a_w[a] * g_a[a]
    q = g_a - ag
    _solve_inplace(g2, q)
    dl_dv = np.empty(k)
    for i in range(k):
        dq = 0.0
        du = 0.0
        for a in range(m):
            dq += diff[i, sup[a]] * q[a]
            du += diff[i, sup[a]] * u[a]
        dl_dv[i] = -(dq / one_u) * du
    # chain rule: dV/du = I / (1 + k V_FLOOR), then u = theta² / s
    u_sq = theta * theta / s
    dl_du = dl_dv / (1.0 + k * V_FLOOR)
    ud = 0.0
    for i in range(k):
        ud += u_sq[i] * dl_du[i]
    for i in range(k):
        grad[i] = 2.0 * theta[i] * (dl_du[i] - ud) / s
    return f, grad


# ---------------------------------------------------------------------------- outer optimisers
@_jit
def _cubic_step(a: float, fa: float, ga: float, b: float, fb: float, gb: float) -> float:
    """Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), kept well inside [a, b]."""
    lo, hi = min(a, b), max(a, b)
    d1 = ga + gb - 3.0 * (fa - fb) / (a - b)
    rad = d1 * d1 - ga * gb
    step = 0.5 * (a + b)
    if rad >= 0.0:
        d2 = math.sqrt(rad) * (1.0 if b > a else -1.0)
        den = gb - ga + 2.0 * d2
        if den != 0.0:
            step = b - (b - a) * (gb + d2 - d1) / den
    margin = 0.1 * (hi - lo)
    if not (lo + margin <= step <= hi - margin):
        step = 0.5 * (a + b)
    return step


@_jit
def _wolfe_line_search(
    x: FloatArray,
    f0: float,
    gd0: float,
    d: FloatArray,
    prob: Problem,
) -> tuple[bool, FloatArray, float, FloatArray]:
    """Step along ``d`` satisfying the strong Wolfe conditions (c1 = 1e-3, c2 = 0.9, the
    values of L-BFGS-B), by expansion (×4) then cubic zoom (Nocedal & Wright, alg. 3.5-3.6).

    Returns ``(found, x, f, g)``; when no step satisfies the conditions, the best point
    with a sufficient decrease, if any.
    """
    c1 = 1e-3
    c2 = 0.9
    a_prev, f_prev, gd_prev = 0.0, f0, gd0
    a = 1.0
    best_a, best_f = 0.0, f0
    best_g = np.zeros(x.shape[0])
    lo = hi = f_lo = f_hi = g_lo = g_hi = 0.0
    zoom = False
    for i in range(20):
        xn = x + a * d
        fn, gn = loss_and_grad(xn, prob)
        gdn = np.dot(gn, d)
        if not math.isfinite(fn) or fn > f0 + c1 * a * gd0 or (i > 0 and fn >= f_prev):
            lo, f_lo, g_lo, hi, f_hi, g_hi = a_prev, f_prev, gd_prev, a, fn, gdn
            zoom = True
            break
        if fn < best_f:
            best_a, best_f, best_g = a, fn, gn
        if abs(gdn) <= -c2 * gd0:
            return True, xn, fn, gn
        if gdn >= 0.0:
            lo, f_lo, g_lo, hi, f_hi, g_hi = a, fn, gdn, a_prev, f_prev, gd_prev
            zoom = True
            break
        a_prev, f_prev, gd_prev = a, fn, gdn
        a *= 4.0
    if zoom:
        for _ in range(20):
            if not math.isfinite(f_hi):
                a = 0.5 * (lo + hi)
            else:
                a = _cubic_step(lo, f_lo, g_lo, hi, f_hi, g_hi)
            if abs(hi - lo) <= 1e-12 * max(abs(lo), 1.0):
                break
            xn = x + a * d
            fn, gn = loss_and_grad(xn, prob)
            gdn = np.dot(gn, d)
            if not math.isfinite(fn) or fn > f0 + c1 * a * gd0 or fn >= f_lo:
                hi, f_hi, g_hi = a, fn, gdn
                continue
            if fn < best_f:
                best_a, best_f, best_g = a, fn, gn
            if abs(gdn) <= -c2 * gd0:
                return True, xn, fn, gn
            if gdn * (hi - lo) >= 0.0:
                hi, f_hi, g_hi = lo, f_lo, g_lo
            lo, f_lo, g_lo = a, fn, gdn
    if best_a > 0.0:
        return True, x + best_a * d, best_f, best_g
    return False, x, f0, best_g


@_jit
def lbfgs(
    theta0: FloatArray,
    maxiter: int,
    prob: Problem,
) -> FloatArray:
    """Unconstrained L-BFGS (10 pairs) with a backtracking Armijo line search.

    Stops when the relative decrease falls below 1e-12, the gradient below 1e-10 (as
    scipy's L-BFGS-B with the settings used before), or after ``maxiter`` iterations.  The
    objective is piecewise smooth (the donor support changes with V): the search stops at
    kinks, which is why the caller restarts it from Nelder-Mead's points.
    """
    k = theta0.shape[0]
    mem = 10
    s_hist = np.zeros((mem, k))
    y_hist = np.zeros((mem, k))
    rho = np.zeros(mem)
    alpha = np.zeros(mem)
    n_pairs = 0
    head = 0
    x = theta0.copy()
    f, g = loss_and_grad(x, prob)
    if not math.isfinite(f):
        return theta0.copy()
    for _ in range(maxiter):
        gmax = 0.0
        for i in range(k):
            gmax = max(gmax, abs(g[i]))
        if gmax <= 1e-10:
            break
        # two-loop recursion: d = -H g
        d = -g.copy()
        for p in range(n_pairs):
            idx = (head - 1 - p) % mem
            a = rho[idx] * np.dot(s_hist[idx], d)
            alpha[idx] = a
            d -= a * y_hist[idx]
        if n_pairs > 0:
            last = (head - 1) % mem
            d *= np.dot(s_hist[last], y_hist[last]) / np.dot(y_hist[last], y_hist[last])
        for p in range(n_pairs - 1, -1, -1):
            idx = (head - 1 - p) % mem
            b = rho[idx] * np.dot(y_hist[idx], d)
            d += (alpha[idx] - b) * s_hist[idx]
        gd = np.dot(g, d)
        if n_pairs == 0 or gd >= 0.0:
            n_pairs = 0
            d = -g / math.sqrt(np.dot(g, g))
            gd = np.dot(g, d)
        ok, x_new, f_new, g_new = _wolfe_line_search(x, f, gd, d, prob)
        if not ok:
            break
        sv = x_new - x
        yv = g_new - g
        sy = np.dot(sv, yv)
        decrease = f - f_new
        x = x_new
        g = g_new
        f_old = f
        f = f_new
        if sy > 1e-12 * np.dot(yv, yv) and sy > 0.0:
            s_hist[head] = sv
            y_hist[head] = yv
            rho[head] = 1.0 / sy
            head = (head + 1) % mem
            n_pairs = min(n_pairs + 1, mem)
        if decrease <= 1e-12 * max(abs(f_old), abs(f), 1.0):
            break
    s2 = 0.0
    for i in range(k):
        s2 += x[i] * x[i]
    return x if s2 > 0.0 else theta0.copy()


@_jit
def _sort_simplex(sim: FloatArray, fsim: FloatArray) -> None:
    """Sort the simplex's vertices by value, in place (stable insertion sort: a dozen points,
    and much quicker to compile than ``np.argsort``)."""
    n = fsim.shape[0]
    for i in range(1, n):
        f = fsim[i]
        row = sim[i].copy()
        j = i - 1
        while j >= 0 and fsim[j] > f:
            fsim[j + 1] = fsim[j]
            sim[j + 1] = sim[j]
            j -= 1
        fsim[j + 1] = f
        sim[j + 1] = row


@_jit
def nelder_mead(
    theta0: FloatArray,
    maxfev: int,
    step: float,
    prob: Problem,
) -> FloatArray:
    """Nelder-Mead (scipy's algorithm, adaptive coefficients above 4 dimensions).

    Initial simplex: ``theta0`` and ``theta0 + step * e_i``; stops after ``maxfev``
    evaluations or when the simplex is within 1e-6 in ``theta`` and 1e-9 (relative to the
    starting loss) in value.
    """
    k = theta0.shape[0]
    f0 = loss(theta0, prob)
    fatol = 1e-9 * max(f0 if math.isfinite(f0) else 1.0, 1e-300)
    xatol = 1e-6
    if k > 4:
        rho_, chi, psi, sigma = 1.0, 1.0 + 2.0 / k, 0.75 - 1.0 / (2.0 * k), 1.0 - 1.0 / k
    else:
        rho_, chi, psi, sigma = 1.0, 2.0, 0.5, 0.5
    sim = np.empty((k + 1, k))
    fsim = np.empty(k + 1)
    for i in range(k + 1):
        sim[i] = theta0
        if i > 0:
            sim[i, i - 1] += step
    fcalls = 0
    for i in range(k + 1):
        if fcalls >= maxfev:
            fsim[i] = math.inf
        else:
            fsim[i] = loss(sim[i], prob)
            fcalls += 1
    _sort_simplex(sim, fsim)
    while fcalls < maxfev:
        xspread = 0.0
        fspread = 0.0
        for i in range(1, k + 1):
            fspread = max(fspread, abs(fsim[0] - fsim[i]))
            for c in range(k):
                xspread = max(xspread, abs(sim[i, c] - sim[0, c]))
        if xspread <= xatol and fspread <= fatol:
            break
        xbar = np.zeros(k)
        for i in range(k):
            xbar += sim[i]
        xbar /= k
        xr = (1.0 + rho_) * xbar - rho_ * sim[k]
        fxr = loss(xr, prob)
        fcalls += 1
        shrink = False
        if fxr < fsim[0]:
            xe = (1.0 + rho_ * chi) * xbar - rho_ * chi * sim[k]
            fxe = loss(xe, prob)
            fcalls += 1
            if fxe < fxr:
                sim[k] = xe
                fsim[k] = fxe
            else:
                sim[k] = xr
                fsim[k] = fxr
        elif fxr < fsim[k - 1]:
            sim[k] = xr
            fsim[k] = fxr
        elif fxr < fsim[k]:
            xc = (1.0 + psi * rho_) * xbar - psi * rho_ * sim[k]
            fxc = loss(xc, prob)
            fcalls += 1
            if fxc <= fxr:
                sim[k] = xc
                fsim[k] = fxc
            else:
                shrink = True
        else:
            xcc = (1.0 - psi) * xbar + psi * sim[k]
            fxcc = loss(xcc, prob)
            fcalls += 1
            if fxcc < fsim[k]:
                sim[k] = xcc
                fsim[k] = fxcc
            else:
                shrink = True
        if shrink:
            for i in range(1, k + 1):
                sim[i] = sim[0] + sigma * (sim[i] - sim[0])
                fsim[i] = loss(sim[i], prob)
                fcalls += 1
        _sort_simplex(sim, fsim)
    return sim[0].copy()
