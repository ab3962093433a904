"""Words typed without their accents: how many accented words they find.

Reads the French words of the project's own texts (the workshop report, the design
documents, the shipped reference data, the demonstration and benchmark texts, the code
and its catalogue), then, for every word written with accents, compares the stem of the
word as written with the stem of the same word typed without its accents, for several
sets of endings restored before stemming (`region27.search.text._REACCENT`).

    .venv/bin/python bench/search/stems.py
"""

from __future__ import annotations

import collections
import glob
import os
import sys
from collections.abc import Callable, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "src"))

import Stemmer  # noqa: E402

from region27.search.text import _REACCENT, fold, is_stop, words  # noqa: E402

SHARED = os.path.join(os.path.dirname(ROOT), "shared")
SOURCES = [
    f"{SHARED}/seed/**/*",
    f"{SHARED}/design/*.md",
    f"{SHARED}/data/**/*.json",
    f"{SHARED}/data/**/*.csv",
    f"{ROOT}/src/region27/**/*.py",
    f"{ROOT}/src/region27/**/*.json",
    f"{ROOT}/src/region27/**/django.po",
    f"{ROOT}/bench/search/similarity_pairs.py",
]

_snowball = Stemmer.Stemmer("french")


def vocabulary() -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for pattern in SOURCES:
        for path in glob.glob(pattern, recursive=True):
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read(3_000_000)
            except (OSError, UnicodeDecodeError):
                continue
            for word in words(text):
                if len(word) > 2 and not word.isdigit() and not is_stop(word):
                    found[word] += 1
    return found


def as_written(word: str) -> str:
    return fold(_snowball.stemWord(word))


def restoring(endings: Sequence[tuple[str, str]]) -> Callable[[str], str]:
    def stem(word: str) -> str:
        if word.isascii():
            for plain, accented in endings:
                if word.endswith(plain) and len(word) > len(plain) + 2:
                    word = word[: -len(plain)] + accented
                    break
        return fold(_snowball.stemWord(word))

    return stem


def main() -> int:
    vocab = vocabulary()
    accented = [w for w in vocab if not w.isascii()]
    plain = [w for w in vocab if w.isascii()]
    print(f"{len(vocab)} words, {len(accented)} with accents\n")
    print(
        "| endings restored | accented words found typed without accents "
        "| words without accents whose stem changes |"
    )
    print("|---|---|---|")
    sets: list[tuple[str, Sequence[tuple[str, str]]]] = [
        ("none", ()),
        ("-ées -ée -ités -ité", _REACCENT[2:]),
        ("+ -ières -ière (chosen)", _REACCENT),
        ("+ -iés -ié", (*_REACCENT, ("ies", "iés"), ("ie", "ié"))),
        ("+ -és", (*_REACCENT, ("es", "és"))),
        ("+ -é", (*_REACCENT, ("e", "é"))),
    ]
    for label, endings in sets:
        stem = restoring(endings)
        found = sum(1 for w in accented if stem(fold(w)) == as_written(w))
        changed = sum(1 for w in plain if stem(w) != as_written(w))
        share = found / len(accented)
        print(f"| {label} | {found:,} / {len(accented):,} ({share:.1%}) | {changed:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
