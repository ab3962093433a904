"""`manage.py demo_data`: create the demonstration data and print the demo accounts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from region27.catalog.demo.builder import DemoResult, build_demo_data


class Command(BaseCommand):
    help = (
        "Crée les organisations, comptes et fiches de démonstration (une seule fois) "
        "et affiche les comptes de démonstration."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = build_demo_data(stdout_write=self.stdout.write)
        if result.created:
            seconds = f"{result.seconds:.1f}".replace(".", ",")
            self.stdout.write(
                self.style.SUCCESS(f"{result.total} fiches de démonstration créées en {seconds} s.")
            )
        self.stdout.write("")
        self.stdout.write(self._table(result))

    @staticmethod
    def _table(result: DemoResult) -> str:
        header = ("Rôle", "Organisation", "E-mail", "Mot de passe")
        rows = [header] + [
            (c.role, c.organisation or "—", c.email, c.password) for c in result.credentials
        ]
        widths = [max(len(row[col]) for row in rows) for col in range(len(header))]

        def line(row: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

        lines = ["Comptes de démonstration :", "", line(header)]
        lines.append("  ".join("-" * width for width in widths))
        lines.extend(line(row) for row in rows[1:])
        return "\n".join(lines).rstrip()
