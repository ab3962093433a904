"""Open routes of the web interface: Atom feeds, embeddable widgets (comarquage) and the
content negotiation of /catalogue/ (before the HTML routes, so RDF clients get DCAT)."""

from django.urls import URLPattern, path

from region27.api.dcat.views import negotiated
from region27.web import feeds
from region27.web.views import catalog, embed

app_name = "open"

urlpatterns: list[URLPattern] = [
    path("catalogue/", negotiated(catalog.catalog), name="catalog"),
    # Feeds
    path("catalogue/flux.atom", feeds.CatalogFeed(), name="feed_catalog"),
    path("catalogue/natures/<slug:kind>/flux.atom", feeds.KindFeed(), name="feed_kind"),
    path("catalogue/themes/<slug:theme>/flux.atom", feeds.ThemeFeed(), name="feed_theme"),
    path("organisations/<slug:slug>/flux.atom", feeds.OrganisationFeed(), name="feed_organisation"),
    path(
        "territoires/<str:level>/<str:code>/flux.atom",
        feeds.TerritoryFeed(),
        name="feed_territory",
    ),
    path("recherche/flux.atom", feeds.SearchFeed(), name="feed_search"),
    path("journal/flux.atom", feeds.JournalFeed(), name="feed_journal"),
    # Comarquage
    path("integrer/style.css", embed.style, name="embed_style"),
    path("integrer/catalogue/", embed.entry_list_widget, name="embed_list"),
    path("integrer/catalogue/<slug:slug>/", embed.entry, name="embed_entry"),
    path(
        "integrer/territoires/<str:level>/<str:code>/",
        embed.territory,
        name="embed_territory",
    ),
]
