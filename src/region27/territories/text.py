"""Name folding shared by the loader (stored `search_name`) and the search selector."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Abbreviations expanded so that "St-Denis" and "Saint-Denis" match each other.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def fold(value: str) -> str:
    """Lowercase, fold accents, turn hyphens, apostrophes and other punctuation into spaces."""
    text = unicodedata.normalize("NFKD", value.lower().translate(_LIGATURES))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def expand_abbreviations(tokens: list[str], *, keep_last: bool = False) -> list[str]:
    """Expand "st"/"ste" into "saint"/"sainte"; `keep_last` leaves a word still being typed."""
    last = len(tokens) - 1
    return [
        token if keep_last and index == last else _ABBREVIATIONS.get(token, token)
        for index, token in enumerate(tokens)
    ]


def search_name(value: str) -> str:
    """The stored, folded form of a territory name (`Territory.search_name`)."""
    return " ".join(expand_abbreviations(fold(value).split()))[:200]
