"""French text handling: folding, stemming, stop words, query parsing."""

from __future__ import annotations

import pytest

from region27.search.backends.postgresql import PostgresBackend
from region27.search.backends.sqlite import SQLiteBackend
from region27.search.text import analyze, fold, parse_query, stem


def test_fold_and_stem() -> None:
    assert fold("Équipement œuvre") == "equipement oeuvre"
    assert stem("équipement") == stem("equipement") == stem("équipements")
    assert stem("déchet") == stem("déchets")
    assert stem("mutualiser") == stem("mutualisation")


@pytest.mark.parametrize(
    ("accented", "typed"),
    [
        ("données", "donnees"),
        ("donnée", "donnee"),
        ("mobilité", "mobilite"),
        ("collectée", "collectee"),
        ("intercommunalité", "intercommunalite"),
        ("créée", "creee"),
        ("années", "annees"),
        ("activités", "activites"),
        ("foncières", "foncieres"),
        ("première", "premiere"),
        ("régulière", "reguliere"),
        ("équipements", "equipements"),
        ("réseaux", "reseaux"),
        ("élus", "elus"),
        ("santé", "sante"),
    ],
)
def test_a_word_typed_without_its_accents_has_the_same_stem(accented: str, typed: str) -> None:
    assert fold(accented) == typed
    assert stem(typed) == stem(accented)


# Stems of words written with their accents, as the French Snowball stemmer gives them:
# restoring accents on words typed without them must not change these.
AS_WRITTEN = {
    "foncière": "fonci",
    "foncier": "fonci",
    "modifié": "modifi",
    "modifier": "modifi",
    "associé": "associ",
    "associer": "associ",
    "dépassé": "depass",
    "dépasser": "depass",
    "financière": "financi",
    "données": "don",
    "créée": "cre",
}


def test_words_written_with_their_accents_keep_their_stems() -> None:
    assert {word: stem(word) for word in AS_WRITTEN} == AS_WRITTEN
    assert stem("foncière") == stem("foncier") and stem("modifié") == stem("modifier")


def test_accents_restored_for_the_stemmer_keep_french_stems() -> None:
    assert stem("données") == stem("donnée") == stem("donnees")
    assert stem("site") == stem("sites") == "sit"
    assert stem("visites") == stem("visite") == stem("visiter")
    assert stem("mobilité") == stem("mobilite") == stem("mobile")


def test_stop_words_dropped_and_elisions_split() -> None:
    assert analyze("L'eau de la commune et les déchets") == [
        stem("eau"),
        stem("commune"),
        stem("déchets"),
    ]


def test_last_word_is_also_a_prefix() -> None:
    plan = parse_query("restauration scol")
    assert plan.clauses[-1].prefix == "scol"
    assert plan.clauses[0].prefix == ""
    assert parse_query("restauration scol ").clauses[-1].prefix == ""


def test_phrases() -> None:
    plan = parse_query('"restauration scolaire" bio')
    assert plan.clauses[0].stems == (stem("restauration"), stem("scolaire"))
    assert plan.clauses[0].is_phrase


def test_operators_are_plain_text() -> None:
    nasty = "a* NEAR(b c) -d:e & f | (g) OR \"h' ; DROP TABLE search_document; --"
    plan = parse_query(nasty)
    for backend in (SQLiteBackend(), PostgresBackend()):
        compiled = backend.compile(plan)
        assert ";" not in compiled and "'" not in compiled and "--" not in compiled
        assert "NEAR" not in compiled


def test_only_stop_words_and_nothing() -> None:
    assert parse_query("le la les").only_stop_words
    assert parse_query("").empty and not parse_query("").only_stop_words
    assert parse_query("🙂 \x00 \ud800").empty


def test_long_queries_are_truncated() -> None:
    plan = parse_query("mot " * 5000)
    assert plan.truncated
    plan = parse_query(" ".join(f"mot{i}x" for i in range(50)))
    assert plan.truncated and len(plan.clauses) <= 12
