"""Search latency: the JSON endpoint against the floor (the raw full-text query).

Also prints the reindex throughput (`--reindex`, wall-clock and per CPU-second), the
facet arrays' cold load and a new process's start from their snapshot, the time to
patch them after one index write (rolled back), the endpoint's CPU time per request,
and the load average at the start and end: the machine may be shared, and the relative
figures are the ones to read.

Run on a database filled by `region27 bench-data --entries N` (see
bench/results/search.md for the exact commands):

    DJANGO_SETTINGS_MODULE=region27.config.settings.test DATABASE_URL=... \
        .venv/bin/python bench/search/run.py --repeat 30 [--reindex]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from region27.search import store  # noqa: E402
from region27.search.backends import get_backend  # noqa: E402
from region27.search.services import search_reindex  # noqa: E402
from region27.search.text import parse_query  # noqa: E402

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


def floor_runner(params: dict[str, Any]) -> Any:
    """The same query straight on the database driver, top 20, no Django, no facets."""
    plan = parse_query(params.get("q", ""))
    backend = get_backend()
    vendor = connection.vendor
    if plan.empty:
        sql = "SELECT entry_id FROM search_document WHERE status = 'published'"
        args: list[Any] = []
        if "kind" in params:
            sql += " AND kind = ?"
            args.append(params["kind"])
        if "year" in params:
            sql += " AND year = ?"
            args.append(int(params["year"]))
        if "format" in params:
            sql += " AND (' ' || formats || ' ') LIKE ?"
            args.append(f"% {params['format']} %")
        sql += " ORDER BY date DESC LIMIT 20"
    else:
        args = [backend.compile(plan)]
        if vendor == "sqlite":
            sql = (
                "SELECT rowid FROM search_fts WHERE search_fts MATCH ? "
                "ORDER BY bm25(search_fts, 10.0, 4.0, 2.0, 1.0) LIMIT 20"
            )
        else:
            sql = (
                "SELECT entry_id FROM search_document, to_tsquery('simple', ?) q "
                "WHERE tsv @@ q ORDER BY ts_rank('{0.1,0.2,0.4,1.0}', tsv, q, 1) DESC LIMIT 20"
            )
    if vendor == "sqlite":
        import sqlite3

        raw = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        return lambda: raw.execute(sql, args).fetchall()
    import psycopg

    db = settings.DATABASES["default"]
    raw = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    )
    pg_sql = sql.replace("?", "%s")
    return lambda: raw.execute(pg_sql, args).fetchall()


def timed(fn: Any, repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock times (ms); with `cpu`, also this process's CPU times (ms), which a
    busy machine inflates much less (they leave out the waits for a free CPU)."""
    fn()  # warm
    out = []
    for _ in range(repeat):
        c = time.process_time()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reindex", action="store_true")
    options = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_document")
        n = cursor.fetchone()[0]
    print(f"database: {connection.vendor}, indexed entries: {n}")
    if options.reindex:
        print(f"load average before reindex: {load()}")
        cpu = time.process_time()
        result = search_reindex(warm=False)
        cpu = time.process_time() - cpu
        print(
            f"reindex: {result.count} entries in {result.seconds:.1f} s "
            f"= {result.per_second:.0f} entries/s (this process's CPU: {cpu:.1f} s "
            f"= {result.count / cpu:.0f} entries per CPU-second)"
        )
    print(f"load average at start: {load()}")
    store.forget()
    store._snapshot_path("default").unlink(missing_ok=True)
    t = time.perf_counter()
    store.get_store()
    print(
        f"facet arrays, cold load (whole index, then a snapshot written): "
        f"{(time.perf_counter() - t) * 1000:.0f} ms"
    )
    store.forget()
    t = time.perf_counter()
    store.get_store()
    print(f"facet arrays, new process from the snapshot: {(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"facet arrays after one index write (patched): {patch_ms():.1f} ms")
    store.forget()
    store.get_store()
    client = Client()
    print(
        "| query | total | first search | endpoint p50 | endpoint p95 | floor p50 | floor p95 "
        "| endpoint CPU p50 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, params in QUERIES:
        # The first search of a query in this process: its common clauses, if any, are
        # not kept in memory yet (the engine answers, then they are learned).
        t = time.perf_counter()
        total = client.get("/recherche/", {**params, "format": "json"}).json()["total"]
        first = (time.perf_counter() - t) * 1000
        cpu: list[float] = []
        ep = timed(
            lambda p=params: client.get("/recherche/", {**p, "format": "json"}),
            options.repeat,
            cpu,
        )
        fl = timed(floor_runner(params), options.repeat)
        print(
            f"| {label} `{params}` | {total} | {first:.1f} ms | {statistics.median(ep):.1f} ms | "
            f"{pct(ep, 0.95):.1f} ms | {statistics.median(fl):.1f} ms | {pct(fl, 0.95):.1f} ms "
            f"| {statistics.median(cpu):.1f} ms |"
        )
    kept = store.get_store().clauses
    print(
        f"clauses kept in memory: {len(kept)} "
        f"({sum(m.bits.nbytes for m in kept.values()) / 2**20:.1f} MiB): "
        + ", ".join(
            (f'"{" ".join(c.stems)}"' if c.is_phrase else c.stems[0])
            + (f" | {c.prefix}*" if c.prefix else "")
            for c in kept
        )
    )
    print(f"facet arrays and kept clauses after one index write (patched): {patch_ms():.1f} ms")
    print(f"load average at end: {load()}")
    return 0


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def patch_ms(repeat: int = 5) -> float:
    """Median time for a search process to take one index write into its arrays.

    The write (an entry's row rewritten as the services do) is rolled back afterwards:
    the benchmark database is left as it was.
    """
    from django.db import transaction

    from region27.catalog.models import Entry
    from region27.search.services import search_index_entry

    entry = Entry.objects.order_by("pk")[Entry.objects.count() // 2]
    out = []
    # The arrays before the write (with their kept clauses): the rollback brings the
    # index back to their state, so each round starts from them again.
    before = store.get_store()
    for _ in range(repeat):
        store._CACHE["default"] = before
        with transaction.atomic():
            search_index_entry(entry=entry)
            t = time.perf_counter()
            store.get_store()
            out.append((time.perf_counter() - t) * 1000)
            transaction.set_rollback(True)
    store._CACHE["default"] = before
    return statistics.median(out)


if __name__ == "__main__":
    sys.exit(main())
