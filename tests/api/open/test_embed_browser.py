"""A host page on another origin embeds widgets with the script: Chromium renders them
and the iframes take their content's height. Same launch and skip/fail rules as
tests/browser (Debian's Chromium; skipped with a notice outside CI, failing in CI)."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.open.conftest import build_open_data

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium absent in CI ({CHROMIUM}): the browser tests cannot run.")
    pytest.skip("Chromium introuvable (/usr/bin/chromium) : test navigateur ignoré.")


@pytest.fixture
def host_site() -> Iterator[dict[str, Any]]:
    """A tiny web server on 127.0.0.1 (another origin than the live server's localhost)."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"pages": pages, "url": f"http://127.0.0.1:{server.server_address[1]}"}
    finally:
        server.shutdown()
        server.server_close()


HEIGHT_JS = "(sel) => parseInt(document.querySelector(sel).style.height || '0', 10)"


def test_widget_renders_and_resizes_on_another_origin(
    transactional_db: None, live_server: Any, host_site: dict[str, Any]
) -> None:
    _require_chromium()
    data = build_open_data()
    base = live_server.url.replace("127.0.0.1", "localhost")
    assert not base.startswith(host_site["url"])
    oembed_url = f"{base}/api/oembed?url=" + quote(f"{base}/territoires/commune/26108/", safe="")
    with urllib.request.urlopen(oembed_url) as response:
        territory_html = json.load(response)["html"]
    title = data.dataset.title
    host_site["pages"]["/"] = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Site de la commune</title></head><body><h1>Site de la commune</h1>
<div id="w1" data-region27-widget-src="{base}/integrer/catalogue/{data.dataset.slug}/?host=Ville%20de%20Crest&amp;color=%23b60000"
     data-title="{title}" data-height="80">{title}</div>
<div id="w2">{territory_html}</div>
<iframe id="framed" src="{base}/catalogue/" title="interdit"></iframe>
<script src="{base}/static/region27/embed.js"></script>
</body></html>"""

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 900, "height": 900})
            page.set_default_timeout(10_000)
            page.goto(host_site["url"] + "/")
            first = "#w1 iframe[data-region27-embed]"
            expect(page.locator(first)).to_have_count(1)
            widget = page.frame_locator(first)
            expect(widget.get_by_role("heading", name=title)).to_be_visible()
            expect(widget.get_by_text("Ville de Crest")).to_be_visible()
            expect(widget.get_by_role("link", name="La 27e région")).to_have_attribute(
                "href", f"{base}/catalogue/{data.dataset.slug}/"
            )
            # The script resized the iframe from 80px to the widget's own height.
            page.wait_for_function(f"() => ({HEIGHT_JS})('{first}') > 80")
            inner = next(
                f for f in page.frames if f"/integrer/catalogue/{data.dataset.slug}/" in f.url
            )
            content = inner.evaluate(
                "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"
            )
            assert abs(page.evaluate(HEIGHT_JS, first) - content) <= 2
            # A narrower host column reflows the widget: the iframe follows.
            before = page.evaluate(HEIGHT_JS, first)
            page.set_viewport_size({"width": 300, "height": 900})
            page.wait_for_function(f"() => ({HEIGHT_JS})('{first}') > {before}")
            # The oEmbed snippet (iframe + script) works the same way.
            second = "#w2 iframe[data-region27-embed]"
            expect(page.frame_locator(second).get_by_role("heading", name="Crest")).to_be_visible()
            page.wait_for_function(f"() => ({HEIGHT_JS})('{second}') > 0")
            # Any other page refuses to be framed.
            framed = page.frame_locator("#framed")
            expect(framed.get_by_role("heading", name="Catalogue")).to_have_count(0)
        finally:
            browser.close()
