"""Every fq field stays valid when Django nests the condition in a sub-query (facets)."""

from __future__ import annotations

import json

from django.test import Client

from tests.api.open.conftest import OpenData

FIELDS = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])


def test_each_field_with_all_facets(client: Client, open_data: OpenData) -> None:
    for fq in (
        "tags:recharge",
        "-tags:budget",
        "groups:mobilite",
        "res_format:CSV",
        "organization:crest",
        "license_id:lov2",
        "metadata_modified:[NOW-1DAY TO *]",
        "name:bornes-de-recharge",
        f"id:{json.loads(client.get('/api/3/action/package_show', {'id': open_data.dataset.slug}).content)['result']['id']}",
    ):
        response = client.post(
            "/api/3/action/package_search",
            json.dumps({"fq": fq, "facet.field": FIELDS, "q": "bornes"}),
            content_type="application/json",
        )
        assert response.status_code == 200, (fq, response.content[:300])
        result = response.json()["result"]
        assert result["count"] == 1, fq
        assert result["facets"]["organization"] == {"crest": 1}, fq
