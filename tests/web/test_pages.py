"""The HTML interface through HTTP: pages, forms, redirects, permissions, bad input."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from region27.accounts.models import Membership, Role, User
from region27.catalog import services
from region27.catalog.models import Distribution, Entry
from region27.territories.models import Level
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict:
    region = factories.territory(Level.REGION, "84", name="Auvergne-Rhône-Alpes")
    dep = factories.territory(Level.DEPARTEMENT, "26", name="Drôme", region=region)
    commune = factories.territory(
        Level.COMMUNE, "26362", name="Valence", region=region, departement=dep
    )
    org = factories.organisation(
        name="Ville de Valence", territory=commune, requires_validation=True
    )
    agent = factories.member(org, Role.AGENT)
    elu = factories.member(org, Role.ELU)
    admin = factories.member(org, Role.ADMIN)
    published = factories.entry(
        org,
        agent,
        kind="study",
        status="published",
        title="Étude sur les cantines",
        territories=[commune],
        themes=["education"],
    )
    draft = factories.entry(org, agent, kind="dataset", title="Brouillon de données")
    return {
        "org": org,
        "agent": agent,
        "elu": elu,
        "admin": admin,
        "published": published,
        "draft": draft,
        "commune": commune,
        "dep": dep,
        "region": region,
    }


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_public_pages_render_in_french(client: Client, world: dict) -> None:
    for url in [
        "/",
        "/catalogue/",
        world["published"].get_absolute_url(),
        f"/catalogue/{world['published'].slug}/historique/",
        "/organisations/",
        world["org"].get_absolute_url(),
        "/territoires/",
        "/territoires/departement/26/",
        "/territoires/commune/26362/",
        "/territoires/region/84/",
        "/accessibilite/",
        "/mentions-legales/",
        "/confidentialite/",
        "/compte/connexion/",
        "/compte/inscription/",
        "/compte/mot-de-passe/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="fr">' in html, url
        assert "La 27e région" in html, url
        assert 'href="/accessibilite/"' in html, url


def test_territory_page_lists_entries_about_sub_territories(client: Client, world: dict) -> None:
    html = client.get("/territoires/departement/26/").content.decode()
    assert "Étude sur les cantines" in html
    assert "Valence" in html


def test_unknown_things_are_404_not_500(client: Client, world: dict) -> None:
    for url in [
        "/catalogue/nexiste-pas/",
        "/catalogue/nexiste-pas/historique/",
        "/territoires/commune/99999/",
        "/territoires/planete/84/",
        "/organisations/personne/",
        "/invitation/faux-jeton/",
        "/catalogue/nouvelle/inconnue/",
    ]:
        assert client.get(url).status_code in (404, 302), url
    assert client.get("/catalogue/nexiste-pas/").status_code == 404


def test_drafts_are_hidden_from_the_public(client: Client, world: dict) -> None:
    assert client.get(world["draft"].get_absolute_url()).status_code == 404
    assert "Brouillon de données" not in client.get("/catalogue/").content.decode()
    login(client, world["agent"])
    assert client.get(world["draft"].get_absolute_url()).status_code == 200


def test_catalog_filters_and_bad_parameters(client: Client, world: dict) -> None:
    ok = client.get("/catalogue/?kind=study&theme=education&territory=departement:26&q=cantines")
    assert "Étude sur les cantines" in ok.content.decode()
    empty_form = client.get("/catalogue/?q=&kind=study&theme=&organisation=&licence=&territory=")
    assert "Étude sur les cantines" in empty_form.content.decode()
    none = client.get("/catalogue/?kind=dataset")
    assert "Étude sur les cantines" not in none.content.decode()
    for query in [
        "page=-3",
        "page=abc",
        "page=999999",
        "territory=commune:",
        "territory=%01%02",
        "territory=planete:3",
        "kind=%27%3BDROP+TABLE",
        "q=" + "x" * 5000,
        "licence=inconnue",
    ]:
        response = client.get(f"/catalogue/?{query}")
        assert response.status_code == 200, query
    bad = client.get("/catalogue/?territory=planete:3").content.decode()
    assert "Territoire inconnu" in bad


@pytest.mark.parametrize(
    "url",
    [
        "/catalogue/?organisation=%00&theme=%00",
        "/catalogue/?territory=%00%01",
        "/journal/?organisation=a%00b",
        "/journal/?kind=a%00",
        "/journal/?action=%00",
        "/journal/flux.atom?kind=%00",
        "/recherche/?q=%00",
        "/catalogue/a%00b/",
        "/recherche/?a%00=1",
    ],
)
def test_a_nul_character_in_the_address_is_a_clear_400(
    client: Client, world: dict, url: str
) -> None:
    """PostgreSQL refuses NUL in any query: it used to be a 500 on the journal's and the
    catalogue's filters."""
    response = client.get(url)
    assert response.status_code == 400, url
    assert "caractère nul" in response.content.decode()


def test_a_nul_character_in_a_cookie_or_an_oembed_address_is_never_a_500(
    client: Client, world: dict
) -> None:
    client.cookies["sessionid"] = "abcdefgh12345678\x00"
    page = client.get("/catalogue/")
    assert page.status_code == 200  # the broken session cookie is ignored
    client.cookies.pop("sessionid")
    bad = client.get("/journal/?kind=%00")
    assert bad.status_code == 400 and "csrftoken" in bad.cookies  # its forms work
    embed = client.get(
        "/api/oembed", {"url": "http://testserver/territoires/commune/%00x/", "format": "json"}
    )
    assert embed.status_code in (400, 404)


def test_old_slug_redirects_permanently(client: Client, world: dict) -> None:
    from region27.catalog import services

    entry = world["published"]
    old = entry.slug
    services.entry_update(entry=entry, by=world["agent"], slug="cantines-2026")
    assert client.get(f"/catalogue/{old}/").status_code == 200, "waits for an élu"
    services.revision_approve(revision=entry.revisions.get(state="pending"), by=world["elu"])
    response = client.get(f"/catalogue/{old}/")
    assert response.status_code == 301
    assert response["Location"] == "/catalogue/cantines-2026/"
    assert client.get(f"/catalogue/{old}/historique/")["Location"].endswith(
        "/catalogue/cantines-2026/historique/"
    )


def test_create_form_invalid_then_valid(client: Client, world: dict) -> None:
    login(client, world["agent"])
    before = Entry.objects.count()
    response = client.post(
        "/catalogue/nouvelle/study/",
        {
            "organisation": world["org"].pk,
            "title": "",
            "summary": "",
            "licence": "cc-by",
            "territories": "commune:00000",
            "detail-authors": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "rien n&#x27;a été enregistré" in html or "rien n'a été enregistré" in html
    assert "Territoire inconnu" in html
    assert Entry.objects.count() == before
    response = client.post(
        "/catalogue/nouvelle/study/",
        {
            "organisation": world["org"].pk,
            "title": "Diagnostic éclairage public",
            "summary": "Un diagnostic.",
            "licence": "cc-by",
            "themes": ["energie"],
            "keywords": "éclairage, sobriété",
            "territories": "commune:26362",
            "detail-authors": "Service énergie",
        },
    )
    assert response.status_code == 302
    created = Entry.objects.get(title="Diagnostic éclairage public")
    assert created.keywords == ["éclairage", "sobriété"]
    assert [t.code for t in created.territories.all()] == ["26362"]


def test_agent_submits_and_elu_validates_from_queue(client: Client, world: dict) -> None:
    draft = factories.entry(world["org"], world["agent"], title="Plan de mobilité")
    login(client, world["agent"])
    assert client.post(f"/catalogue/{draft.slug}/publier/").status_code == 403
    assert client.post(f"/catalogue/{draft.slug}/soumettre/").status_code == 302
    client.logout()
    login(client, world["elu"])
    queue = client.get("/a-valider/").content.decode()
    assert "Plan de mobilité" in queue
    # No one-click publication from the list: it links to the review page.
    assert f"/catalogue/{draft.slug}/publier/" not in queue
    assert f"/catalogue/{draft.slug}/relecture/" in queue
    review = client.get(f"/catalogue/{draft.slug}/relecture/").content.decode()
    assert "Plan de mobilité" in review and 'value="approve"' in review
    # One click on "publier" does not skip the review page.
    skipped = client.post(f"/catalogue/{draft.slug}/publier/")
    assert skipped["Location"].endswith("/relecture/")
    draft.refresh_from_db()
    assert draft.version == 2 and f'name="version" value="{draft.version}"' in review
    # Changed since the élu read it (the agents edited the submitted draft): refused.
    services.entry_update(entry=draft, by=world["agent"], summary="Résumé jamais relu.")
    late = client.post(
        f"/catalogue/{draft.slug}/relecture/decision/", {"decision": "approve", "version": "2"}
    )
    assert late["Location"].endswith("/relecture/")
    draft.refresh_from_db()
    assert draft.status == "submitted"
    decided = client.post(
        f"/catalogue/{draft.slug}/relecture/decision/",
        {"decision": "approve", "version": str(draft.version)},
    )
    assert decided["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == "published"


def test_habitant_cannot_write(client: Client, world: dict) -> None:
    habitant = factories.user()
    login(client, habitant)
    assert client.get("/catalogue/nouvelle/").status_code == 403
    assert client.get("/catalogue/nouvelle/study/").status_code == 403
    assert client.get("/a-valider/").status_code == 403
    slug = world["published"].slug
    assert client.post(f"/catalogue/{slug}/archiver/").status_code == 403
    assert client.get(f"/catalogue/{slug}/modifier/").status_code == 403


def test_anonymous_is_sent_to_login(client: Client, world: dict) -> None:
    response = client.get("/catalogue/nouvelle/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


XSS = [
    "<script>alert(1)</script>",
    "[clic](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    "<iframe src=//evil></iframe>",
    '<svg onload="alert(1)"></svg>',
]


def test_markdown_in_entries_renders_inert(client: Client, world: dict) -> None:
    from region27.catalog import services

    entry = world["published"]
    services.entry_update(entry=entry, by=world["agent"], body="\n\n".join(XSS))
    services.revision_approve(revision=entry.revisions.get(state="pending"), by=world["elu"])
    html = client.get(entry.get_absolute_url()).content.decode()
    prose = html.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, attrs))

    Collect().feed(prose)
    assert tags, "the body rendered"
    for tag, attrs in tags:
        assert tag not in {"script", "iframe", "svg", "img", "object", "embed"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), value


def test_distribution_upload_through_the_form(client: Client, world: dict) -> None:
    dataset = world["draft"]
    login(client, world["agent"])
    upload = SimpleUploadedFile("subventions 2024.csv", b"a;b\n1;2\n", content_type="text/csv")
    response = client.post(f"/catalogue/{dataset.slug}/fichiers/", {"title": "", "file": upload})
    assert response.status_code == 302
    assert Distribution.objects.get(entry=dataset).format == "CSV"
    with override_settings(REGION27_MAX_UPLOAD_SIZE=4):
        upload = SimpleUploadedFile("gros.csv", b"a;b\n1;2\n", content_type="text/csv")
        response = client.post(f"/catalogue/{dataset.slug}/fichiers/", {"file": upload})
    assert response.status_code == 400
    assert "dépasse la taille maximale de 4 octets" in response.content.decode()
    assert Distribution.objects.filter(entry=dataset).count() == 1


def test_register_login_export_and_delete(client: Client) -> None:
    response = client.post(
        "/compte/inscription/",
        {
            "email": "Habitante@Exemple.fr",
            "password": "un-mot-de-passe-long",
            "display_name": "Lou",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="habitante@exemple.fr")
    export = client.get("/compte/mes-donnees/")
    assert export.json()["account"]["email"] == "habitante@exemple.fr"
    assert client.post("/compte/supprimer/", {}).status_code == 400
    assert client.post("/compte/supprimer/", {"confirm": "on"}).status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    weak = client.post("/compte/inscription/", {"email": "b@exemple.fr", "password": "123"})
    assert weak.status_code == 400 and not User.objects.filter(email="b@exemple.fr").exists()


def test_password_reset_sends_a_french_email(client: Client, world: dict) -> None:
    client.post("/compte/mot-de-passe/", {"email": world["agent"].email})
    assert len(mail.outbox) == 1
    assert "La 27e région" in mail.outbox[0].subject
    link = re.search(r"http://\S+", mail.outbox[0].body)
    assert link is not None
    follow = client.get(link.group(0).replace("http://testserver", ""), follow=True)
    assert follow.status_code == 200 and "Nouveau mot de passe" in follow.content.decode()


def test_invitation_flow(client: Client, world: dict, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    login(client, world["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/organisations/{world['org'].slug}/membres/",
            {"email": "collegue@exemple.fr", "role": "agent"},
        )
    assert response.status_code == 302
    token_url = re.search(r"http://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    path = token_url.split("8000", 1)[-1] if "8000" in token_url else token_url
    client.logout()
    colleague = factories.user(email="collegue@exemple.fr")
    login(client, colleague)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=colleague).role == "agent"
    assert client.post(path).status_code == 404  # used once


def test_members_page_is_for_admins(client: Client, world: dict) -> None:
    login(client, world["agent"])
    assert client.get(f"/organisations/{world['org'].slug}/membres/").status_code == 403


def test_demo_accounts_refused_in_production(client: Client) -> None:
    demo = factories.user(is_demo=True)
    with override_settings(REGION27_REFUSE_DEMO_ACCOUNTS=True):
        response = client.post(
            "/compte/connexion/", {"username": demo.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(
        "/compte/connexion/", {"username": demo.email.upper(), "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def test_other_pages_refuse_framing(client: Client) -> None:
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_territory_picker_suggestions(client: Client, world: dict) -> None:
    response = client.get("/territoires/?picker=1&q=valence", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-add-territory="commune:26362"' in html
    full = client.get("/territoires/?q=valence").content.decode()
    assert "<h1>" in full and "commune:26362" in full


def test_french_first_and_english_on_request(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fr">' in html and "Catalogue" in html and "Se connecter" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english and "Log in" in english


def test_search_and_journal_pages_advertise_their_feeds(client: Client, world: dict) -> None:
    search = client.get("/recherche/?q=cantines").content.decode()
    assert 'type="application/atom+xml" href="/recherche/flux.atom?q=cantines"' in search
    journal = client.get("/journal/").content.decode()
    assert 'type="application/atom+xml" href="/journal/flux.atom"' in journal
