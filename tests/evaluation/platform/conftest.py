"""Small synthetic panels of départements for the evaluation platform tests."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from region27.evaluation import services
from region27.territories.models import Level
from tests import factories

YEARS = range(2008, 2020)
START = 2015
EFFECT = -5.0


def value(i: int, year: int) -> float:
    base = 50 + 3 * i + 0.4 * i * (year - 2008) / 5 + 2 * math.sin(year / 2 + i)
    return round(base, 3)


@pytest.fixture
def setting(db: Any) -> dict[str, Any]:
    deps = [
        factories.territory(Level.DEPARTEMENT, code=f"{n:02d}", name=f"Département {n:02d}")
        for n in range(1, 8)
    ]
    org = factories.organisation()
    agent = factories.member(org, "agent")
    indicator = services.indicator_create(
        name="Taux de retour à l'emploi", level=Level.DEPARTEMENT, unit="%", source="Test"
    )
    lines = ["code,periode,valeur"]
    treated = deps[3]
    for i, d in enumerate(deps):
        for y in YEARS:
            v = value(i, y)
            if d == treated:
                v = (value(2, y) + value(4, y)) / 2 + (EFFECT if y >= START else 0)
            lines.append(f"{d.code},{y},{v}")
    report = services.indicator_import_csv(indicator=indicator, data="\n".join(lines))
    assert not report.refused
    entry = factories.entry(
        org,
        agent,
        kind="experiment",
        status="published",
        territories=[treated],
        detail={
            "hypothesis": "Un accompagnement renforcé fait revenir à l'emploi.",
            "start_date": dt.date(START, 1, 1),
            "funding": "Fonds de capital-risque social public.",
        },
    )
    return {
        "org": org,
        "agent": agent,
        "indicator": indicator,
        "entry": entry,
        "treated": treated,
        "deps": deps,
    }
