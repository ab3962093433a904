"""The demonstration data: complete, deterministic, idempotent, written through services."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from region27.accounts.models import Membership, Organisation, User
from region27.catalog.demo.builder import DemoResult, build_demo_data
from region27.catalog.demo.content import (
    DEMO_PASSWORD,
    KINDS,
    ORGANISATIONS,
    PER_KIND,
    USERS,
    entry_specs,
)
from region27.catalog.models import (
    Distribution,
    Entry,
    EntryRevision,
    EntryVersion,
    KitItem,
    SoftwareDetail,
)
from region27.catalog.publiccode import parse_publiccode
from region27.territories.models import Level, Territory
from region27.territories.text import search_name

pytestmark = [
    pytest.mark.django_db,
    # entry_submit reverses the entry's URL, which imports the web forms; one of them
    # (web/forms.py DistributionForm.url) still warns about URLField.assume_scheme.
    pytest.mark.filterwarnings("ignore:The default scheme will be changed:DeprecationWarning"),
]

# Filled by the first test that builds on an empty territory table, compared by the
# second (each test runs in its own rolled-back transaction: a fresh database).
_FIRST_RUN: dict[str, Any] = {}


def _snapshot() -> list[tuple[str, str, str, str]]:
    return sorted(Entry.objects.values_list("kind", "slug", "title", "status"))


def _territory(level: str, code: str, name: str, **fields: Any) -> Territory:
    # Reference rows may be created directly in tests.
    return Territory.objects.create(
        level=level, code=code, name=name, search_name=search_name(name), **fields
    )


def _check_counts(result: DemoResult) -> None:
    for kind in KINDS:
        assert Entry.objects.filter(kind=kind).count() == PER_KIND
        assert sum(result.counts[kind].values()) == PER_KIND
    assert result.created is True
    assert result.total == PER_KIND * len(KINDS)


def _check_organisations_and_accounts(result: DemoResult, *, territories: bool) -> None:
    for spec in ORGANISATIONS:
        organisation = Organisation.objects.get(slug=spec.slug)
        assert organisation.is_demo
        assert organisation.kind == spec.kind
        if not territories:
            assert organisation.territory is None
    region = Organisation.objects.get(slug="region-auvergne-rhone-alpes")
    assert region.requires_validation
    assert Organisation.objects.get(slug="valence-romans-agglo").siren == "200068781"
    for spec in USERS:
        user = User.objects.get(email=spec.email)
        assert user.is_demo
        assert user.check_password(DEMO_PASSWORD)
        memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
        if spec.organisation is None:
            assert memberships == []
        else:
            org_slug = next(o.slug for o in ORGANISATIONS if o.key == spec.organisation)
            assert [(m.organisation.slug, m.role) for m in memberships] == [(org_slug, spec.role)]
    roles = set(Membership.objects.filter(organisation=region).values_list("role", flat=True))
    assert roles == {"agent", "elu", "admin"}
    # Every organisation whose élus validate has an élu account, and shows a change
    # waiting for them; the Drôme has its élu too.
    for organisation in Organisation.objects.filter(is_demo=True, requires_validation=True):
        assert Membership.objects.filter(organisation=organisation, role="elu").exists(), (
            organisation.slug
        )
        assert EntryRevision.objects.filter(
            entry__organisation=organisation, state="pending"
        ).exists()
    drome = Organisation.objects.get(slug="departement-de-la-drome")
    assert Membership.objects.filter(organisation=drome, role="elu").exists()
    assert len(result.credentials) == len(USERS)
    assert {c.email for c in result.credentials} == {u.email for u in USERS}
    assert result.territories_linked is territories


def _check_statuses(result: DemoResult) -> None:
    assert not Entry.objects.filter(is_demo=False).exists()
    for kind in KINDS:
        statuses = result.counts[kind]
        assert set(statuses) == {"draft", "submitted", "published", "archived"}
        assert statuses["published"] > PER_KIND // 2
    # Submitted entries wait in the Région élus' queue; the Région published via its élu.
    submitted = Entry.objects.filter(status="submitted").select_related("organisation")
    assert {e.organisation.slug for e in submitted} == {"region-auvergne-rhone-alpes"}
    elu = User.objects.get(email="elu.region@demo.region27.fr")
    region_published = EntryVersion.objects.filter(
        action="publish", entry__organisation__slug="region-auvergne-rhone-alpes"
    )
    assert region_published.exists()
    assert set(region_published.values_list("actor", flat=True)) == {elu.pk}


def _check_details() -> None:
    files = Distribution.objects.exclude(file="")
    assert files.count() >= 10
    first = files.first()
    assert first is not None
    with first.file.open("rb") as handle:
        header = handle.readline().decode("utf-8")
    assert "," in header
    assert Distribution.objects.exclude(url="").exists()
    for kit in Entry.objects.filter(kind="kit"):
        items = list(KitItem.objects.filter(kit=kit).select_related("item"))
        assert 3 <= len(items) <= 5
        assert all(item.item.kind != "kit" and item.item.is_demo for item in items)
        assert all(item.item.status == "published" for item in items)
    assert Entry.objects.filter(kind="failure", failure__anonymised=True).exists()
    assert Entry.objects.filter(kind="study", study__cost__isnull=False).exists()
    assert Entry.objects.filter(kind="service").exclude(service__api_url="").exists()


def _check_publiccode() -> None:
    with_yml = SoftwareDetail.objects.exclude(publiccode_yml="")
    assert with_yml.count() >= 10
    for detail in with_yml:
        result = parse_publiccode(detail.publiccode_yml)
        assert result.valid, [(e.key, e.message) for e in result.errors]
        assert detail.development_status == "stable"
        assert detail.publiccode


def _state() -> tuple[Any, ...]:
    return (
        _snapshot(),
        EntryVersion.objects.count(),
        sorted(Entry.objects.values_list("slug", "version", "modified_at")),
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        Distribution.objects.count(),
        KitItem.objects.count(),
    )


def test_specs_are_deterministic() -> None:
    for kind in KINDS:
        specs = entry_specs(kind)
        assert len(specs) == PER_KIND
        assert specs == entry_specs(kind)
        assert len({spec.slug for spec in specs}) == PER_KIND
        for spec in specs:
            assert len(spec.summary) <= 500 and len(spec.title) <= 200
            assert spec.body.startswith("## ")


def test_builds_everything_without_territories_then_changes_nothing() -> None:
    assert not Territory.objects.exists()
    result = build_demo_data()
    _check_counts(result)
    _check_organisations_and_accounts(result, territories=False)
    _check_statuses(result)
    _check_details()
    _check_publiccode()
    _FIRST_RUN["entries"] = _snapshot()

    before = _state()
    again = build_demo_data()
    assert again.created is False
    assert _state() == before
    assert again.counts == result.counts
    assert any("déjà" in message for message in again.messages)


def test_command_with_a_few_territories_gives_the_same_entries() -> None:
    ara = _territory(Level.REGION, "84", "Auvergne-Rhône-Alpes", zone="metro")
    drome = _territory(Level.DEPARTEMENT, "26", "Drôme", region=ara)
    agglo = _territory(
        Level.EPCI,
        "200068781",
        "CA Valence Romans Agglo",
        siren="200068781",
        departement=drome,
        region=ara,
    )
    valence = _territory(
        Level.COMMUNE, "26362", "Valence", departement=drome, region=ara, epci=agglo
    )
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    text = out.getvalue()
    assert "Comptes de démonstration :" in text
    for spec in USERS:
        assert spec.email in text
    assert DEMO_PASSWORD in text

    assert Organisation.objects.get(slug="ville-de-valence").territory == valence
    assert Organisation.objects.get(slug="valence-romans-agglo").territory == agglo
    assert Organisation.objects.get(slug="ville-de-romans-sur-isere").territory is None
    assert Entry.objects.filter(territories=valence).exists()
    assert Entry.objects.filter(territories=drome).exists()
    assert Entry.objects.filter(kind="dataset").count() == PER_KIND
    # A fresh database gives the same slugs, titles and statuses as the first run.
    if "entries" in _FIRST_RUN:
        assert _snapshot() == _FIRST_RUN["entries"]

    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert "déjà" in out.getvalue()
    assert "Comptes de démonstration :" in out.getvalue()
