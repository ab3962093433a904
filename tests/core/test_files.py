"""Tests for region27.core.files."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from region27.core.files import guess_format, human_size, sanitize_filename, sha256_of

# --------------------------------------------------------------------------- sanitize_filename


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/var/www/../secret.txt", "secret.txt"),
        ("C:\\Users\\moi\\Bureau\\budget 2024.XLSX", "budget-2024.xlsx"),
        ("  Rapport   annuel\t2024 .PDF ", "Rapport-annuel-2024.pdf"),
        (".htaccess", "htaccess"),
        ("...", "fichier"),
        ("", "fichier"),
        ("..", "fichier"),
        ("/", "fichier"),
        (".pdf", "pdf"),
        ("a\x00b\x07c\x1b.CSV", "abc.csv"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),
        ("LPT1.tar.gz", "LPT1_.tar.gz"),
        ("nul.", "nul_"),
        ('dé<>:"|?*.txt', "dé.txt"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("Données éco.ODS", "Données-éco.ods"),
        ("-rf.sh", "rf.sh"),
        ("archive.tar.GZ", "archive.tar.gz"),
        ("sans extension", "sans-extension"),
    ],
)
def test_sanitize_filename_examples(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


def test_sanitize_filename_normalises_to_nfc() -> None:
    decomposed = "Cre\u0301ation e\u0301te\u0301.csv"
    result = sanitize_filename(decomposed)
    assert result == "Création-été.csv"
    assert unicodedata.is_normalized("NFC", result)


def test_sanitize_filename_truncates_but_keeps_extension() -> None:
    result = sanitize_filename("x" * 300 + ".CSV")
    assert len(result) == 120
    assert result.endswith(".csv")
    assert sanitize_filename("abcdef.csv", max_length=8) == "abcd.csv"
    assert len(sanitize_filename("abcdef.csv", max_length=3)) <= 3


def test_sanitize_filename_rejects_silly_max_length() -> None:
    with pytest.raises(ValueError):
        sanitize_filename("a", max_length=0)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.characters(),
            st.sampled_from(["/", "\\", ".", "..", " ", "\x00", "\t", "\n", "é", "CON", "-"]),
        ),
        max_size=120,
    ).map("".join),
    st.integers(min_value=1, max_value=255),
)
def test_sanitize_filename_properties(name: str, max_length: int) -> None:
    result = sanitize_filename(name, max_length=max_length)
    assert result
    assert len(result) <= max_length
    assert "/" not in result
    assert "\\" not in result
    assert not result.startswith(".")
    assert result not in {".", ".."}
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in result)
    assert not any(c.isspace() for c in result)
    assert unicodedata.is_normalized("NFC", result)
    assert sanitize_filename(result, max_length=max_length) == result  # idempotent


# --------------------------------------------------------------------------- sha256_of

PAYLOAD = b"region27 " * 300_000  # ~2.7 MB, several chunks


def test_sha256_of_binary_file_restores_position() -> None:
    fileobj = io.BytesIO(PAYLOAD)
    fileobj.seek(10)
    assert sha256_of(fileobj) == hashlib.sha256(PAYLOAD).hexdigest()
    assert fileobj.tell() == 10


def test_sha256_of_small_chunks() -> None:
    assert sha256_of(io.BytesIO(b"abc"), chunk_size=1) == hashlib.sha256(b"abc").hexdigest()


def test_sha256_of_empty() -> None:
    assert sha256_of(io.BytesIO(b"")) == hashlib.sha256(b"").hexdigest()


class _DjangoLikeFile:
    """Mimics django.core.files.File: exposes chunks()."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        size = chunk_size or 64
        for start in range(0, len(self.data), size):
            yield self.data[start : start + size]


def test_sha256_of_uses_chunks_when_available() -> None:
    assert sha256_of(_DjangoLikeFile(PAYLOAD)) == hashlib.sha256(PAYLOAD).hexdigest()


class _NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        chunk = self._buffer.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)


def test_sha256_of_non_seekable_stream() -> None:
    assert sha256_of(_NonSeekable(b"flux")) == hashlib.sha256(b"flux").hexdigest()


# --------------------------------------------------------------------------- guess_format


@pytest.mark.parametrize(
    ("filename", "media_type", "expected"),
    [
        ("data.csv", None, "CSV"),
        ("DATA.CSV", "text/plain", "CSV"),
        ("tableau.xlsx", None, "XLSX"),
        ("tableau.ods", None, "ODS"),
        ("communes.geojson", "application/json", "GEOJSON"),
        ("export.json", None, "JSON"),
        ("doc.pdf", None, "PDF"),
        ("archive.zip", None, "ZIP"),
        ("flux.xml", None, "XML"),
        ("routes.shp", None, "SHP"),
        ("gros.parquet", None, "PARQUET"),
        ("lisez-moi.txt", None, "TXT"),
        ("https://ex.org/api/export.csv?limit=10#x", None, "CSV"),
        ("telechargement", "text/csv; charset=utf-8", "CSV"),
        ("telechargement", "application/vnd.geo+json", "GEOJSON"),
        ("telechargement", "application/geo+json", "GEOJSON"),
        (
            "telechargement",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "XLSX",
        ),
        ("telechargement", "application/vnd.oasis.opendocument.spreadsheet", "ODS"),
        ("telechargement", "APPLICATION/PDF", "PDF"),
        ("telechargement", "application/x-zip-compressed", "ZIP"),
        ("telechargement", "application/vnd.apache.parquet", "PARQUET"),
        ("telechargement", "application/foo+json", "JSON"),
        ("telechargement", "application/atom+xml", "XML"),
        ("telechargement", "application/octet-stream", ""),
        ("fichier.inconnu", None, ""),
        ("", None, ""),
    ],
)
def test_guess_format(filename: str, media_type: str | None, expected: str) -> None:
    assert guess_format(filename, media_type) == expected


# --------------------------------------------------------------------------- human_size


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 octet"),  # French puts 0 in the singular (locale/fr: plural forms only)
        (1, "1 octet"),
        (2, "2 octets"),
        (1023, "1023 octets"),
        (1024, "1 ko"),
        (1536, "1,5 ko"),
        (1024 * 1024, "1 Mo"),
        (int(1.5 * 1024 * 1024), "1,5 Mo"),
        (1024 * 1024 - 1, "1 Mo"),
        (5 * 1024**3, "5 Go"),
        (int(2.25 * 1024**4), "2,2 To"),
        (-2048, "-2 ko"),
    ],
)
def test_human_size(size: int, expected: str) -> None:
    with translation.override("fr"):
        assert human_size(size) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(1, "1 byte"), (2, "2 bytes"), (1536, "1.5 KB"), (100 * 1024**2, "100 MB"), (-2048, "-2 KB")],
)
def test_human_size_in_english(size: int, expected: str) -> None:
    with translation.override("en"):
        assert human_size(size) == expected


@given(st.integers(min_value=0, max_value=2**70))
def test_human_size_never_raises(size: int) -> None:
    with translation.override("fr"):
        text = human_size(size)
    assert text
    assert "." not in text
