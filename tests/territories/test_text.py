from __future__ import annotations

import pytest

from region27.territories.text import fold, search_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Saint-Denis", "saint denis"),
        ("L'Île-Saint-Denis", "l ile saint denis"),
        ("Provence-Alpes-Côte d’Azur", "provence alpes cote d azur"),
        ("  ŒUVRE  ", "oeuvre"),
        ("Bâgé-Dommartin", "bage dommartin"),
    ],
)
def test_fold(value: str, expected: str) -> None:
    assert fold(value) == expected


def test_search_name_expands_saint_abbreviations() -> None:
    assert search_name("CC du Pays de Pontchâteau St-Gildas-des-Bois") == (
        "cc du pays de pontchateau saint gildas des bois"
    )
    assert search_name("Ste-Foy") == "sainte foy"
