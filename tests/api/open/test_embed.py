"""Comarquage: widgets framed by any site (only them), host colours and name validated,
oEmbed, and the script."""

from __future__ import annotations

from urllib.parse import quote

from django.test import Client

from region27.web.views.embed import contrast, hex_colour
from tests.api.open.conftest import OpenData


def widget_urls(data: OpenData) -> list[str]:
    return [
        f"/integrer/catalogue/{data.dataset.slug}/",
        "/integrer/catalogue/",
        "/integrer/catalogue/?kind=dataset&q=budget",
        "/integrer/territoires/commune/26108/",
    ]


def test_only_embed_routes_may_be_framed(client: Client, open_data: OpenData) -> None:
    for url in widget_urls(open_data):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Frame-Options" not in response, url
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors *" in csp, csp
        assert "'none'" not in csp.split("frame-ancestors", 1)[1].split(";", 1)[0]
        assert "script-src 'self'" in csp
    for url in (
        "/",
        "/catalogue/",
        f"/catalogue/{open_data.dataset.slug}/",
        "/territoires/commune/26108/",
        "/api/3/action/package_list",
        "/catalogue/flux.atom",
    ):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_widget_content_and_link_back(client: Client, open_data: OpenData) -> None:
    html = client.get(
        f"/integrer/catalogue/{open_data.dataset.slug}/?host=Ville+de+Crest&color=%23c00"
    ).content.decode()
    assert open_data.dataset.title in html
    assert "Ville de Crest" in html and "avec" in html and "La 27e région" in html
    assert f'href="http://testserver/catalogue/{open_data.dataset.slug}/"' in html
    assert 'lang="fr"' in html and "<main" in html and "(nouvelle fenêtre)" in html
    assert "/static/region27/embed.js" in html
    assert "/integrer/style.css?color=%23cc0000&amp;background=%23ffffff" in html
    listing = client.get("/integrer/catalogue/?kind=dataset&limit=1").content.decode()
    assert listing.count('class="widget-item"') == 1
    assert "Voir les 2 fiches" in listing
    territory = client.get("/integrer/territoires/commune/26108/").content.decode()
    assert "Crest" in territory and "3 fiches" in territory
    assert client.get(f"/integrer/catalogue/{open_data.draft.slug}/").status_code == 404
    assert client.get("/integrer/territoires/commune/00000/").status_code == 404
    assert client.post("/integrer/catalogue/").status_code == 405


def test_host_parameters_are_validated_and_escaped(client: Client, open_data: OpenData) -> None:
    evil = '<script>alert(1)</script>"'
    html = client.get(
        "/integrer/catalogue/",
        {"host": evil, "color": "red;}body{display:none", "background": "url(x)"},
    ).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in html
    assert "color=%23000091&amp;background=%23ffffff" in html  # invalid colours ignored
    assert len(client.get("/integrer/catalogue/", {"host": "x" * 500}).content) < 20000
    css = client.get("/integrer/style.css", {"color": "0a0", "background": "#000000"})
    assert css["Content-Type"].startswith("text/css")
    text = css.content.decode()
    assert "--w-accent:#00aa00" in text and "--w-bg:#000000" in text
    assert "--w-text:#ffffff" in text  # light text on a dark host background
    junk = client.get("/integrer/style.css", {"color": "}*{color:red", "background": "zzz"})
    assert "--w-accent:#000091" in junk.content.decode() and "red" not in junk.content.decode()


def test_colour_helpers() -> None:
    assert hex_colour("#ABC", "#000000") == "#aabbcc"
    assert hex_colour("112233", "#000000") == "#112233"
    for bad in ("", "#12", "#1234567", "red", "#ggg", "expression(1)"):
        assert hex_colour(bad, "#000000") == "#000000"
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    # A pale host accent is not used for link text on white (contrast < 4.5).
    from django.test import RequestFactory

    from region27.web.views.embed import palette

    colours = palette(RequestFactory().get("/", {"color": "#ffff00"}))
    assert colours["link"] == "#161616" and colours["on_accent"] == "#161616"


def test_oembed(client: Client, open_data: OpenData) -> None:
    page = f"http://testserver/catalogue/{open_data.dataset.slug}/"
    response = client.get("/api/oembed", {"url": page, "format": "json", "maxwidth": "600"})
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert body["title"] == open_data.dataset.title
    assert body["width"] == 600 and body["height"] > 0
    assert body["provider_name"] == "La 27e région"
    assert f'src="http://testserver/integrer/catalogue/{open_data.dataset.slug}/"' in body["html"]
    assert "/static/region27/embed.js" in body["html"]
    assert response["Access-Control-Allow-Origin"] == "*"
    listing = client.get("/api/oembed", {"url": "http://testserver/catalogue/?kind=dataset"}).json()
    assert "/integrer/catalogue/?kind=dataset" in listing["html"]
    territory = client.get(
        "/api/oembed", {"url": "http://testserver/territoires/commune/26108/"}
    ).json()
    assert "/integrer/territoires/commune/26108/" in territory["html"]
    coloured = client.get("/api/oembed", {"url": page, "color": "#c00", "host": "Crest"}).json()
    assert "color=%23c00" in coloured["html"] and "host=Crest" in coloured["html"]
    for url, status in (
        ("", 400),
        ("https://ailleurs.example/catalogue/x/", 404),
        (f"http://testserver/catalogue/{open_data.draft.slug}/", 404),
        ("http://testserver/compte/", 404),
        ("javascript:alert(1)", 404),
    ):
        assert client.get("/api/oembed", {"url": url}).status_code == status, url
    assert client.get("/api/oembed", {"url": page, "format": "xml"}).status_code == 501
    assert client.get("/api/oembed?url=" + quote(page, safe="")).status_code == 200


def test_embed_script_is_served(client: Client) -> None:
    response = client.get("/static/region27/embed.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "postMessage" in body and "region27:height" in body


def test_oembed_malformed_address_is_not_found(client: Client, db: None) -> None:
    response = client.get("/api/oembed?url=" + quote("http://[::1", safe=""))
    assert response.status_code == 404
