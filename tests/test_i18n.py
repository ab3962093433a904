"""The catalogues: English complete; French (the source language) carries the plural rule."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parent.parent / "src" / "region27" / "locale"


def catalog(language: str) -> gettext.GNUTranslations:
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)


def plurals(translations: gettext.GNUTranslations) -> set[str]:
    messages = translations._catalog  # type: ignore[attr-defined]
    return {key[0] for key in messages if isinstance(key, tuple)}


def test_every_plural_has_its_french_forms() -> None:
    english, french = catalog("en"), catalog("fr")
    assert plurals(english) and plurals(english) <= plurals(french)
    for msgid in plurals(french):
        messages = french._catalog  # type: ignore[attr-defined]
        assert messages[(msgid, 0)] == msgid  # the source text itself
    # French puts 0 and 1 in the singular, English only 1.
    assert french.ngettext("%(n)d octet", "%(n)d octets", 0) == "%(n)d octet"
    assert english.ngettext("%(n)d octet", "%(n)d octets", 0) == "%(n)d bytes"


@pytest.mark.django_db
def test_no_result_is_said_in_the_singular_in_french(client: Client) -> None:
    page = client.get("/recherche/", {"q": "introuvable"}).content.decode()
    assert "0 fiche trouvée" in page
    client.cookies["django_language"] = "en"
    assert "0 entries found" in client.get("/recherche/", {"q": "introuvable"}).content.decode()
