"""`region27 validate FILE --schema SCHEMA [--json] [--max-errors N] [--sheet NAME]`.

SCHEMA is a file path, an http(s) address, or a référentiel of the catalogue:
`scdl/subventions` (latest version) or `scdl/subventions@2.1.1`.
Exit status: 0 valid, 1 invalid, 2 file or schema unreadable.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from region27.validation.cli import run_validate


class Command(BaseCommand):
    help = (
        "Valide un fichier CSV, XLSX ou ODS selon un schéma (chemin, adresse ou nom du catalogue)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--schema", required=True)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--max-errors", type=int, default=None)
        parser.add_argument("--sheet", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [options["file"], "--schema", options["schema"]]
        if options["json"]:
            argv.append("--json")
        if options["max_errors"] is not None:
            argv += ["--max-errors", str(options["max_errors"])]
        if options["sheet"]:
            argv += ["--sheet", options["sheet"]]
        out: Any = self.stdout
        err: Any = self.stderr
        code = run_validate(argv, stdout=out, stderr=err)
        if code:
            sys.exit(code)
