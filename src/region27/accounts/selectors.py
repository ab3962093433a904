"""Reads about accounts and organisations, with the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from region27.accounts.models import Organisation, Role


def writer_organisations(*, user: Any) -> QuerySet[Organisation]:
    """The organisations whose entries the user writes (as agent or admin)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=[Role.AGENT, Role.ADMIN]
    ).distinct()
