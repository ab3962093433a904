"""Search reads, always with the acting user: `search(user=..., params=...)` gives a page."""

from __future__ import annotations

import html
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from region27.accounts.models import Organisation
from region27.catalog.kinds import kind_all, kind_get
from region27.catalog.licences import licence_get
from region27.catalog.models import Entry
from region27.catalog.themes import THEMES
from region27.catalog.visibility import member_organisation_ids, shows_organisation
from region27.search import clausecache
from region27.search.backends import get_backend
from region27.search.documents import NO_ORGANISATION
from region27.search.params import FACET_PARAMS, SearchParams
from region27.search.ranking import RECENCY_BOOST, RECENCY_DAYS, recency, text_score
from region27.search.store import FacetStore, get_store
from region27.search.text import TOKENS, QueryPlan, fold_word, parse_query
from region27.territories.models import Level, Territory
from region27.territories.selectors import (
    territory_ancestors,
    territory_get,
    territory_label,
    territory_parse_typed,
)

# Candidates ranked with the full BM25 per field in Python (see `ranking`); the others
# follow, by the fields they match in, then boost and recency.
RERANK_CANDIDATES = 100
FACET_LIMIT = 15
FACET_NAMES = ("kind", "theme", "organisation", "licence", "year", "format", "territory")
_FACET_LEVELS = ("region:", "departement:")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchHit:
    entry: Entry
    snippet: SafeString
    score: float
    show_organisation: bool = True


@dataclass
class SearchPage:
    params: SearchParams
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]]
    problems: list[str] = field(default_factory=list)
    plan: QueryPlan = field(default_factory=QueryPlan)
    seconds: float = 0.0

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def page_size(self) -> int:
        return self.params.page_size

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.num_pages and self.total else None

    @property
    def previous_page(self) -> int | None:
        return min(self.page - 1, self.num_pages) if self.page > 1 else None


member_org_ids = member_organisation_ids


def _territory_masks(
    store: FacetStore, values: list[str], problems: list[str]
) -> tuple[np.ndarray | None, list[str]]:
    """Mask of entries about the territories (within them, or covering them)."""
    if not values:
        return None, []
    mask = np.zeros(store.size, dtype=bool)
    kept: list[str] = []
    for raw in values:
        try:
            level, code = territory_parse_typed(raw[:60])
            territory = territory_get(level=level, code=code)
        except ValueError as error:
            problems.append(str(error)[:300])
            continue
        except Territory.DoesNotExist:
            problems.append(
                _("Territoire inconnu : « %(t)s » (exemple : departement:26).") % {"t": raw[:40]}
            )
            continue
        kept.append(territory.typed_code)
        mask |= store.facets["within"].mask_for([territory.typed_code], store.size)
        covering = [t.typed_code for t in territory_ancestors(territory)]
        if covering:
            # Entries about a territory around this one; not the anonymised reports
            # (a hidden territory must not find them through a wider one).
            around = store.facets["territory"].mask_for(covering, store.size)
            mask |= around & (store.org_ids != NO_ORGANISATION)
    if not kept:
        # Every territory was unusable: the filter is dropped (messages say why).
        return None, []
    return mask, kept


def _known_values(params: SearchParams, problems: list[str]) -> None:
    """Drop unknown kinds, themes and licences, saying so."""
    known = {
        "kind": {spec.slug for spec in kind_all()},
        "theme": {slug for slug, _label, _eu in THEMES},
    }
    for name, allowed in known.items():
        bad = [v for v in getattr(params, name) if v not in allowed]
        if bad:
            problems.append(
                _("Valeur inconnue ignorée pour « %(name)s » : « %(v)s ».")
                % {"name": name, "v": bad[0][:40]}
            )
            setattr(params, name, [v for v in getattr(params, name) if v in allowed])
    bad = [v for v in params.licence if licence_get(v) is None]
    if bad:
        problems.append(_("Licence inconnue ignorée : « %(v)s ».") % {"v": bad[0][:40]})
        params.licence = [v for v in params.licence if licence_get(v) is not None]


def search(*, user: Any, params: SearchParams, alias: str = "default") -> SearchPage:
    """One page of the entries the user may see that match the parameters, with facets.

    Facet counts cover the full result set; a facet's own selection is left out of its
    counts (so the other values of a facet stay visible: OR within, AND across).
    """
    started = time.perf_counter()
    problems: list[str] = []
    _known_values(params, problems)
    plan = parse_query(params.q)
    if plan.truncated:
        problems.append(
            _("Recherche trop longue : seuls les premiers mots ont été pris en compte.")
        )
    if plan.only_stop_words:
        problems.append(_("Votre recherche ne contient que des mots trop courants ; précisez-la."))
    store = get_store(alias)
    base = store.visible(member_org_ids(user))
    # Before the final ranking: 1 + 8 if every clause is in the title, + 4 in the
    # keywords, + 2 in the summary (same on both databases: boolean matches only).
    scores = np.zeros(store.size, dtype=np.float64)
    if plan.only_stop_words:
        base[:] = False
    elif not plan.empty:
        bits = clausecache.match(store, plan, alias)
        base &= bits != 0
        scores = bits.astype(np.float64)
    masks: dict[str, np.ndarray] = {}
    for name in FACET_PARAMS:
        values = getattr(params, name)
        if not values:
            continue
        if name == "territory":
            mask, kept = _territory_masks(store, values, problems)
            params.territory = kept
            if mask is not None:
                masks[name] = mask
        else:
            masks[name] = store.facets[name].mask_for(values, store.size)
    final = base.copy()
    for mask in masks.values():
        final &= mask
    rows = np.flatnonzero(final)
    total = int(rows.size)
    start = (params.page - 1) * params.page_size
    order = _order(store, rows, scores, plan, params.sort, alias, start + params.page_size)
    if start >= total and total:
        problems.append(
            _("La page %(p)d n'existe pas : il y a %(n)d page(s) de résultats.")
            % {"p": params.page, "n": max(1, math.ceil(total / params.page_size))}
        )
    page_rows = order[start : start + params.page_size]
    hits = _hits(store, page_rows, scores, plan, user)
    facets = _facets(store, base, masks, params)
    return SearchPage(
        params=params,
        hits=hits,
        total=total,
        facets=facets,
        problems=problems,
        plan=plan,
        seconds=time.perf_counter() - started,
    )


def _first(rows: np.ndarray, key: np.ndarray, ids: np.ndarray, need: int) -> np.ndarray:
    """The `need` first rows by (key, id), in order. Only the rows whose key is at most
    the need-th smallest key are sorted (ties included): O(n) instead of O(n log n)."""
    if 0 < need < rows.size:
        kth = np.partition(key, need - 1)[need - 1]
        head = key <= kth
        rows, key, ids = rows[head], key[head], ids[head]
    return rows[np.lexsort((ids, key))][:need]


def _order(
    store: FacetStore,
    rows: np.ndarray,
    scores: np.ndarray,
    plan: QueryPlan,
    sort: str,
    alias: str,
    need: int,
) -> np.ndarray:
    """The `need` first rows of the results in the requested order."""
    if rows.size == 0:
        return rows
    ids = store.ids[rows]
    if sort == "date":
        return _first(rows, -store.dates[rows], ids, need)
    if sort == "title":
        return _first(rows, store.title_rank[rows], ids, need)
    now = time.time()
    # Whole days, as in ranking.age_in_days.
    age_days = np.maximum(0.0, np.floor(now / 86400.0) - np.floor(store.dates[rows] / 86400.0))
    boost = store.boost[rows] * (1.0 + RECENCY_BOOST * np.exp(-age_days / RECENCY_DAYS))
    if plan.empty:
        return _first(rows, -boost, ids, need)
    ranked = _first(rows, -(scores[rows] * boost), ids, max(need, RERANK_CANDIDATES))
    head = ranked[:RERANK_CANDIDATES]
    fields = get_backend(alias).fields_of([int(i) for i in store.ids[head]])
    rescored = []
    for row in head:
        entry_id = int(store.ids[row])
        text = fields.get(entry_id, ("", "", "", ""))
        value = (
            text_score(plan.clauses, text)
            * store.boost[row]
            * recency(float(store.dates[row]), now)
        )
        rescored.append((-round(value, 9), entry_id, int(row)))
        scores[row] = round(value, 9)
    rescored.sort()
    return np.concatenate(
        [np.array([r for _s, _i, r in rescored], dtype=np.int64), ranked[RERANK_CANDIDATES:]]
    )


def _hits(
    store: FacetStore, rows: np.ndarray, scores: np.ndarray, plan: QueryPlan, user: Any
) -> list[SearchHit]:
    ids = [int(store.ids[r]) for r in rows]
    if not ids:
        return []
    entries = Entry.objects.select_related("organisation", "failure").in_bulk(ids)
    hits: list[SearchHit] = []
    for row, entry_id in zip(rows, ids, strict=True):
        entry = entries.get(entry_id)
        if entry is None:
            continue
        text = entry.summary + "\n" + entry.body
        hits.append(
            SearchHit(
                entry=entry,
                snippet=snippet(text, plan),
                score=round(float(scores[row]), 4),
                show_organisation=shows_organisation(user, entry),
            )
        )
    return hits


def _facets(
    store: FacetStore, base: np.ndarray, masks: dict[str, np.ndarray], params: SearchParams
) -> dict[str, list[FacetValue]]:
    out: dict[str, list[FacetValue]] = {}
    for name in FACET_NAMES:
        docs = base.copy()
        for other, mask in masks.items():
            if other != name:
                docs &= mask
        facet = store.facets["within" if name == "territory" else name]
        counts = facet.counts(docs) if facet.values else np.zeros(0, dtype=np.int64)
        selected = set(getattr(params, name))
        present = np.flatnonzero(counts)
        if name == "territory":
            present = present[facet.starting_with(_FACET_LEVELS)[present]]
        pairs = [(facet.values[code], int(counts[code])) for code in present.tolist()]
        if name == "year":
            pairs.sort(key=lambda p: p[0], reverse=True)
        else:
            pairs.sort(key=lambda p: (-p[1], p[0]))
        shown = pairs[:FACET_LIMIT]
        shown_values = {v for v, _c in shown}
        for value in selected:
            if value not in shown_values:
                code = facet.codes.get(value)
                shown.append((value, int(counts[code]) if code is not None else 0))
        labels = _cached_labels(store, name, [v for v, _c in shown])
        out[name] = [
            FacetValue(value=v, label=labels.get(v, v), count=c, selected=v in selected)
            for v, c in shown
        ]
    return out


def _cached_labels(store: FacetStore, name: str, values: list[str]) -> dict[str, str]:
    if name not in ("organisation", "territory"):
        return _labels(name, values)
    missing = [v for v in values if (name, v) not in store.labels]
    if missing:
        found = _labels(name, missing)
        for value in missing:
            store.labels[(name, value)] = found.get(value, value)
    return {v: store.labels[(name, v)] for v in values}


def _labels(name: str, values: list[str]) -> dict[str, str]:
    if not values:
        return {}
    if name == "kind":
        return {v: str(spec.label) for v in values if (spec := kind_get(v)) is not None}
    if name == "theme":
        return {slug: str(label) for slug, label, _eu in THEMES if slug in values}
    if name == "licence":
        return {v: str(lic.title) for v in values if (lic := licence_get(v)) is not None}
    if name == "organisation":
        return dict(Organisation.objects.filter(slug__in=values).values_list("slug", "name"))
    if name == "territory":
        wanted: dict[str, set[str]] = {}
        for value in values:
            level, _sep, code = value.partition(":")
            wanted.setdefault(level, set()).add(code)
        labels: dict[str, str] = {}
        for level, codes in wanted.items():
            for territory in Territory.objects.filter(level=level, code__in=codes).select_related(
                "departement"
            ):
                labels[territory.typed_code] = territory_label(territory)
        return labels
    return {}


SNIPPET_SCAN = 1500
_MARKDOWN_NOISE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[#*_`>|]+|https?://\S+")
_WORD_RE = re.compile(r"[^\W_]+")


def snippet(text: str, plan: QueryPlan, length: int = 240) -> SafeString:
    """An extract of the text around the query's words, escaped, words in <mark>."""
    plain = " ".join(_MARKDOWN_NOISE.sub(lambda m: m.group(1) or " ", text[:SNIPPET_SCAN]).split())
    marks: list[tuple[int, int]] = []
    if plan.clauses:
        # Whether a word is highlighted, decided once per word for the plan (a page of
        # snippets repeats the same words).
        marked = plan.marked_words
        stems = set(plan.terms())
        prefixes = tuple(c.prefix for c in plan.clauses if c.prefix)
        for match in _WORD_RE.finditer(plain):
            word = match.group(0)
            hit = marked.get(word)
            if hit is None:
                lower = word.lower()
                folded = fold_word(lower)
                hit = marked[word] = (
                    TOKENS[lower] in stems
                    or folded in plan.highlight
                    or bool(prefixes and folded.startswith(prefixes))
                )
            if hit:
                marks.append(match.span())
    start = 0
    if marks:
        # The window of `length` characters holding the most marks (the first such).
        best, best_count, last = marks[0][0], 0, 0
        for i, (s, _e) in enumerate(marks):
            last = max(last, i)
            while last < len(marks) and marks[last][0] < s + length - 40:
                last += 1
            if last - i > best_count:
                best, best_count = s, last - i
        start = max(0, best - 40)
        if start:
            space = plain.find(" ", start)
            start = space + 1 if 0 <= space < best else start
    end = min(len(plain), start + length)
    if end < len(plain):
        space = plain.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[str] = ["… " if start else ""]
    cursor = start
    for s, e in marks:
        if s < start or e > end:
            continue
        parts.append(html.escape(plain[cursor:s]))
        parts.append(f"<mark>{html.escape(plain[s:e])}</mark>")
        cursor = e
    parts.append(html.escape(plain[cursor:end]))
    if end < len(plain):
        parts.append(" …")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


__all__ = [
    "FacetValue",
    "Level",
    "SearchHit",
    "SearchPage",
    "search",
    "snippet",
]
