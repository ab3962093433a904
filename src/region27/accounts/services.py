"""Every write about people, organisations and memberships."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from region27.accounts.models import Invitation, Membership, Organisation, Role, User
from region27.accounts.policy import Action, can, forget_roles
from region27.core.errors import NotAllowed
from region27.territories.models import Territory

INVITATION_DAYS = 14


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def user_register(
    *, email: str, password: str, display_name: str = "", is_demo: bool = False
) -> User:
    """Create an account; with no membership the person is an habitant."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Un compte existe déjà avec cette adresse.")})
    user = User(email=email, display_name=display_name.strip()[:150], is_demo=is_demo)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update_profile(*, user: User, display_name: str) -> User:
    user.display_name = display_name.strip()[:150]
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account; entries stay with their organisation, without the author."""
    user.delete()


def user_export(*, user: User) -> dict[str, Any]:
    """Everything region27 holds about the person (RGPD right of access)."""
    from region27.catalog.models import Entry, EntryVersion

    return {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "memberships": [
            {"organisation": m.organisation.name, "role": m.role, "since": m.created_at.isoformat()}
            for m in user.memberships.select_related("organisation")
        ],
        "entries_created": [
            {"slug": e.slug, "title": e.title, "created_at": e.created_at.isoformat()}
            for e in Entry.objects.filter(created_by=user)
        ],
        "changes": [
            {
                "entry": v.entry.slug,
                "version": v.number,
                "action": v.action,
                "at": v.created_at.isoformat(),
            }
            for v in EntryVersion.objects.filter(actor=user).select_related("entry")
        ],
    }


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    slug: str = "",
    siren: str = "",
    territory: Territory | None = None,
    description: str = "",
    website: str = "",
    requires_validation: bool = False,
    admin: User | None = None,
    is_demo: bool = False,
) -> Organisation:
    """Create an organisation (staff or command line), optionally with its first admin."""
    organisation = Organisation(
        name=name.strip(),
        slug=slugify(slug or name)[:100],
        kind=kind,
        siren=siren.strip(),
        territory=territory,
        description=description,
        website=website,
        requires_validation=requires_validation,
        is_demo=is_demo,
    )
    if siren and (len(siren) != 9 or not siren.isdigit()):
        raise ValidationError({"siren": _("Un SIREN compte 9 chiffres.")})
    organisation.full_clean()
    organisation.save()
    if admin is not None:
        Membership.objects.create(user=admin, organisation=organisation, role=Role.ADMIN)
        forget_roles(admin)
    journal_record_organisation(organisation=organisation, action="create", by=None)
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, by: User, **changes: Any) -> Organisation:
    if not can(by, Action.ORG_EDIT, organisation):
        raise NotAllowed()
    allowed = {"name", "description", "website", "requires_validation"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Champs inconnus : %(f)s.") % {"f": ", ".join(sorted(unknown))})
    for key, value in changes.items():
        setattr(organisation, key, value)
    organisation.full_clean()
    organisation.save()
    journal_record_organisation(organisation=organisation, action="update", by=by)
    return organisation


def journal_record_organisation(*, organisation: Organisation, action: str, by: Any) -> None:
    """The public journal records an organisation's existence and public content (not its
    memberships or invitations, which are not public content)."""
    from region27.accounts.journaled import journal_record_organisation as record

    record(organisation=organisation, action=action, by=by)


@transaction.atomic
def membership_set(
    *, organisation: Organisation, user: User, role: str, by: User | None
) -> Membership:
    """Give `user` a role in `organisation` (by an admin; `by=None` for the command line)."""
    if by is not None and not can(by, Action.ORG_MANAGE_MEMBERS, organisation):
        raise NotAllowed()
    if role not in Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")})
    membership, _created = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    forget_roles(user)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    organisation = membership.organisation
    if not can(by, Action.ORG_MANAGE_MEMBERS, organisation):
        raise NotAllowed()
    admins = organisation.memberships.filter(role=Role.ADMIN)
    if membership.role == Role.ADMIN and admins.count() == 1:
        raise ValidationError(_("L'organisation doit garder au moins un administrateur."))
    membership.delete()
    forget_roles(membership.user)


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: str, by: User
) -> tuple[Invitation, str]:
    """Invite a colleague by e-mail; returns the invitation and its one-time token."""
    if not can(by, Action.ORG_MANAGE_MEMBERS, organisation):
        raise NotAllowed()
    if role not in Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")})
    email = User.objects.normalize_email(email.strip()).lower()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    url = f"{settings.SITE_URL}/invitation/{token}/"
    subject = settings.EMAIL_SUBJECT_PREFIX + _("Invitation à rejoindre %(org)s") % {
        "org": organisation.name
    }
    body = _(
        "Bonjour,\n\n%(who)s vous invite à rejoindre %(org)s sur %(site)s avec le rôle "
        "« %(role)s ».\n\nPour accepter (le lien vaut %(days)d jours) :\n%(url)s\n"
    ) % {
        "who": str(by),
        "org": organisation.name,
        "site": settings.SITE_NAME,
        "role": Role(role).label,
        "days": INVITATION_DAYS,
        "url": url,
    }
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )
    return invitation, token


def invitation_find(*, token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_find(token=token)
    if invitation is None:
        raise ValidationError(_("Cette invitation n'existe pas, a expiré ou a déjà servi."))
    if invitation.email != user.email.lower():
        raise ValidationError(
            _("Cette invitation a été envoyée à une autre adresse que celle de votre compte.")
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership, _created = Membership.objects.update_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    forget_roles(user)
    return membership
