"""Leaves of an anonymised failure report carry nothing that links them to their
organisation: no organisation id, no person's reference, no content hash a guess can
be tested against; a commitment only the organisation's admins can open."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from region27.catalog import services as catalog_services
from region27.core.hashing import canonical_json, sha256_hex
from region27.journal.models import Record, SealedAuthorship
from region27.journal.services import seal_content
from region27.journal.verify import verify
from region27.territories.models import Level
from tests import factories

pytestmark = pytest.mark.django_db

ANONYMISED = {**factories.DEFAULT_DETAILS["failure"], "anonymised": True}


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    place = factories.territory(Level.COMMUNE, code="26362", name="Valence")
    org = factories.organisation(name="Ville de Valence Témoin", territory=place, siren="212603620")
    agent = factories.member(org, "agent", display_name="Camille Martin")
    admin = factories.member(org, "admin")
    named = factories.entry(org, agent, status="published", title="Une étude signée")
    report = factories.entry(
        org,
        agent,
        kind="failure",
        status="published",
        title="Un échec tu",
        detail=ANONYMISED,
        territories=[place],
    )
    return {
        "org": org,
        "agent": agent,
        "admin": admin,
        "named": named,
        "report": report,
        "place": place,
    }


def _records(entry: Any) -> list[Record]:
    return list(Record.objects.filter(kind=entry.kind, object_id=entry.pk).order_by("seq"))


def test_sealed_leaf_names_nothing(world: dict[str, Any]) -> None:
    org, report = world["org"], world["report"]
    sealed = _records(report)
    assert sealed and all(r.organisation_id is None for r in sealed)
    agent_refs = {r.actor for r in _records(world["named"])}
    authorship = SealedAuthorship.objects.get(kind="failure", object_id=report.pk)
    nonce = bytes(authorship.nonce)
    for record, version in zip(sealed, report.versions.order_by("number"), strict=True):
        leaf = json.loads(record.leaf)
        assert leaf["organisation"] is None
        assert leaf["organisation_commitment"] == authorship.commitment
        assert leaf["actor"] == authorship.actor_ref and leaf["actor"] not in agent_refs
        # The content hash is keyed: the public snapshot cannot be tested against it.
        assert leaf["content"] != version.content_hash
        assert leaf["content"] == seal_content(version.content_hash, nonce)
        for needle in (str(org.pk), org.slug, org.name, org.siren, "Camille"):
            assert f'"{needle}"' not in record.leaf and f":{needle}," not in record.leaf
    expected = hashlib.sha256(org.pk.to_bytes(8, "big") + nonce).hexdigest()
    assert authorship.commitment == expected
    # Two anonymised reports of one organisation share no commitment and no pseudonym.
    other = factories.entry(
        org, world["agent"], kind="failure", status="published", detail=ANONYMISED
    )
    second = SealedAuthorship.objects.get(kind="failure", object_id=other.pk)
    assert second.commitment != authorship.commitment
    assert second.actor_ref != authorship.actor_ref
    assert verify().ok


def test_journal_pages_and_leaves_show_no_organisation(
    client: Client, world: dict[str, Any]
) -> None:
    org, report, place = world["org"], world["report"], world["place"]
    seqs = [r.seq for r in _records(report)]
    secrets = (str(org.pk), org.name, org.slug, org.siren, place.name, "Camille Martin")

    def clean(text: str, where: str) -> None:
        for secret in secrets[1:]:
            assert secret not in text, (where, secret)

    for seq in seqs:
        clean(client.get(f"/journal/{seq}/").content.decode(), f"/journal/{seq}/")
        api = client.get(f"/api/1/journal/{seq}").json()
        assert api["organisation"] is None
        clean(json.dumps(api, ensure_ascii=False), f"/api/1/journal/{seq}")
    rows = client.get("/journal/").content.decode().split("<tr>")
    mine = [row for row in rows if "Un échec tu" in row]
    assert len(mine) == len(seqs)
    for row in mine:
        clean(row, "/journal/")
        assert "non nommée" in row
    feed = client.get("/journal/flux.atom").content.decode().split("<entry>")
    mine = [item for item in feed if f"failure {report.pk} v" in item]
    assert len(mine) == len(seqs)
    for item in mine:
        clean(item, "/journal/flux.atom")
    items = client.get("/api/1/journal").json()["data"]
    mine = [i for i in items if i["kind"] == "failure" and i["object_id"] == report.pk]
    assert len(mine) == len(seqs)
    for item in mine:
        assert item["organisation"] is None
        clean(json.dumps(item, ensure_ascii=False), "/api/1/journal")
    leaves = client.get(f"/journal/entries?start={seqs[0]}&end={seqs[-1] + 1}").json()["entries"]
    for leaf in map(json.loads, leaves):
        if leaf["kind"] == "failure" and leaf["object"] == report.pk:
            assert leaf["organisation"] is None and "organisation_commitment" in leaf
    # The organisation filter and the territory filter do not find the report.
    by_org = client.get(f"/journal/?organisation={org.slug}").content.decode()
    assert "Une étude signée" in by_org and "Un échec tu" not in by_org
    by_place = client.get(f"/journal/?territory={place.typed_code}").content.decode()
    assert "Un échec tu" not in by_place
    api = client.get(f"/api/1/journal?organisation={org.slug}").json()
    assert report.pk not in {item["object_id"] for item in api["data"] if item["kind"] == "failure"}


def test_only_the_organisations_admins_can_open_the_commitment(
    client: Client, world: dict[str, Any]
) -> None:
    org, report = world["org"], world["report"]
    seq = _records(report)[-1].seq
    authorship = SealedAuthorship.objects.get(kind="failure", object_id=report.pk)
    nonce_hex = bytes(authorship.nonce).hex()
    public = client.get(f"/journal/{seq}/").content.decode()
    assert "Organisation non nommée" in public and nonce_hex[:16] not in public
    other_org = factories.organisation()
    for user in (world["agent"], factories.member(other_org, "admin"), factories.user()):
        client.force_login(user)
        page = client.get(f"/journal/{seq}/").content.decode()
        assert nonce_hex[:16] not in page and org.name not in page
    client.force_login(world["admin"])
    page = client.get(f"/journal/{seq}/").content.decode()
    assert nonce_hex[:16] in page and org.name in page and str(org.pk) in page
    assert "<details" in page and "<summary>" in page


def test_tampered_opening_fails_verify(world: dict[str, Any]) -> None:
    report = world["report"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journal_sealedauthorship SET organisation_id = organisation_id + 1 "
            "WHERE object_id = %s",
            [report.pk],
        )
    problems = verify().problems
    assert any(
        f"failure {report.pk}: the private opening of its commitment was changed" in p
        for p in problems
    ), problems


def test_anonymised_later_keeps_its_earlier_leaves(world: dict[str, Any]) -> None:
    """Leaves cannot change: a report first published with its name keeps those leaves;
    only the leaves from its anonymisation on are sealed (docs/journal.md says so)."""
    org, agent = world["org"], world["agent"]
    report = factories.entry(org, agent, kind="failure", status="published", title="Nommé puis tu")
    before = _records(report)
    assert all(r.organisation_id == org.pk for r in before)
    catalog_services.entry_update(entry=report, by=agent, detail=ANONYMISED)
    after = _records(report)[len(before) :]
    assert after and all(r.organisation_id is None and r.organisation_commitment for r in after)
    assert [r.leaf for r in _records(report)[: len(before)]] == [r.leaf for r in before]
    version = report.versions.order_by("-number")[0]
    assert after[-1].content_hash != version.content_hash
    assert version.content_hash == sha256_hex(canonical_json(version.snapshot))
    assert verify().ok
