"""Shared fixtures for the evaluation statistics tests (panels shipped in ./data)."""

from __future__ import annotations

import os

# Tiny matrices: BLAS threads only add contention (must be set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path

import pytest

from region27.evaluation.stats.panel import Panel

DATA = Path(__file__).parent / "data"

PROP99_PREDICTORS = (
    "lnincome:mean:1980-1988",
    "retprice:mean:1980-1988",
    "age15to24:mean:1980-1988",
    "beer:mean:1984-1988",
    "cigsale:value:1975",
    "cigsale:value:1980",
    "cigsale:value:1988",
)
PROP99_PUBLISHED = {
    "Utah": 0.334,
    "Nevada": 0.234,
    "Montana": 0.199,
    "Colorado": 0.164,
    "Connecticut": 0.069,
}
BASQUE = "Basque Country (Pais Vasco)"
BASQUE_PREDICTORS = (
    *(
        f"{c}:mean:1964-1969"
        for c in (
            "school.illit",
            "school.prim",
            "school.med",
            "school.high",
            "school.post.high",
            "invest",
        )
    ),
    "gdpcap:mean:1960-1969",
    *(
        f"{c}:mean:1961-1969/2"
        for c in (
            "sec.agriculture",
            "sec.energy",
            "sec.industry",
            "sec.construction",
            "sec.services.venta",
            "sec.services.nonventa",
        )
    ),
    "popdens:value:1969",
)
BASQUE_PUBLISHED = {"Cataluna": 0.8508, "Madrid (Comunidad De)": 0.1492}


@pytest.fixture(scope="session")
def smoking() -> Panel:
    return Panel.from_csv(DATA / "smoking.csv", unit="state", time="year")


@pytest.fixture(scope="session")
def basque() -> Panel:
    return Panel.from_csv(DATA / "basque.csv", unit="regionname", time="year")
