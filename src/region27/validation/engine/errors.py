"""Errors as polars frames: counted, kept in part, and streamed in full.

A file whose column is wrong on every row has as many errors as rows: building a
Python object per error cost more than the validation itself. Each block's errors
are therefore one polars frame (columns :data:`ERROR_COLUMNS`, messages built by
string expressions); the collector keeps the counts per type, column and
constraint of every error, the first ``keep_per_type`` errors of each type as
:class:`ValidationError` objects, and hands every frame, in the order of the
report (row, then column), to a sink (a CSV file, the ``--json`` output).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import polars as pl

from .model import ErrorCount, ValidationError

ERROR_COLUMNS = ("type", "row", "field", "constraint", "value", "message")
ERROR_SCHEMA: dict[str, Any] = {
    "type": pl.String,
    "row": pl.Int64,
    "field": pl.String,
    "constraint": pl.String,
    "value": pl.String,
    "message": pl.String,
    "column": pl.Int64,
}
MAX_VALUE_CHARS = 500
_SENTINEL = "\x00"
ErrorSink = Callable[[pl.DataFrame], None]


def short_text(value: Any) -> str:
    """A cell value as reported: at most ``MAX_VALUE_CHARS`` characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def short_expr(col: pl.Expr) -> pl.Expr:
    """:func:`short_text` as a polars expression over a ``String`` column (null: "")."""
    return (
        pl.when(col.str.len_chars() > MAX_VALUE_CHARS)
        .then(pl.concat_str([col.str.slice(0, MAX_VALUE_CHARS), pl.lit("…")]))
        .otherwise(col)
        .fill_null("")
    )


def template(build: Callable[[str], str], value: pl.Expr) -> pl.Expr | None:
    """The message ``build(v)`` for each ``v`` of ``value``, as a string expression.

    ``build`` is called once with a sentinel: what comes before and after it is
    the fixed text. ``None`` when the sentinel does not appear exactly once (the
    message then depends on the value in another way).
    """
    text = build(_SENTINEL)
    parts = text.split(_SENTINEL)
    if len(parts) == 1:
        return pl.lit(text, dtype=pl.String)
    if len(parts) != 2:
        return None
    return pl.concat_str([pl.lit(parts[0]), value, pl.lit(parts[1])])


def frame_of(errors: list[ValidationError]) -> pl.DataFrame:
    """Python errors (header, structure of rows) as an error frame."""
    return pl.DataFrame(
        {
            "type": [e.type for e in errors],
            "row": [e.row for e in errors],
            "field": [e.field for e in errors],
            "constraint": [e.constraint for e in errors],
            "value": [e.value for e in errors],
            "message": [e.message for e in errors],
            "column": [e.column for e in errors],
        },
        schema=ERROR_SCHEMA,
    )


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


def sort_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Row then column order (a missing row or column counts as 0), ties kept in order."""
    if frame.height < 2:
        return frame
    return frame.sort(
        [pl.col("row").fill_null(0), pl.col("column").fill_null(0)], maintain_order=True
    )


def _to_errors(frame: pl.DataFrame) -> list[ValidationError]:
    return [
        ValidationError(type=t, message=m, row=r, field=f, constraint=c, value=v, column=col)
        for t, r, f, c, v, m, col in frame.select(*ERROR_COLUMNS, "column").iter_rows()
    ]


class CsvErrorWriter:
    """An :data:`ErrorSink` writing the frames to a CSV file (UTF-8, comma, CRLF).

    Same columns and format as the report's CSV download: ``type, row, field,
    constraint, value, message``, an empty cell where a key does not apply.
    """

    def __init__(self, target: str | Path | IO[bytes]) -> None:
        self._own = isinstance(target, str | Path)
        self.handle: IO[bytes] = open(target, "wb") if isinstance(target, str | Path) else target  # noqa: SIM115
        self.handle.write((",".join(ERROR_COLUMNS) + "\r\n").encode())
        self.rows = 0

    def __call__(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        frame.select(ERROR_COLUMNS).write_csv(
            self.handle, include_header=False, line_terminator="\r\n"
        )
        self.rows += frame.height

    def close(self) -> None:
        if self._own:
            self.handle.close()
        else:
            self.handle.flush()


def json_lines(frame: pl.DataFrame) -> str:
    """The errors of ``frame`` as JSON objects, one a line (the report's keys and order)."""
    buffer = io.BytesIO()
    frame.select(ERROR_COLUMNS).write_ndjson(buffer)
    return buffer.getvalue().decode("utf-8")


class Collector:
    """Counts every error, keeps the first ``keep_per_type`` of each type, streams all.

    Frames must be added in report order, except those of keys (``primaryKey``,
    ``unique``, ``uniqueKeys``), known only at the end of the file and given to
    :meth:`finish`: when a sink and keys are both present, the blocks' frames are
    spooled to a temporary folder and merged with the key errors, so that the sink
    receives every error in row order with bounded memory.
    """

    def __init__(
        self,
        *,
        keep_per_type: int | None,
        max_errors: int | None,
        sink: ErrorSink | None,
        keys_expected: bool,
    ) -> None:
        self.keep_per_type = keep_per_type
        self.max_errors = max_errors
        self.sink = sink
        self.total = 0
        self.counts: dict[tuple[str, str | None, str | None], int] = {}
        self.kept: list[ValidationError] = []
        self.kept_of_type: dict[str, int] = {}
        self.truncated = False
        self._spool: tempfile.TemporaryDirectory[str] | None = None
        self._parts: list[tuple[int, int, Path | None]] = []
        if sink is not None and keys_expected:
            self._spool = tempfile.TemporaryDirectory(prefix="r27-errors-")

    @property
    def full(self) -> bool:
        return self.max_errors is not None and self.total >= self.max_errors

    def _account(self, frame: pl.DataFrame) -> None:
        self.total += frame.height
        grouped = frame.group_by(["type", "field", "constraint"], maintain_order=True).len()
        for etype, fname, constraint, count in grouped.iter_rows():
            key = (etype, fname, constraint)
            self.counts[key] = self.counts.get(key, 0) + count
        keep = self.keep_per_type
        if keep is None:
            self.kept.extend(_to_errors(frame))
            return
        wanted: list[np.ndarray] = []
        types = frame["type"]
        for etype in types.unique(maintain_order=True).to_list():
            have = self.kept_of_type.get(etype, 0)
            if have >= keep:
                continue
            idx = (types == etype).arg_true().head(keep - have).to_numpy()
            self.kept_of_type[etype] = have + idx.size
            wanted.append(idx)
        if wanted:
            self.kept.extend(_to_errors(frame[np.sort(np.concatenate(wanted))]))

    def add(self, frame: pl.DataFrame, *, rows: tuple[int, int] | None = None) -> None:
        """Errors of the header (``rows`` None) or of the block of rows ``[lo, hi)``."""
        if self.max_errors is not None:
            room = max(self.max_errors - self.total, 0)
            if frame.height > room:
                frame = frame.head(room)
                self.truncated = True
        if frame.height:
            self._account(frame)
        if self.sink is None:
            return
        if self._spool is None or rows is None:
            if frame.height:
                self.sink(frame)
            return
        path = None
        if frame.height:
            path = Path(self._spool.name) / f"{len(self._parts)}.arrow"
            frame.write_ipc(path)
        self._parts.append((rows[0], rows[1], path))

    def finish(self, keys: pl.DataFrame | None) -> None:
        """Add the key errors (sorted by row) and give the spooled blocks to the sink."""
        keys = keys if keys is not None and keys.height else None
        if keys is not None:
            if self.max_errors is not None:
                keys = keys.head(max(self.max_errors - self.total, 0))
            self._account(keys)
        if self.sink is None:
            return
        if self._spool is None:
            if keys is not None:
                self.sink(keys)
            return
        try:
            key_rows = keys["row"].to_numpy() if keys is not None else np.empty(0, np.int64)
            for lo, hi, path in self._parts:
                part = pl.read_ipc(path) if path is not None else None
                a, b = np.searchsorted(key_rows, [lo, hi])
                if keys is not None and b > a:
                    extra = keys.slice(int(a), int(b - a))
                    part = sort_frame(extra if part is None else pl.concat([part, extra]))
                if part is not None and part.height:
                    self.sink(part)
        finally:
            self.close()

    def close(self) -> None:
        if self._spool is not None:
            self._spool.cleanup()
            self._spool = None

    def error_counts(self) -> list[ErrorCount]:
        """Counts, most frequent first (then type, field, constraint)."""
        items = [ErrorCount(t, f, c, n) for (t, f, c), n in self.counts.items()]
        return sorted(items, key=lambda x: (-x.count, x.type, x.field or "", x.constraint or ""))

    def errors(self) -> list[ValidationError]:
        return sorted(
            self.kept,
            key=lambda e: (e.row if e.row is not None else 0, e.column or 0),
        )
