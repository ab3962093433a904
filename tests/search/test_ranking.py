"""The final ranking counts terms with regular expressions exactly as on token lists."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from region27.search.ranking import _count, _counter, clause_in, text_score
from region27.search.text import Clause

TOKEN = st.sampled_from(["a", "ab", "abc", "b", "ba", "dechet", "dechets", "collect"])


@st.composite
def clauses(draw: st.DrawFn) -> Clause:
    stems = tuple(draw(st.lists(TOKEN, min_size=1, max_size=3)))
    if len(stems) == 1 and draw(st.booleans()):
        return Clause(stems=stems, prefix=draw(st.sampled_from(["a", "ab", "d", "dech", "z"])))
    return Clause(stems=stems)


@given(clause=clauses(), tokens=st.lists(TOKEN, max_size=30))
def test_counter_matches_token_counting(clause: Clause, tokens: list[str]) -> None:
    assert _counter(clause)(" ".join(tokens)) == _count(clause, tokens)
    assert clause_in(clause, " ".join(tokens)) == (_count(clause, tokens) > 0)


def test_text_score_counts_every_field() -> None:
    phrase = Clause(stems=("collect", "dechet"))
    fields = ("collect dechet", "", "dechet collect dechet", "collect dechet collect dechet")
    assert text_score([phrase], fields) > text_score([phrase], (fields[0], "", "", ""))
    assert text_score([phrase], ("", "", "", "")) == 0.0
    overlapping = Clause(stems=("a", "a"))
    assert _counter(overlapping)("a a a") == _count(overlapping, ["a", "a", "a"]) == 2
