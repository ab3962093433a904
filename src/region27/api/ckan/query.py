"""A small Solr-like query parser for CKAN's `q` and `fq`, giving a syntax tree that
`api.ckan.search` evaluates over the search index (`search.ckan`).

Grammar (the part of Solr syntax that harvesters and CKAN clients use):

    query   := or ( ("OR" | "||") or )*        -- `a OR b`
    and     := unary ( ("AND" | "&&")? unary )*  -- juxtaposition means AND
    unary   := ("-" | "NOT" | "!" | "+")? atom
    atom    := "(" query ")" | field ":" value | field ":" "(" values ")" | field ":" range
               | "*:*" | word | "quoted phrase"
    range   := ("[" | "{") bound "TO" bound ("]" | "}")  -- bound: ISO date/time, NOW, NOW-7DAYS, *

Each field condition is a set of packages, so AND / OR / NOT across multi-valued
fields (tags, groups, res_format) mean what they say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

MAX_LENGTH = 2000
MAX_DEPTH = 20
MAX_TERMS = 100


class QueryError(ValueError):
    """The query cannot be understood; the message says where (English, like CKAN's)."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        (?P<lrange>[\[{]) | (?P<rrange>[\]}]) |
        (?P<quoted>"(?:[^"\\]|\\.)*") |
        (?P<op>&&|\|\|) |
        (?P<word>(?:[^\s()\[\]{}"\\:]|\\.)+) |
        (?P<colon>:)
    )""",
    re.VERBOSE,
)


# Inside a range, bounds are ISO date-times: colons belong to the word.
_RANGE_TOKEN = re.compile(r"\s*(?:(?P<rrange>[\]}])|(?P<word>[^\s\[\]{}]+))")


@dataclass
class Token:
    kind: str
    value: str


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"Query too long (more than {MAX_LENGTH} characters).")
    if "\x00" in text:
        raise QueryError("Query contains a NUL character.")
    tokens: list[Token] = []
    position = 0
    text = text.strip()
    in_range = False
    while position < len(text):
        match = (_RANGE_TOKEN if in_range else _TOKEN).match(text, position)
        if match is None or match.end() == position:
            raise QueryError(
                f"Cannot parse query at character {position + 1}: {text[position:][:20]!r}"
            )
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "quoted":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word":
            value = re.sub(r"\\(.)", r"\1", value)
        if kind == "lrange":
            in_range = True
        elif kind == "rrange":
            in_range = False
        tokens.append(Token(kind, value))
        if len(tokens) > MAX_TERMS * 4:
            raise QueryError("Query has too many terms.")
    return tokens


# --- the syntax tree ------------------------------------------------------------------


class Node:
    """A condition on packages."""


@dataclass(frozen=True)
class All(Node):
    """Every package."""


@dataclass(frozen=True)
class Nothing(Node):
    """No package."""


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    child: Node


@dataclass(frozen=True)
class Term(Node):
    """`field:value` on a field with values: organization, tags, res_format, license_id,
    groups, name, id."""

    field: str
    value: str


@dataclass(frozen=True)
class Text(Node):
    """Words (or a phrase, when quoted) in the title, keywords, summary or description."""

    value: str
    phrase: bool = False


@dataclass(frozen=True)
class DateRange(Node):
    field: str  # "modified" or "created"
    low: dt.datetime | None
    high: dt.datetime | None
    low_inclusive: bool = True
    high_inclusive: bool = True


def _and(left: Node, right: Node) -> Node:
    if isinstance(left, All):
        return right
    if isinstance(right, All):
        return left
    parts = (*(left.children if isinstance(left, And) else (left,)),)
    parts += right.children if isinstance(right, And) else (right,)
    return And(parts)


def _or(left: Node, right: Node) -> Node:
    parts = (*(left.children if isinstance(left, Or) else (left,)),)
    parts += right.children if isinstance(right, Or) else (right,)
    return Or(parts)


def _not(node: Node) -> Node:
    if isinstance(node, Not):
        return node.child
    return Not(node)


def _term(name: str) -> Callable[[str, bool], Node]:
    def condition(value: str, quoted: bool = False) -> Node:
        return Term(name, value)

    return condition


def _text(value: str, quoted: bool = False) -> Node:
    if value in ("*", "") and not quoted:
        return All()
    return Text(value, phrase=quoted)


def _dataset_type(value: str, quoted: bool = False) -> Node:
    return All() if value in ("dataset", "*") else Nothing()


def _public(value: str, quoted: bool = False) -> Node:
    return All() if value in ("public", "active", "*") else Nothing()


FIELDS: dict[str, Callable[[str, bool], Node]] = {
    "organization": _term("organization"),
    "owner_org": _term("organization"),
    "tags": _term("tags"),
    "res_format": _term("res_format"),
    "license_id": _term("license_id"),
    "groups": _term("groups"),
    "name": _term("name"),
    "id": _term("id"),
    "title": _text,
    "text": _text,
    "notes": _text,
    "type": _dataset_type,
    "dataset_type": _dataset_type,
    "capacity": _public,
    "state": _public,
}
DATE_FIELDS = {"metadata_modified": "modified", "metadata_created": "created"}

_NOW = re.compile(r"NOW(?:/DAY)?(?:([+-])(\d{1,5})(DAY|DAYS|HOUR|HOURS|MONTH|MONTHS|YEAR|YEARS))?")


def parse_date(value: str) -> dt.datetime | None:
    """A range bound: `*` (open), `NOW`, `NOW-7DAYS`, or an ISO 8601 date or date-time."""
    if value == "*":
        return None
    now = _NOW.fullmatch(value)
    if now:
        moment = timezone.now()
        if now.group(1):
            amount = int(now.group(2)) * (-1 if now.group(1) == "-" else 1)
            unit = now.group(3).rstrip("S")
            days = {"DAY": 1, "HOUR": 1 / 24, "MONTH": 30, "YEAR": 365}[unit]
            try:
                moment += dt.timedelta(days=amount * days)
            except OverflowError as exc:
                raise QueryError(f"Date out of range: {value[:40]!r}.") from exc
        return moment
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(f"Invalid date in range: {value[:40]!r}.") from exc
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


class Parser:
    def __init__(self, text: str, *, default_field: str = "text") -> None:
        self.tokens = tokenize(text)
        self.position = 0
        self.depth = 0
        self.default_field = default_field

    def parse(self) -> Node:
        if not self.tokens:
            return All()
        result = self._or()
        if self.position < len(self.tokens):
            token = self.tokens[self.position]
            raise QueryError(f"Unexpected {token.value!r} in query.")
        return result

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> Token:
        token = self._peek()
        if token is None:
            raise QueryError("Query ends too early.")
        self.position += 1
        return token

    def _is(self, token: Token | None, *values: str) -> bool:
        return token is not None and token.kind in ("word", "op") and token.value in values

    def _or(self) -> Node:
        result = self._and()
        while self._is(self._peek(), "OR", "||"):
            self._take()
            result = _or(result, self._and())
        return result

    def _and(self) -> Node:
        result = self._unary()
        while True:
            token = self._peek()
            if token is None or token.kind == "rparen" or self._is(token, "OR", "||"):
                return result
            if self._is(token, "AND", "&&"):
                self._take()
            result = _and(result, self._unary())

    def _unary(self) -> Node:
        token = self._peek()
        if self._is(token, "NOT", "!"):
            self._take()
            return _not(self._atom())
        if token is not None and token.kind == "word" and token.value.startswith("-"):
            token.value = token.value[1:]
            if not token.value:
                self._take()
            return _not(self._atom())
        if token is not None and token.kind == "word" and token.value.startswith("+"):
            token.value = token.value[1:]
            if not token.value:
                self._take()
        return self._atom()

    def _atom(self) -> Node:
        token = self._take()
        if token.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("Query nested too deeply.")
            inner = self._or()
            if self._take().kind != "rparen":
                raise QueryError("Missing closing parenthesis.")
            self.depth -= 1
            return inner
        if token.kind == "quoted":
            return FIELDS[self.default_field](token.value, True)
        if token.kind != "word":
            raise QueryError(f"Unexpected {token.value!r} in query.")
        following = self._peek()
        if following is None or following.kind != "colon":
            return FIELDS[self.default_field](token.value, False)
        self._take()
        return self._field(token.value)

    def _field(self, name: str) -> Node:
        if name == "*":
            value = self._take()
            if value.value != "*":
                raise QueryError("Only *:* may use the * field.")
            return All()
        if name in DATE_FIELDS:
            return self._range(DATE_FIELDS[name])
        if name.startswith("extras_") or name not in FIELDS:
            raise QueryError(f"Unknown field {name!r} in query.")
        condition = FIELDS[name]
        token = self._take()
        if token.kind == "lparen":
            values: list[Node] = []
            operator = "OR"
            while True:
                item = self._take()
                if item.kind == "rparen":
                    break
                if item.kind in ("word", "op") and item.value in ("OR", "||", "AND", "&&"):
                    operator = "AND" if item.value in ("AND", "&&") else "OR"
                    continue
                if item.kind not in ("word", "quoted"):
                    raise QueryError(f"Unexpected {item.value!r} in the values of {name!r}.")
                values.append(condition(item.value, item.kind == "quoted"))
            if not values:
                raise QueryError(f"No value for {name!r}.")
            result = values[0]
            for other in values[1:]:
                result = _and(result, other) if operator == "AND" else _or(result, other)
            return result
        if token.kind not in ("word", "quoted"):
            raise QueryError(f"Missing value for {name!r}.")
        return condition(token.value, token.kind == "quoted")

    def _range(self, name: str) -> Node:
        opening = self._take()
        if opening.kind == "word" or opening.kind == "quoted":
            moment = parse_date(opening.value)
            if moment is None:
                return All()
            # One day, in the site's time zone.
            try:
                day = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
                until = day + dt.timedelta(days=1)
            except (OverflowError, ValueError) as exc:
                raise QueryError(f"Date out of range: {opening.value[:40]!r}.") from exc
            return DateRange(name, day, until, high_inclusive=False)
        if opening.kind != "lrange":
            raise QueryError("A date field expects a range such as [2024-01-01T00:00:00Z TO *].")
        low = self._take()
        to = self._take()
        high = self._take()
        closing = self._take()
        if low.kind != "word" or not self._is(to, "TO") or high.kind != "word":
            raise QueryError("A range reads [FROM TO UNTIL], for example [NOW-7DAYS TO *].")
        if closing.kind != "rrange":
            raise QueryError("Missing closing bracket of the range.")
        start, end = parse_date(low.value), parse_date(high.value)
        if start is None and end is None:
            return All()
        return DateRange(
            name,
            start,
            end,
            low_inclusive=opening.value == "[",
            high_inclusive=closing.value == "]",
        )


def parse(text: str, *, default_field: str = "text") -> Node:
    return Parser(text, default_field=default_field).parse()
