"""`manage.py load_territories`: load or refresh the official geography (COG)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from region27.territories.loader import LEVEL_ORDER, load_territories
from region27.territories.models import Level


class Command(BaseCommand):
    help = _(
        "Charge ou met à jour les territoires officiels (régions, départements, EPCI, "
        "communes) depuis l'extrait du COG fourni avec l'application."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 2
        labels = dict(Level.choices)

        def progress(level: str, count: int) -> None:
            if verbose:
                self.stdout.write(
                    _("%(level)s : %(count)s traités")
                    % {"level": labels.get(level, level), "count": _number(count)}
                )

        start = time.perf_counter()
        result = load_territories(progress=progress)
        elapsed = time.perf_counter() - start
        for level in LEVEL_ORDER:
            counts = result.counts.get(level)
            if counts is None:
                continue
            line = _(
                "%(level)s : %(created)s créés, %(updated)s mis à jour, %(unchanged)s inchangés"
            ) % {
                "level": labels[level],
                "created": _number(counts.created),
                "updated": _number(counts.updated),
                "unchanged": _number(counts.unchanged),
            }
            if counts.missing:
                line += _(" (%(missing)s absents de l'extrait, conservés)") % {
                    "missing": _number(counts.missing)
                }
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Territoires chargés : %(total)s (%(created)s créés, %(updated)s mis à "
                    "jour, %(unchanged)s inchangés) en %(seconds).1f s."
                )
                % {
                    "total": _number(result.total),
                    "created": _number(result.created),
                    "updated": _number(result.updated),
                    "unchanged": _number(result.unchanged),
                    "seconds": elapsed,
                }
            )
        )
        self.stdout.write(
            _("Source : @etalab/decoupage-administratif 6.0.0 (COG INSEE), licence MIT, © Etalab.")
        )


def _number(value: int) -> str:
    """French thousands separator (narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")
