"""The DCAT-AP catalogue: SHACL conformance (3.0 with RDFS inference, 2.1.1 mandatory),
Hydra paging in both styles, formats and content negotiation, and the paired mapping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.test import Client
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from region27.api.dcat.mapping import (
    DistributionData,
    EntryData,
    PlaceData,
    PublisherData,
    entry_from_rdf,
    entry_to_rdf,
    spatial_from_uri,
    spatial_uri,
)
from region27.api.dcat.namespaces import DCAT, HYDRA, new_graph
from tests.api.open.conftest import OpenData

DATA = Path(__file__).parent / "data"

# rdflib's JSON-LD parser still builds a ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def load(client: Client, url: str, fmt: str = "turtle") -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    graph = Graph()
    graph.parse(data=response.content, format=fmt)
    return graph


def shapes(name: str) -> Graph:
    return Graph().parse(DATA / name, format="turtle")


def conforms(graph: Graph, shapes_file: str, inference: str) -> tuple[bool, str]:
    ok, _report_graph, text = validate(
        graph, shacl_graph=shapes(shapes_file), inference=inference, abort_on_first=False
    )
    return bool(ok), str(text)


def test_catalogue_conforms_to_dcat_ap_3_and_2_1_1(client: Client, open_data: OpenData) -> None:
    ok, report = conforms(load(client, "/catalogue.ttl"), "dcat-ap_3.0.0_shacl_shapes.ttl", "rdfs")
    assert ok, report
    # 2.1.1 differs on byteSize's datatype and checksum algorithms: its own profile.
    graph = load(client, "/catalogue.ttl?profile=2.1.1")
    ok, report = conforms(graph, "dcat-ap_2.1.1_shacl_shapes.ttl", "none")
    assert ok, report
    # The default (3.0) output only breaks 2.1.1 on those two documented points.
    _ok, text = conforms(load(client, "/catalogue.ttl"), "dcat-ap_2.1.1_shacl_shapes.ttl", "none")
    paths = {line.split(":", 1)[1].strip() for line in text.splitlines() if "Result Path" in line}
    assert paths <= {"dcat:byteSize", "spdx:algorithm"}, text


def test_entry_and_scoped_catalogues_conform(client: Client, open_data: OpenData) -> None:
    for url in (
        "/organisations/crest/catalogue.ttl",
        "/territoires/departement/26/catalogue.ttl",
    ):
        graph = load(client, url)
        assert conforms(graph, "dcat-ap_3.0.0_shacl_shapes.ttl", "rdfs")[0], url
        graph = load(client, f"{url}?profile=2.1.1")
        assert conforms(graph, "dcat-ap_2.1.1_shacl_shapes.ttl", "none")[0], url
    for entry in (open_data.dataset, open_data.service):
        graph = load(client, f"/catalogue/{entry.slug}.ttl")
        assert conforms(graph, "dcat-ap_3.0.0_shacl_shapes.ttl", "rdfs")[0], entry.slug


def test_catalogue_content(client: Client, open_data: OpenData) -> None:
    graph = load(client, "/catalogue.ttl")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    services = set(graph.subjects(RDF.type, DCAT.DataService))
    assert {str(d) for d in datasets} == {
        f"http://127.0.0.1:8000/catalogue/{open_data.dataset.slug}/",
        f"http://127.0.0.1:8000/catalogue/{open_data.dataset2.slug}/",
    }
    assert len(services) == 1
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert set(graph.objects(catalog, DCAT.dataset)) == datasets
    assert set(graph.objects(catalog, DCAT.service)) == services
    text = graph.serialize(format="turtle")
    assert open_data.study.title not in text and open_data.draft.title not in text
    for node in datasets | services:
        assert graph.value(node, DCTERMS.identifier) is not None
    bornes = URIRef(f"http://127.0.0.1:8000/catalogue/{open_data.dataset.slug}/")
    assert URIRef("http://id.insee.fr/geo/commune/26108") in set(
        graph.objects(bornes, DCTERMS.spatial)
    )
    themes = {str(t) for t in graph.objects(bornes, DCAT.theme)}
    assert themes == {
        "http://publications.europa.eu/resource/authority/data-theme/TRAN",
        "http://publications.europa.eu/resource/authority/data-theme/ENER",
    }
    assert str(graph.value(bornes, DCTERMS.license)) == (
        "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0"
    )
    assert str(graph.value(bornes, DCTERMS.accrualPeriodicity)).endswith("/frequency/ANNUAL")
    budget = URIRef(f"http://127.0.0.1:8000/catalogue/{open_data.dataset2.slug}/")
    assert URIRef("http://id.insee.fr/geo/departement/26") in set(
        graph.objects(budget, DCTERMS.spatial)
    )


def test_distribution_declaring_a_schema_conforms_to_it(
    client: Client, open_data: OpenData
) -> None:
    from region27.validation.models import DistributionSchema, SchemaDetail, SchemaVersion
    from tests import factories

    schema_entry = factories.entry(
        open_data.org, open_data.agent, kind="study", status="published", title="Schéma"
    )
    detail = SchemaDetail.objects.create(entry=schema_entry, name="scdl/bornes")
    version = SchemaVersion.objects.create(
        schema=detail,
        version="1.0.0",
        descriptor={"fields": []},
        source_url="https://schema.data.gouv.fr/schemas/etalab/schema-irve/1.0.0/schema.json",
        sha256="0" * 64,
    )
    distribution = open_data.dataset.distributions.first()
    DistributionSchema.objects.create(distribution=distribution, schema_version=version)
    graph = load(client, f"/catalogue/{open_data.dataset.slug}.ttl")
    node = URIRef(
        f"http://127.0.0.1:8000/catalogue/{open_data.dataset.slug}/#distribution-{distribution.uuid}"
    )
    assert str(graph.value(node, DCTERMS.conformsTo)) == version.source_url


@pytest.mark.parametrize(
    ("suffix", "fmt", "mime"),
    [
        ("ttl", "turtle", "text/turtle"),
        ("rdf", "xml", "application/rdf+xml"),
        ("jsonld", "json-ld", "application/ld+json"),
        ("nt", "nt", "application/n-triples"),
    ],
)
def test_formats_and_entry_documents(
    client: Client, open_data: OpenData, suffix: str, fmt: str, mime: str
) -> None:
    response = client.get(f"/catalogue.{suffix}")
    assert response["Content-Type"].startswith(mime)
    if suffix == "jsonld":
        json.loads(response.content)
    graph = load(client, f"/catalogue/{open_data.dataset.slug}.{suffix}", fmt)
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 1
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) == 2
    service = load(client, f"/catalogue/{open_data.service.slug}.{suffix}", fmt)
    assert len(set(service.subjects(RDF.type, DCAT.DataService))) == 1
    for slug in (open_data.study.slug, open_data.draft.slug, "inconnue"):
        assert client.get(f"/catalogue/{slug}.{suffix}").status_code == 404


def test_content_negotiation_on_catalogue(client: Client, open_data: OpenData) -> None:
    html = client.get("/catalogue/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert html["Content-Type"].startswith("text/html")
    assert "Accept" in html["Vary"]
    assert client.get("/catalogue/")["Content-Type"].startswith("text/html")
    for mime, fmt in (
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ):
        response = client.get("/catalogue/", HTTP_ACCEPT=f"{mime}, text/html;q=0.5")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(mime)
        assert "Accept" in response["Vary"]
        graph = Graph().parse(data=response.content, format=fmt)
        assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 2


def test_paging_in_both_hydra_styles(client: Client, open_data: OpenData) -> None:
    first = load(client, "/catalogue.ttl?page_size=1")
    view = next(first.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert (view, RDF.type, HYDRA.PagedCollection) in first
    assert int(str(first.value(view, HYDRA.totalItems))) == 3
    following = first.value(view, HYDRA.next)
    assert following == first.value(view, HYDRA.nextPage)
    assert str(following).endswith("/catalogue.ttl?page=2&page_size=1")
    # Walk every page, udata-style, and collect all datasets and services.
    seen: set[str] = set()
    url: str | None = "/catalogue.ttl?page_size=1"
    pages = 0
    while url:
        graph = load(client, url)
        pages += 1
        seen |= {str(s) for s in graph.subjects(RDF.type, DCAT.Dataset)}
        seen |= {str(s) for s in graph.subjects(RDF.type, DCAT.DataService)}
        node = next(graph.subjects(RDF.type, HYDRA.PagedCollection))
        nxt = graph.value(node, HYDRA.nextPage)
        url = str(nxt).replace("http://testserver", "") if nxt else None
    assert pages == 3 and len(seen) == 3
    last = load(client, "/catalogue.ttl?page=3&page_size=1")
    node = next(last.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert last.value(node, HYDRA.next) is None
    assert str(last.value(node, HYDRA.previous)).endswith("page=2&page_size=1")
    # Out-of-range and junk paging values are clamped, never an error.
    for query in ("page=999", "page=abc", "page_size=0", "page_size=100000"):
        assert client.get(f"/catalogue.ttl?{query}").status_code == 200


def test_unknown_scopes_are_404(client: Client, open_data: OpenData) -> None:
    assert client.get("/organisations/inconnue/catalogue.ttl").status_code == 404
    assert client.get("/territoires/commune/00000/catalogue.ttl").status_code == 404


def _sample() -> EntryData:
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
    return EntryData(
        kind="dataset",
        uri="https://exemple.fr/catalogue/bornes/",
        identifier="0f2a4a8e-1111-2222-3333-000000000001",
        title="Bornes",
        summary="Résumé.",
        body="Un **corps**.\n\nSur deux paragraphes.",
        publisher=PublisherData(
            uri="https://exemple.fr/organisations/crest/", name="Crest", slug="crest"
        ),
        landing_page="https://exemple.fr/catalogue/bornes/",
        keywords=["bornes", "recharge"],
        themes=["ENER", "TRAN"],
        licence="lov2",
        spatial=[PlaceData("commune", "26108", "Crest"), PlaceData("epci", "200040525", "CCVD")],
        temporal_start=dt.date(2020, 1, 1),
        temporal_end=dt.date(2024, 12, 31),
        frequency="monthly",
        contact_email="donnees@crest.example",
        issued=when,
        modified=when,
        version="3",
        distributions=[
            DistributionData(
                uri="https://exemple.fr/catalogue/bornes/#d1",
                identifier="d1",
                title="CSV",
                access_url="https://exemple.fr/media/bornes.csv",
                download_url="https://exemple.fr/media/bornes.csv",
                description="Le fichier.",
                format="csv",
                media_type="text/csv",
                size=1234,
                checksum="ab" * 32,
                licence="lov2",
                schema_url="https://schema.data.gouv.fr/irve.json",
                issued=when,
                modified=when,
            )
        ],
    )


def test_mapping_round_trip() -> None:
    data = _sample()
    graph = new_graph()
    node = entry_to_rdf(data, graph)
    # Through a serialisation, as a harvester would read it.
    reread = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    back = entry_from_rdf(reread, node)
    data.spatial.sort(key=lambda p: (p.level, p.code))
    assert back == data


def test_mapping_service_round_trip() -> None:
    data = EntryData(
        kind="service",
        uri="https://exemple.fr/catalogue/api/",
        identifier="id-2",
        title="API",
        summary="Une API.",
        publisher=PublisherData(
            uri="https://exemple.fr/organisations/crest/", name="Crest", slug="crest"
        ),
        landing_page="https://horaires.example.org/",
        endpoint_url="https://horaires.example.org/api/",
        endpoint_description="https://horaires.example.org/docs/",
        licence="odc-odbl",
    )
    graph = new_graph()
    node = entry_to_rdf(data, graph)
    assert (node, RDF.type, DCAT.DataService) in graph
    assert entry_from_rdf(graph, node) == data


@pytest.mark.parametrize(
    ("level", "code", "uri"),
    [
        ("commune", "26108", "http://id.insee.fr/geo/commune/26108"),
        ("departement", "2A", "http://id.insee.fr/geo/departement/2A"),
        ("region", "84", "http://id.insee.fr/geo/region/84"),
        ("epci", "200040525", "http://id.insee.fr/geo/intercommunalite/200040525"),
        ("commune-deleguee", "26001", "http://id.insee.fr/geo/communeDeleguee/26001"),
    ],
)
def test_spatial_uris(level: str, code: str, uri: str) -> None:
    assert spatial_uri(level, code) == uri
    assert spatial_from_uri(uri) == (level, code)


def test_spatial_from_foreign_uri() -> None:
    assert spatial_from_uri("http://sws.geonames.org/3017382/") is None
    assert spatial_from_uri("http://id.insee.fr/geo/pays/99100") is None
