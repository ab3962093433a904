"""Organisation pages and member management."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from region27.accounts import services
from region27.accounts.models import Membership, Organisation
from region27.accounts.policy import Action, can
from region27.catalog.selectors import organisation_entries, organisations_with_counts
from region27.core.errors import NotAllowed
from region27.web.forms import InviteForm
from region27.web.views.common import paginate, render_form


def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = organisations_with_counts()
    return render(
        request,
        "organisations/list.html",
        {"organisations": organisations, "nav": "organisations"},
    )


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("territory"), slug=slug)
    # Failure reports published anonymously appear only to the organisation's members.
    entries = organisation_entries(user=request.user, organisation=organisation)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "page": paginate(request, entries),
            "can_manage": can(request.user, Action.ORG_MANAGE_MEMBERS, organisation),
            "nav": "organisations",
        },
    )


@login_required
def organisation_members(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not can(request.user, Action.ORG_MANAGE_MEMBERS, organisation):
        raise NotAllowed(_("Seuls les administrateurs de l'organisation gèrent ses membres."))
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("web:organisation_members", slug=slug)
    return render_form(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "memberships": organisation.memberships.select_related("user").order_by("role"),
            "invitations": [i for i in organisation.invitations.all() if i.is_pending],
            "form": form,
            "nav": "organisations",
        },
    )


@login_required
def organisation_member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    membership = get_object_or_404(Membership, organisation=organisation, pk=pk)
    if request.method != "POST":
        return redirect("web:organisation_members", slug=slug)
    try:
        services.membership_remove(membership=membership, by=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Membre retiré."))
    return redirect("web:organisation_members", slug=slug)
