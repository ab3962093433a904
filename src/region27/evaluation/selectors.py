"""Reads of the evaluation app, with the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from region27.catalog.models import Entry
from region27.catalog.selectors import entries_visible_to
from region27.evaluation.models import Evaluation


def evaluations_visible_to(user: Any) -> QuerySet[Evaluation]:
    """Stored-panel evaluations (reference studies, demonstrations) are public; an
    experiment's evaluations are visible with the experiment."""
    visible = entries_visible_to(user).values("pk")
    return Evaluation.objects.select_related("indicator", "experiment__entry").filter(
        Q(experiment__isnull=True) | Q(experiment__entry__in=visible)
    )


def evaluation_get(*, user: Any, pk: int) -> Evaluation | None:
    return evaluations_visible_to(user).filter(pk=pk).first()


def evaluations_of(*, user: Any, entry: Entry) -> QuerySet[Evaluation]:
    return evaluations_visible_to(user).filter(experiment__entry=entry)


def reference_evaluations() -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(experiment__isnull=True).order_by("title", "-pk")
