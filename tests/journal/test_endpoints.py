"""The fixed endpoints and the pages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from region27.journal import merkle
from region27.journal.models import Record
from region27.journal.note import parse_checkpoint, parse_vkey, verify_note
from tests import factories
from tests.journal import reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(org_agent: tuple[Any, Any]) -> dict[str, Any]:
    org, agent = org_agent
    entries = [factories.entry(org, agent, status="published") for _ in range(3)]
    draft = factories.entry(org, agent, title="Brouillon secret")
    return {"org": org, "agent": agent, "entries": entries, "draft": draft}


def _json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    return json.loads(response.content)


def test_checkpoint_and_key(client: Client, journal: dict[str, Any]) -> None:
    vkey = client.get("/journal/key").content.decode()
    verifier = parse_vkey(vkey)
    note = client.get("/journal/checkpoint").content.decode()
    checkpoint = parse_checkpoint(verify_note(note, verifier).text)
    size = Record.objects.count()
    assert checkpoint.size == size and checkpoint.origin == "127.0.0.1:8000/journal"
    leaves = [
        reference.leaf(r.encode())
        for r in _json(client, f"/journal/entries?start=0&end={size}")["entries"]
    ]
    assert reference.mth(leaves) == checkpoint.root_hash
    assert vkey.strip() in client.get("/journal/keys").content.decode()


def test_proofs_verify_independently(client: Client, journal: dict[str, Any]) -> None:
    size = Record.objects.count()
    leaves = _json(client, f"/journal/entries?start=0&end={size}")["entries"]
    hashes = [reference.leaf(leaf.encode()) for leaf in leaves]
    for m in range(1, size + 1):
        root_m = reference.mth(hashes[:m])
        for index in range(m):
            proof = _json(client, f"/journal/proof/inclusion?index={index}&size={m}")
            path = [base64.b64decode(h) for h in proof["hashes"]]
            assert reference.root_from_inclusion(index, m, hashes[index], path) == root_m
            assert base64.b64decode(proof["leaf_hash"]) == hashes[index]
        consistency = _json(client, f"/journal/proof/consistency?from={m}&to={size}")
        proof_hashes = [base64.b64decode(h) for h in consistency["hashes"]]
        assert reference.check_consistency(m, size, root_m, reference.mth(hashes), proof_hashes)
        assert merkle.verify_consistency(m, size, proof_hashes, root_m, reference.mth(hashes))


@pytest.mark.parametrize(
    "url",
    [
        "/journal/entries",
        "/journal/entries?start=0",
        "/journal/entries?start=a&end=2",
        "/journal/entries?start=-1&end=2",
        "/journal/entries?start=3&end=3",
        "/journal/entries?start=999&end=1000",
        "/journal/entries?start=1e3&end=2",
        "/journal/entries?start=99999999999999999999999&end=2",
        "/journal/proof/inclusion?index=0",
        "/journal/proof/inclusion?index=5&size=5",
        "/journal/proof/inclusion?index=0&size=0",
        "/journal/proof/inclusion?index=0&size=9999",
        "/journal/proof/inclusion?index=%C2%B2&size=3",
        "/journal/proof/consistency?from=0&to=3",
        "/journal/proof/consistency?from=4&to=3",
        "/journal/proof/consistency?from=1&to=9999",
        "/journal/proof/consistency?from=x&to=y",
        "/journal/proof/consistency?to=2",
    ],
)
def test_bad_requests_get_400(client: Client, journal: dict[str, Any], url: str) -> None:
    answer = _json(client, url, status=400)
    assert answer["error"]


def test_entries_are_capped(client: Client, journal: dict[str, Any]) -> None:
    answer = _json(client, "/journal/entries?start=1&end=100000")
    assert answer["start"] == 1 and len(answer["entries"]) == Record.objects.count() - 1


def test_journal_page_and_filters(client: Client, journal: dict[str, Any]) -> None:
    page = client.get("/journal/").content.decode()
    assert "Journal public" in page and journal["entries"][0].title in page
    assert "Brouillon secret" not in page  # drafts appear, their titles do not
    assert journal["agent"].email not in page
    page = client.get("/journal/?action=publish&kind=study").content.decode()
    assert page.count("<tr>") == 1 + 3
    page = client.get(f"/journal/?organisation={journal['org'].slug}").content.decode()
    assert journal["entries"][0].title in page
    assert client.get("/journal/?organisation=inconnue").status_code == 200
    assert "Territoire inconnu" in client.get("/journal/?territory=commune:99999").content.decode()
    assert client.get("/journal/?territory=nimporte").status_code == 200
    assert client.get("/journal/?since=2000-01-01&until=not-a-date&page=x").status_code == 200
    assert "Aucun enregistrement" in client.get("/journal/?since=2999-01-01").content.decode()


def test_territory_filter(client: Client, org_agent: tuple[Any, Any]) -> None:
    org, agent = org_agent
    place = factories.territory()
    elsewhere = factories.territory()
    here = factories.entry(org, agent, territories=[place], title="Ici", status="published")
    factories.entry(org, agent, territories=[elsewhere], title="Ailleurs", status="published")
    page = client.get(f"/journal/?territory={place.typed_code}").content.decode()
    assert here.title in page and "Ailleurs" not in page


def test_record_page_and_history_links(client: Client, journal: dict[str, Any]) -> None:
    entry = journal["entries"][0]
    history = client.get(f"/catalogue/{entry.slug}/historique/").content.decode()
    records = Record.objects.filter(kind=entry.kind, object_id=entry.pk).order_by("seq")
    assert records.count() == entry.versions.count()
    first_public = entry.versions.get(action="publish").number
    for record in records:  # drafts are not public history: linked from the publication on
        public = record.object_version >= first_public
        assert (f'href="/journal/{record.seq}/"' in history) == public
        assert (f'href="/journal/{record.seq}/#preuve"' in history) == public
    page = client.get(f"/journal/{records[0].seq}/").content.decode()
    assert "Preuve d&#x27;inclusion" in page or "Preuve d'inclusion" in page
    assert client.get("/journal/999999/").status_code == 404


def test_witness_page_and_cosignatures(client: Client, journal: dict[str, Any]) -> None:
    assert client.get("/journal/temoins/").status_code == 200
    answer = _json(client, "/journal/cosignatures")
    assert answer == {"origin": "127.0.0.1:8000/journal", "made": [], "received": [], "peers": []}
