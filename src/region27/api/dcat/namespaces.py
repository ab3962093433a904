"""Every RDF namespace and vocabulary base the DCAT-AP export uses, in one place."""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

# DCAT 3 terms (dcat:version...) are missing from rdflib's DCAT 2 definition.
DCAT = Namespace("http://www.w3.org/ns/dcat#")

ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SCHEMA = Namespace("http://schema.org/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

# EU vocabularies (Publications Office authority tables).
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_THEME_SCHEME = "http://publications.europa.eu/resource/authority/data-theme"
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")

# INSEE's geographic identifiers (https://rdf.insee.fr/geo/): one path per COG level.
INSEE_GEO = "http://id.insee.fr/geo/"

PREFIXES: dict[str, Any] = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "skos": Namespace(str(SKOS)),
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
    "adms": ADMS,
    "hydra": HYDRA,
    "spdx": SPDX,
    "locn": LOCN,
}


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


__all__ = [
    "ADMS",
    "DCAT",
    "DCTERMS",
    "EU_FILE_TYPE",
    "EU_FREQUENCY",
    "EU_LANGUAGE",
    "EU_THEME",
    "EU_THEME_SCHEME",
    "FOAF",
    "HYDRA",
    "IANA_MEDIA_TYPE",
    "INSEE_GEO",
    "LOCN",
    "PREFIXES",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "SPDX",
    "VCARD",
    "XSD",
    "new_graph",
]
