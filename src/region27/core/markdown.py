"""Safe Markdown rendering for user-supplied text (descriptions, comments...).

Pipeline: CommonMark (markdown-it-py, raw HTML disabled, plus tables and
strikethrough) -> HTML -> nh3 allow-list sanitiser. The sanitiser is the
security boundary: even if the Markdown layer lets something through, only the
allow-listed tags, attributes and URL schemes survive.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "render_markdown",
    "render_markdown_plain",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
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
)

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
}

ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
IMAGE_URL_SCHEMES: frozenset[str] = frozenset({"http", "https"})
LINK_REL = "nofollow noopener"

# Content of these elements is dropped entirely (not just the tags).
_CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript"}
)

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Characters browsers ignore when parsing a URL scheme (controls, whitespace).
_URL_JUNK_RE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def _url_scheme(url: str) -> str | None:
    """Return the lower-cased scheme of ``url`` (``None`` for relative URLs).

    Percent-escapes are decoded first: ``jav%09ascript:`` is inert in browsers
    but is treated as ``javascript:`` here, erring on the side of dropping it.
    """
    cleaned = _URL_JUNK_RE.sub("", unquote(html.unescape(url)))
    match = _SCHEME_RE.match(cleaned)
    if match:
        return match.group(1).lower()
    if cleaned.startswith("//"):
        # Protocol-relative: inherits http(s) from the page.
        return "https"
    return None


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """Per-attribute veto on top of nh3's own scheme check (images: http(s) only)."""
    if attribute in {"href", "src"}:
        scheme = _url_scheme(value)
        allowed = IMAGE_URL_SCHEMES if element == "img" else ALLOWED_URL_SCHEMES
        if scheme is not None and scheme not in allowed:
            return None
    return value


def _adjust_tags(state: StateCore) -> None:
    """Core rule: ``# Title`` -> ``<h2>`` (single ``<h1>`` per page), ``~~x~~`` -> ``<del>``."""
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
        for child in token.children or ():
            if child.type in {"s_open", "s_close"}:
                child.tag = "del"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("region27_adjust_tags", _adjust_tags)
    return md


def _sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_URL_SCHEMES),
    )


def render_markdown(text: str) -> Markup:
    """Render user Markdown to sanitised HTML, safe to insert in a template."""
    if not text:
        return Markup("")
    # NFC keeps French accents in a single, canonical form; NUL is never useful.
    source = unicodedata.normalize("NFC", text).replace("\x00", "\ufffd")
    rendered = _parser().render(source)
    return Markup(_sanitize(rendered).strip())  # noqa: S704 - output of the nh3 allow-list


class _TextExtractor(HTMLParser):
    """Collect the text of (already sanitised) HTML, separating block elements."""

    _BLOCKS = frozenset(
        {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "tr", "td", "th"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" ")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def render_markdown_plain(text: str, max_chars: int = 200) -> str:
    """Return the plain text of ``text`` (Markdown), for summaries and snippets.

    The result is *not* HTML-escaped (let the template engine do it). It is
    truncated to at most ``max_chars`` characters, on a word boundary when
    possible, with a trailing ellipsis ("…") when something was cut.
    """
    if not text or max_chars <= 0:
        return ""
    extractor = _TextExtractor()
    extractor.feed(str(render_markdown(text)))
    extractor.close()
    plain = extractor.text()
    if len(plain) <= max_chars:
        return plain
    if max_chars == 1:
        return "…"
    cut = plain[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
