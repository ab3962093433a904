"""Search latency over HTTP: p50 / p95 of /api/1/search and of CKAN's package_search
(with the five facets) for typical queries.

.venv/bin/python bench/api/search_latency.py http://127.0.0.1:8027 --repeat 30
"""

from __future__ import annotations

import argparse
import json
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

FACETS = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])
CKAN_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("all datasets", {}),
    ("one word", {"q": "déchets"}),
    ("two words", {"q": "restauration scolaire"}),
    ("fq tags OR tags", {"fq": "tags:vélo OR tags:compost"}),
    ("fq format -licence", {"fq": "res_format:CSV -license_id:lov2"}),
    ("fq group + range", {"fq": "groups:energie metadata_modified:[NOW-3650DAYS TO *]"}),
    ("sort name, start 500", {"sort": "name asc", "start": 500}),
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
    ckan(session, args.base.rstrip("/") + "/api/3/action/package_search", args.repeat)


def ckan(session: requests.Session, url: str, repeat: int) -> None:
    """package_search, POSTed as ckanapi does, 20 rows and the five facets."""
    print()
    print(f"{'package_search':20} {'count':>8} {'p50 ms':>8} {'p95 ms':>8}")
    everything: list[float] = []
    for name, params in CKAN_QUERIES:
        body = {"rows": 20, "facet.field": FACETS, **params}
        session.post(url, json=body, timeout=60)  # warm-up
        times: list[float] = []
        count = 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = session.post(url, json=body, timeout=60)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:300]
            count = response.json()["result"]["count"]
        everything += times
        print(f"{name:20} {count:>8} {pct(times, 0.5):>8.1f} {pct(times, 0.95):>8.1f}")
    print(f"{'all':20} {'':>8} {pct(everything, 0.5):>8.1f} {pct(everything, 0.95):>8.1f}")


if __name__ == "__main__":
    main()
