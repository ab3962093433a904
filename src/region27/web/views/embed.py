"""Comarquage: light widgets a local authority embeds in its own site (an iframe).

/integrer/catalogue/<slug>/        one entry
/integrer/catalogue/?kind=...      a list or search (the catalogue's parameters)
/integrer/territoires/<l>/<c>/     a territory's page
/integrer/style.css?color=...      the host's colours, as a stylesheet (no inline style)

Parameters: `color` and `background` (hex, #rgb or #rrggbb, else ignored), `host`
(the host's name, 80 characters at most, escaped by the templates), `limit` (1-20).
Only these routes may be framed: `Content-Security-Policy: frame-ancestors *` and no
X-Frame-Options; every other page keeps refusing framing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from region27.catalog.selectors import EntryFilters, entry_get_followed, entry_list
from region27.catalog.visibility import shown_organisation
from region27.territories.models import Territory
from region27.territories.selectors import territory_get

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
DEFAULT_ACCENT = "#000091"
DEFAULT_BACKGROUND = "#ffffff"
DARK = "#161616"
LIGHT = "#ffffff"


# Widgets: light, readable, in the host's colours (the :root variables appended below).
WIDGET_CSS = """
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Marianne,Arial,sans-serif;
  font-size:100%;line-height:1.5}
body.widget{margin:0;background:var(--w-bg);color:var(--w-text)}
.widget-main{padding:1rem 1rem .5rem;border-top:.35rem solid var(--w-accent)}
.widget-title{font-size:1.25rem;margin:.25rem 0 .5rem;line-height:1.3}
.widget-subtitle{font-size:1rem;margin:1rem 0 .25rem}
.widget a{color:var(--w-link);text-decoration:underline;text-underline-offset:2px}
.widget a:focus-visible{outline:3px solid var(--w-accent);outline-offset:2px}
.widget-kind{display:inline-block;font-size:.8rem;font-weight:600;margin:0;padding:0 .4rem;
  border-radius:.2rem;background:var(--w-accent);color:var(--w-on-accent)}
.widget-list{list-style:none;padding:0;margin:.25rem 0}
.widget-item{padding:.5rem 0;border-bottom:1px solid currentcolor}
.widget-item p{margin:.25rem 0 0}
.widget-item-title{font-weight:600;margin-right:.4rem}
.widget-facts{display:grid;grid-template-columns:auto 1fr;gap:.1rem .75rem;margin:.5rem 0}
.widget-facts dt{font-weight:600}
.widget-facts dd{margin:0}
.widget-notice{border-left:.25rem solid var(--w-accent);padding-left:.5rem}
.widget-footer{padding:.5rem 1rem;font-size:.875rem;border-top:1px solid currentcolor}
.widget-footer p{margin:0}
.widget-host{font-weight:600}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
"""


def hex_colour(raw: str | None, default: str) -> str:
    match = _HEX.fullmatch((raw or "").strip())
    if not match:
        return default
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def palette(request: HttpRequest) -> dict[str, str]:
    """Host colours, adjusted so that text keeps a 4.5:1 contrast (RGAA 3.2)."""
    accent = hex_colour(request.GET.get("color"), DEFAULT_ACCENT)
    background = hex_colour(request.GET.get("background"), DEFAULT_BACKGROUND)
    text = DARK if contrast(DARK, background) >= contrast(LIGHT, background) else LIGHT
    link = accent if contrast(accent, background) >= 4.5 else text
    on_accent = DARK if contrast(DARK, accent) >= contrast(LIGHT, accent) else LIGHT
    return {
        "accent": accent,
        "background": background,
        "text": text,
        "link": link,
        "on_accent": on_accent,
    }


def host_name(request: HttpRequest) -> str:
    return " ".join(request.GET.get("host", "").split())[:80]


def style_query(request: HttpRequest) -> str:
    colours = palette(request)
    return urlencode({"color": colours["accent"], "background": colours["background"]})


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
    """Allow any site to frame this view (and only this view)."""
    wrapped = csp_replace({"frame-ancestors": ["*"]})(view)
    return require_GET(xframe_options_exempt(wrapped))


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "host": host_name(request),
        "style_query": style_query(request),
        **extra,
    }


@require_GET
def style(request: HttpRequest) -> HttpResponse:
    colours = palette(request)
    css = WIDGET_CSS + (
        ":root{"
        f"--w-accent:{colours['accent']};--w-bg:{colours['background']};"
        f"--w-text:{colours['text']};--w-link:{colours['link']};"
        f"--w-on-accent:{colours['on_accent']}"
        "}\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@embeddable
def entry(request: HttpRequest, slug: str) -> HttpResponse:
    found = entry_get_followed(user=AnonymousUser(), slug=slug)
    if found is None or not found.is_public:
        raise Http404(_("Aucune fiche publique à cette adresse."))
    return render(
        request,
        "embed/entry.html",
        _context(
            request,
            entry=found,
            # Widgets are read as an anonymous visitor: no name for an anonymised report.
            organisation=shown_organisation(AnonymousUser(), found),
            back_url=request.build_absolute_uri(found.get_absolute_url()),
            distributions=list(found.distributions.all()[:5]) if found.kind == "dataset" else [],
        ),
    )


def _limit(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("limit", "5")), 1), 20)
    except ValueError:
        return 5


@embeddable
def entry_list_widget(request: HttpRequest) -> HttpResponse:
    from region27.web.views.common import filters_from

    filters, problems = filters_from(request)
    entries = entry_list(user=AnonymousUser(), filters=filters)
    query = request.GET.copy()
    for key in ("color", "background", "host", "limit"):
        query.pop(key, None)
    back = request.build_absolute_uri("/catalogue/")
    if query:
        back += f"?{query.urlencode()}"
    return render(
        request,
        "embed/list.html",
        _context(
            request,
            entries=list(entries[: _limit(request)]),
            total=entries.count(),
            problems=problems,
            back_url=back,
            query=filters.text,
        ),
    )


@embeddable
def territory(request: HttpRequest, level: str, code: str) -> HttpResponse:
    try:
        found = territory_get(level=level, code=code)
    except Territory.DoesNotExist as exc:
        raise Http404(_("Territoire inconnu.")) from exc
    entries = entry_list(user=AnonymousUser(), filters=EntryFilters(territory=found))
    return render(
        request,
        "embed/territory.html",
        _context(
            request,
            territory=found,
            entries=list(entries[: _limit(request)]),
            total=entries.count(),
            back_url=request.build_absolute_uri(found.get_absolute_url()),
        ),
    )
