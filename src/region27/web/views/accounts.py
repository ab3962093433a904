"""Sign up, log in, the account page, RGPD export and deletion, invitations."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from region27.accounts import services, throttle
from region27.accounts.models import User
from region27.web.forms import DeleteAccountForm, ProfileForm, RegisterForm
from region27.web.views.common import render_form


def _too_many(response: HttpResponse, wait: int) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    """Sign-in, with its failures counted per account and per address
    (`accounts.throttle`): over the limit, even the right password is refused until the
    window ends, with a 429 and the form saying when to try again."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", ""))
        wait = throttle.login_wait(request, email)
        if wait:
            # An unbound form: the password is not even checked.
            form = self.get_form_class()(request, initial={"username": email[:254]})
            context = self.get_context_data(form=form, throttled=throttle.wait_message(wait))
            return _too_many(self.render_to_response(context), wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        throttle.login_succeeded(form.get_user().email)
        return super().form_valid(form)

    def form_invalid(self, form: Any) -> HttpResponse:
        email = str(self.request.POST.get("username", ""))
        if email.strip() and self.request.POST.get("password"):
            throttle.login_failed(self.request, email)
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("web:home")


def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("password", error.messages)
        else:
            login(request, user, backend="region27.accounts.backends.EmailBackend")
            messages.success(request, _("Bienvenue ! Votre compte est créé."))
            next_url = request.GET.get("next", "")
            if next_url.startswith("/invitation/"):
                return redirect(next_url)
            return redirect("web:account")
    return render_form(
        request,
        "accounts/register.html",
        {"form": form},
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"display_name": user.display_name},
    )
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, display_name=form.cleaned_data["display_name"])
        messages.success(request, _("Profil enregistré."))
        return redirect("web:account")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "memberships": user.memberships.select_related("organisation"),
            "nav": "account",
        },
    )


@login_required
def account_export(request: HttpRequest) -> HttpResponse:
    data = services.user_export(user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-region27.json"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)  # type: ignore[arg-type]
        messages.success(request, _("Votre compte est supprimé."))
        return redirect("web:home")
    return render_form(
        request,
        "accounts/delete.html",
        {"form": form, "nav": "account"},
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = services.invitation_find(token=token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse_lazy('web:login')}?next={request.path}")
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Vous avez rejoint %(org)s.") % {"org": membership.organisation.name},
            )
            return redirect(membership.organisation.get_absolute_url())
    return render(request, "accounts/invitation.html", {"invitation": found})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.extra_email_context = {"site_name": settings.SITE_NAME}
        return super().get_context_data(**kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        """Reset links are limited per typed address and per client address
        (`accounts.throttle`); over the limit, a 429 and the form says when to retry."""
        email = form.cleaned_data["email"]
        wait = throttle.reset_wait(self.request, email)
        if wait:
            form.add_error(None, throttle.wait_message(wait))
            return _too_many(self.form_invalid(form), wait)
        throttle.reset_requested(self.request, email)
        self.extra_email_context = {"site_name": settings.SITE_NAME}
        return super().form_valid(form)

    success_url = reverse_lazy("web:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
