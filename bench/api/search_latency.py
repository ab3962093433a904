"""JSON search latency over HTTP: p50 / p95 of /api/1/search for typical queries.

.venv/bin/python bench/api/search_latency.py http://127.0.0.1:8027 --repeat 30
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import requests

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("one word", {"q": "déchets"}),
    ("two words", {"q": "restauration scolaire"}),
    ("phrase", {"q": '"collecte des déchets"'}),
    ("word + facets", {"q": "solaire", "kind": "study", "theme": "energie"}),
    ("word + territory", {"q": "vélo", "territory": "region:84"}),
    ("rare word", {"q": "territoria"}),
    ("very common word", {"q": "données"}),
    ("prefix (typing)", {"q": "mutualis"}),
    ("empty + filters", {"kind": "dataset", "format": "CSV", "year": "2024"}),
    ("empty, by date", {"sort": "date"}),
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    session = requests.Session()
    url = args.base.rstrip("/") + "/api/1/search"
    total = session.get(url, timeout=60).json()["total"]
    print(f"published entries visible to search: {total}")
    everything: list[float] = []
    print(f"{'query':20} {'results':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for name, params in QUERIES:
        session.get(url, params=params, timeout=60)  # warm-up
        times: list[float] = []
        results = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = session.get(url, params=params, timeout=60)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:300]
            results = response.json()["total"]
        everything += times
        print(f"{name:20} {results:>8} {pct(times, 0.5):>8.1f} {pct(times, 0.95):>8.1f}")
    print(
        f"{'all':20} {'':>8} {pct(everything, 0.5):>8.1f} {pct(everything, 0.95):>8.1f}"
        f"  (mean {statistics.fmean(everything):.1f} ms, n={len(everything)})"
    )


if __name__ == "__main__":
    main()
