"""`region27 load-schemas`: publish the shipped SCDL schemas as référentiels (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from region27.validation.services import schemas_load_shipped

LABELS = {
    "created": "créé et publié",
    "version-added": "version ajoutée",
    "unchanged": "déjà à jour",
    "differs": "déjà présent avec un autre contenu : laissé tel quel",
}


class Command(BaseCommand):
    help = "Charge les schémas SCDL fournis avec region27 comme référentiels publiés (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for result in schemas_load_shipped():
            self.stdout.write(f"{result.name} {result.version} : {LABELS[result.action]}")
