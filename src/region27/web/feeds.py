"""Atom feeds (RFC 4287) of every list: the catalogue and its filters (same parameters),
search, each organisation, territory, theme and kind, and the public journal.

Feeds are read as an anonymous visitor: only published entries appear, and an
anonymised report is signed by the site, not by its organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from region27.accounts.models import Organisation
from region27.catalog.kinds import kind_get
from region27.catalog.models import Entry
from region27.catalog.selectors import EntryFilters, entry_list, organisation_entries
from region27.catalog.themes import THEMES
from region27.catalog.visibility import shown_organisation
from region27.territories.models import Territory
from region27.territories.selectors import territory_get

LIMIT = 50


@dataclass
class FeedSource:
    title: str
    link: str
    subtitle: str
    items: list[Any]


class _Atom(Atom1Feed):
    """Atom with an explicit language and the feed's self link (Django adds rel=self)."""

    content_type = "application/atom+xml; charset=utf-8"


class EntryFeed(Feed):
    feed_type = _Atom
    request: HttpRequest

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedSource:
        return self.source(request, **kwargs)

    def title(self, obj: FeedSource) -> str:
        return f"{obj.title} — {settings.SITE_NAME}"

    def link(self, obj: FeedSource) -> str:
        return obj.link

    def subtitle(self, obj: FeedSource) -> str:
        return obj.subtitle

    def feed_url(self, obj: FeedSource) -> str:
        return self.request.get_full_path()

    def author_name(self, obj: FeedSource) -> str:
        return str(settings.SITE_NAME)

    def author_link(self, obj: FeedSource) -> str:
        return self.request.build_absolute_uri("/")

    def feed_copyright(self, obj: FeedSource) -> str:
        return _("Contenus sous la licence indiquée sur chaque fiche.")

    def items(self, obj: FeedSource) -> list[Any]:
        return obj.items

    def item_title(self, item: Entry) -> str:
        return f"{item.title} ({item.kind_label})"

    def item_description(self, item: Entry) -> str:
        return item.summary

    def item_link(self, item: Entry) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Entry) -> str:
        return self.request.build_absolute_uri(item.get_absolute_url())

    def item_guid_is_permalink(self, item: Entry) -> bool:
        return True

    def item_pubdate(self, item: Entry) -> dt.datetime | None:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Entry) -> dt.datetime:
        return item.modified_at

    def item_author_name(self, item: Entry) -> str:
        author = shown_organisation(AnonymousUser(), item)
        return author.name if author is not None else str(settings.SITE_NAME)

    def item_author_link(self, item: Entry) -> str:
        author = shown_organisation(AnonymousUser(), item)
        path = author.get_absolute_url() if author is not None else "/"
        return self.request.build_absolute_uri(path)

    def item_categories(self, item: Entry) -> list[str]:
        return [str(theme.label) for theme in item.themes.all()]


def _latest(qs: QuerySet[Entry]) -> list[Entry]:
    return list(qs.select_related("organisation", "failure").prefetch_related("themes")[:LIMIT])


class CatalogFeed(EntryFeed):
    """/catalogue/flux.atom: the catalogue page's parameters (q, kind, theme, organisation,
    licence, territory) filter the feed the same way."""

    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        from region27.web.views.common import filters_from

        filters, problems = filters_from(request)
        if problems:
            raise Http404(problems[0])
        query = request.GET.urlencode()
        link = reverse("web:catalog") + (f"?{query}" if query else "")
        return FeedSource(
            title=_("Catalogue"),
            link=link,
            subtitle=_("Les dernières fiches publiées, avec les filtres choisis."),
            items=_latest(entry_list(user=AnonymousUser(), filters=filters)),
        )


class KindFeed(EntryFeed):
    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        spec = kind_get(kwargs["kind"])
        if spec is None:
            raise Http404(_("Nature inconnue."))
        filters = EntryFilters(kinds=[spec.slug])
        return FeedSource(
            title=str(spec.label_plural),
            link=f"{reverse('web:catalog')}?kind={spec.slug}",
            subtitle=str(spec.description),
            items=_latest(entry_list(user=AnonymousUser(), filters=filters)),
        )


class ThemeFeed(EntryFeed):
    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        label = next((str(lbl) for slug, lbl, _eu in THEMES if slug == kwargs["theme"]), None)
        if label is None:
            raise Http404(_("Thème inconnu."))
        filters = EntryFilters(themes=[kwargs["theme"]])
        return FeedSource(
            title=_("Thème : %(label)s") % {"label": label},
            link=f"{reverse('web:catalog')}?theme={kwargs['theme']}",
            subtitle=_("Les dernières fiches du thème « %(label)s ».") % {"label": label},
            items=_latest(entry_list(user=AnonymousUser(), filters=filters)),
        )


class OrganisationFeed(EntryFeed):
    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        org = get_object_or_404(Organisation, slug=kwargs["slug"])
        qs = organisation_entries(user=AnonymousUser(), organisation=org).order_by(
            "-published_at", "-modified_at", "pk"
        )
        return FeedSource(
            title=org.name,
            link=org.get_absolute_url(),
            subtitle=_("Ce que %(name)s partage.") % {"name": org.name},
            items=_latest(qs),
        )


class TerritoryFeed(EntryFeed):
    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        try:
            territory = territory_get(level=kwargs["level"], code=kwargs["code"])
        except Territory.DoesNotExist as exc:
            raise Http404(_("Territoire inconnu.")) from exc
        filters = EntryFilters(territory=territory)
        return FeedSource(
            title=f"{territory.name} ({territory.get_level_display()})",
            link=territory.get_absolute_url(),
            subtitle=_("Les fiches qui concernent %(name)s.") % {"name": territory.name},
            items=_latest(entry_list(user=AnonymousUser(), filters=filters)),
        )


class SearchFeed(EntryFeed):
    """/recherche/flux.atom: the search page's parameters, first page of results."""

    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        from region27.search.params import parse_params
        from region27.search.selectors import search

        data = request.GET.copy()
        data.setlist("format", [f for f in data.getlist("format") if f != "json"])
        params, _problems = parse_params(data)
        if "sort" not in request.GET:
            params.sort = "date" if not params.q.strip() else params.sort
        params.page, params.page_size = 1, LIMIT
        page = search(user=AnonymousUser(), params=params)
        query = request.GET.urlencode()
        return FeedSource(
            title=_("Recherche : %(q)s") % {"q": params.q.strip()}
            if params.q.strip()
            else _("Recherche"),
            link=reverse("search:search") + (f"?{query}" if query else ""),
            subtitle=_("Les résultats de la recherche, mis à jour à chaque lecture."),
            items=[hit.entry for hit in page.hits],
        )


class JournalFeed(EntryFeed):
    """/journal/flux.atom: the public journal's records (same filters as /journal/)."""

    def source(self, request: HttpRequest, **kwargs: Any) -> FeedSource:
        from region27.web.views.journal import journal_filters

        filters = journal_filters(request.GET)
        if filters.errors:
            raise Http404(" ".join(filters.errors))
        records = filters.records(AnonymousUser())
        query = request.GET.urlencode()
        return FeedSource(
            title=_("Journal public"),
            link=reverse("journal") + (f"?{query}" if query else ""),
            subtitle=_("Chaque publication et modification, dans l'ordre du journal."),
            items=list(records[:LIMIT]),
        )

    def item_title(self, item: Any) -> str:
        from region27.catalog.models.entry import VERSION_ACTIONS

        action = VERSION_ACTIONS.get(item.action, item.action)
        return f"#{item.seq} — {action} ({item.kind} {item.object_id} v{item.object_version})"

    def item_description(self, item: Any) -> str:
        return _("Empreinte du contenu : %(hash)s") % {"hash": item.content_hash}

    def item_link(self, item: Any) -> str:
        return reverse("journal_record", kwargs={"seq": item.seq})

    def item_guid(self, item: Any) -> str:
        return self.request.build_absolute_uri(self.item_link(item))

    def item_pubdate(self, item: Any) -> dt.datetime:
        return item.time

    def item_updateddate(self, item: Any) -> dt.datetime:
        return item.time

    def item_author_name(self, item: Any) -> str:
        return str(settings.SITE_NAME)

    def item_author_link(self, item: Any) -> str:
        return self.request.build_absolute_uri("/")

    def item_categories(self, item: Any) -> list[str]:
        return [item.kind, item.action]
