"""Create the demonstration data, only through the accounts and catalog services."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count

from region27.accounts.models import Organisation, User
from region27.accounts.services import membership_set, organisation_create, user_register
from region27.catalog.demo.content import (
    DEMO_PASSWORD,
    KINDS,
    ORGANISATIONS,
    ROLE_LABELS,
    SUBJECTS,
    USERS,
    EntrySpec,
    OrgSpec,
    TerritoryRef,
    entry_specs,
)
from region27.catalog.models import Entry
from region27.catalog.services import (
    distribution_add,
    entry_archive,
    entry_create,
    entry_publish,
    entry_submit,
    entry_update,
    kit_set_items,
)
from region27.territories.models import Territory
from region27.territories.selectors import territory_get

# Kinds a kit gathers, in reading order, with the note shown beside each.
_KIT_NOTES: tuple[tuple[str, str], ...] = (
    ("study", "L'étude de référence, pour le contexte et les chiffres clés."),
    ("dataset", "Les données, pour vous comparer."),
    ("software", "Un logiciel libre à réutiliser."),
    ("service", "Un service en ligne à tester ou à reproduire."),
    ("failure", "Les erreurs à éviter."),
)


@dataclass(frozen=True)
class DemoCredential:
    role: str  # French label: Agent, Élu, Administrateur, Habitant
    organisation: str  # organisation name, or "" for the habitant
    email: str
    password: str


@dataclass
class DemoResult:
    created: bool  # False when the demo data was already there (nothing changed)
    organisations: list[str]  # demo organisation slugs
    credentials: list[DemoCredential]
    counts: dict[str, dict[str, int]]  # kind -> status -> number of demo entries
    territories_linked: bool  # whether the COG was loaded and territories were attached
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(by_status.values()) for by_status in self.counts.values())


def _credentials() -> list[DemoCredential]:
    names = {org.key: org.name for org in ORGANISATIONS}
    return [
        DemoCredential(
            role=ROLE_LABELS[user.role],
            organisation=names[user.organisation] if user.organisation else "",
            email=user.email,
            password=DEMO_PASSWORD,
        )
        for user in USERS
    ]


def _counts() -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    rows = (
        Entry.objects.filter(is_demo=True)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )
    for row in rows:
        counts.setdefault(row["kind"], {})[row["status"]] = row["n"]
    return counts


def demo_data_exists() -> bool:
    """The demo organisations are there: a previous run completed (runs are atomic)."""
    return Organisation.objects.filter(
        slug__in=[org.slug for org in ORGANISATIONS], is_demo=True
    ).exists()


class _Builder:
    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.territories: dict[TerritoryRef, Territory | None] = {}
        self.users: dict[str, User] = {}
        self.organisations: dict[str, Organisation] = {}
        self.agents: dict[str, User] = {}
        self.elus: dict[str, User] = {}
        self.created: dict[tuple[str, str], Entry] = {}  # (kind, subject key) -> entry
        self.status: dict[int, str] = {}  # entry pk -> final status

    # -- reference data

    def territory(self, ref: TerritoryRef) -> Territory | None:
        if ref not in self.territories:
            try:
                self.territories[ref] = territory_get(level=ref[0], code=ref[1])
            except Territory.DoesNotExist:
                self.territories[ref] = None
        return self.territories[ref]

    def covered(self, refs: tuple[TerritoryRef, ...]) -> list[Territory]:
        found = (self.territory(ref) for ref in refs)
        return [territory for territory in found if territory is not None]

    # -- people and organisations

    def build_accounts(self) -> None:
        for spec in USERS:
            self.users[spec.key] = user_register(
                email=spec.email,
                password=DEMO_PASSWORD,
                display_name=spec.display_name,
                is_demo=True,
            )
        admins = {spec.organisation: self.users[spec.key] for spec in USERS if spec.role == "admin"}
        for org in ORGANISATIONS:
            self.organisations[org.key] = self._organisation(org, admin=admins.get(org.key))
        for spec in USERS:
            if spec.organisation is None or spec.role is None or spec.role == "admin":
                continue
            user = self.users[spec.key]
            membership_set(
                organisation=self.organisations[spec.organisation],
                user=user,
                role=spec.role,
                by=None,
            )
            if spec.role == "agent":
                self.agents[spec.organisation] = user
            elif spec.role == "elu":
                self.elus[spec.organisation] = user
        self.say(f"{len(self.organisations)} organisations et {len(self.users)} comptes créés.")

    def _organisation(self, org: OrgSpec, *, admin: User | None) -> Organisation:
        siren = org.siren
        if siren and Organisation.objects.filter(siren=siren).exists():
            siren = ""  # a real organisation already holds it
        return organisation_create(
            name=org.name,
            kind=org.kind,
            slug=org.slug,
            siren=siren,
            territory=self.territory(org.territory) if org.territory else None,
            description=org.description,
            website=org.website,
            requires_validation=org.requires_validation,
            admin=admin,
            is_demo=True,
        )

    # -- entries

    def build_entry(self, spec: EntrySpec) -> Entry:
        organisation = self.organisations[spec.organisation]
        agent = self.agents[spec.organisation]
        entry = entry_create(
            by=agent,
            organisation=organisation,
            kind=spec.kind,
            title=spec.title,
            summary=spec.summary,
            licence=spec.licence,
            body=spec.body,
            slug=spec.slug,
            territories=self.covered(spec.covers),
            themes=list(spec.themes),
            keywords=list(spec.keywords),
            detail=dict(spec.detail),
            is_demo=True,
        )
        for distribution in spec.distributions:
            upload = None
            if distribution.content:
                upload = SimpleUploadedFile(
                    distribution.filename,
                    distribution.content.encode("utf-8"),
                    content_type="text/csv",
                )
            distribution_add(
                entry=entry,
                by=agent,
                title=distribution.title,
                file=upload,
                url=distribution.url,
                description=distribution.description,
                format=distribution.format,
            )
        if spec.kind == "kit":
            kit_set_items(entry=entry, by=agent, items=self._kit_items(spec))
        entry = self._move_to(entry, spec.status, organisation, agent)
        self.created[(spec.kind, spec.subject)] = entry
        self.status[entry.pk] = entry.status
        return entry

    def _move_to(self, entry: Entry, status: str, organisation: Organisation, agent: User) -> Entry:
        """Walk the entry through the workflow, each step by the role allowed to take it."""
        if status == "draft":
            return entry
        elu = self.elus.get(organisation_key(organisation))
        if status == "submitted" or organisation.requires_validation:
            entry = entry_submit(entry=entry, by=agent)
            if status == "submitted":
                return entry
        publisher = elu if organisation.requires_validation else agent
        if publisher is None:
            raise RuntimeError(f"No élu to publish for {organisation.slug}.")
        entry = entry_publish(entry=entry, by=publisher)
        if status == "archived":
            entry = entry_archive(entry=entry, by=elu or agent)
        return entry

    def build_pending_revisions(self) -> None:
        """In each organisation whose élus validate, one published entry carries a change
        its agents proposed, waiting for an élu (the review page has something to show)."""
        for org in ORGANISATIONS:
            if not org.requires_validation:
                continue
            organisation = self.organisations[org.key]
            entry = (
                Entry.objects.filter(organisation=organisation, status="published")
                .order_by("pk")
                .first()
            )
            if entry is None:
                continue
            addition = " Mise à jour proposée : les chiffres de l'année écoulée sont ajoutés."
            entry_update(
                entry=entry,
                by=self.agents[org.key],
                summary=(entry.summary[: 500 - len(addition)] + addition),
                comment="Chiffres de l'année écoulée",
            )
        self.say("Modifications en attente de validation proposées.")

    def _kit_items(self, spec: EntrySpec) -> list[tuple[Entry, str]]:
        """Published entries of other kinds on the kit's subject, then on the next ones."""
        keys = [subject.key for subject in SUBJECTS]
        start = keys.index(spec.subject)
        items: list[tuple[Entry, str]] = []
        for offset in range(len(keys)):
            subject = keys[(start + offset) % len(keys)]
            for kind, note in _KIT_NOTES:
                entry = self.created.get((kind, subject))
                if entry is None or self.status.get(entry.pk) != "published":
                    continue
                items.append((entry, note))
                if len(items) == spec.kit_size:
                    return items
        return items


def organisation_key(organisation: Organisation) -> str:
    for org in ORGANISATIONS:
        if org.slug == organisation.slug:
            return org.key
    return ""


def _result(*, created: bool, started: float, messages: list[str]) -> DemoResult:
    return DemoResult(
        created=created,
        organisations=[org.slug for org in ORGANISATIONS],
        credentials=_credentials(),
        counts=_counts(),
        territories_linked=Organisation.objects.filter(
            is_demo=True, territory__isnull=False
        ).exists(),
        seconds=time.perf_counter() - started,
        messages=messages,
    )


def build_demo_data(*, stdout_write: Callable[[str], None] | None = None) -> DemoResult:
    """Create the demonstration organisations, accounts and entries, once.

    Deterministic (same content and slugs every time) and idempotent: when the demo
    organisations already exist nothing is changed and `created` is False.
    """
    started = time.perf_counter()
    messages: list[str] = []

    def say(message: str) -> None:
        messages.append(message)
        if stdout_write is not None:
            stdout_write(message)

    if demo_data_exists():
        say("Les données de démonstration sont déjà là : rien n'a été modifié.")
        return _result(created=False, started=started, messages=messages)

    with_publiccode = importlib.util.find_spec("region27.catalog.publiccode") is not None
    builder = _Builder(say)
    # Demonstration entries send no "à valider" e-mail (see catalog.services._notify_elus).
    with transaction.atomic():
        builder.build_accounts()
        if not Territory.objects.exists():
            say("Référentiel des territoires vide : fiches et organisations sans territoire.")
        for kind in KINDS:
            specs = entry_specs(kind, with_publiccode=with_publiccode)
            for spec in specs:
                builder.build_entry(spec)
            say(f"{len(specs)} fiches « {kind} » créées.")
        builder.build_pending_revisions()
    return _result(created=True, started=started, messages=messages)
