"""French text handling shared by indexing and querying, on every backend.

Both backends index and query the *same* tokens, computed here in Python:
lowercase, Snowball French stemming (PyStemmer), accents folded, stop words
dropped. SQLite FTS5 and PostgreSQL (`simple` configuration) then only split on
spaces, so they match the same documents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12
MAX_TOKEN_CHARS = 40

# Words: letters and digits; apostrophes split ("l'eau" -> "l", "eau").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)$")

STOP_WORDS = frozenset(
    """
    a à afin ai aie aient aies ait alors as au aucun aucune aupres auquel aussi autre autres
    aux auxquelles auxquels avaient avais avait avant avec avez aviez avions avoir avons
    ayant c ça car ce ceci cela celle celles celui cependant certain certaine certaines
    certains ces cet cette ceux chacun chacune chaque chez ci comme comment d dans de dela
    des desquelles desquels dessous dessus devant donc dont du duquel durant elle elles en
    encore entre es est et etaient etais etait etant ete etre eu eux furent fut ici il ils j
    je jusqu l la laquelle le lequel les lesquelles lesquels leur leurs lors lorsqu lui m ma
    mais me meme memes mes moi mon n ne ni nos notre nous on ont or ou où par parce pas
    pendant peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui quoi s sa
    sans se selon ser sera seront ses si sien sienne siens son sont sous soyez sur t ta te
    tes toi ton tous tout toute toutes tres tu un une unes uns vers via voici voila vos
    votre vous y
    """.split()  # noqa: SIM905
)
_STOP_FOLDED = frozenset(unicodedata.normalize("NFKD", w) for w in STOP_WORDS)

_stemmer = Stemmer.Stemmer("french")


_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff\ue000-\uf8ff]"
)


def clean(value: str) -> str:
    """Turn control characters, lone surrogates and private-use characters into spaces."""
    if not value:
        return ""
    return _CONTROL.sub(" ", value)


def _ligatures(value: str) -> str:
    # str.translate with a dict is slow on long texts: replace only what is there.
    for char, repl in (("œ", "oe"), ("æ", "ae"), ("ß", "ss"), ("’", "'")):
        if char in value:
            value = value.replace(char, repl)
    return value


# The combining diacritics of Latin scripts (U+034F, a joiner, is not combining).
_DIACRITICS = re.compile("[\u0300-\u034e\u0350-\u036f]")


def fold(value: str) -> str:
    """Lowercase and fold accents and ligatures ("Équipement" -> "equipement")."""
    text = unicodedata.normalize("NFKD", _ligatures(value.lower()))
    if text.isascii():
        return text
    # Fast path for French: drop the usual accents in C, then check what is left.
    text = _DIACRITICS.sub("", text)
    if text.isascii():
        return text
    return "".join(char for char in text if not unicodedata.combining(char))


def words(value: str) -> list[str]:
    """The lowercased words of a text, with their accents (as typed).

    No `clean` first: every character it blanks is a non-word character already.
    """
    return _WORD.findall(_ligatures(value.lower()))


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """`fold`, cached: for single words looked up again and again (snippets)."""
    return fold(word)


# Endings whose accent the French stemmer needs to remove the suffix ("données" ->
# "don", but "donnees" -> "donne"): restored on a word written without any accent before
# stemming, so that it gets the stem of the accented word. Words written with accents
# are stemmed as written. Measured on 32,316 words (5,060 with accents) of the project's
# French texts (`bench/search/stems.py`): typed without their accents, 95.8 % of the
# accented words are found (83.4 % with no restoration); the rest are mostly « -ès »
# place names and « -ié » participles, whose restoration would change the stems of
# hundreds of words written without accents for fewer words found.
_REACCENT = (
    ("ieres", "ières"),
    ("iere", "ière"),
    ("ees", "ées"),
    ("ee", "ée"),
    ("ites", "ités"),
    ("ite", "ité"),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The folded Snowball stem of one lowercased word ("déchets" -> "dechet"); a word
    typed without its accents gets the accented word's stem ("donnees", "données")."""
    folded = fold(word)
    base = word
    if word.isascii():
        for plain, accented in _REACCENT:
            if word.endswith(plain) and len(word) > len(plain) + 2:
                base = word[: -len(plain)] + accented
                break
    stemmed = fold(_stemmer.stemWord(base))
    # Keep only ASCII letters/digits so both engines read the token identically.
    token = re.sub(r"[^0-9a-z]", "", stemmed) or re.sub(r"[^0-9a-z]", "", folded)
    return token[:MAX_TOKEN_CHARS]


@lru_cache(maxsize=65536)
def is_stop(word: str) -> bool:
    folded = fold(word)
    return word in STOP_WORDS or folded in STOP_WORDS or len(folded) < 2


class _Tokens(dict[str, str]):
    """word -> index token ("" for a stop word), filled on first use (a plain dict is the
    fastest cache: reindexing looks up every word of every entry)."""

    def __missing__(self, word: str) -> str:
        token = "" if is_stop(word) else stem(word)
        if len(self) < 500_000:
            self[word] = token
        return token


TOKENS = _Tokens()


def analyze(value: str) -> list[str]:
    """Index tokens of a text: stemmed, folded, without stop words (order kept)."""
    return list(filter(None, map(TOKENS.__getitem__, words(value))))


def analyze_text(value: str) -> str:
    return " ".join(filter(None, map(TOKENS.__getitem__, words(value))))


@dataclass(frozen=True)
class Clause:
    """One thing every result must contain: a term (stem, optional prefix) or a phrase."""

    stems: tuple[str, ...]
    prefix: str = ""  # folded word still being typed: matches tokens starting with it

    @property
    def is_phrase(self) -> bool:
        return len(self.stems) > 1


@dataclass
class QueryPlan:
    clauses: list[Clause] = field(default_factory=list)
    # Display-side: the words typed (folded), to highlight in snippets.
    highlight: set[str] = field(default_factory=set)
    truncated: bool = False
    only_stop_words: bool = False
    # Snippets: word as written -> highlighted or not (filled as snippets are built).
    marked_words: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not self.clauses

    def terms(self) -> list[str]:
        return [s for c in self.clauses for s in c.stems]


def parse_query(q: str, *, prefix_last: bool = True) -> QueryPlan:
    """Turn what the user typed into clauses; never raises.

    Words outside quotes are each required (AND); a quoted group is a phrase. The last
    word, if not followed by a space, also matches as a prefix (search as you type).
    Every FTS/tsquery operator is treated as plain text: only [a-z0-9] tokens reach SQL.
    """
    plan = QueryPlan()
    text = clean(q or "")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        plan.truncated = True
    had_words = False
    parts = text.split('"')
    clauses: list[Clause] = []
    for index, part in enumerate(parts):
        in_phrase = index % 2 == 1 and index < len(parts) - 1
        part_words = words(part)
        had_words = had_words or bool(part_words)
        kept = [w for w in part_words if not is_stop(w)]
        for w in kept:
            plan.highlight.add(fold(w))
        if in_phrase:
            stems = tuple(stem(w) for w in kept if stem(w))
            if stems:
                clauses.append(Clause(stems=stems))
        else:
            clauses.extend(Clause(stems=(stem(w),)) for w in kept if stem(w))
    if prefix_last and clauses and text and not text[-1].isspace() and text[-1] != '"':
        last_words = words(text)
        last = last_words[-1] if last_words else ""
        if last and not is_stop(last) and not clauses[-1].is_phrase:
            folded = re.sub(r"[^0-9a-z]", "", fold(last))[:MAX_TOKEN_CHARS]
            if len(folded) >= 2:
                clauses[-1] = Clause(stems=clauses[-1].stems, prefix=folded)
    # Same clause twice adds nothing.
    seen: dict[Clause, None] = {}
    for clause in clauses:
        seen.setdefault(clause, None)
    clauses = list(seen)
    if len(clauses) > MAX_QUERY_TERMS:
        clauses = clauses[:MAX_QUERY_TERMS]
        plan.truncated = True
    plan.clauses = clauses
    plan.only_stop_words = had_words and not clauses
    return plan
