"""Versions as people read them: French labels and formatted values."""

from __future__ import annotations

import pytest
from django.utils import translation

from region27.catalog.readable import changed_rows, snapshot_rows, text_segments
from tests import factories

pytestmark = pytest.mark.django_db


def test_values_are_formatted_in_french() -> None:
    factories.territory("commune", "26362", name="Valence")
    before = {
        "kind": "study",
        "title": "Étude",
        "licence": "lov2",
        "territories": [],
        "themes": [],
        "detail": {"study_date": "2024-03-05", "cost": "12500.50"},
    }
    after = dict(
        before,
        licence="cc-by",
        territories=["commune:26362"],
        themes=["mobilite"],
        detail={"study_date": "2025-01-15", "cost": "13000"},
    )
    with translation.override("fr"):
        rows = {str(row.label): row for row in changed_rows(before, after)}
        assert set(rows) == {
            "Licence",
            "Territoires couverts",
            "Thèmes",
            "Date de l'étude",
            "Coût (euros TTC)",
        }
        assert rows["Licence"].before.startswith("Licence Ouverte")
        assert rows["Licence"].value.startswith("Creative Commons")
        assert rows["Territoires couverts"].value == ["Valence"]
        assert rows["Thèmes"].value == ["Mobilité et transports"]
        dates = rows["Date de l'étude"]
        assert (dates.before, dates.value) == ("5 mars 2024", "15 janvier 2025")
        cost = rows["Coût (euros TTC)"]
        assert cost.before.replace("\u202f", " ").replace("\xa0", " ") == "12 500,50"
        shown = {str(r.label) for r in snapshot_rows(after)}
        assert {"Nature", "Titre", "Licence"} <= shown


def test_text_diff_marks_words() -> None:
    segments = text_segments("un plan vélo", "un grand plan vélo")
    assert [text.strip() for op, text in segments if op == "+"] == ["grand"]
    assert not [op for op, _text in segments if op == "-"]
    assert "".join(text for _op, text in segments) == "un grand plan vélo"
