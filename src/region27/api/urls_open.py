"""Routes of the open interfaces: CKAN Action API, DCAT-AP catalogue, oEmbed.

Paths are fixed: harvesters and CKAN clients rely on them.
"""

from django.urls import URLPattern, URLResolver, include, path, re_path

from region27.api.dcat import views as dcat
from region27.api.oembed import views as oembed

FMT = r"(?P<fmt>ttl|rdf|jsonld|nt)"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("region27.api.ckan.urls")),
    re_path(rf"^catalogue\.{FMT}$", dcat.catalogue, name="dcat_catalogue"),
    re_path(rf"^catalogue/(?P<slug>[-a-zA-Z0-9_]+)\.{FMT}$", dcat.entry_rdf, name="dcat_entry"),
    re_path(
        rf"^organisations/(?P<slug>[-a-zA-Z0-9_]+)/catalogue\.{FMT}$",
        dcat.organisation_catalogue,
        name="dcat_organisation",
    ),
    re_path(
        rf"^territoires/(?P<level>[-a-z]+)/(?P<code>[0-9A-Za-z]+)/catalogue\.{FMT}$",
        dcat.territory_catalogue,
        name="dcat_territory",
    ),
    path("api/oembed", oembed.oembed, name="oembed"),
    path("api/oembed/", oembed.oembed),
]
