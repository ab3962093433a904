"""Builders for test data. Reference rows may be created directly; content goes through services."""

from __future__ import annotations

import itertools
from typing import Any

from region27.accounts import services as account_services
from region27.accounts.models import Organisation, User
from region27.catalog import services as catalog_services
from region27.catalog.models import Entry
from region27.territories.models import Level, Territory

_seq = itertools.count(1)

PASSWORD = "mot-de-passe-solide-42"


def user(*, email: str | None = None, **extra: Any) -> User:
    n = next(_seq)
    return account_services.user_register(
        email=email or f"personne{n}@exemple.fr", password=PASSWORD, **extra
    )


def organisation(*, name: str | None = None, **extra: Any) -> Organisation:
    n = next(_seq)
    extra.setdefault("kind", "collectivite")
    return account_services.organisation_create(name=name or f"Commune {n}", **extra)


def member(org: Organisation, role: str, **extra: Any) -> User:
    person = user(**extra)
    account_services.membership_set(organisation=org, user=person, role=role, by=None)
    return person


def territory(level: str = Level.COMMUNE, code: str | None = None, **extra: Any) -> Territory:
    n = next(_seq)
    code = code or f"{n:05d}"
    extra.setdefault("name", f"Territoire {code}")
    extra.setdefault("search_name", extra["name"].lower())
    return Territory.objects.create(level=level, code=code, **extra)


def entry(
    org: Organisation, by: User, *, kind: str = "study", status: str = "draft", **extra: Any
) -> Entry:
    n = next(_seq)
    detail = extra.pop("detail", None)
    if detail is None:
        detail = DEFAULT_DETAILS.get(kind, {})
    extra.setdefault("title", f"Fiche de test {n}")
    extra.setdefault("summary", "Un résumé de la fiche de test.")
    extra.setdefault("licence", "EUPL-1.2" if kind == "software" else "lov2")
    created = catalog_services.entry_create(
        by=by, organisation=org, kind=kind, detail=dict(detail), **extra
    )
    if status in ("submitted", "published", "archived"):
        created = catalog_services.entry_submit(entry=created, by=by)
    if status in ("published", "archived"):
        created = _publish(created, org, by)
    if status == "archived":
        created = catalog_services.entry_archive(entry=created, by=_publisher(org, by))
    return created


def _publisher(org: Organisation, by: User) -> User:
    if not org.requires_validation:
        return by
    from region27.accounts.models import Membership, Role

    elu = Membership.objects.filter(organisation=org, role=Role.ELU).first()
    return elu.user if elu else member(org, Role.ELU)


def _publish(created: Entry, org: Organisation, by: User) -> Entry:
    return catalog_services.entry_publish(entry=created, by=_publisher(org, by))


DEFAULT_DETAILS: dict[str, dict[str, Any]] = {
    "dataset": {"frequency": "annual"},
    "study": {"authors": "Cabinet Exemple"},
    "software": {"repository_url": "https://git.example.org/logiciel"},
    "service": {"url": "https://service.example.org/"},
    "failure": {
        "context": "Contexte.",
        "attempted": "Ce qui a été tenté.",
        "what_went_wrong": "Ce qui n'a pas marché.",
        "lessons": "Les leçons.",
    },
    "kit": {"howto": "Mode d'emploi."},
}
