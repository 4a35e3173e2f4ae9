"""Namespaces and URI patterns: the only place clusterkg spells IRIs.

Vocabulary terms and the shipped concept schemes have fixed IRIs (they are the same in
every deployment); resources minted from data live under the configurable base URI
(``CLUSTERKG_BASE_URI``), with these patterns:

=========================== ====================================================
``{base}id/cluster/{id}``       a cluster organisation a profile describes (id: the manifest's)
``{base}id/cluster/{country}/{slug}`` a cluster known only from other sources (no
                                country known: ``id/cluster/{slug}``)
``{base}id/cluster/{id}/...``   its parts: ``award/{file}/{level}[-{last day}]``,
                                ``contact/{role, else name, else n}``, ``membership/{member}``, ``staff``
``{base}id/network/{slug}``     a cluster network ("Membership to other networks")
``{base}id/network/{slug}/membership/{member}`` a membership of a network (a founder's)
``{base}id/organisation/{country}/{key}`` a member organisation or facility, scoped by the
                                country of the cluster listing it (none known: under
                                that cluster, ``{cluster}/organisation/{key}``)
``{base}id/body/{slug}``        an awarding body or publisher (ESCA, ECCP, a portal)
``{base}id/source/{id}``        the record a register or an article is (its graph's topic)
``{base}id/region/nuts/{code}``  a region that is a NUTS unit (code in lower case)
``{base}id/region/{country}/{slug}`` a region no NUTS unit was found for
``{base}id/concept/{scheme}/{slug}`` a concept found in the data but not in the scheme
``{base}id/profile/{id}/value/{line}`` a value kept under the catch-all property
``{base}graph/profile/{id}``    the named graph of one profile
``{base}graph/source/{id}``     the named graph of another source (register, network page, news, portal)
``{base}graph/reconciliation``  links the reconcile stage found (a member that is a cluster)
``{base}graph/vocabulary``      the named graph holding the vocabulary and schemes
``{base}graph/build``           the named graph holding build records (times)
``{base}graph/current``         the current view, on a server without a default graph of its own
``{base}graph/extra/{slug}``    the named graph of a curated RDF file
=========================== ====================================================

Slugs are made with :func:`~clusterkg.graph.read.names.slugify` (ASCII, lower case, hyphens), so
the same input always gives the same URIs.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from clusterkg.graph.read.names import slugify

__all__ = [
    "CKG", "CKG_ONTOLOGY", "CONCEPT", "SCHEMA", "LOCN", "SPDX", "EU_AUTHORITY", "EU_COUNTRY", "EU_LANGUAGE",
    "EU_LICENCE", "EU_THEME", "EU_FILE_TYPE", "EU_ACCESS_RIGHT", "EU_FREQUENCY", "VCARD", "VOID", "HYDRA", "ADMS",
    "IANA", "SD", "TREE", "LDES", "AS",
    "DCAT", "DCTERMS", "FOAF", "ORG", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD", "SH",
    "Uris", "DEFAULT_BASE_URI", "PREFIXES", "bind_prefixes",
]

#: The clusterkg vocabulary namespace.
CKG = Namespace("https://w3id.org/clusterkg/ns#")
#: The ontology's own IRI (``rdfs:isDefinedBy`` of every term).
CKG_ONTOLOGY = URIRef("https://w3id.org/clusterkg/ns")
#: Concept schemes shipped with clusterkg: ``{CONCEPT}{scheme}/{slug}``.
CONCEPT = Namespace("https://w3id.org/clusterkg/concept/")
SCHEMA = Namespace("https://schema.org/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
VOID = Namespace("http://rdfs.org/ns/void#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TREE = Namespace("https://w3id.org/tree#")
LDES = Namespace("https://w3id.org/ldes#")
#: Activity Streams 2.0 (a feed's deletion members are ``as:Delete`` activities).
AS = Namespace("https://www.w3.org/ns/activitystreams#")
#: IANA media types, as IRIs (DCAT dcat:mediaType).
IANA = "http://www.iana.org/assignments/media-types/"
#: The EU Publications Office authority tables (``{table}/{CODE}``).
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_COUNTRY, EU_LANGUAGE, EU_LICENCE, EU_THEME, EU_FILE_TYPE, EU_ACCESS_RIGHT, EU_FREQUENCY = (
    Namespace(f"{EU_AUTHORITY}{table}/") for table in (
        "country", "language", "licence", "data-theme", "file-type", "access-right", "frequency"))

DEFAULT_BASE_URI = "http://127.0.0.1:8000/"

#: The prefixes clusterkg writes Turtle and compact JSON-LD with.
PREFIXES = {
    "ckg": str(CKG), "ckgc": str(CONCEPT), "org": str(ORG), "schema": str(SCHEMA),
    "skos": str(SKOS), "dct": str(DCTERMS), "prov": str(PROV), "dcat": str(DCAT),
    "locn": str(LOCN), "spdx": str(SPDX), "foaf": str(FOAF), "rdfs": str(RDFS),
    "xsd": str(XSD), "country": str(EU_COUNTRY), "lang": str(EU_LANGUAGE),
}


def bind_prefixes(g: Graph) -> Graph:
    """Bind :data:`PREFIXES` (ckg, org, schema, skos, dct, prov, ...) on ``g``."""
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g



class Uris:
    """Mints resource IRIs under one base URI.

    :param base: absolute base URI ending in ``/`` (``http://127.0.0.1:8000/``).
    :raises ValueError: when ``base`` is not an absolute http(s) URI ending in ``/``.
    """

    def __init__(self, base: str = DEFAULT_BASE_URI):
        if not base.startswith(("http://", "https://")) or not base.endswith("/"):
            raise ValueError(f"base URI must be absolute http(s) and end in '/': {base!r}")
        self.base = base

    def _u(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def cluster(self, cluster_id: str) -> URIRef:
        return self._u(f"id/cluster/{cluster_id}")

    def cluster_part(self, cluster_id: str, *parts: str) -> URIRef:
        return self._u(f"id/cluster/{cluster_id}/" + "/".join(parts))

    def network(self, slug: str) -> URIRef:
        return self._u(f"id/network/{slug}")

    def cluster_in(self, name: str, country: str | None) -> URIRef:
        """A cluster known only from other sources: ``id/cluster/{country}/{slug}`` (the
        country's code in lower case), or ``id/cluster/{slug}`` when no country is known."""
        return self._u(f"id/cluster/{country.lower()}/{slugify(name)}" if country else f"id/cluster/{slugify(name)}")

    def organisation(self, key_slug: str, country: str | None, cluster_id: str) -> URIRef:
        """A member organisation: scoped by ``country`` (the listing cluster's), or, with
        no country known, by the cluster itself; ``key_slug`` is
        :func:`~clusterkg.graph.read.namekeys.identity_slug` of its name."""
        if country:
            return self._u(f"id/organisation/{country.lower()}/{key_slug}")
        return self._u(f"id/cluster/{cluster_id}/organisation/{key_slug}")

    def body(self, slug: str) -> URIRef:
        """An awarding body or a publisher of sources."""
        return self._u(f"id/body/{slug}")

    def region(self, name: str, country: str | None) -> URIRef:
        """A region no NUTS unit was found for, by its name as printed."""
        prefix = f"{country.lower()}/" if country else ""
        return self._u(f"id/region/{prefix}{slugify(name)}")

    def nuts_region(self, code: str) -> URIRef:
        """The region of a NUTS unit (one per unit, whatever form pages print it in)."""
        return self._u(f"id/region/nuts/{code.lower()}")

    def new_concept(self, scheme: str, label: str) -> URIRef:
        return self._u(f"id/concept/{scheme}/{slugify(label)}")

    def unmapped(self, profile_id: str, line: int, k: int = 0) -> URIRef:
        return self._u(f"id/profile/{profile_id}/value/{line}" + (f"-{k}" if k else ""))

    def profile_graph(self, profile_id: str) -> URIRef:
        return self._u(f"graph/profile/{profile_id}")

    def source_graph(self, source_id: str) -> URIRef:
        """The named graph of a source that is not a profile (register, network page, ...)."""
        return self._u(f"graph/source/{source_id}")

    def record(self, source_id: str) -> URIRef:
        """A source record itself (a register, an article), when it is the graph's topic."""
        return self._u(f"id/source/{source_id}")

    def extra_graph(self, name: str) -> URIRef:
        """The named graph of a curated RDF file (``name``: its file name's stem)."""
        return self._u(f"graph/extra/{slugify(name)}")

    def is_build_graph(self, iri: str) -> bool:
        """True for a graph the build makes: a profile's or source's, the vocabulary's, the
        reconciliation's, the build record's."""
        return iri.startswith((self.base + "graph/profile/", self.base + "graph/source/")) or iri in (
            self.vocabulary_graph, self.build_graph, self.reconciliation_graph)

    @property
    def vocabulary_graph(self) -> URIRef:
        return self._u("graph/vocabulary")

    @property
    def current_graph(self) -> URIRef:
        """Where a backend without a default graph of its own keeps the current view."""
        return self._u("graph/current")

    @property
    def reconciliation_graph(self) -> URIRef:
        """The links the reconcile stage found between the sources' resources."""
        return self._u("graph/reconciliation")

    @property
    def build_graph(self) -> URIRef:
        return self._u("graph/build")

    def build(self, stamp: str) -> URIRef:
        return self._u(f"id/build/{stamp}")
