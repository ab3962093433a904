"""Reads of the evaluation app, with the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery

from region27.catalog.models import Distribution, Entry
from region27.catalog.selectors import entries_visible_to
from region27.evaluation.models import Evaluation, Indicator, IndicatorValue


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
    """Stored-panel evaluations; of a reference study reloaded with new parameters, only
    the newest (the older ones stay reachable at their address)."""
    newest = (
        Evaluation.objects.filter(experiment__isnull=True, reference_key=OuterRef("reference_key"))
        .order_by("-pk")
        .values("pk")[:1]
    )
    return (
        Evaluation.objects.filter(experiment__isnull=True)
        .filter(Q(reference_key="") | Q(pk=Subquery(newest)))
        .order_by("title", "-pk")
    )


# --- Indicators (public: their values are what evaluations are computed from) ----------------


def indicator_list() -> QuerySet[Indicator]:
    return (
        Indicator.objects.select_related("organisation")
        .annotate(n_values=Count("values"))
        .order_by("name", "pk")
    )


def indicator_get(*, slug: str) -> Indicator | None:
    return Indicator.objects.select_related("organisation").filter(slug=slug).first()


def indicator_values(indicator: Indicator) -> QuerySet[IndicatorValue]:
    return (
        IndicatorValue.objects.filter(indicator=indicator)
        .select_related("territory")
        .order_by("territory__code", "period")
    )


def indicator_summary(indicator: Indicator) -> dict[str, Any]:
    agg = IndicatorValue.objects.filter(indicator=indicator).aggregate(
        count=Count("pk"),
        territories=Count("territory", distinct=True),
        first=Min("period"),
        last=Max("period"),
        low=Min("value"),
        high=Max("value"),
    )
    return agg


def indicator_experiments(*, user: Any, indicator: Indicator) -> QuerySet[Entry]:
    """The experiments the user may see that follow this indicator."""
    return entries_visible_to(user).filter(kind="experiment", experiment__indicators=indicator)


def indicator_evaluations(*, user: Any, indicator: Indicator) -> QuerySet[Evaluation]:
    return evaluations_visible_to(user).filter(indicator=indicator)


def indicator_periods(indicator: Indicator) -> list[str]:
    """The distinct periods with at least one value, in order."""
    periods = (
        IndicatorValue.objects.filter(indicator=indicator)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
    return sorted(periods)


def evaluable_experiments(*, user: Any) -> QuerySet[Entry]:
    """Experiments whose evaluation the user may request (agents and admins)."""
    from region27.accounts.models import Membership, Role

    orgs = Membership.objects.filter(
        user_id=getattr(user, "pk", None) or 0, role__in=[Role.AGENT, Role.ADMIN]
    ).values("organisation_id")
    return (
        entries_visible_to(user)
        .filter(kind="experiment", organisation_id__in=orgs)
        .exclude(status="archived")
        .order_by("title")
    )


def importable_distributions(*, user: Any, organisation: Any) -> QuerySet[Distribution]:
    """CSV files of the organisation's datasets that `user` may see: the values of an
    indicator can be imported from them instead of uploading the file again."""
    if organisation is None:
        return Distribution.objects.none()
    visible = entries_visible_to(user).filter(organisation=organisation, kind="dataset")
    return (
        Distribution.objects.filter(entry__in=visible.values("pk"), format__iexact="CSV")
        .exclude(file="")
        .select_related("entry")
        .order_by("entry__title", "position", "pk")
    )
