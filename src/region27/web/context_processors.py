"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from region27.accounts.models import Membership, Role


def site(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "is_elu": False,
        "can_write": False,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        context["is_elu"] = Role.ELU in roles
        context["can_write"] = bool(roles & {Role.AGENT, Role.ADMIN})
    return context
