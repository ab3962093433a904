"""CKAN's dataset columns follow index writes by patching (only the changed entries are
read again) and equal what a full rebuild gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from region27.catalog import services as catalog_services
from region27.search import ckan
from region27.search.store import get_store
from tests import factories

pytestmark = pytest.mark.django_db


def _view(index: ckan.DatasetIndex) -> dict[str, Any]:
    """What package_search reads, independent of rows and codes."""
    ids = index.store.ids
    rows = np.flatnonzero(index.base)
    by_name = sorted(rows.tolist(), key=lambda r: int(index.name_rank[r]))
    tags: dict[int, list[str]] = {}
    for doc, val in zip(index.tags.pair_doc.tolist(), index.tags.pair_val.tolist(), strict=True):
        if index.base[doc]:
            tags.setdefault(int(ids[doc]), []).append(index.tags.values[val])
    return {
        "datasets": {
            int(ids[r]): (float(index.modified[r]), float(index.created[r])) for r in rows
        },
        "names": {slug: int(ids[row]) for slug, row in index.names.items() if index.base[row]},
        "by_name": [int(ids[r]) for r in by_name],
        "tags": {k: sorted(v) for k, v in tags.items()},
        "tag_counts": dict(index.facet_counts(index.everything(), "tag")),
    }


def _full_read(queries: Any) -> bool:
    """Did these queries read every published dataset (no `IN (...)` on their ids)?"""
    return any(
        "SELECT id, slug, keywords" in q["sql"] and " IN (" not in q["sql"]
        for q in queries.captured_queries
    )


def test_writes_patch_the_dataset_columns_like_a_rebuild() -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    first = factories.entry(
        org, agent, kind="dataset", status="published", title="Budget", keywords=["budget"]
    )
    second = factories.entry(
        org, agent, kind="dataset", status="published", title="Cantines", keywords=["repas"]
    )
    third = factories.entry(org, agent, kind="dataset", status="published", title="Écoles")
    ckan.forget()
    ckan.ckan_datasets()  # built once
    factories.entry(
        org, agent, kind="dataset", status="published", title="Vélos", keywords=["vélo", "Repas"]
    )
    catalog_services.entry_update(entry=first, by=agent, keywords=["finances"], slug="budget-2")
    catalog_services.entry_archive(entry=second, by=agent)
    factories.entry(org, agent, kind="study", status="published", title="Étude")
    catalog_services.entry_update(entry=third, by=agent, summary="Nouveau résumé")
    with CaptureQueriesContext(connection) as queries:
        patched = ckan.ckan_datasets()
    assert not _full_read(queries)  # only the changed entries were read
    rebuilt = ckan._build(get_store(), "default")
    assert _view(patched) == _view(rebuilt)
    assert _view(patched)["tag_counts"] == {"finances": 1, "vélo": 1, "repas": 1}
    assert "budget-2" in patched.names and "budget" not in _view(patched)["names"]
