"""Tests for region27.core.markdown: XSS resistance first, then rendering."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from region27.core.markdown import render_markdown, render_markdown_plain

DATA = Path(__file__).parent / "data"

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "img",
}
ALLOWED_ATTRS = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
}
URL_ATTRS = {"href", "src"}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}


def _unescape_payload(line: str) -> str:
    line = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), line)
    return line.replace("\\n", "\n").replace("\\t", "\t")


def load_payloads() -> list[str]:
    lines = (DATA / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    return [_unescape_payload(line) for line in lines if line.strip() and not line.startswith("#")]


PAYLOADS = load_payloads()


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []
        self.decls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.decls.append(decl)

    def unknown_decl(self, data: str) -> None:
        self.decls.append(data)


def _scheme(url: str) -> str | None:
    """Scheme as a browser would see it, after entity/percent decoding and junk removal."""
    cleaned = re.sub(r"[\x00-\x20\x7f-\x9f]", "", unquote(html.unescape(url)))
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


def assert_sanitised(output: str) -> None:
    """Structural check of rendered HTML: tags, attributes and URL schemes."""
    lowered = output.lower()
    for needle in ("<script", "<iframe", "<svg", "<math", "<style", "<object", "<embed"):
        assert needle not in lowered, (needle, output)
    # Attribute-name checks on the tag skeleton: quoted attribute values and text
    # are removed first, since "onerror=" inside alt="..." or in a paragraph is inert.
    skeleton = re.sub(r'"[^"]*"', '""', lowered)
    skeleton = re.sub(r">[^<]*", ">", skeleton)
    assert "style=" not in skeleton, output
    assert not re.search(r"\son\w+\s*=", skeleton), output

    collector = _Collector()
    collector.feed(output)
    collector.close()
    assert not collector.comments, output
    assert not collector.decls, output
    for tag, attrs in collector.elements:
        assert tag in ALLOWED_TAGS, (tag, output)
        for name, value in attrs.items():
            assert name in ALLOWED_ATTRS.get(tag, set()), (tag, name, output)
            assert not name.startswith("on"), (tag, name, output)
            if name in URL_ATTRS and value is not None:
                scheme = _scheme(value)
                allowed = IMAGE_SCHEMES if tag == "img" else LINK_SCHEMES
                assert scheme is None or scheme in allowed, (tag, value, output)
                decoded = re.sub(r"[\x00-\x20]", "", unquote(html.unescape(value))).lower()
                for bad in ("javascript:", "vbscript:", "data:", "file:"):
                    assert bad not in decoded, (tag, value, output)
        if tag == "a" and "href" in attrs:
            assert attrs.get("rel") == "nofollow noopener", output


# --------------------------------------------------------------------------- XSS


def test_payload_list_is_substantial() -> None:
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_is_inert(payload: str) -> None:
    output = render_markdown(payload)
    assert isinstance(output, Markup)
    assert_sanitised(str(output))
    # The plain-text rendering (escaped later by templates) must not raise.
    assert isinstance(render_markdown_plain(payload, 500), str)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_inside_document(payload: str) -> None:
    text = f"# Titre\n\nIntro **gras**.\n\n{payload}\n\n- élément\n"
    assert_sanitised(str(render_markdown(text)))


def test_raw_html_is_escaped_not_passed_through() -> None:
    output = str(render_markdown("<b>gras</b> <script>alert(1)</script>"))
    assert "<b>" not in output
    assert "&lt;script&gt;" in output


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](vbscript:alert(1))",
        "[x](data:text/html,hello)",
    ],
)
def test_dangerous_links_lose_their_href(text: str) -> None:
    collector = _Collector()
    collector.feed(str(render_markdown(text)))
    for _tag, attrs in collector.elements:
        assert "href" not in attrs


def test_image_only_http_or_relative() -> None:
    output = str(render_markdown("![a](https://ex.org/a.png) ![b](img/b.png) ![c](mailto:x@y.fr)"))
    assert 'src="https://ex.org/a.png"' in output
    assert 'src="img/b.png"' in output
    assert "mailto" not in output


# --------------------------------------------------------------------------- rendering


def test_headings_h1_becomes_h2() -> None:
    output = str(render_markdown("# Titre\n\n## Sous-titre\n\n###### Petit"))
    assert "<h1" not in output
    assert "<h2>Titre</h2>" in output
    assert "<h2>Sous-titre</h2>" in output
    assert "<h6>Petit</h6>" in output


def test_lists_emphasis_code_quote() -> None:
    text = (
        "- un\n- deux\n\n1. premier\n2. second\n\n*it* **gras** `code`\n\n"
        "> citation\n\n```\nbloc\n```\n\n---\n"
    )
    output = str(render_markdown(text))
    for fragment in (
        "<ul>",
        "<li>un</li>",
        "<ol>",
        "<em>it</em>",
        "<strong>gras</strong>",
        "<code>code</code>",
        "<blockquote>",
        "<pre><code>bloc",
        "<hr>",
    ):
        assert fragment in output, (fragment, output)
    assert_sanitised(output)


def test_tables_and_strikethrough() -> None:
    output = str(render_markdown("| Commune | Pop. |\n|---|---:|\n| Évreux | 46 000 |\n\n~~non~~"))
    for fragment in ("<table>", "<thead>", "<th>Commune</th>", "<td>Évreux</td>", "<del>non</del>"):
        assert fragment in output, (fragment, output)
    assert_sanitised(output)


def test_links_keep_working_with_rel() -> None:
    output = str(
        render_markdown(
            '[site](https://www.eure.fr/ "Le site") [mail](mailto:contact@eure.fr) [rel](../page)'
        )
    )
    assert 'href="https://www.eure.fr/"' in output
    assert 'title="Le site"' in output
    assert 'href="mailto:contact@eure.fr"' in output
    assert 'href="../page"' in output
    assert output.count('rel="nofollow noopener"') == 3


def test_french_accents_kept_and_nfc() -> None:
    decomposed = "Cre\u0301ation de l'e\u0301cole a\u0300 Ño\u00ebl : « ça marche » œuvre"
    output = str(render_markdown(decomposed))
    assert "Création de l'école à" in output or "Création de l&#39;école à" in output
    assert "« ça marche »" in output
    assert "œuvre" in output


def test_empty_input() -> None:
    assert render_markdown("") == Markup("")
    assert render_markdown_plain("", 10) == ""


def test_returns_markup_not_double_escaped_in_templates() -> None:
    output = render_markdown("a & b")
    assert isinstance(output, Markup)
    assert str(Markup.escape(output)) == str(output)


# --------------------------------------------------------------------------- plain text


def test_plain_strips_markup_and_unescapes() -> None:
    text = "# Titre\n\nUn **texte** avec un [lien](https://ex.org) & des <b>balises</b>."
    assert render_markdown_plain(text, 200) == "Titre Un texte avec un lien & des <b>balises</b>."


def test_plain_truncates_on_word_boundary() -> None:
    text = "Le conseil départemental de l'Eure publie ses données ouvertes."
    result = render_markdown_plain(text, 30)
    assert len(result) <= 30
    assert result.endswith("…")
    assert result == "Le conseil départemental de…"


def test_plain_no_truncation_when_short() -> None:
    assert render_markdown_plain("Court.", 30) == "Court."


# --------------------------------------------------------------------------- property-based

_markdownish = st.lists(
    st.sampled_from(
        [
            *"abcéèàç ÉŒœ<>/=\"'`!?[]()#*_~-|:;&.\n\t\\",
            *["javascript:", "<script>", "onerror=", "style=", "data:", "<img ", "](", "![", "&#"],
        ]
    ),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_random_text_never_raises_and_is_sanitised(text: str) -> None:
    output = render_markdown(text)
    assert isinstance(output, Markup)
    assert_sanitised(str(output))
    plain = render_markdown_plain(text, 80)
    assert len(plain) <= 80


@settings(max_examples=300, deadline=None)
@given(_markdownish.map("".join))
def test_random_markdownish_text_is_sanitised(text: str) -> None:
    assert_sanitised(str(render_markdown(text)))
