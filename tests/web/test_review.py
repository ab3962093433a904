"""Approval pages: the buttons follow the organisation's choice, the élu sees what they
approve before deciding, the history reads in French and never shows drafts publicly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from region27.accounts.models import Role
from region27.catalog import services
from region27.catalog.models import EntryRevision
from region27.territories.models import Level
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    commune = factories.territory(Level.COMMUNE, "26362", name="Valence")
    org = factories.organisation(name="Ville de Valence", requires_validation=True)
    agent = factories.member(org, Role.AGENT, display_name="Nadia R.")
    elu = factories.member(org, Role.ELU)
    entry = factories.entry(
        org,
        agent,
        status="published",
        title="Plan vélo de Valence",
        summary="Le plan des pistes cyclables de la commune.",
        territories=[commune],
        themes=["mobilite"],
        licence="lov2",
    )
    other = factories.organisation(name="Ville de Romans")
    other_agent = factories.member(other, Role.AGENT)
    factories.entry(other, other_agent, status="published", title="Plan vélo de Romans")
    return {"org": org, "agent": agent, "elu": elu, "entry": entry, "commune": commune}


def test_buttons_follow_the_organisations_choice(client: Client) -> None:
    direct = factories.organisation(name="Commune directe")
    agent = factories.member(direct, Role.AGENT)
    draft = factories.entry(direct, agent, title="Brouillon direct")
    client.force_login(agent)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "/publier/" in page and "Soumettre aux élus" not in page
    services.entry_submit(entry=draft, by=agent)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "élu" not in page.split("<main", 1)[1].split("En bref", 1)[0]
    org_page = client.get(direct.get_absolute_url()).content.decode()
    assert "sans validation d’un élu" in org_page or "sans validation d'un élu" in org_page

    validated = factories.organisation(name="Commune validée", requires_validation=True)
    v_agent = factories.member(validated, Role.AGENT)
    v_draft = factories.entry(validated, v_agent, title="Brouillon validé")
    client.force_login(v_agent)
    page = client.get(v_draft.get_absolute_url()).content.decode()
    assert "Soumettre aux élus" in page and f"/catalogue/{v_draft.slug}/publier/" not in page
    org_page = client.get(validated.get_absolute_url()).content.decode()
    assert "validée par un élu" in org_page


def test_agent_proposes_elu_reviews_the_diff_then_approves(
    client: Client, world: dict[str, Any]
) -> None:
    entry, agent, elu = world["entry"], world["agent"], world["elu"]
    client.force_login(agent)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Proposer une modification" in page
    response = client.post(
        f"/catalogue/{entry.slug}/modifier/",
        {
            "organisation": world["org"].pk,
            "title": "Plan vélo de Valence 2026",
            "summary": "Le plan des pistes cyclables et des parkings vélo de la commune.",
            "licence": "cc-by",
            "themes": ["mobilite"],
            "keywords": "",
            "territories": "commune:26362",
            "detail-authors": "Cabinet Exemple",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Plan vélo de Valence"
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Modification en attente de validation" in page
    edit = client.get(f"/catalogue/{entry.slug}/modifier/").content.decode()
    assert "Plan vélo de Valence 2026" in edit, "later edits start from the proposal"

    client.force_login(elu)
    queue = client.get("/a-valider/").content.decode()
    assert f"/catalogue/{entry.slug}/relecture/" in queue and "/publier/" not in queue
    review = client.get(f"/catalogue/{entry.slug}/relecture/").content.decode()
    assert "Titre" in review and "Licence" in review
    assert "<del>Plan vélo de Valence</del>" in review
    assert "<ins>Plan vélo de Valence 2026</ins>" in review
    assert "Licence Ouverte" in review and "Creative Commons" in review
    assert "<ins>et des parkings vélo </ins>" in review
    assert "Déjà fait ailleurs" in review and "Plan vélo de Romans" in review
    assert review.count('name="csrfmiddlewaretoken"') >= 2
    revision = EntryRevision.objects.get(entry=entry, state="pending")
    refused = client.post(
        f"/catalogue/{entry.slug}/relecture/decision/", {"decision": "reject", "reason": ""}
    )
    assert refused.status_code == 302 and refused["Location"].endswith("/relecture/")
    stale = client.post(
        f"/catalogue/{entry.slug}/relecture/decision/",
        {"decision": "approve", "revision": "00000000-0000-0000-0000-000000000000"},
    )
    assert stale["Location"].endswith("/relecture/")
    # The élu approves what the page showed: the proposal's digest goes with the decision.
    seen = revision.digest
    assert f'name="seen" value="{seen}"' in review
    # The agents amend it while the élu reads: the élu's approval of the old text fails.
    services.entry_update(entry=entry, by=world["agent"], title="Titre jamais relu")
    late = client.post(
        f"/catalogue/{entry.slug}/relecture/decision/",
        {"decision": "approve", "revision": str(revision.uuid), "seen": seen},
    )
    assert late["Location"].endswith("/relecture/")
    entry.refresh_from_db()
    assert entry.title == "Plan vélo de Valence", "nothing unread becomes public"
    services.entry_update(entry=entry, by=world["agent"], title="Plan vélo de Valence 2026")
    review = client.get(f"/catalogue/{entry.slug}/relecture/").content.decode()
    revision.refresh_from_db()
    assert f'name="seen" value="{revision.digest}"' in review
    client.post(
        f"/catalogue/{entry.slug}/relecture/decision/",
        {"decision": "approve", "revision": str(revision.uuid), "seen": revision.digest},
    )
    entry.refresh_from_db()
    assert entry.title == "Plan vélo de Valence 2026" and entry.licence == "cc-by"


def test_review_is_for_members_only(client: Client, world: dict[str, Any]) -> None:
    entry = world["entry"]
    services.entry_update(entry=entry, by=world["agent"], title="Secret proposé")
    url = f"/catalogue/{entry.slug}/relecture/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(factories.user())
    assert client.get(url).status_code == 403
    assert "Secret proposé" not in client.get(entry.get_absolute_url()).content.decode()


def test_agent_proposes_a_file_the_public_does_not_see(
    client: Client, world: dict[str, Any]
) -> None:
    org, agent = world["org"], world["agent"]
    dataset = factories.entry(org, agent, kind="dataset", status="published", title="Données")
    client.force_login(agent)
    response = client.post(
        f"/catalogue/{dataset.slug}/fichiers/",
        {
            "title": "Comptages",
            "file": SimpleUploadedFile("c.csv", b"a,b\n1,2\n", content_type="text/csv"),
            "url": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    revision = EntryRevision.objects.get(entry=dataset, state="pending")
    key = revision.files[0]["key"]
    assert client.get(f"/catalogue/{dataset.slug}/relecture/fichiers/{key}/").status_code == 200
    client.logout()
    assert "Comptages" not in client.get(dataset.get_absolute_url()).content.decode()
    assert client.get(f"/catalogue/{dataset.slug}/relecture/fichiers/{key}/").status_code == 302


def test_history_is_readable_and_drafts_stay_private(client: Client, world: dict[str, Any]) -> None:
    org, agent, elu = world["org"], world["agent"], world["elu"]
    secret = "MOT-DE-PASSE-DU-WIFI-8841"
    draft = factories.entry(org, agent, title="Budget participatif", body=f"Note : {secret}")
    services.entry_update(entry=draft, by=agent, body="Le budget participatif de la ville.")
    services.entry_submit(entry=draft, by=agent)
    services.entry_publish(entry=draft, by=elu)
    services.entry_update(entry=draft, by=agent, licence="cc-by", themes=["finances"])
    services.revision_approve(revision=draft.revisions.get(state="pending"), by=elu)
    draft.refresh_from_db()
    numbers = list(draft.versions.values_list("number", flat=True))
    first_public = draft.versions.get(action="publish").number

    public_urls = [f"/catalogue/{draft.slug}/historique/"]
    for number in numbers:
        public_urls += [
            f"/catalogue/{draft.slug}/historique/{number}/",
            f"/catalogue/{draft.slug}/historique/{number}.json",
        ]
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert secret not in response.content.decode(), url
        number = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
        if number.isdigit():
            assert (response.status_code == 200) == (int(number) >= first_public), url

    history = client.get(f"/catalogue/{draft.slug}/historique/").content.decode()
    assert "Première version publique" in history
    assert "Licence" in history and "Creative Commons" in history
    assert "Finances publiques et budget" in history
    assert "modification validée par un élu" in history
    assert "Nadia R." not in history or "Agent" in history
    download = client.get(f"/catalogue/{draft.slug}/historique/{numbers[-1]}.json")
    assert download["Content-Type"].startswith("application/json")
    assert json.loads(download.content)["snapshot"]["licence"] == "cc-by"

    client.force_login(agent)  # its organisation sees every version, drafts included
    member_history = client.get(f"/catalogue/{draft.slug}/historique/").content.decode()
    assert secret in member_history
    assert client.get(f"/catalogue/{draft.slug}/historique/1/").status_code == 200


def test_version_page_names_territories_and_files(client: Client, world: dict[str, Any]) -> None:
    org, agent = world["org"], world["agent"]
    dataset = factories.entry(
        org, agent, kind="dataset", title="Comptages", territories=[world["commune"]]
    )
    services.distribution_add(
        entry=dataset,
        by=agent,
        title="Fichier des comptages",
        file=SimpleUploadedFile("c.csv", b"a,b\n1,2\n", content_type="text/csv"),
    )
    services.entry_submit(entry=dataset, by=agent)
    services.entry_publish(entry=dataset, by=world["elu"])
    latest = dataset.versions.order_by("-number").first()
    assert latest is not None
    page = client.get(f"/catalogue/{dataset.slug}/historique/{latest.number}/").content.decode()
    assert "Valence" in page and "commune:26362" not in page
    assert "Fichier des comptages" in page and "SHA-256" in page and "octets" in page
    assert "Licence Ouverte" in page and "Jeu de données" in page
