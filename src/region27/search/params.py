"""The one parameter set of every search surface (HTML, JSON, Atom, API).

`q`, `kind`, `theme`, `organisation`, `territory`, `licence`, `year`, `format`, `sort`,
`page`, `page_size`; repeating a parameter means OR within that facet. Parsing never
raises: whatever cannot be used is dropped with a French message for the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from region27.search.text import clean

SORTS = ("relevance", "date", "title")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
MAX_VALUES = 20
FACET_PARAMS = ("kind", "theme", "organisation", "licence", "year", "format", "territory")
_YEAR = re.compile(r"\d{4}")
_FORMAT = re.compile(r"[A-Za-z0-9.+-]{1,20}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


@dataclass
class SearchParams:
    q: str = ""
    kind: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)
    licence: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=list)
    territory: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def filters(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in FACET_PARAMS if getattr(self, name)}

    def as_query(self, **overrides: Any) -> list[tuple[str, str]]:
        """Query-string pairs for these parameters (defaults left out)."""
        values: dict[str, Any] = {
            "q": self.q,
            **{name: getattr(self, name) for name in FACET_PARAMS},
            "sort": self.sort,
            "page": self.page,
            "page_size": self.page_size,
        }
        values.update(overrides)
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            if isinstance(value, list):
                pairs.extend((key, str(v)) for v in value)
            elif value in ("", None) or (key, value) in (
                ("sort", "relevance"),
                ("page", 1),
                ("page_size", DEFAULT_PAGE_SIZE),
            ):
                continue
            else:
                pairs.append((key, str(value)))
        return pairs


def _getlist(data: Any, key: str, *, strip: bool = True) -> list[str]:
    if hasattr(data, "getlist"):
        raw = data.getlist(key)
    else:
        value = data.get(key) if isinstance(data, Mapping) else None
        raw = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    values = [clean(str(v)) for v in raw if str(v).strip()]
    return [v.strip() for v in values] if strip else [v.lstrip() for v in values]


def _int(raw: str, default: int) -> int | None:
    raw = raw.strip()
    if not raw:
        return default
    if len(raw) > 9 or not re.fullmatch(r"-?\d+", raw):
        return None
    return int(raw)


def parse_params(data: Any) -> tuple[SearchParams, list[str]]:
    """Read the parameters from a QueryDict or a dict; return them with French problems."""
    problems: list[str] = []
    params = SearchParams()
    # Trailing space kept: it tells a finished last word from one being typed.
    q_values = _getlist(data, "q", strip=False)
    params.q = " ".join(q_values)
    for name in FACET_PARAMS:
        values = list(dict.fromkeys(_getlist(data, name)))
        if len(values) > MAX_VALUES:
            problems.append(
                _("Trop de valeurs pour « %(name)s » : seules les %(n)d premières sont prises.")
                % {"name": name, "n": MAX_VALUES}
            )
            values = values[:MAX_VALUES]
        setattr(params, name, values)
    bad_years = [y for y in params.year if not _YEAR.fullmatch(y)]
    if bad_years:
        problems.append(
            _("Année invalide ignorée : « %(v)s » (attendu : quatre chiffres, par exemple 2024).")
            % {"v": bad_years[0][:20]}
        )
        params.year = [y for y in params.year if _YEAR.fullmatch(y)]
    for name, pattern in (("format", _FORMAT), ("organisation", _SLUG)):
        bad = [v for v in getattr(params, name) if not pattern.fullmatch(v)]
        if bad:
            problems.append(
                _("Valeur invalide ignorée pour « %(name)s » : « %(v)s ».")
                % {"name": name, "v": bad[0][:40]}
            )
            setattr(params, name, [v for v in getattr(params, name) if pattern.fullmatch(v)])
    params.format = [f.upper() for f in params.format]
    sort = (_getlist(data, "sort") or ["relevance"])[0]
    if sort not in SORTS:
        problems.append(
            _(
                "Tri inconnu « %(s)s » : tri par pertinence (possibles : pertinence « relevance », "
                "date « date », titre « title »)."
            )
            % {"s": sort[:20]}
        )
        sort = "relevance"
    params.sort = sort
    page = _int((_getlist(data, "page") or [""])[0], 1)
    if page is None or page < 1 or page > MAX_PAGE:
        problems.append(_("Numéro de page invalide : première page affichée."))
        page = 1
    params.page = page
    size = _int((_getlist(data, "page_size") or [""])[0], DEFAULT_PAGE_SIZE)
    if size is None or size < 1 or size > MAX_PAGE_SIZE:
        problems.append(
            _("Taille de page invalide : entre 1 et %(max)d ; %(d)d résultats par page.")
            % {"max": MAX_PAGE_SIZE, "d": DEFAULT_PAGE_SIZE}
        )
        size = DEFAULT_PAGE_SIZE
    params.page_size = size
    return params, problems
