"""Command line entry: ``validate FILE --schema SCHEMA [--json] [--max-errors N] [--sheet NAME]``.

Exit status: 0 valid, 1 invalid, 2 file or schema unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from .model import EngineInputError, Report
from .schema import load_schema
from .validator import validate

PROGRESS_MIN_BYTES = 20 * 1024 * 1024


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
    cmd.add_argument("--json", action="store_true", help="afficher le rapport en JSON")
    cmd.add_argument("--max-errors", type=int, default=None, help="nombre maximal d'erreurs")
    cmd.add_argument("--sheet", default=None, help="nom de la feuille (XLSX, ODS)")
    return parser


def _print_text(report: Report, out: TextIO) -> None:
    status = "VALIDE" if report.valid else "INVALIDE"
    out.write(
        f"{status} : {report.rows} lignes, {len(report.errors)} erreur(s), "
        f"{len(report.warnings)} avertissement(s)"
        f" (encodage {report.encoding or '-'}, séparateur {report.delimiter!r})\n"
    )
    for w in report.warnings:
        out.write(f"  avertissement [{w.type}] {w.message}\n")
    for e in report.errors:
        where = f"ligne {e.row}" if e.row is not None else "en-tête"
        out.write(f"  {where} [{e.type}] {e.message}\n")


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
                args.file, checked, sheet=args.sheet, max_errors=args.max_errors, progress=bar
            )
        finally:
            if bar is not None:
                bar.close()
    except EngineInputError as exc:
        err.write(f"Erreur ({exc.code}) : {exc.message}\n")
        return 2
    if args.json:
        out.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        _print_text(report, out)
    return 0 if report.valid else 1


def main() -> None:  # pragma: no cover - thin wrapper
    sys.exit(run_cli(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    main()
