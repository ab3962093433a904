"""The final ranking, computed in Python so that both databases order results alike.

Each backend gives a first rank (FTS5 bm25, PostgreSQL ts_rank) used only to choose the
best candidates; those are ranked again here with a BM25 per field (title > keywords >
summary > body), times a gentle boost for validated and for recent entries.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from functools import lru_cache

from region27.search.backends.base import FIELD_WEIGHTS, FIELDS
from region27.search.text import Clause

K1 = 1.2
B = 0.75
# Typical analysed lengths (tokens) of each field.
AVERAGE_LENGTHS = {"title": 6.0, "keywords": 4.0, "summary": 20.0, "body": 120.0}
RECENCY_BOOST = 0.2
RECENCY_DAYS = 365.0


def _count(clause: Clause, tokens: Sequence[str]) -> int:
    """Occurrences of the clause in a list of tokens (the reference for `_counter`)."""
    stems = clause.stems
    if clause.is_phrase:
        n = len(stems)
        return sum(1 for i in range(len(tokens) - n + 1) if tuple(tokens[i : i + n]) == stems)
    first = stems[0]
    prefix = clause.prefix
    if prefix:
        return sum(1 for t in tokens if t.startswith(prefix)) + (
            tokens.count(first) if not first.startswith(prefix) else 0
        )
    return tokens.count(first)


@lru_cache(maxsize=256)
def _counter(clause: Clause) -> Callable[[str], int]:
    """`_count` over a space-separated token string, with regular expressions (in C).

    Tokens are [a-z0-9]+ separated by single spaces, so a token boundary is a space or
    an end of the text; a lookahead counts overlapping phrases as `_count` does.
    """
    stems = [re.escape(s) for s in clause.stems]
    if clause.is_phrase:
        pattern = re.compile(r"(?<!\S)(?=" + " ".join(stems) + r"(?!\S))")
    elif clause.prefix:
        starts = re.compile(r"(?<!\S)" + re.escape(clause.prefix))
        if clause.stems[0].startswith(clause.prefix):
            return lambda text: len(starts.findall(text))
        whole = re.compile(r"(?<!\S)" + stems[0] + r"(?!\S)")
        return lambda text: len(starts.findall(text)) + len(whole.findall(text))
    else:
        pattern = re.compile(r"(?<!\S)" + stems[0] + r"(?!\S)")
    return lambda text: len(pattern.findall(text))


@lru_cache(maxsize=256)
def _finder(clause: Clause) -> re.Pattern[str]:
    """A regular expression found in a token string where `_count` is not 0 (stops at
    the first occurrence instead of counting them all)."""
    stems = [re.escape(s) for s in clause.stems]
    if clause.is_phrase:
        return re.compile(r"(?<!\S)" + " ".join(stems) + r"(?!\S)")
    if clause.prefix:
        alternatives = [r"(?<!\S)" + re.escape(clause.prefix)]
        if not clause.stems[0].startswith(clause.prefix):
            alternatives.append(r"(?<!\S)" + stems[0] + r"(?!\S)")
        return re.compile("|".join(f"(?:{a})" for a in alternatives))
    return re.compile(r"(?<!\S)" + stems[0] + r"(?!\S)")


def clause_in(clause: Clause, text: str) -> bool:
    """Whether an analysed field holds the clause, by the engines' rules (a term, a
    prefix of a token, consecutive tokens of a phrase)."""
    return bool(text) and _finder(clause).search(text) is not None


def field_score(tf: int, length: int, field: str) -> float:
    if tf <= 0:
        return 0.0
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTHS[field])
    return FIELD_WEIGHTS[field] * tf * (K1 + 1) / (tf + norm)


def text_score(
    clauses: Sequence[Clause],
    fields: tuple[str, str, str, str],
    weights: Sequence[float] | None = None,
) -> float:
    """BM25 per field of a document's analysed fields for the clauses (optionally weighted)."""
    lengths = [text.count(" ") + 1 if text else 0 for text in fields]
    score = 0.0
    for index, clause in enumerate(clauses):
        weight = weights[index] if weights is not None else 1.0
        count = _counter(clause)
        for name, text, length in zip(FIELDS, fields, lengths, strict=True):
            tf = count(text) if text else 0
            score += weight * field_score(tf, length, name)
    return score


def age_in_days(epoch_seconds: float, now: float) -> float:
    """Whole days between the entry's date and today (UTC): entries of the same day
    get the same boost, so that ranking does not depend on seconds between writes."""
    return max(0.0, math.floor(now / 86400.0) - math.floor(epoch_seconds / 86400.0))


def recency(epoch_seconds: float, now: float | None = None) -> float:
    now = time.time() if now is None else now
    return 1.0 + RECENCY_BOOST * math.exp(-age_in_days(epoch_seconds, now) / RECENCY_DAYS)


def idf(doc_freq: int, total: int) -> float:
    return math.log(1.0 + (total - doc_freq + 0.5) / (doc_freq + 0.5))
