"""Prepare the demonstration in one process: migrate, reference data, demonstration data.

Every step is idempotent, so a second run changes nothing and takes a few seconds
(one Django start instead of five).
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prépare la démonstration : tables, territoires, référentiels, fiches, évaluations."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0)
        for name in (
            "load_territories",
            "load_schemas",
            "load_reference_panels",
            "demo_data",  # last: it prints the demonstration accounts
        ):
            call_command(name, stdout=self.stdout, stderr=self.stderr)
        # After the organisations (demo_data) and the fictitious indicators (panels).
        from region27.evaluation.demo import build_demo_experiment

        build_demo_experiment(self.stdout.write)
