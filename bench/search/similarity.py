"""Measure « Déjà fait ailleurs ? » on hand-written pairs (bench/search/similarity_pairs.py).

Each entry of each pair is published by a different organisation, among 2,000 synthetic
distractors from `bench-data`; for every entry we ask for the 5 most similar entries of
other organisations and check whether its partner is there.

    rm -f /tmp/r27-sim.sqlite3
    DATABASE_URL=sqlite:////tmp/r27-sim.sqlite3 .venv/bin/python bench/search/similarity.py
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from similarity_pairs import PAIRS  # noqa: E402

from region27.accounts import services as accounts  # noqa: E402
from region27.catalog import services as catalog  # noqa: E402
from region27.catalog.models import Entry  # noqa: E402
from region27.search.benchdata import bench_data  # noqa: E402
from region27.search.params import parse_params  # noqa: E402
from region27.search.selectors import search  # noqa: E402
from region27.search.services import search_reindex  # noqa: E402
from region27.search.similarity import SOURCE_WEIGHTS, _fields_of_entry, similar_ids  # noqa: E402
from region27.territories.models import Territory  # noqa: E402

DETAILS = {
    "dataset": {"frequency": "annual"},
    "study": {"authors": "Service études"},
    "software": {"repository_url": "https://git.example.org/outil"},
    "service": {"url": "https://service.example.org/"},
    "failure": {
        "context": "Contexte.",
        "attempted": "Ce qui a été tenté.",
        "what_went_wrong": "Ce qui n'a pas marché.",
        "lessons": "Les leçons.",
    },
    "kit": {"howto": "Mode d'emploi."},
}


def build() -> list[tuple[int, int]]:
    call_command("migrate", verbosity=0, skip_checks=True)
    if not Territory.objects.exists():
        call_command("load_territories", verbosity=0, skip_checks=True)
    if not Entry.objects.filter(slug__startswith="paire-").exists():
        bench_data(entries=2000, seed=5)
        orgs, agents = [], []
        for i in range(12):
            org = accounts.organisation_create(name=f"Collectivité témoin {i}", kind="collectivite")
            agent = accounts.user_register(
                email=f"agent{i}@temoin.fr",
                password="mot-de-passe-42!x",  # noqa: S106
            )
            accounts.membership_set(organisation=org, user=agent, role="agent", by=None)
            orgs.append(org)
            agents.append(agent)
        for i, pair in enumerate(PAIRS):
            for side, (kind, title, summary) in enumerate(pair):
                k = (i + side * 6) % 12
                entry = catalog.entry_create(
                    by=agents[k],
                    organisation=orgs[k],
                    kind=kind,
                    title=title,
                    summary=summary,
                    licence="EUPL-1.2" if kind == "software" else "lov2",
                    slug=f"paire-{i}-{side}",
                    detail=dict(DETAILS[kind]),
                )
                catalog.entry_submit(entry=entry, by=agents[k])
                catalog.entry_publish(entry=entry, by=agents[k])
        search_reindex()
    entries = {e.slug: e.pk for e in Entry.objects.filter(slug__startswith="paire-")}
    return [(entries[f"paire-{i}-0"], entries[f"paire-{i}-1"]) for i in range(len(PAIRS))]


def method_mlt(entry: Entry) -> list[int]:
    found = similar_ids(
        fields=_fields_of_entry(entry),
        user=None,
        exclude_entry_id=entry.pk,
        exclude_organisation_id=entry.organisation_id,
    )
    return [i for i, _s in found]


def method_mlt_title(entry: Entry) -> list[int]:
    fields = _fields_of_entry(entry)
    found = similar_ids(
        fields=[fields[0], [], [], []],
        user=None,
        exclude_entry_id=entry.pk,
        exclude_organisation_id=entry.organisation_id,
    )
    return [i for i, _s in found]


def method_search_title(entry: Entry) -> list[int]:
    params, _p = parse_params({"q": entry.title + " ", "page_size": 20})
    page = search(user=None, params=params)
    return [
        h.entry.pk
        for h in page.hits
        if h.entry.organisation_id != entry.organisation_id and h.entry.pk != entry.pk
    ][:5]


class Cosine:
    """Brute-force TF-IDF cosine over every indexed entry (the reference, not for production)."""

    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT entry_id, organisation_id, title, keywords, summary, body "
                "FROM search_document WHERE status = 'published'"
            )
            rows = cursor.fetchall()
        self.org = {r[0]: r[1] for r in rows}
        self.vectors: dict[int, dict[str, float]] = {}
        df: Counter[str] = Counter()
        raw = {}
        for r in rows:
            tf: Counter[str] = Counter()
            for weight, text in zip(SOURCE_WEIGHTS, r[2:], strict=True):
                for token in text.split():
                    tf[token] += weight
            raw[r[0]] = tf
            df.update(tf.keys())
        n = len(rows)
        self.idf = {t: math.log(n / d) for t, d in df.items()}
        for pk, tf in raw.items():
            self.vectors[pk] = self._norm(tf)

    def _norm(self, tf: Counter[str]) -> dict[str, float]:
        v = {t: (1 + math.log(w)) * self.idf.get(t, 0.0) for t, w in tf.items() if w > 0}
        n = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / n for t, x in v.items()}

    def __call__(self, entry: Entry) -> list[int]:
        q = self.vectors[entry.pk]
        scores = []
        for pk, v in self.vectors.items():
            if pk == entry.pk or self.org[pk] == entry.organisation_id:
                continue
            s = sum(w * v.get(t, 0.0) for t, w in q.items())
            if s > 0:
                scores.append((s, pk))
        scores.sort(reverse=True)
        return [pk for _s, pk in scores[:5]]


def evaluate(name: str, method: Callable[[Entry], list[int]], pairs: list[tuple[int, int]]) -> str:
    entries = Entry.objects.in_bulk([i for p in pairs for i in p])
    hits = queries = 0
    rr = 0.0
    times = []
    for a, b in pairs:
        for q, partner in ((a, b), (b, a)):
            t = time.perf_counter()
            top = method(entries[q])[:5]
            times.append((time.perf_counter() - t) * 1000)
            queries += 1
            if partner in top:
                hits += 1
                rr += 1.0 / (top.index(partner) + 1)
    times.sort()
    return (
        f"| {name} | {hits / queries:.2f} ({hits}/{queries}) | {hits / (5 * queries):.3f} | "
        f"{rr / queries:.2f} | {times[len(times) // 2]:.1f} ms |"
    )


def main() -> int:
    pairs = build()
    n = Entry.objects.count()
    print(f"{len(pairs)} pairs, {n} entries indexed ({connection.vendor})\n")
    print("| method | recall@5 | precision@5 | MRR | median time |")
    print("|---|---|---|---|---|")
    print(evaluate("more-like-this, all fields (chosen)", method_mlt, pairs))
    print(evaluate("more-like-this, title only", method_mlt_title, pairs))
    print(evaluate("search() with the title (AND)", method_search_title, pairs))
    cosine = Cosine()
    print(evaluate("TF-IDF cosine, brute force over all entries", cosine, pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
