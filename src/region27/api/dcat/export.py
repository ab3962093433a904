"""From catalog entries (read through the selectors) to DCAT-AP graphs, with paging."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from rdflib import Graph, Literal, URIRef

from region27.accounts.models import Organisation
from region27.api.dcat.ids import public_id
from region27.api.dcat.mapping import (
    PROFILE_3,
    DistributionData,
    EntryData,
    PlaceData,
    PublisherData,
    entry_to_rdf,
    publisher_to_rdf,
)
from region27.api.dcat.namespaces import DCAT, DCTERMS, EU_LANGUAGE, FOAF, HYDRA, RDF, new_graph
from region27.catalog.kinds import kind_all
from region27.catalog.models import Distribution, Entry
from region27.catalog.selectors import EntryFilters, entry_list
from region27.territories.models import Territory

PAGE_SIZE = 100
MAX_PAGE_SIZE = 100

# MIME types of the serialisations, by file extension and rdflib format.
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("text/turtle", "turtle"),
    "rdf": ("application/rdf+xml", "xml"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
}


def site_url() -> str:
    return str(getattr(settings, "SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def entry_identifier(entry: Entry) -> str:
    """The same value is the CKAN package `id` and the DCAT `dct:identifier`, so a
    harvester reading both interfaces sees one dataset."""
    return public_id("entry", entry.pk)


def dcat_kinds() -> list[str]:
    return [spec.slug for spec in kind_all() if spec.extra.get("dcat")]


def dcat_entries(
    *, user: Any = None, organisation: str = "", territory: Territory | None = None
) -> QuerySet[Entry]:
    """The public datasets and data services, newest first, ready for mapping."""
    filters = EntryFilters(kinds=dcat_kinds(), territory=territory)
    if organisation:
        filters.organisations = [organisation]
    qs = entry_list(user=user or AnonymousUser(), filters=filters)
    return prefetch_for_dcat(qs)


def prefetch_for_dcat(qs: QuerySet[Entry]) -> QuerySet[Entry]:
    distributions = Distribution.objects.order_by("position", "id")
    try:
        from region27.validation.models import DistributionSchema  # noqa: F401

        distributions = distributions.select_related(
            "declared_schema__schema_version__schema__entry"
        )
    except ImportError:  # pragma: no cover - validation is an installed app
        pass
    return qs.select_related("organisation", "dataset", "service").prefetch_related(
        "territories", "themes", Prefetch("distributions", queryset=distributions)
    )


def _schema_url(distribution: Distribution) -> str:
    declared = getattr(distribution, "declared_schema", None)
    if declared is None:
        return ""
    version = declared.schema_version
    if version.source_url:
        return str(version.source_url)
    return f"{site_url()}{version.schema.entry.get_absolute_url()}"


def distribution_data(entry: Entry, distribution: Distribution, licence: str) -> DistributionData:
    base = site_url()
    download = f"{base}{distribution.file.url}" if distribution.file else distribution.url
    try:
        schema_url = _schema_url(distribution)
    except Exception:
        schema_url = ""
    return DistributionData(
        uri=f"{base}{entry.get_absolute_url()}#distribution-{distribution.uuid}",
        identifier=str(distribution.uuid),
        title=distribution.title,
        description=distribution.description,
        access_url=download,
        download_url=download if distribution.file else "",
        format=distribution.format,
        media_type=distribution.media_type,
        size=distribution.size,
        checksum=distribution.checksum,
        licence=licence,
        schema_url=schema_url,
        issued=distribution.created_at,
        modified=distribution.modified_at,
    )


def publisher_data(organisation: Organisation) -> PublisherData:
    return PublisherData(
        uri=f"{site_url()}{organisation.get_absolute_url()}",
        name=organisation.name,
        slug=organisation.slug,
    )


def entry_data(entry: Entry) -> EntryData:
    base = site_url()
    page = f"{base}{entry.get_absolute_url()}"
    data = EntryData(
        kind="service" if entry.kind == "service" else "dataset",
        uri=page,
        identifier=entry_identifier(entry),
        title=entry.title,
        summary=entry.summary,
        body=entry.body,
        publisher=publisher_data(entry.organisation),
        landing_page=page,
        keywords=[str(k) for k in entry.keywords or []],
        themes=sorted({t.eu_code for t in entry.themes.all() if t.eu_code}),
        licence=entry.licence,
        spatial=[PlaceData(t.level, t.code, t.name) for t in entry.territories.all()],
        issued=entry.published_at,
        modified=entry.modified_at,
        version=str(entry.version),
    )
    if entry.kind == "dataset":
        detail = getattr(entry, "dataset", None)
        if detail is not None:
            data.frequency = detail.frequency
            data.temporal_start = detail.temporal_start
            data.temporal_end = detail.temporal_end
            data.contact_email = detail.contact_email
        data.distributions = [
            distribution_data(entry, d, entry.licence) for d in entry.distributions.all()
        ]
    elif entry.kind == "service":
        detail = getattr(entry, "service", None)
        if detail is not None:
            data.landing_page = detail.url or page
            data.endpoint_url = detail.api_url or detail.url
            data.endpoint_description = detail.documentation_url
    return data


@dataclass
class CatalogPage:
    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def _page_link(page_url: str, number: int, size: int, profile: str = PROFILE_3) -> URIRef:
    suffix = f"?page={number}" if size == PAGE_SIZE else f"?page={number}&page_size={size}"
    if profile != PROFILE_3:
        suffix += f"&profile={profile}"
    return URIRef(f"{page_url}{suffix}")


def catalogue_graph(
    entries: Iterable[Entry],
    *,
    catalog_uri: str,
    title: str,
    description: str,
    page: CatalogPage | None = None,
    page_url: str = "",
    profile: str = PROFILE_3,
) -> Graph:
    """A dcat:Catalog with its datasets and services, and Hydra paging when paged."""
    graph = new_graph()
    catalog = URIRef(catalog_uri)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(title)))
    graph.add((catalog, DCTERMS.description, Literal(description)))
    homepage = URIRef(f"{site_url()}/")
    graph.add((homepage, RDF.type, FOAF.Document))
    graph.add((catalog, FOAF.homepage, homepage))
    language = URIRef(f"{EU_LANGUAGE}FRA")
    graph.add((language, RDF.type, DCTERMS.LinguisticSystem))
    graph.add((catalog, DCTERMS.language, language))
    site = PublisherData(uri=f"{site_url()}/#publisher", name=str(settings.SITE_NAME))
    graph.add((catalog, DCTERMS.publisher, publisher_to_rdf(site, graph)))
    for entry in entries:
        data = entry_data(entry)
        node = entry_to_rdf(data, graph, profile=profile)
        graph.add((catalog, DCAT.service if data.kind == "service" else DCAT.dataset, node))
    if page is not None and page_url:
        add_paging(graph, page, page_url, profile)
    return graph


def add_paging(graph: Graph, page: CatalogPage, page_url: str, profile: str = PROFILE_3) -> None:
    """Both Hydra styles: PartialCollectionView/next (udata) and PagedCollection/nextPage
    (ckanext-dcat), on the node of the current page."""
    node = _page_link(page_url, page.number, page.size, profile)
    graph.add((node, RDF.type, HYDRA.PartialCollectionView))
    graph.add((node, RDF.type, HYDRA.PagedCollection))
    graph.add((node, HYDRA.totalItems, Literal(page.total)))
    graph.add((node, HYDRA.itemsPerPage, Literal(page.size)))
    first = _page_link(page_url, 1, page.size, profile)
    last = _page_link(page_url, page.last, page.size, profile)
    graph.add((node, HYDRA.first, first))
    graph.add((node, HYDRA.firstPage, first))
    graph.add((node, HYDRA.last, last))
    graph.add((node, HYDRA.lastPage, last))
    if page.number < page.last:
        following = _page_link(page_url, page.number + 1, page.size, profile)
        graph.add((node, HYDRA.next, following))
        graph.add((node, HYDRA.nextPage, following))
    if page.number > 1:
        previous = _page_link(page_url, min(page.number - 1, page.last), page.size, profile)
        graph.add((node, HYDRA.previous, previous))
        graph.add((node, HYDRA.previousPage, previous))


def entry_graph(entry: Entry, *, profile: str = PROFILE_3) -> Graph:
    graph = new_graph()
    entry_to_rdf(entry_data(entry), graph, profile=profile)
    return graph
