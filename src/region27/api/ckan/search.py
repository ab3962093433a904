"""Evaluate a parsed CKAN query (`api.ckan.query`) over the published datasets held by
the search index (`search.ckan.DatasetIndex`): every condition is a boolean mask."""

from __future__ import annotations

from functools import reduce

import numpy as np

from region27.api.ckan.query import All, And, DateRange, Node, Not, Nothing, Or, Term, Text
from region27.api.dcat.ids import looks_like_id, pk_from_public_id
from region27.search.ckan import DatasetIndex

# The index's own query parser keeps 12 words and 200 characters: longer AND-ed texts
# are looked up in several parts.
TEXT_PARTS = 10
TEXT_CHARS = 180

# CKAN field -> field of the index.
TERM_FIELDS = {
    "tags": "tag",
    "res_format": "format",
    "license_id": "licence",
    "groups": "theme",
    "name": "name",
}


def _text_query(node: Text) -> str:
    value = node.value.replace('"', " ")
    return f'"{value}"' if node.phrase else value


def _texts(texts: list[Text], index: DatasetIndex) -> np.ndarray:
    """Packages having every text: one look-up for short lists, several for long ones."""
    mask = index.everything()
    parts: list[str] = []
    chunks: list[list[str]] = [parts]
    for node in texts:
        query = _text_query(node)
        if len(parts) >= TEXT_PARTS or sum(len(p) + 1 for p in parts) + len(query) > TEXT_CHARS:
            parts = []
            chunks.append(parts)
        parts.append(query)
    for chunk in chunks:
        found = index.text_mask(" ".join(chunk)) if chunk else None
        if found is not None:
            mask &= found
    return mask


def _term(node: Term, index: DatasetIndex) -> np.ndarray:
    value = node.value
    if node.field == "organization":
        if looks_like_id(value):
            pk = pk_from_public_id("organisation", value)
            return index.organisation_mask(pk) if pk is not None else index.nothing()
        return index.values_mask("organisation", [value])
    if node.field == "id":
        pk = pk_from_public_id("entry", value) if looks_like_id(value) else None
        return index.entry_mask([pk]) if pk is not None else index.nothing()
    return index.values_mask(TERM_FIELDS[node.field], [value])


def evaluate(node: Node, index: DatasetIndex) -> np.ndarray:
    """The packages the condition selects, as a mask over the index's rows (always within
    the published datasets)."""
    if isinstance(node, All):
        return index.everything()
    if isinstance(node, Nothing):
        return index.nothing()
    if isinstance(node, Not):
        return index.everything() & ~evaluate(node.child, index)
    if isinstance(node, Or):
        return reduce(np.logical_or, (evaluate(child, index) for child in node.children))
    if isinstance(node, And):
        texts = [child for child in node.children if isinstance(child, Text)]
        mask = _texts(texts, index) if texts else index.everything()
        for child in node.children:
            if not isinstance(child, Text):
                mask &= evaluate(child, index)
        return mask
    if isinstance(node, Text):
        return _texts([node], index)
    if isinstance(node, Term):
        return _term(node, index) & index.base
    if isinstance(node, DateRange):
        return index.date_mask(
            node.field,
            node.low.timestamp() if node.low is not None else None,
            node.high.timestamp() if node.high is not None else None,
            low_inclusive=node.low_inclusive,
            high_inclusive=node.high_inclusive,
        )
    raise TypeError(f"Unknown query node {node!r}")
