"""Reading tabular sources (CSV, XLSX, ODS) into chunks of string columns.

Everything is read as text: typing is the validator's job. A CSV file is read in
byte chunks cut on record boundaries (a newline outside quotes), so memory does
not grow with the file. Each chunk becomes a polars ``DataFrame`` with one
``String`` column per header position (``c0``, ``c1``...), plus the number of
cells each record really had (to report missing and extra cells) and the values
of extra cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np
import polars as pl

from .model import EngineInputError, Limits

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
SOURCE = str | Path | bytes | BinaryIO
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_BINARY_MAGIC = {
    b"\x89PNG": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"%PDF": "un document PDF",
    b"\x1f\x8b": "une archive gzip",
    b"BZh": "une archive bzip2",
    b"7z\xbc\xaf": "une archive 7z",
    b"Rar!": "une archive RAR",
}
_CSV_SIZE_READ = 1024 * 1024


@dataclass
class Chunk:
    """A block of consecutive records of the table (header excluded)."""

    frame: pl.DataFrame  # String columns c0..c{n-1}, "" for absent cells
    counts: pl.Series  # number of cells each record had
    extras: dict[int, list[str]]  # local row index -> values beyond the header
    start: int  # 0-based index of the first record among data records
    bytes_done: int


@dataclass
class Table:
    header: list[str]
    encoding: str | None
    delimiter: str | None
    total_bytes: int | None
    chunks: Iterator[Chunk]
    format: str = "csv"
    notes: list[str] = field(default_factory=list)


def _col(i: int) -> str:
    return f"c{i}"


# --------------------------------------------------------------------------- opening


def _open(source: SOURCE, limits: Limits) -> tuple[IO[bytes], int | None, str, bool]:
    """Return (binary stream, size if known, name, must_close)."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source)), len(source), "", True
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise EngineInputError("file-unreadable", f"{path} est un dossier, pas un fichier.")
            stream: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise EngineInputError(
                "file-unreadable", f"Le fichier {path} ne peut pas être lu ({exc.strerror})."
            ) from exc
        return stream, size, path.name.lower(), True
    known: int | None = None
    try:
        pos = source.tell()
        source.seek(0, os.SEEK_END)
        known = source.tell() - pos
        source.seek(pos)
    except (OSError, AttributeError, ValueError):
        known = None
    return source, known, str(getattr(source, "name", "") or "").lower(), False


def _too_large(limits: Limits) -> EngineInputError:
    return EngineInputError(
        "file-too-large",
        "Le fichier dépasse la taille maximale autorisée "
        f"({limits.max_file_size:_} octets).".replace("_", " "),
    )


def open_table(source: SOURCE, *, sheet: str | None = None, limits: Limits) -> Table:
    """Open ``source`` and return its header and an iterator over chunks."""
    stream, size, _name, must_close = _open(source, limits)
    if size is not None and size > limits.max_file_size:
        if must_close:
            stream.close()
        raise _too_large(limits)
    head = stream.read(8192)
    if not head:
        if must_close:
            stream.close()
        raise EngineInputError("empty-file", "Le fichier est vide.")
    try:
        if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
            rest = stream.read(limits.max_file_size + 1 - len(head))
            data = head + rest
            if len(data) > limits.max_file_size:
                raise _too_large(limits)
            return _open_spreadsheet(data, sheet=sheet, limits=limits)
        for magic, what in _BINARY_MAGIC.items():
            if head.startswith(magic):
                raise EngineInputError(
                    "binary-file",
                    f"Le fichier n'est pas un tableau CSV, XLSX ou ODS : il s'agit de {what}.",
                )
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise EngineInputError(
                "binary-file",
                "Le fichier contient des données binaires : ce n'est pas un fichier CSV.",
            )
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise EngineInputError(
                "unsupported-encoding",
                "Le fichier est encodé en UTF-16 ; enregistrez-le en UTF-8 et réessayez.",
            )
    except BaseException:
        if must_close:
            stream.close()
        raise
    return _open_csv(stream, head, size, limits, must_close)


def read_rows(
    source: SOURCE, *, limits: Limits, sheet: str | None = None
) -> tuple[Table, Iterator[list[str]]]:
    """The table and its records as lists of strings (cells beyond the header kept, absent
    ones left out), read block by block as the validator reads it: for programs that need
    rows (an indicator's import) with the same encoding, delimiter and spreadsheet rules."""
    table = open_table(source, sheet=sheet, limits=limits)

    def rows() -> Iterator[list[str]]:
        for chunk in table.chunks:
            counts = chunk.counts.to_list()
            for index, values in enumerate(chunk.frame.iter_rows()):
                cells = [str(v) if v is not None else "" for v in values[: counts[index]]]
                yield cells + chunk.extras.get(index, [])

    return table, rows()


# --------------------------------------------------------------------------- CSV


def _is_utf8(data: bytes) -> bool:
    """Fast UTF-8 validation (polars' SIMD validator, ~10x faster than ``decode``)."""
    try:
        pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:
        return False
    return True


class _Decoder:
    """Streaming encoding detection: UTF-8 first, Windows-1252 otherwise."""

    def __init__(self, bom: bool) -> None:
        self.state = "utf-8-sig" if bom else None  # None = only ASCII seen so far
        self.reported: str | None = "utf-8-sig" if bom else None

    @property
    def encoding(self) -> str:
        return self.reported or "utf-8"

    def seen_utf8(self) -> None:
        """A block with non-ASCII bytes was valid UTF-8 (checked by the parser)."""
        if self.state is None:
            self.state = self.reported = "utf-8"

    def to_utf8(self, chunk: bytes) -> bytes:
        if chunk.isascii():
            return chunk
        if self.state in (None, "utf-8", "utf-8-sig"):
            try:
                if not _is_utf8(chunk):
                    chunk.decode("utf-8")  # raises, with the position of the bad byte
            except UnicodeDecodeError as exc:
                if self.state is not None or _UTF8_MULTIBYTE.search(chunk):
                    raise EngineInputError(
                        "mixed-encoding",
                        "Le fichier mélange plusieurs encodages (UTF-8 et un autre, "
                        f"octet invalide près de la position {exc.start}) ; enregistrez-le "
                        "entièrement en UTF-8.",
                    ) from exc
                self.state = self.reported = "windows-1252"
            else:
                if self.state is None:
                    self.state = self.reported = "utf-8"
                return chunk
        # windows-1252, with latin-1 for the 5 bytes it leaves undefined
        text = chunk.decode("cp1252", errors="surrogateescape")
        if (
            "\udc81" in text
            or "\udc8d" in text
            or "\udc8f" in text
            or "\udc90" in text
            or ("\udc9d" in text)
        ):
            text = chunk.decode("latin-1")
        return text.encode("utf-8")


def _sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]
    best, best_score = ",", -1.0
    for delim in CANDIDATE_DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        consistent = sum(1 for r in rows if len(r) == width) / len(rows)
        score = consistent * 1000 + width
        if score > best_score:
            best, best_score = delim, score
    return best


def _find_cut(buf: bytes | bytearray, start: int = 0) -> int:
    """Index of the last newline of ``buf`` that is outside quotes, or -1."""
    pos = buf.rfind(b"\n", start)
    if pos < 0:
        return -1
    if b'"' not in buf:
        return pos
    # numpy counts bytes about 5x faster than bytes.count
    quotes = int(np.count_nonzero(np.frombuffer(buf, dtype=np.uint8, count=pos) == 34))
    while pos >= start:
        if quotes % 2 == 0:
            return pos
        prev = buf.rfind(b"\n", start, pos)
        if prev < 0:
            return -1
        quotes -= buf.count(b'"', prev, pos)
        pos = prev
    return -1


def _first_cut(buf: bytes | bytearray) -> int:
    """Index of the first newline outside quotes, or -1."""
    quotes = 0
    pos = 0
    while True:
        nxt = buf.find(b"\n", pos)
        if nxt < 0:
            return -1
        quotes += buf.count(b'"', pos, nxt)
        if quotes % 2 == 0:
            return nxt
        pos = nxt + 1


def _line_too_long(limits: Limits) -> EngineInputError:
    return EngineInputError(
        "line-too-long",
        "Une ligne du fichier dépasse la longueur maximale autorisée "
        f"({limits.max_line_length} octets) : le fichier n'est sans doute pas un CSV valide.",
    )


def _open_csv(
    stream: IO[bytes], head: bytes, size: int | None, limits: Limits, must_close: bool
) -> Table:
    bom = head.startswith(codecs.BOM_UTF8)
    decoder = _Decoder(bom)
    buf = bytearray(head[3:] if bom else head)
    read_total = len(head)
    # read the header record
    while True:
        cut = _first_cut(buf)
        if cut >= 0:
            break
        if len(buf) > limits.max_line_length:
            if must_close:
                stream.close()
            raise _line_too_long(limits)
        data = stream.read(_CSV_SIZE_READ)
        read_total += len(data)
        if not data:
            cut = len(buf)
            break
        buf += data
    header_bytes = bytes(buf[:cut]).rstrip(b"\r")
    rest = bytes(buf[cut + 1 :])
    if not header_bytes.strip() and not rest.strip():
        if must_close:
            stream.close()
        raise EngineInputError("empty-file", "Le fichier est vide.")
    # sample for delimiter sniffing: header plus what we already have
    sample_bytes = header_bytes + b"\n" + rest[:65536]
    try:
        sample = decoder.to_utf8(sample_bytes[: _find_cut(sample_bytes) + 1] or sample_bytes)
    except EngineInputError:
        if must_close:
            stream.close()
        raise
    decoder = _Decoder(bom)  # restart detection, the chunks will be decoded again
    delimiter = _sniff_delimiter(sample.decode("utf-8"))
    header_text = decoder.to_utf8(header_bytes).decode("utf-8")
    header = next(csv.reader([header_text], delimiter=delimiter), [])
    if len(header) > limits.max_columns:
        if must_close:
            stream.close()
        raise EngineInputError(
            "too-many-columns",
            f"Le fichier a {len(header)} colonnes ; le maximum autorisé est {limits.max_columns}.",
        )
    table = Table(
        header=header,
        encoding=None,
        delimiter=delimiter,
        total_bytes=size,
        chunks=iter(()),
    )

    def chunks() -> Iterator[Chunk]:
        nonlocal read_total
        pending = bytearray(rest)
        start = 0
        done = len(header_bytes) + 1
        try:
            eof = False
            while not eof:
                data = stream.read(limits.chunk_size)
                read_total += len(data)
                if read_total > limits.max_file_size:
                    raise _too_large(limits)
                if not data:
                    eof = True
                    block = bytes(pending)
                    pending = bytearray()
                else:
                    pending += data
                    cut = _find_cut(pending)
                    if cut < 0:
                        if len(pending) > limits.max_line_length:
                            raise _line_too_long(limits)
                        continue
                    with memoryview(pending) as view:
                        block = bytes(view[: cut + 1])  # one copy, not two
                    del pending[: cut + 1]
                if not block:
                    continue
                chunk = None
                if decoder.state in (None, "utf-8", "utf-8-sig") and not block.isascii():
                    # polars checks UTF-8 as it parses: no separate pass when it is
                    try:
                        chunk = _parse_block(block, len(header), delimiter, limits, checked=False)
                        decoder.seen_utf8()
                    except _NotUtf8:
                        chunk = None
                if chunk is None:
                    utf8 = decoder.to_utf8(block)
                    chunk = _parse_block(utf8, len(header), delimiter, limits)
                table.encoding = decoder.encoding
                done += len(block)
                chunk.start = start
                chunk.bytes_done = done
                start += chunk.frame.height
                yield chunk
        finally:
            if must_close:
                stream.close()

    table.encoding = decoder.encoding if not header_text.isascii() else None
    if not header_bytes.isascii():
        table.encoding = decoder.encoding
    table.chunks = chunks()
    table.notes.append("bom" if bom else "")
    if bom:
        table.encoding = "utf-8-sig"
    return table


@dataclass
class _Records:
    """Where the records of a block are: newlines outside quotes, found on the bytes."""

    starts: np.ndarray  # offset of the first byte of each record
    ends: np.ndarray  # offset of the newline ending each record (or len(data))
    lengths: np.ndarray  # bytes of each record, line ending excluded
    overhead: np.ndarray  # quote bytes of each record not in its cells' values
    longest: int  # longest physical line, in bytes (newline excluded)


def _records(data: bytes) -> _Records:
    """Cut ``data`` into records: a newline counts when an even number of quotes precede
    it (the CSV parser's rule for well-formed quoting). No scan of the delimiters: the
    cells of each record are counted from what polars parsed (:func:`_cell_counts`)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    size = arr.size
    if b'"' in data:
        # one scan for both kinds of bytes
        marks = np.flatnonzero((arr == 10) | (arr == 34))
        is_newline = arr[marks] == 10
        newlines, quotes = marks[is_newline], marks[~is_newline]
    else:
        newlines = np.flatnonzero(arr == 10)
        quotes = newlines[:0]
    if newlines.size:
        lengths = np.diff(newlines, prepend=-1) - 1
        lengths -= (newlines > 0) & (arr[np.maximum(newlines - 1, 0)] == 13)
        longest = int(lengths.max())
        if newlines[-1] != size - 1:
            longest = max(longest, size - 1 - int(newlines[-1]))
    else:
        longest = size
    ends = newlines
    if quotes.size:
        ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    if size and arr[-1] != 10:
        ends = np.append(ends, size)
    starts = np.empty_like(ends)
    if ends.size:
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    if ends.size:
        last = np.minimum(ends, size) - 1
        lengths -= (lengths > 0) & (arr[np.maximum(last, 0)] == 13)
    overhead = np.zeros(ends.size, dtype=np.int64)
    if quotes.size:
        # quote k opens a quoted part when k is even, closes it when odd; a closing
        # quote followed at once by an opening one is a doubled quote: one quote of
        # the value. The others are syntax.
        doubled = quotes[1:-1:2][np.diff(quotes)[1::2] == 1]
        overhead = np.diff(np.searchsorted(quotes, ends), prepend=0) - np.diff(
            np.searchsorted(doubled, ends), prepend=0
        )
    return _Records(starts, ends, lengths, overhead, longest)


def _cell_counts(frame: pl.DataFrame, records: _Records) -> np.ndarray:
    """Cells of each record, from its byte length and the cells polars parsed.

    A record is its cells' bytes, one delimiter between two cells, and its quote
    bytes beyond the quotes its cells contain: two around a quoted cell and one
    per doubled quote. So its delimiters are ``length - cell bytes - extra quotes``.
    A record with more cells than the header (polars drops the extra ones) gets
    more than the header's count and is parsed again in Python (extra cells).
    """
    cell_bytes = np.zeros(frame.height, dtype=np.int64)
    for column in frame.columns:
        cell_bytes += frame[column].str.len_bytes().fill_null(0).to_numpy()
    counts = records.lengths.astype(np.int64) - cell_bytes - records.overhead + 1
    counts[records.lengths == 0] = 0
    return counts


class _NotUtf8(Exception):
    """The block given as unchecked UTF-8 is not UTF-8."""


def _parse_block(
    data: bytes, width: int, delimiter: str, limits: Limits, *, checked: bool = True
) -> Chunk:
    """Parse UTF-8 bytes holding whole records.

    With ``checked=False`` the bytes are not known to be UTF-8: polars validates the
    cells it parses, and :class:`_NotUtf8` is raised when they are not UTF-8 (the
    caller then detects the encoding).
    """
    names = [_col(i) for i in range(width)]
    fast = (
        width > 0
        and len(delimiter) == 1
        and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n"))
    )
    if fast:
        records = _records(data)
        if records.longest > limits.max_line_length:
            raise _line_too_long(limits)
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                separator=delimiter,
                quote_char='"',
                schema=dict.fromkeys(names, pl.String),
                missing_columns="insert",
                truncate_ragged_lines=True,
                empty_string_is_null=False,
            )
        except pl.exceptions.PolarsError:
            fast = False
        else:
            fast = frame.height == records.ends.size
    if not fast and not checked and not _is_utf8(data):
        raise _NotUtf8
    if fast:
        frame = frame.fill_null("")
        counts_np = _cell_counts(frame, records)
        extras: dict[int, list[str]] = {}
        for idx in np.flatnonzero(counts_np > width).tolist():
            try:  # cells polars dropped were not checked
                text = data[records.starts[idx] : records.ends[idx]].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _NotUtf8 from exc
            text = text.rstrip("\r")
            text = text.replace("\r\n", "\n")
            row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
            counts_np[idx] = len(row)
            if len(row) > width:
                extras[idx] = row[width:]
        if (counts_np < 0).any():  # polars read a record otherwise than the byte scan
            return _parse_block_python(data, width, delimiter, names)
        counts = pl.Series("n", counts_np, dtype=pl.Int64)
        return Chunk(frame=frame, counts=counts, extras=extras, start=0, bytes_done=0)
    return _parse_block_python(data, width, delimiter, names)


def _parse_block_python(data: bytes, width: int, delimiter: str, names: list[str]) -> Chunk:
    text = data.decode("utf-8")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:  # e.g. NUL byte
        raise EngineInputError("csv-unreadable", f"Le fichier CSV est illisible ({exc}).") from exc
    counts = pl.Series("n", [len(r) for r in rows], dtype=pl.Int64)
    columns = {
        name: pl.Series(name, [r[j] if j < len(r) else "" for r in rows], dtype=pl.String)
        for j, name in enumerate(names)
    }
    frame = pl.DataFrame(columns) if columns else pl.DataFrame()
    extras = {i: r[width:] for i, r in enumerate(rows) if len(r) > width}
    return Chunk(frame=frame, counts=counts, extras=extras, start=0, bytes_done=0)


# --------------------------------------------------------------------------- XLSX / ODS


def _check_zip(data: bytes, limits: Limits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise EngineInputError(
            "spreadsheet-unreadable", "Le fichier tableur est corrompu (archive ZIP invalide)."
        ) from exc
    with archive:
        names = set(archive.namelist())
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > limits.max_decompressed_size or (
                info.file_size > 1024 * 1024 and ratio > limits.max_compression_ratio
            ):
                raise EngineInputError(
                    "zip-bomb",
                    "Le fichier tableur se décompresse en un volume anormalement grand "
                    "(bombe de décompression probable) : il est refusé.",
                )
    if "[Content_Types].xml" in names:
        return "xlsx"
    if "mimetype" in names or "content.xml" in names:
        return "ods"
    raise EngineInputError(
        "unsupported-format",
        "Le fichier est une archive ZIP mais pas un classeur XLSX ou ODS.",
    )


def _cell_text(value: Any) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _open_spreadsheet(data: bytes, *, sheet: str | None, limits: Limits) -> Table:
    fmt = "xls"
    if data.startswith(b"PK"):
        fmt = _check_zip(data, limits)
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
        if not names:
            raise EngineInputError("spreadsheet-empty", "Le classeur ne contient aucune feuille.")
        if sheet is not None and sheet not in names:
            raise EngineInputError(
                "sheet-not-found",
                f"La feuille « {sheet} » n'existe pas ; feuilles disponibles : {', '.join(names)}.",
            )
        rows: list[list[Any]] = workbook.get_sheet_by_name(sheet or names[0]).to_python(
            skip_empty_area=False
        )
    except EngineInputError:
        raise
    except Exception as exc:  # calamine raises many error types
        raise EngineInputError(
            "spreadsheet-unreadable", f"Le classeur ne peut pas être lu ({exc})."
        ) from exc
    while rows and all(_cell_text(v) == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise EngineInputError("empty-file", "La feuille est vide.")
    header = [_cell_text(v) for v in rows[0]]
    while header and header[-1] == "":
        header.pop()
    if len(header) > limits.max_columns:
        raise EngineInputError(
            "too-many-columns",
            f"La feuille a {len(header)} colonnes ; le maximum autorisé est {limits.max_columns}.",
        )
    width = len(header)
    names = [_col(i) for i in range(width)]
    body = rows[1:]
    total = len(data)

    def chunks() -> Iterator[Chunk]:
        step = 100_000
        for offset in range(0, len(body), step):
            part = [[_cell_text(v) for v in r] for r in body[offset : offset + step]]
            counts = []
            extras: dict[int, list[str]] = {}
            for i, r in enumerate(part):
                while len(r) > width and r[-1] == "":
                    r.pop()
                counts.append(len(r) if len(r) > width else width)
                if len(r) > width:
                    extras[i] = r[width:]
            frame = pl.DataFrame(
                {
                    name: pl.Series(name, [r[j] if j < len(r) else "" for r in part], pl.String)
                    for j, name in enumerate(names)
                }
            )
            yield Chunk(
                frame=frame,
                counts=pl.Series("n", counts, dtype=pl.Int64),
                extras=extras,
                start=offset,
                bytes_done=total if offset + step >= len(body) else 0,
            )

    return Table(
        header=header, encoding=None, delimiter=None, total_bytes=total, chunks=chunks(), format=fmt
    )
