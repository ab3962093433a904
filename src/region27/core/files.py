"""File helpers: safe file names, streaming hashes, format guessing, French sizes."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy, ngettext

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_FILENAME",
    "delete_stored_after_commit",
    "guess_format",
    "human_size",
    "sanitize_filename",
    "sha256_of",
    "storage_name",
]

DEFAULT_FILENAME = "fichier"

# Device names Windows refuses as a file stem, whatever the extension.
_WINDOWS_RESERVED: frozenset[str] = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {f"COM{c}" for c in "¹²³"}
    | {f"LPT{c}" for c in "¹²³"}
)
# Characters forbidden in Windows file names (the separators are handled earlier).
_FORBIDDEN_CHARS_RE = re.compile(r'[<>:"|?*]')
_WHITESPACE_RE = re.compile(r"\s+")
_DASHES_RE = re.compile(r"-{2,}")
_EXTENSION_RE = re.compile(r"^[^\W_]{1,16}$")


def _is_unwanted_char(char: str) -> bool:
    # Cc: control characters (NUL, TAB, ESC...); Cf: format characters such as the
    # right-to-left override (U+202E) used to spoof extensions; Cs: lone surrogates;
    # Co/Cn: private use and unassigned code points.
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} and not char.isspace()


def _clean_part(text: str) -> str:
    text = "".join(" " if char.isspace() else char for char in text)
    text = "".join(char for char in text if not _is_unwanted_char(char))
    text = _FORBIDDEN_CHARS_RE.sub("", text)
    text = _WHITESPACE_RE.sub("-", text.strip())
    # Removing characters may have put a base letter next to a combining mark.
    return unicodedata.normalize("NFC", _DASHES_RE.sub("-", text))


def sanitize_filename(name: str, *, max_length: int = 120) -> str:
    """Return a file name that is safe to store and to offer for download.

    * directories are dropped (``../../etc/passwd`` -> ``passwd``, ``..\\a.txt`` -> ``a.txt``);
    * NUL, control and format characters and ``<>:"|?*`` are removed;
    * French accents are kept, normalised to NFC;
    * whitespace runs become a single ``-``;
    * leading dots/dashes and trailing dots are removed (no hidden files, no options);
    * Windows reserved names (``CON``, ``NUL``, ``COM1``...) get a ``_`` suffix;
    * the extension is lower-cased and kept when truncating to ``max_length``;
    * never empty: falls back to ``"fichier"`` (keeping the extension, if any).
    """
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    # Cleaning can expose something a second pass would clean (a dot left before an
    # extension, say): repeat until stable so that the result is a fixed point.
    result = _sanitize_once(name, max_length)
    for _ in range(5):
        again = _sanitize_once(result, max_length)
        if again == result:
            break
        result = again
    return result


def _sanitize_once(name: str, max_length: int) -> str:
    text = unicodedata.normalize("NFC", name or "")
    # Drop every directory component, whatever the separator convention.
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _clean_part(text)
    text = text.lstrip(".-").rstrip(". -")

    stem, ext = text, ""
    if "." in text:
        candidate_stem, candidate_ext = text.rsplit(".", 1)
        if _EXTENSION_RE.match(candidate_ext) and candidate_stem.strip(".-"):
            stem, ext = candidate_stem.rstrip(". -"), candidate_ext.lower()

    stem = _guard_reserved(stem)
    if not stem:
        stem = DEFAULT_FILENAME

    suffix = f".{ext}" if ext else ""
    if len(suffix) >= max_length:
        # Pathologically small limit: the extension cannot be kept.
        suffix = ""
    room = max_length - len(suffix)
    stem = stem[:room].rstrip(". -")
    # Cutting may leave a combining mark that NFC then recomposes: shrink until it fits.
    stem = unicodedata.normalize("NFC", stem)
    while len(stem) > room:
        stem = unicodedata.normalize("NFC", stem[:-1]).rstrip(". -")
    if not stem:
        stem = DEFAULT_FILENAME[:room]
    result = f"{stem}{suffix}"
    if _is_reserved(stem):
        # Only reachable through truncation of a longer name (e.g. "con_" -> "con").
        result = f"{DEFAULT_FILENAME}{suffix}"[:max_length]
    return result


def _is_reserved(stem: str) -> bool:
    return stem.split(".", 1)[0].upper() in _WINDOWS_RESERVED


def _guard_reserved(stem: str) -> str:
    """``CON`` -> ``CON_``, ``LPT1.tar`` -> ``LPT1_.tar`` (Windows checks the first part)."""
    if not _is_reserved(stem):
        return stem
    first, dot, rest = stem.partition(".")
    return f"{first}_{dot}{rest}"


@runtime_checkable
class _HasChunks(Protocol):
    """Django ``File``-like objects."""

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...


class _Readable(Protocol):
    """Binary file-like objects (``open(..., "rb")``, ``BytesIO``, raw streams...)."""

    def read(self, size: int = -1, /) -> bytes | None: ...


def sha256_of(fileobj: _Readable | _HasChunks, *, chunk_size: int = 1024 * 1024) -> str:
    """Return the hex SHA-256 of a file-like object, read by chunks.

    Works with binary file objects and with Django ``File``/``UploadedFile``
    objects (``chunks()``). Seekable files are hashed from the start and their
    position is restored afterwards.
    """
    digest = hashlib.sha256()
    if isinstance(fileobj, _HasChunks):
        for chunk in fileobj.chunks(chunk_size):
            digest.update(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        return digest.hexdigest()

    position: int | None = None
    seekable = getattr(fileobj, "seekable", None)
    if callable(seekable) and seekable():
        position = int(fileobj.tell())  # type: ignore[attr-defined]
        fileobj.seek(0)  # type: ignore[attr-defined]
    try:
        while True:
            data = fileobj.read(chunk_size)
            if not data:
                break
            digest.update(data.encode("utf-8") if isinstance(data, str) else data)
    finally:
        if position is not None:
            fileobj.seek(position)  # type: ignore[attr-defined]
    return digest.hexdigest()


_FORMAT_BY_EXTENSION: dict[str, str] = {
    "csv": "CSV",
    "tsv": "TSV",
    "xlsx": "XLSX",
    "xlsm": "XLSX",
    "xls": "XLS",
    "ods": "ODS",
    "odt": "ODT",
    "docx": "DOCX",
    "doc": "DOC",
    "json": "JSON",
    "jsonld": "JSON-LD",
    "ndjson": "NDJSON",
    "jsonl": "NDJSON",
    "geojson": "GEOJSON",
    "topojson": "TOPOJSON",
    "pdf": "PDF",
    "zip": "ZIP",
    "gz": "GZIP",
    "xml": "XML",
    "rdf": "RDF",
    "kml": "KML",
    "kmz": "KMZ",
    "gpx": "GPX",
    "gml": "GML",
    "gpkg": "GPKG",
    "shp": "SHP",
    "parquet": "PARQUET",
    "geoparquet": "PARQUET",
    "txt": "TXT",
    "md": "MARKDOWN",
    "html": "HTML",
    "htm": "HTML",
    "yaml": "YAML",
    "yml": "YAML",
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "svg": "SVG",
}

_FORMAT_BY_MEDIA_TYPE: dict[str, str] = {
    "text/csv": "CSV",
    "application/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/msword": "DOC",
    "application/json": "JSON",
    "text/json": "JSON",
    "application/ld+json": "JSON-LD",
    "application/x-ndjson": "NDJSON",
    "application/geo+json": "GEOJSON",
    "application/vnd.geo+json": "GEOJSON",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "application/x-zip-compressed": "ZIP",
    "application/gzip": "GZIP",
    "application/xml": "XML",
    "text/xml": "XML",
    "application/rdf+xml": "RDF",
    "application/vnd.google-earth.kml+xml": "KML",
    "application/vnd.google-earth.kmz": "KMZ",
    "application/gpx+xml": "GPX",
    "application/gml+xml": "GML",
    "application/geopackage+sqlite3": "GPKG",
    "application/x-shapefile": "SHP",
    "application/x-esri-shape": "SHP",
    "application/vnd.shp": "SHP",
    "application/vnd.apache.parquet": "PARQUET",
    "application/x-parquet": "PARQUET",
    "text/plain": "TXT",
    "text/markdown": "MARKDOWN",
    "text/html": "HTML",
    "application/yaml": "YAML",
    "application/x-yaml": "YAML",
    "text/yaml": "YAML",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/svg+xml": "SVG",
}


def guess_format(filename: str, media_type: str | None = None) -> str:
    """Return a short upper-case format (``CSV``, ``GEOJSON``, ``XLSX``...) or ``""``.

    The file extension wins (it is usually more specific: a ``.geojson`` is
    often served as ``application/json``); the media type is the fall-back.
    """
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = base.split("?", 1)[0].split("#", 1)[0].strip().lower()
    if "." in base:
        ext = base.rsplit(".", 1)[1]
        if ext in _FORMAT_BY_EXTENSION:
            return _FORMAT_BY_EXTENSION[ext]
    if media_type:
        essence = media_type.split(";", 1)[0].strip().lower()
        if essence in _FORMAT_BY_MEDIA_TYPE:
            return _FORMAT_BY_MEDIA_TYPE[essence]
        if essence.endswith("+json"):
            return "JSON"
        if essence.endswith("+xml"):
            return "XML"
    return ""


# Binary multiples, as the French write them (ko, Mo…) and as translated.
_UNITS = (
    gettext_lazy("%(n)s ko"),
    gettext_lazy("%(n)s Mo"),
    gettext_lazy("%(n)s Go"),
    gettext_lazy("%(n)s To"),
    gettext_lazy("%(n)s Po"),
    gettext_lazy("%(n)s Eo"),
)


def human_size(n: int) -> str:
    """A size in bytes as people read it, in the active language: ``"512 octets"``,
    ``"1,5 Mo"``, ``"2 Go"`` in French (``"1.5 MB"`` in English).

    Binary multiples (1 ko = 1024 octets), one decimal at most, the language's separator.
    """
    sign = "-" if n < 0 else ""
    size = abs(int(n))
    if size < 1024:
        return sign + ngettext("%(n)d octet", "%(n)d octets", size) % {"n": size}
    value = float(size)
    index = -1
    while index < len(_UNITS) - 1 and round(value, 1) >= 1024:
        value /= 1024
        index += 1
    value = round(value, 1)
    number = number_format(value, decimal_pos=0 if value.is_integer() else 1)
    return sign + str(_UNITS[index]) % {"n": number}


def storage_name(name: str) -> str | None:
    """A name inside the file storage as the models store it (``distributions/…/a.csv``),
    or None for anything else: an absolute path, ``..``, ``.``, empty parts, a NUL."""
    clean = (name or "").strip().replace("\\", "/")
    parts = clean.split("/")
    if not clean or "\x00" in clean or clean.startswith("/"):
        return None
    if any(part in ("", ".", "..") for part in parts):
        return None
    return clean


def delete_stored_after_commit(names: Iterable[str]) -> None:
    """Delete stored files once the current transaction commits (never for a rolled-back
    one). A failure is logged: the change itself has committed."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    unique = [n for n in dict.fromkeys(names) if n]
    if not unique:
        return

    def delete() -> None:
        for name in unique:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete the stored file %s", name, exc_info=True)

    transaction.on_commit(delete)
