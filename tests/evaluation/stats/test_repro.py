"""Results stored as JSON: no NaN or infinity reaches the database or the CLI output."""

from __future__ import annotations

import json
import math

from region27.evaluation.stats import json_finite


def test_json_finite_replaces_nan_and_infinity_at_any_depth() -> None:
    value = {
        "gap": [1.5, math.nan, -math.inf],
        "nested": {"p": math.inf, "ok": 0.25, "rows": (1, 2.0, math.nan)},
        "label": "Drôme",
        "count": 3,
        "none": None,
    }
    clean = json_finite(value)
    assert clean == {
        "gap": [1.5, None, None],
        "nested": {"p": None, "ok": 0.25, "rows": [1, 2.0, None]},
        "label": "Drôme",
        "count": 3,
        "none": None,
    }
    json.dumps(clean, allow_nan=False)  # strict JSON
