"""Personal API tokens on the account page: create (shown once), list, revoke."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from region27.accounts.models import ApiToken, User
from region27.accounts.tokens import token_create, token_list, token_revoke

EXPIRY_CHOICES = [
    ("30", gettext_lazy("Dans 30 jours")),
    ("90", gettext_lazy("Dans 90 jours")),
    ("365", gettext_lazy("Dans un an")),
    ("", gettext_lazy("Jamais")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom du jeton"),
        max_length=100,
        help_text=gettext_lazy("Pour vous en souvenir : l'outil ou le script qui l'utilise."),
    )
    expires = forms.ChoiceField(
        label=gettext_lazy("Expiration"), choices=EXPIRY_CHOICES, required=False, initial="90"
    )


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST if request.method == "POST" else None)
    created: tuple[ApiToken, str] | None = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires"]
        expires_at = timezone.now() + dt.timedelta(days=int(days)) if days else None
        try:
            created = token_create(user=user, name=form.cleaned_data["name"], expires_at=expires_at)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            form = TokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "created": created[0] if created else None,
            "clear_token": created[1] if created else "",
            "tokens": token_list(user=user),
            "now": timezone.now(),
            "nav": "account",
        },
        status=400 if request.method == "POST" and created is None else 200,
    )
    return response


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user_id=request.user.pk)
    token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Jeton « %(n)s » révoqué.") % {"n": token.name})
    return redirect("web:tokens")
