"""Command line entry: ``validate FILE --schema SCHEMA [--json] [--errors-csv PATH]
[--max-errors N] [--sheet NAME]``.

Exit status: 0 valid, 1 invalid, 2 file or schema unreadable. ``--json`` prints the
report on one line with every error, streamed while the file is validated (the
errors are never all held in memory); the text output shows the counts per type
and column and the first errors of each type.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

import polars as pl

from .errors import json_lines
from .model import EngineInputError, Report
from .schema import load_schema
from .validator import validate

PROGRESS_MIN_BYTES = 20 * 1024 * 1024
KEEP_SHOWN = 1000  # errors of each type printed by the text output


class _ProgressBar:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if total is None or total < PROGRESS_MIN_BYTES:
            return
        ratio = min(done / total, 1.0) if total else 1.0
        width = 30
        filled = int(ratio * width)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rValidation [{bar}] {ratio * 100:5.1f} %")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="region27 validate", description="Valide un fichier CSV, XLSX ou ODS selon un schéma."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("validate", help="valider un fichier")
    cmd.add_argument("file", help="fichier CSV, XLSX ou ODS")
    cmd.add_argument("--schema", required=True, help="chemin ou adresse http(s) du schéma")
    cmd.add_argument(
        "--json", action="store_true", help="afficher le rapport en JSON, avec toutes les erreurs"
    )
    cmd.add_argument(
        "--errors-csv",
        default=None,
        metavar="FICHIER",
        help="écrire la liste complète des erreurs dans ce fichier CSV",
    )
    cmd.add_argument("--max-errors", type=int, default=None, help="nombre maximal d'erreurs")
    cmd.add_argument("--sheet", default=None, help="nom de la feuille (XLSX, ODS)")
    return parser


def _print_text(report: Report, out: TextIO, csv_path: str | None) -> None:
    status = "VALIDE" if report.valid else "INVALIDE"
    out.write(
        f"{status} : {report.rows} lignes, {report.error_count} erreur(s), "
        f"{len(report.warnings)} avertissement(s)"
        f" (encodage {report.encoding or '-'}, séparateur {report.delimiter!r})\n"
    )
    for w in report.warnings:
        out.write(f"  avertissement [{w.type}] {w.message}\n")
    if len(report.counts) > 1 or not report.complete:
        out.write("  Erreurs par type et par colonne :\n")
        for c in report.counts:
            where = f" colonne « {c.field} »" if c.field else ""
            constraint = f" ({c.constraint})" if c.constraint else ""
            out.write(f"    {c.count} × [{c.type}{constraint}]{where}\n")
    for e in report.errors:
        where = f"ligne {e.row}" if e.row is not None else "en-tête"
        out.write(f"  {where} [{e.type}] {e.message}\n")
    hidden = report.error_count - len(report.errors)
    if hidden > 0:
        whole = (
            f"la liste complète est dans {csv_path}"
            if csv_path
            else "la liste complète s'obtient avec --errors-csv FICHIER ou --json"
        )
        out.write(
            f"  … et {hidden} autre(s) erreur(s) non affichée(s) (les {KEEP_SHOWN} premières "
            f"de chaque type sont affichées) : {whole}.\n"
        )


class _JsonErrors:
    """Prints the errors of the ``--json`` report as they are found, on one line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = False
        self.first = True

    def start(self) -> None:
        if not self.started:
            self.out.write('{"errors": [')
            self.started = True

    def __call__(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self.start()
        text = json_lines(frame).rstrip("\n").replace("\n", ", ")
        self.out.write(text if self.first else ", " + text)
        self.first = False

    def finish(self, rest: dict[str, Any]) -> None:
        self.start()
        tail = json.dumps(rest, ensure_ascii=False)
        self.out.write("], " + tail[1:] + "\n" if len(rest) else "]}\n")
        self.out.flush()


def run_cli(
    argv: list[str],
    *,
    resolve_schema: Callable[[str], dict[str, Any]] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the CLI; ``resolve_schema`` may map catalogue names to descriptors.

    ``resolve_schema(name)`` is tried first and may return ``None``-like by raising
    ``LookupError`` to fall back to a path or URL.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    schema: Any = args.schema
    printer = _JsonErrors(out) if args.json else None
    try:
        if resolve_schema is not None:
            try:
                schema = resolve_schema(args.schema)
            except LookupError:
                schema = args.schema
        checked = load_schema(schema)
        bar = _ProgressBar(err) if err.isatty() else None
        try:
            report = validate(
                args.file,
                checked,
                sheet=args.sheet,
                max_errors=args.max_errors,
                progress=bar,
                # --json prints every error from the stream: none need be kept
                keep_per_type=0 if printer is not None else KEEP_SHOWN,
                errors_csv=args.errors_csv,
                error_sink=printer,
            )
        finally:
            if bar is not None:
                bar.close()
    except EngineInputError as exc:
        if printer is not None and printer.started:
            # errors were already printed: close the JSON object, marked as failed
            printer.finish({"valid": False, "failure": {"code": exc.code, "message": exc.message}})
        err.write(f"Erreur ({exc.code}) : {exc.message}\n")
        return 2
    except OSError as exc:  # the --errors-csv file cannot be written
        err.write(f"Erreur (errors-csv-unwritable) : {exc}\n")
        return 2
    if printer is not None:
        rest = report.to_dict()
        del rest["errors"]
        printer.finish(rest)
    else:
        _print_text(report, out, args.errors_csv)
    return 0 if report.valid else 1


def main() -> None:  # pragma: no cover - thin wrapper
    sys.exit(run_cli(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    main()
