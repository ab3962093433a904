"""Clearly labelled FICTITIOUS panels of French régions, départements and communes, each with
a known injected effect, for the demonstration.

Model (documented, seeded): for territory i and year t (2005-2022),

    y_it = a_i + b_i (t - 2005) + l_i f_t + e_it,   e_it ~ N(0, s²)

with a_i ~ U(40, 60), b_i ~ U(-0.3, 0.5), loadings l_i ~ U(0.5, 1.5) on a common factor
f_t = 3 sin((t - 2005) / 2.5) (a smooth cycle), and, for the treated territory only, from
the treatment year on, y_it shifted by the true effect. The treated territory is built
inside the donors' hull (its a, b and l are a 0.5 / 0.3 / 0.2 mix of three donors'), so a
synthetic control can reproduce it; the noise s is that of the level (communes are noisier).
Only the codes and names are real (the COG, so that pages can name them); every value is
generated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

START_YEAR, END_YEAR = 2005, 2022


@dataclass(frozen=True, slots=True)
class SyntheticSpec:
    key: str
    level: str  # the COG level ("region", "departement", "commune"), also the unit column
    treated: str
    treatment_year: int
    true_effect: float
    noise: float
    seed: int
    preselect: int | None = None  # donors kept by the preselection (large pools)


REGIONS = SyntheticSpec("demo-regions", "region", "53", 2015, 2.5, 0.4, 53)
DEPARTEMENTS = SyntheticSpec("demo-departements", "departement", "29", 2016, -4.0, 0.6, 27)
COMMUNES = SyntheticSpec("demo-communes", "commune", "29019", 2016, -3.0, 0.5, 2019, 40)
SPECS = (REGIONS, DEPARTEMENTS, COMMUNES)

# Kept for the existing callers: the départements panel.
TRUE_EFFECT = DEPARTEMENTS.true_effect
TREATMENT_YEAR = DEPARTEMENTS.treatment_year
TREATED = DEPARTEMENTS.treated
SEED = DEPARTEMENTS.seed


def synthetic_panel(spec: SyntheticSpec, codes: list[str]) -> str:
    """Long CSV `<level>,annee,taux` for `codes` (the treated one is added if missing)."""
    rng = np.random.default_rng(spec.seed)
    donors = [c for c in codes if c != spec.treated]
    if len(donors) < 3:
        raise ValueError("at least three donors")
    years = list(range(START_YEAR, END_YEAR + 1))
    factor = [3 * math.sin((y - START_YEAR) / 2.5) for y in years]
    params = {
        c: (rng.uniform(40, 60), rng.uniform(-0.3, 0.5), rng.uniform(0.5, 1.5)) for c in donors
    }
    mix = [0.5, 0.3, 0.2]
    a = sum(m * params[d][0] for m, d in zip(mix, donors[:3], strict=True))
    b = sum(m * params[d][1] for m, d in zip(mix, donors[:3], strict=True))
    lo = sum(m * params[d][2] for m, d in zip(mix, donors[:3], strict=True))
    params[spec.treated] = (a, b, lo)
    lines = [f"{spec.level},annee,taux"]
    for c in [spec.treated, *donors]:
        ai, bi, li = params[c]
        for y, f in zip(years, factor, strict=True):
            v = ai + bi * (y - START_YEAR) + li * f + rng.normal(0, spec.noise)
            if c == spec.treated and y >= spec.treatment_year:
                v += spec.true_effect
            lines.append(f"{c},{y},{v:.4f}")
    return "\n".join(lines) + "\n"
