"""oEmbed (https://oembed.com/) for entry, catalogue and territory pages: `rich` type,
an iframe of the matching /integrer/ widget and the resizing script."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, JsonResponse
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils.html import escape
from django.views.decorators.http import require_GET

from region27.catalog.selectors import entry_get_followed
from region27.catalog.visibility import shown_organisation
from region27.territories.models import Territory
from region27.territories.selectors import territory_get

DEFAULT_WIDTH = 480
DEFAULT_HEIGHT = {"entry": 320, "list": 520, "territory": 420}


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _bounded(raw: str | None, default: int) -> int:
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return max(120, min(value, 2000)) if value > 0 else default


@require_GET
def oembed(request: HttpRequest) -> JsonResponse:
    url = request.GET.get("url", "").strip()
    if request.GET.get("format", "json") != "json":
        return _error(501, "Only the json format is available.")
    if not url or len(url) > 2000:
        return _error(400, "The url parameter is required.")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1": not an address at all
        return _error(404, "This address is not a page of this site.")
    base = request.build_absolute_uri("/").rstrip("/")
    known_hosts = {urlsplit(base).netloc, urlsplit(str(settings.SITE_URL)).netloc}
    if parts.scheme not in ("http", "https") or parts.netloc not in known_hosts:
        return _error(404, "This address is not a page of this site.")
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return _error(404, "No embeddable page at this address.")
    name = f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)
    title = ""
    if name == "web:entry":
        entry = entry_get_followed(user=AnonymousUser(), slug=match.kwargs["slug"])
        if entry is None or not entry.is_public:
            return _error(404, "No public entry at this address.")
        widget, title, kind = f"/integrer/catalogue/{entry.slug}/", entry.title, "entry"
        author = shown_organisation(AnonymousUser(), entry)
        if author is None:  # an anonymised report: the site speaks for it
            author_name, author_url = str(settings.SITE_NAME), f"{base}/"
        else:
            author_name = author.name
            author_url = f"{base}{author.get_absolute_url()}"
    elif name in ("web:catalog", "open:catalog"):
        widget, title, kind = "/integrer/catalogue/", "Catalogue", "list"
        if parts.query:
            widget = f"{widget}?{parts.query}"
        author_name, author_url = str(settings.SITE_NAME), f"{base}/"
    elif name == "web:territory":
        try:
            territory = territory_get(level=match.kwargs["level"], code=match.kwargs["code"])
        except Territory.DoesNotExist:
            return _error(404, "Unknown territory.")
        widget = f"/integrer/territoires/{territory.level}/{territory.code}/"
        title, kind = territory.name, "territory"
        author_name, author_url = str(settings.SITE_NAME), f"{base}/"
    else:
        return _error(404, "No embeddable page at this address.")
    width = _bounded(request.GET.get("maxwidth"), DEFAULT_WIDTH)
    height = _bounded(request.GET.get("maxheight"), DEFAULT_HEIGHT[kind])
    extra = {k: request.GET[k] for k in ("color", "background", "host") if request.GET.get(k)}
    if extra:
        widget += ("&" if "?" in widget else "?") + urlencode(extra)
    src = f"{base}{widget}"
    script = request.build_absolute_uri(static("region27/embed.js"))
    html = (
        f'<iframe src="{escape(src)}" title="{escape(title)} — {escape(settings.SITE_NAME)}" '
        f'width="{width}" height="{height}" loading="lazy" data-region27-embed '
        f'style="border:0;max-width:100%"></iframe>'
        f'<script async src="{escape(script)}"></script>'
    )
    response = JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "title": title,
            "provider_name": str(settings.SITE_NAME),
            "provider_url": f"{base}/",
            "author_name": author_name,
            "author_url": author_url,
            "html": html,
            "width": width,
            "height": height,
            "cache_age": 3600,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
