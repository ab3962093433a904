"""Authentication: e-mail and password; production refuses demonstration accounts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class EmailBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and settings.REGION27_REFUSE_DEMO_ACCOUNTS:
            return False
        return super().user_can_authenticate(user)

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)
