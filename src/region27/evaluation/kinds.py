"""The `experiment` kind, registered from this app's AppConfig.ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from region27.catalog.kinds import KindSpec, kind_register

if TYPE_CHECKING:
    from region27.catalog.models import Entry


def _experiment_snapshot(entry: Entry) -> dict[str, Any]:
    """Phases and linked indicators are public content of the experiment."""
    detail = getattr(entry, "experiment", None)
    if detail is None:
        return {"phases": [], "indicators": []}
    return {
        "phases": [
            {
                "name": p.name,
                "start": p.start.isoformat(),
                "end": p.end.isoformat() if p.end else None,
                "review": p.review,
            }
            for p in detail.phases.all()
        ],
        "indicators": sorted(detail.indicators.values_list("slug", flat=True)),
    }


def register_experiment_kind() -> None:
    from region27.evaluation.models import ExperimentDetail

    kind_register(
        KindSpec(
            slug="experiment",
            label=_("Expérimentation"),
            label_plural=_("Expérimentations"),
            detail_model=ExperimentDetail,
            related_name="experiment",
            form_fields=("hypothesis", "start_date", "budget", "funding", "experiment_status"),
            description=_(
                "Une politique essayée sur un territoire, évaluée après coup contre sa "
                "« 27e région » : un territoire fictif fait de territoires comparables."
            ),
            extra_snapshot=_experiment_snapshot,
        )
    )
