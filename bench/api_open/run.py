"""Open API benchmarks: CKAN package_search with facets, and a full DCAT page.

Run on a data folder filled by `bench/api_open/prepare.sh DIR N` (real territories and
N entries from the search app's `bench-data`), in-process through Django's test client
(no network, no server: the time is the view's):

    REGION27_DATA_DIR=/tmp/r27open .venv/bin/python bench/api_open/run.py --repeat 30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from region27.catalog.models import Entry  # noqa: E402

FACETS = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])
SEARCHES: list[tuple[str, dict[str, Any]]] = [
    ("all datasets, facets", {"rows": 20}),
    ("q one word, facets", {"q": "déchets", "rows": 20}),
    ("q two words, facets", {"q": "restauration scolaire", "rows": 20}),
    ("fq organization, facets", {"fq": "organization:{org}", "rows": 20}),
    ("fq tags OR tags, facets", {"fq": "tags:vélo OR tags:compost", "rows": 20}),
    ("fq res_format -license, facets", {"fq": "res_format:CSV -license_id:lov2", "rows": 20}),
    (
        "fq groups AND modified range",
        {"fq": "groups:energie metadata_modified:[NOW-3650DAYS TO *]", "rows": 20},
    ),
    ("rows=1000, facets", {"rows": 1000}),
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed(
    client: Client, method: str, url: str, repeat: int, **kwargs: Any
) -> tuple[list[float], Any]:
    response = getattr(client, method)(url, **kwargs)  # warm-up
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = getattr(client, method)(url, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
    return times, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    client = Client()
    datasets = Entry.objects.filter(kind="dataset", status="published").count()
    print(
        f"{connection.vendor}: {Entry.objects.count()} entries, {datasets} published datasets",
        file=sys.stderr,
    )
    org = (
        Entry.objects.filter(kind="dataset", status="published")
        .values_list("organisation__slug", flat=True)
        .first()
    )
    load = "load average %.2f %.2f %.2f"
    print("before package_search:", load % os.getloadavg(), file=sys.stderr)
    print("| package_search (POST JSON, facet.field = 5 fields) | count | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for label, params in SEARCHES:
        data = {k: (v.format(org=org) if isinstance(v, str) else v) for k, v in params.items()}
        data["facet.field"] = FACETS
        times, response = timed(
            client,
            "post",
            "/api/3/action/package_search",
            args.repeat,
            data=json.dumps(data),
            content_type="application/json",
        )
        count = response.json()["result"]["count"]
        print(f"| {label} | {count} | {statistics.median(times):.0f} | {pct(times, 0.95):.0f} |")
    print("after package_search:", load % os.getloadavg(), file=sys.stderr)
    print()
    print("| DCAT page | datasets + services on the page | p50 ms | p95 ms | bytes |")
    print("|---|---:|---:|---:|---:|")
    for url in ("/catalogue.ttl", "/catalogue.rdf", "/catalogue.jsonld", "/catalogue.ttl?page=50"):
        times, response = timed(client, "get", url, max(5, args.repeat // 3))
        body = response.content
        turtle = url.endswith("ttl") or "ttl?" in url
        on_page = body.count(b"dcat:Dataset") + body.count(b"dcat:DataService") if turtle else 100
        p50, p95 = statistics.median(times), pct(times, 0.95)
        print(f"| `{url}` | {on_page} | {p50:.0f} | {p95:.0f} | {len(body)} |")
    print("after DCAT:", load % os.getloadavg(), file=sys.stderr)


if __name__ == "__main__":
    main()
