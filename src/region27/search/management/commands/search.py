"""`region27 search reindex`: rebuild the search index, with a progress bar."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from region27.search.services import search_reindex


class Command(BaseCommand):
    help = "Index de recherche : « reindex » le reconstruit entièrement."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reindex"], help="reindex : tout réindexer")
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        tty = sys.stdout.isatty() and options["verbosity"] >= 1
        width = 40

        def progress(done: int, total: int) -> None:
            if options["verbosity"] < 1:
                return
            share = done / total if total else 1.0
            filled = int(width * share)
            bar = "█" * filled + "·" * (width - filled)
            line = f"[{bar}] {done}/{total} fiches ({share:.0%})"
            if tty:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        result = search_reindex(progress=progress, chunk_size=options["chunk_size"])
        if tty:
            self.stdout.write("")
        rate = f"{result.per_second:,.0f}".replace(",", " ")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.count} fiches indexées en {result.seconds:.1f} s ({rate} fiches/s)."
            )
        )
