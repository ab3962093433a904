"""`region27 bench-data --entries N`: realistic French entries for the search benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from region27.search.benchdata import bench_data
from region27.search.services import search_reindex


class Command(BaseCommand):
    help = (
        "Crée N fiches réalistes réparties sur les territoires réels (chargement en masse), "
        "puis reconstruit l'index de recherche. Pour les mesures seulement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, required=True)
        parser.add_argument("--seed", type=int, default=27)

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} fiches créées")

        result = bench_data(entries=options["entries"], seed=options["seed"], progress=progress)
        self.stdout.write(
            f"{result.entries} fiches créées en {result.seconds:.1f} s "
            f"({result.organisations} organisations)."
        )
        index = search_reindex(
            progress=lambda d, t: (
                self.stdout.write(f"  {d}/{t} fiches indexées")
                if d % 20000 == 0 or d == t
                else None
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Index reconstruit : {index.count} fiches en {index.seconds:.1f} s "
                f"({index.per_second:,.0f} fiches/s).".replace(",", " ")
            )
        )
