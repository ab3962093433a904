"""Time CKAN's dataset columns after one index write (patched) against a full rebuild.

    .venv/bin/python bench/search/ckan_patch.py DATABASE_URL

on a database filled by `region27 manage bench_data --entries 100000`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.test")
os.environ.setdefault("REGION27_DATA_DIR", "/tmp/region27-bench-ckan")
os.environ["DATABASE_URL"] = sys.argv[1]

import django

django.setup()

from region27.catalog.models import Entry  # noqa: E402
from region27.search import ckan  # noqa: E402
from region27.search.services import search_index_entry  # noqa: E402


def timed() -> float:
    started = time.perf_counter()
    ckan.ckan_datasets()
    return time.perf_counter() - started


def main() -> None:
    print(f"first build (with the facet arrays): {timed():.3f} s")
    after = []
    datasets = Entry.objects.filter(kind="dataset", status="published").order_by("pk")[:10]
    for entry in datasets:
        search_index_entry(entry=entry)  # one committed index write
        after.append(timed())
    print("after one write (patched): " + ", ".join(f"{t * 1000:.0f}" for t in after) + " ms")
    ckan.forget()
    print(f"full rebuild: {timed():.3f} s")


if __name__ == "__main__":
    main()
