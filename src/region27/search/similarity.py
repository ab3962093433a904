"""« Déjà fait ailleurs ? »: the entries of other organisations most like a text.

More-like-this over the index (method chosen by `bench/search/similarity.py`, results in
`bench/results/search-similarity.md`): the text's most distinctive stems (weighted
term frequency × idf, title counting most) form an OR query; the engine's best
candidates are ranked again with a BM25 per field weighted by each stem's idf.
No model, nothing downloaded, same answers on both databases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from region27.catalog.models import Entry
from region27.catalog.visibility import shows_organisation
from region27.search.backends import get_backend
from region27.search.ranking import idf
from region27.search.selectors import member_org_ids
from region27.search.store import get_store
from region27.search.text import analyze

MAX_TERMS = 20
CANDIDATES = 300
# How much a word counts, by the field it comes from.
SOURCE_WEIGHTS = (3.0, 2.0, 1.5, 0.5)  # title, keywords, summary, body


def query_terms(
    fields: Sequence[Sequence[str]], *, alias: str = "default", max_terms: int = MAX_TERMS
) -> list[tuple[str, float]]:
    """The most distinctive stems of analysed fields, with their weights (tf × idf)."""
    counts: dict[str, float] = {}
    for weight, tokens in zip(SOURCE_WEIGHTS, fields, strict=False):
        for token in tokens:
            counts[token] = counts.get(token, 0.0) + weight
    if not counts:
        return []
    backend = get_backend(alias)
    total = max(1, get_store(alias).size)
    freqs = backend.doc_freqs(sorted(counts))
    weighted = [
        (term, (1.0 + np.log(tf)) * idf(freqs[term], total))
        for term, tf in counts.items()
        if freqs.get(term, 0) > 0 and len(term) > 1 and not term.isdigit()
    ]
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted[:max_terms]


def similar_ids(
    *,
    fields: Sequence[Sequence[str]],
    user: Any,
    exclude_entry_id: int | None = None,
    exclude_organisation_id: int | None = None,
    limit: int = 5,
    alias: str = "default",
) -> list[tuple[int, float]]:
    """(entry id, score) of the most similar visible entries of other organisations."""
    terms = query_terms(fields, alias=alias)
    if not terms:
        return []
    backend = get_backend(alias)
    store = get_store(alias)
    pool = backend.match_any([t for t, _w in terms], CANDIDATES)
    if not pool:
        return []
    ids = np.array([i for i, _s in pool], dtype=np.int64)
    rows, found = store.rows_of(ids)
    visible = store.visible(member_org_ids(user))
    keep = visible[rows]
    if exclude_organisation_id is not None:
        keep &= store.org_ids[rows] != exclude_organisation_id
    candidates = [int(i) for i in ids[found][keep] if int(i) != exclude_entry_id]
    texts = backend.fields_of(candidates)
    query = dict(terms)
    scored = [(round(cosine(query, texts[i]), 9), i) for i in candidates if i in texts]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(i, s) for s, i in scored[:limit] if s > 0]


def cosine(query: dict[str, float], fields: Sequence[str]) -> float:
    """Cosine of the query's tf-idf weights with the document's field-weighted, sublinear
    term frequencies (terms outside the query count in the norm with weight 1)."""
    tf: dict[str, float] = {}
    for weight, text in zip(SOURCE_WEIGHTS, fields, strict=False):
        for token in text.split():
            tf[token] = tf.get(token, 0.0) + weight
    if not tf:
        return 0.0
    doc = {t: 1.0 + math.log(w) if w >= 1 else w for t, w in tf.items()}
    norm = math.sqrt(sum(v * v for v in doc.values()))
    return sum(w * doc.get(t, 0.0) for t, w in query.items()) / norm


def _fields_of_entry(entry: Entry) -> list[list[str]]:
    return [
        analyze(entry.title),
        analyze(" ; ".join(str(k) for k in entry.keywords or [])),
        analyze(entry.summary),
        analyze(entry.body[:5000]),
    ]


def similar_entries(*, user: Any, entry: Entry, limit: int = 5) -> list[Entry]:
    """The entries of other organisations most like this one (visible to the user).

    For an anonymised report, the entries of its organisation are not left out: the
    gap would tell which organisation wrote it."""
    found = similar_ids(
        fields=_fields_of_entry(entry),
        user=user,
        exclude_entry_id=entry.pk,
        exclude_organisation_id=entry.organisation_id if shows_organisation(user, entry) else None,
        limit=limit,
    )
    return _entries([i for i, _s in found])


def similar_to_text(
    *,
    user: Any,
    title: str,
    summary: str = "",
    keywords: Sequence[str] = (),
    organisation_id: int | None = None,
    limit: int = 5,
) -> list[Entry]:
    """The same list for a text being typed in the create form."""
    fields = [
        analyze(title[:200]),
        analyze(" ; ".join(keywords)[:1000]),
        analyze(summary[:1000]),
        [],
    ]
    found = similar_ids(
        fields=fields, user=user, exclude_organisation_id=organisation_id, limit=limit
    )
    return _entries([i for i, _s in found])


def _entries(ids: list[int]) -> list[Entry]:
    found = Entry.objects.select_related("organisation", "failure").in_bulk(ids)
    return [found[i] for i in ids if i in found]
