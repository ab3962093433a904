"""Random strings never break the search, on whichever database runs the tests."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from region27.search.backends import get_backend
from region27.search.params import parse_params
from region27.search.selectors import search
from region27.search.text import parse_query
from tests import factories
from tests.search.helpers import author

pytestmark = pytest.mark.django_db

SYNTAX = st.sampled_from(
    [
        '"',
        "*",
        "NEAR",
        "-",
        ":",
        "&",
        "|",
        "(",
        ")",
        "'",
        ";",
        "--",
        "!",
        "<->",
        "^",
        "\\",
        "%",
        "_",
        "OR",
        "AND",
        "NOT",
        "\x00",
        "\ud800",
        "🙂",
        "é",
        "déchet",
    ]
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(SYNTAX, st.text(max_size=8)), max_size=30).map(" ".join),
)


@pytest.fixture
def indexed() -> None:
    org, agent = author()
    factories.entry(
        org,
        agent,
        status="published",
        title="Collecte des déchets",
        summary="Tri sélectif et bennes « NEAR » (test) : a*b -c.",
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=TEXT)
def test_backend_match_accepts_anything(indexed: None, q: str) -> None:
    plan = parse_query(q)
    backend = get_backend()
    ids = backend.match(plan)
    for field in ("title", "keywords", "summary", "body"):
        assert len(backend.match(plan, field)) <= len(ids)
    if plan.clauses:
        backend.match_any([c.stems[0] for c in plan.clauses], 5)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=TEXT,
    territory=st.text(max_size=40),
    page=st.text(max_size=12),
    other=st.text(max_size=20),
)
def test_search_accepts_anything(
    indexed: None, q: str, territory: str, page: str, other: str
) -> None:
    params, _problems = parse_params(
        {
            "q": q,
            "territory": territory,
            "page": page,
            "kind": other,
            "year": other,
            "format": other,
            "organisation": other,
            "sort": other,
            "page_size": other,
        }
    )
    result = search(user=None, params=params)
    assert result.total >= 0
