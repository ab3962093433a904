"""Time the territories loader and the picker search.

Usage (from the project root):
    .venv/bin/python bench/territories/bench_load.py            # fresh temporary SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/SCRATCH_DB .venv/bin/python \
        bench/territories/bench_load.py                         # an empty, scratch database

Migrates the database, loads the full COG extract twice (first load, then an idempotent
reload) and times a few searches. Prints a Markdown table row per step.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.TemporaryDirectory(prefix="r27-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.test")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from region27.territories.loader import load_territories
    from region27.territories.models import Territory
    from region27.territories.selectors import territory_descendant_ids, territory_search

    call_command("migrate", verbosity=0)
    if Territory.objects.exists():
        print("The database already holds territories: use an empty scratch database.")
        return 1
    print(f"database: {connection.vendor}")
    print("| step | seconds | rows created / updated / unchanged |")
    print("|---|---|---|")
    for step in ("first load", "reload (idempotent)"):
        start = time.perf_counter()
        result = load_territories()
        elapsed = time.perf_counter() - start
        print(
            f"| {step} | {elapsed:.2f} | {result.created} / {result.updated} / {result.unchanged} |"
        )
    for query in ("saint denis", "st-denis", "Lyon", "69003", "84", "mar"):
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            territory_search(query=query)
            runs.append(time.perf_counter() - start)
        print(f"| search {query!r} (median of 5) | {statistics.median(runs):.4f} | |")
    region = Territory.objects.get(level="region", code="84")
    start = time.perf_counter()
    ids = territory_descendant_ids(region)
    print(f"| descendant ids of région 84 ({len(ids)}) | {time.perf_counter() - start:.4f} | |")
    if tmp is not None:
        connection.close()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
