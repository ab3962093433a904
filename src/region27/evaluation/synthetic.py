"""A clearly labelled FICTITIOUS panel of French départements with a known injected effect.

Model (documented, seeded): for département i and year t (2005-2022),
    y_it = a_i + b_i (t - 2005) + l_i f_t + e_it,   e_it ~ N(0, 0.6²)
with a_i ~ U(40, 60), b_i ~ U(-0.3, 0.5), loadings l_i ~ U(0.5, 1.5) on a common factor
f_t (a smooth cycle), and for the treated département, from the treatment year on, y_it is
lowered by TRUE_EFFECT. The treated unit is built inside the donors' hull (its a, b and l
are a mix of three donors'), so the synthetic control can reproduce it."""

from __future__ import annotations

import math

import numpy as np

TRUE_EFFECT = -4.0
START_YEAR, END_YEAR, TREATMENT_YEAR = 2005, 2022, 2016
TREATED = "29"
SEED = 27


def synthetic_departements(codes: list[str]) -> str:
    """Long CSV `departement,annee,taux` for `codes` (the treated one, 29, is added)."""
    rng = np.random.default_rng(SEED)
    donors = [c for c in codes if c != TREATED]
    years = list(range(START_YEAR, END_YEAR + 1))
    factor = [3 * math.sin((y - START_YEAR) / 2.5) for y in years]
    params = {
        c: (rng.uniform(40, 60), rng.uniform(-0.3, 0.5), rng.uniform(0.5, 1.5)) for c in donors
    }
    mix = [0.5, 0.3, 0.2]
    a = sum(m * params[d][0] for m, d in zip(mix, donors[:3], strict=True))
    b = sum(m * params[d][1] for m, d in zip(mix, donors[:3], strict=True))
    lo = sum(m * params[d][2] for m, d in zip(mix, donors[:3], strict=True))
    params[TREATED] = (a, b, lo)
    lines = ["departement,annee,taux"]
    for c in [TREATED, *donors]:
        ai, bi, li = params[c]
        for y, f in zip(years, factor, strict=True):
            v = ai + bi * (y - START_YEAR) + li * f + rng.normal(0, 0.6)
            if c == TREATED and y >= TREATMENT_YEAR:
                v += TRUE_EFFECT
            lines.append(f"{c},{y},{v:.4f}")
    return "\n".join(lines) + "\n"
