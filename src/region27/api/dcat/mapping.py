"""Entry data ⇄ DCAT-AP RDF, as pure paired functions.

`entry_to_rdf(data, graph)` writes one `EntryData` (a dcat:Dataset or a
dcat:DataService) into a graph; `entry_from_rdf(graph, node)` reads the same shape
back. Neither touches the database: `export.py` builds `EntryData` from entries
(through the catalog selectors), and the harvesting side can build entries from
what `entry_from_rdf` returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from region27.api.dcat.namespaces import (
    DCAT,
    DCTERMS,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_THEME,
    EU_THEME_SCHEME,
    FOAF,
    IANA_MEDIA_TYPE,
    INSEE_GEO,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    XSD,
)
from region27.catalog.licences import LICENCES, licence_get

# Our dataset frequencies (the same identifiers as udata) ⇄ EU frequency authority table.
FREQUENCIES: dict[str, str] = {
    "unknown": "UNKNOWN",
    "continuous": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
    "punctual": "NEVER",
}
_FREQUENCY_BACK = {code: ours for ours, code in FREQUENCIES.items()}

# COG levels ⇄ INSEE URI paths (http://id.insee.fr/geo/<path>/<code>).
SPATIAL_PATHS: dict[str, str] = {
    "region": "region",
    "departement": "departement",
    "epci": "intercommunalite",
    "commune": "commune",
    "commune-deleguee": "communeDeleguee",
    "commune-associee": "communeAssociee",
    "arrondissement-municipal": "arrondissementMunicipal",
}
_SPATIAL_BACK = {path: level for level, path in SPATIAL_PATHS.items()}

# File formats with an EU file-type code.
FILE_TYPES: dict[str, str] = {
    "csv": "CSV",
    "json": "JSON",
    "geojson": "GEOJSON",
    "xml": "XML",
    "pdf": "PDF",
    "zip": "ZIP",
    "xls": "XLS",
    "xlsx": "XLSX",
    "ods": "ODS",
    "odt": "ODT",
    "doc": "DOC",
    "docx": "DOCX",
    "txt": "TXT",
    "html": "HTML",
    "shp": "SHP",
    "kml": "KML",
    "gpkg": "GPKG",
    "parquet": "PARQUET",
    "rdf": "RDF_XML",
    "ttl": "RDF_TURTLE",
    "jsonld": "JSON_LD",
    "gtfs": "GTFS",
    "png": "PNG",
    "jpeg": "JPEG",
    "jpg": "JPEG",
}
_FILE_TYPE_BACK = {code: fmt for fmt, code in reversed(list(FILE_TYPES.items()))}


# French labels of the EU data themes (Publications Office authority table).
EU_THEME_LABELS: dict[str, str] = {
    "AGRI": "Agriculture, pêche, sylviculture et alimentation",
    "ECON": "Économie et finances",
    "EDUC": "Éducation, culture et sport",
    "ENER": "Énergie",
    "ENVI": "Environnement",
    "GOVE": "Gouvernement et secteur public",
    "HEAL": "Santé",
    "INTR": "Questions internationales",
    "JUST": "Justice, système juridique et sécurité publique",
    "OP_DATPRO": "Données provisoires",
    "REGI": "Régions et villes",
    "SOCI": "Population et société",
    "TECH": "Science et technologie",
    "TRAN": "Transports",
}


@dataclass
class PublisherData:
    uri: str
    name: str
    slug: str = ""


@dataclass
class PlaceData:
    level: str
    code: str
    name: str = ""


@dataclass
class DistributionData:
    uri: str
    identifier: str
    title: str
    access_url: str
    download_url: str = ""
    description: str = ""
    format: str = ""
    media_type: str = ""
    size: int | None = None
    checksum: str = ""
    licence: str = ""
    schema_url: str = ""
    issued: dt.datetime | None = None
    modified: dt.datetime | None = None


@dataclass
class EntryData:
    kind: str  # "dataset" or "service"
    uri: str
    identifier: str
    title: str
    summary: str
    publisher: PublisherData
    landing_page: str = ""
    body: str = ""
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # EU data-theme codes
    licence: str = ""
    spatial: list[PlaceData] = field(default_factory=list)
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    frequency: str = ""
    contact_email: str = ""
    issued: dt.datetime | None = None
    modified: dt.datetime | None = None
    version: str = ""
    distributions: list[DistributionData] = field(default_factory=list)
    # Services only.
    endpoint_url: str = ""
    endpoint_description: str = ""


# --- small helpers -------------------------------------------------------------------


def spatial_uri(level: str, code: str) -> str:
    return f"{INSEE_GEO}{SPATIAL_PATHS.get(level, level)}/{code}"


def spatial_from_uri(uri: str) -> tuple[str, str] | None:
    if not uri.startswith(INSEE_GEO):
        return None
    path, _sep, code = uri[len(INSEE_GEO) :].partition("/")
    level = _SPATIAL_BACK.get(path)
    return (level, code) if level and code else None


def licence_uri(licence_id: str) -> str:
    licence = licence_get(licence_id)
    if licence is None:
        return ""
    return licence.eu_uri or licence.url


def licence_from_uri(uri: str) -> str:
    for licence in LICENCES:
        if uri and uri in (licence.eu_uri, licence.url):
            return licence.id
    return ""


def _datetime(value: dt.datetime) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def _typed(graph: Graph, uri: str, rdf_type: URIRef, label: str = "") -> URIRef:
    """An IRI from a controlled vocabulary, typed in the graph so SHACL class checks pass."""
    node = URIRef(uri)
    graph.add((node, RDF.type, rdf_type))
    if label:
        graph.add((node, RDFS.label, Literal(label)))
    return node


def _text(graph: Graph, node: Node, predicate: URIRef) -> str:
    value = graph.value(node, predicate)
    return str(value) if value is not None else ""


def _to_datetime(value: Node | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = value.toPython() if isinstance(value, Literal) else None
    if isinstance(parsed, dt.datetime):
        return parsed
    if isinstance(parsed, dt.date):
        return dt.datetime.combine(parsed, dt.time(), tzinfo=dt.UTC)
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _to_date(value: Node | None) -> dt.date | None:
    if value is None:
        return None
    parsed = value.toPython() if isinstance(value, Literal) else None
    if isinstance(parsed, dt.datetime):
        return parsed.date()
    if isinstance(parsed, dt.date):
        return parsed
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def description_of(data: EntryData) -> str:
    return f"{data.summary}\n\n{data.body}" if data.body.strip() else data.summary


# --- entry → RDF ---------------------------------------------------------------------


def publisher_to_rdf(publisher: PublisherData, graph: Graph) -> URIRef:
    node = URIRef(publisher.uri)
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(publisher.name)))
    return node


# Profiles: DCAT-AP 3.0 (default) and 2.1.1, which differ on two distribution details:
# dcat:byteSize is xsd:nonNegativeInteger in 3.0 but xsd:decimal in 2.1.1, and 2.1.1
# only admits SHA-1 checksums (ours are SHA-256, so the 2.1.1 output leaves them out).
PROFILE_3 = "3.0"
PROFILE_2 = "2.1.1"
PROFILES = (PROFILE_3, PROFILE_2)


def distribution_to_rdf(
    data: DistributionData, graph: Graph, *, profile: str = PROFILE_3
) -> URIRef:
    node = URIRef(data.uri)
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.identifier, Literal(data.identifier)))
    graph.add((node, DCTERMS.title, Literal(data.title)))
    if data.description:
        graph.add((node, DCTERMS.description, Literal(data.description)))
    graph.add((node, DCAT.accessURL, URIRef(data.access_url)))
    if data.download_url:
        graph.add((node, DCAT.downloadURL, URIRef(data.download_url)))
    code = FILE_TYPES.get(data.format.lower().lstrip("."), "")
    if code:
        fmt = _typed(graph, f"{EU_FILE_TYPE}{code}", DCTERMS.MediaTypeOrExtent, code)
        graph.add((node, DCTERMS["format"], fmt))
    if data.media_type and "/" in data.media_type:
        media = _typed(graph, f"{IANA_MEDIA_TYPE}{data.media_type}", DCTERMS.MediaType)
        graph.add((node, DCAT.mediaType, media))
    if data.size is not None:
        datatype = XSD.decimal if profile == PROFILE_2 else XSD.nonNegativeInteger
        graph.add((node, DCAT.byteSize, Literal(data.size, datatype=datatype)))
    if data.checksum and profile != PROFILE_2:
        checksum = BNode()
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        algorithm = _typed(graph, str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)
        graph.add((checksum, SPDX.algorithm, algorithm))
        graph.add((checksum, SPDX.checksumValue, Literal(data.checksum, datatype=XSD.hexBinary)))
    uri = licence_uri(data.licence)
    if uri:
        graph.add((node, DCTERMS.license, _typed(graph, uri, DCTERMS.LicenseDocument)))
    if data.schema_url:
        standard = _typed(graph, data.schema_url, DCTERMS.Standard)
        graph.add((node, DCTERMS.conformsTo, standard))
    if data.issued:
        graph.add((node, DCTERMS.issued, _datetime(data.issued)))
    if data.modified:
        graph.add((node, DCTERMS.modified, _datetime(data.modified)))
    return node


def entry_to_rdf(data: EntryData, graph: Graph, *, profile: str = PROFILE_3) -> URIRef:
    """Write one dataset or data service into `graph`; return its node."""
    node = URIRef(data.uri)
    graph.add((node, RDF.type, DCAT.DataService if data.kind == "service" else DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(data.identifier)))
    graph.add((node, DCTERMS.title, Literal(data.title)))
    graph.add((node, DCTERMS.description, Literal(description_of(data))))
    graph.add((node, DCTERMS.publisher, publisher_to_rdf(data.publisher, graph)))
    if data.landing_page:
        page = _typed(graph, data.landing_page, FOAF.Document)
        graph.add((node, DCAT.landingPage, page))
    for keyword in data.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword)))
    for code in data.themes:
        theme = _typed(graph, f"{EU_THEME}{code}", SKOS.Concept)
        graph.add((theme, SKOS.prefLabel, Literal(EU_THEME_LABELS.get(code, code), lang="fr")))
        scheme = _typed(graph, EU_THEME_SCHEME, SKOS.ConceptScheme)
        graph.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
        graph.add((theme, SKOS.inScheme, scheme))
        graph.add((node, DCAT.theme, theme))
    uri = licence_uri(data.licence)
    if uri:
        graph.add((node, DCTERMS.license, _typed(graph, uri, DCTERMS.LicenseDocument)))
    for place in data.spatial:
        location = _typed(graph, spatial_uri(place.level, place.code), DCTERMS.Location)
        if place.name:
            graph.add((location, SKOS.prefLabel, Literal(place.name, lang="fr")))
        graph.add((node, DCTERMS.spatial, location))
    if data.temporal_start or data.temporal_end:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if data.temporal_start:
            graph.add((period, DCAT.startDate, Literal(data.temporal_start, datatype=XSD.date)))
        if data.temporal_end:
            graph.add((period, DCAT.endDate, Literal(data.temporal_end, datatype=XSD.date)))
    if data.frequency in FREQUENCIES:
        code = FREQUENCIES[data.frequency]
        frequency = _typed(graph, f"{EU_FREQUENCY}{code}", DCTERMS.Frequency)
        graph.add((node, DCTERMS.accrualPeriodicity, frequency))
    if data.contact_email:
        contact = BNode()
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        graph.add((contact, VCARD.fn, Literal(data.publisher.name)))
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{data.contact_email}")))
    if data.issued:
        graph.add((node, DCTERMS.issued, _datetime(data.issued)))
    if data.modified:
        graph.add((node, DCTERMS.modified, _datetime(data.modified)))
    if data.version:
        graph.add((node, DCAT.version, Literal(data.version)))
    if data.kind == "service":
        graph.add((node, DCAT.endpointURL, URIRef(data.endpoint_url or data.landing_page)))
        if data.endpoint_description:
            description = _typed(graph, data.endpoint_description, RDFS.Resource)
            graph.add((node, DCAT.endpointDescription, description))
    for distribution in data.distributions:
        distribution_node = distribution_to_rdf(distribution, graph, profile=profile)
        graph.add((node, DCAT.distribution, distribution_node))
    return node


# --- RDF → entry data ----------------------------------------------------------------


def publisher_from_rdf(graph: Graph, node: Node | None) -> PublisherData:
    if node is None:
        return PublisherData(uri="", name="")
    uri = str(node) if isinstance(node, URIRef) else ""
    slug = uri.rstrip("/").rsplit("/", 1)[-1] if uri else ""
    return PublisherData(uri=uri, name=_text(graph, node, FOAF.name), slug=slug)


def distribution_from_rdf(graph: Graph, node: Node) -> DistributionData:
    fmt = graph.value(node, DCTERMS["format"])
    fmt_code = str(fmt).rsplit("/", 1)[-1] if fmt is not None else ""
    media = graph.value(node, DCAT.mediaType)
    media_type = str(media)[len(str(IANA_MEDIA_TYPE)) :] if media is not None else ""
    size = graph.value(node, DCAT.byteSize)
    checksum_node = graph.value(node, SPDX.checksum)
    checksum = _text(graph, checksum_node, SPDX.checksumValue) if checksum_node else ""
    licence = graph.value(node, DCTERMS.license)
    schema = graph.value(node, DCTERMS.conformsTo)
    return DistributionData(
        uri=str(node),
        identifier=_text(graph, node, DCTERMS.identifier),
        title=_text(graph, node, DCTERMS.title),
        description=_text(graph, node, DCTERMS.description),
        access_url=_text(graph, node, DCAT.accessURL),
        download_url=_text(graph, node, DCAT.downloadURL),
        format=_FILE_TYPE_BACK.get(fmt_code, fmt_code.lower()),
        media_type=media_type,
        size=int(str(size)) if size is not None else None,
        checksum=checksum,
        licence=licence_from_uri(str(licence)) if licence is not None else "",
        schema_url=str(schema) if schema is not None else "",
        issued=_to_datetime(graph.value(node, DCTERMS.issued)),
        modified=_to_datetime(graph.value(node, DCTERMS.modified)),
    )


def entry_from_rdf(graph: Graph, node: Node) -> EntryData:
    """Read one dcat:Dataset or dcat:DataService back into `EntryData`."""
    kind = "service" if (node, RDF.type, DCAT.DataService) in graph else "dataset"
    description = _text(graph, node, DCTERMS.description)
    summary, _sep, body = description.partition("\n\n")
    spatial = []
    for location in graph.objects(node, DCTERMS.spatial):
        parsed = spatial_from_uri(str(location))
        if parsed:
            name = _text(graph, location, SKOS.prefLabel)
            spatial.append(PlaceData(level=parsed[0], code=parsed[1], name=name))
    period = graph.value(node, DCTERMS.temporal)
    frequency = graph.value(node, DCTERMS.accrualPeriodicity)
    contact = graph.value(node, DCAT.contactPoint)
    email = _text(graph, contact, VCARD.hasEmail) if contact is not None else ""
    licence = graph.value(node, DCTERMS.license)
    distributions = [
        distribution_from_rdf(graph, d) for d in graph.objects(node, DCAT.distribution)
    ]
    distributions.sort(key=lambda d: d.uri)
    return EntryData(
        kind=kind,
        uri=str(node),
        identifier=_text(graph, node, DCTERMS.identifier),
        title=_text(graph, node, DCTERMS.title),
        summary=summary,
        body=body,
        publisher=publisher_from_rdf(graph, graph.value(node, DCTERMS.publisher)),
        landing_page=_text(graph, node, DCAT.landingPage),
        keywords=sorted(str(k) for k in graph.objects(node, DCAT.keyword)),
        themes=sorted(
            str(t)[len(str(EU_THEME)) :]
            for t in graph.objects(node, DCAT.theme)
            if str(t).startswith(str(EU_THEME))
        ),
        licence=licence_from_uri(str(licence)) if licence is not None else "",
        spatial=sorted(spatial, key=lambda p: (p.level, p.code)),
        temporal_start=_to_date(graph.value(period, DCAT.startDate)) if period else None,
        temporal_end=_to_date(graph.value(period, DCAT.endDate)) if period else None,
        frequency=_FREQUENCY_BACK.get(str(frequency).rsplit("/", 1)[-1], "")
        if frequency is not None
        else "",
        contact_email=email.removeprefix("mailto:"),
        issued=_to_datetime(graph.value(node, DCTERMS.issued)),
        modified=_to_datetime(graph.value(node, DCTERMS.modified)),
        version=_text(graph, node, DCAT.version),
        distributions=distributions,
        endpoint_url=_text(graph, node, DCAT.endpointURL) if kind == "service" else "",
        endpoint_description=_text(graph, node, DCAT.endpointDescription),
    )
