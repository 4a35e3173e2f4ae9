"""Where the published files and services answer: one URL map for the build and the service.

The catalogue, VoID and the change feed name the service's URLs (the SPARQL endpoint, the
dumps, the catalogue itself); the service's routes answer at the same paths. Both read
them from here, so a path is spelled once. Paths are relative to the base URI
(``CLUSTERKG_BASE_URI``); :class:`Urls` makes them absolute. Resource IRIs of the data
(``id/...``, ``graph/...``) are minted by :class:`clusterkg.graph.map.vocab.Uris`.
"""

from __future__ import annotations

from rdflib import URIRef

__all__ = ["SEARCH", "CLUSTERS", "CHARTS", "STATIC", "ROBOTS", "SITEMAP", "GRAPH",
           "SPARQL", "CATALOG", "VOID", "FEED", "DUMPS", "ONTOLOGY", "SHAPES", "CONTEXT", "HEALTH", "DOC", "ID",
           "PERSISTENT_BASE", "NAMESPACE", "CONCEPT", "PERSISTENT_PATHS", "Urls", "persistent_path"]

#: The SPARQL 1.1 Protocol endpoint.
SPARQL = "sparql"
#: Pages for people: search (``?q=``), the faceted list of clusters, the charts, their
#: stylesheet and the query editor's files, and what crawlers read.
SEARCH = "search"
CLUSTERS = "clusters"
CHARTS = "charts"
STATIC = "static/"
ROBOTS = "robots.txt"
SITEMAP = "sitemap.xml"
#: The DCAT-AP catalogue (``#all``, ``#srb``... name its datasets).
CATALOG = "catalog"
#: The VoID description (RFC 8615 well-known URI, VoID §7.2).
VOID = ".well-known/void"
#: The change feed's root node (Linked Data Event Streams); ``feed/{day}`` its fragments.
FEED = "feed"
#: The folder of dump files.
DUMPS = "dumps/"
#: The vocabulary and its concept schemes; the SHACL shapes.
ONTOLOGY = "ontology"
SHAPES = "shapes"
#: The JSON-LD context documents are compacted with.
CONTEXT = "context.jsonld"
#: Status of the server.
HEALTH = "health"
#: Resource documents (``doc/...``) describe resource IRIs (``id/...``).
DOC = "doc/"
ID = "id/"
#: Named graphs (``graph/profile/{id}``...): each IRI answers with the graph's triples
#: (SPARQL 1.1 Graph Store HTTP Protocol §4.1, direct identification; read only).
GRAPH = "graph/"

#: The persistent base of the vocabulary's IRIs: terms (``ns#...``), concept schemes and
#: concepts (``concept/...``), shapes (``shapes#...``). w3id.org redirects them to a
#: deployment (``docs/w3id/``), which answers at the same path under its base URI.
PERSISTENT_BASE = "https://w3id.org/clusterkg/"
#: The vocabulary's terms (hash IRIs ``ns#Term``: the document ``ns`` describes them all).
NAMESPACE = "ns"
#: Concept schemes (``concept/{scheme}``) and their concepts (``concept/{scheme}/{slug}``).
CONCEPT = "concept/"
#: The paths under :data:`PERSISTENT_BASE` this server answers: the document a hash IRI
#: resolves to, or the prefix of a slash IRI.
PERSISTENT_PATHS = (NAMESPACE, CONCEPT, SHAPES)


def _at(path: str, doc: str) -> property:
    """A property of :class:`Urls`: the absolute URL of ``path``."""
    return property(lambda self: self._u(path), doc=doc)


class Urls:
    """Absolute URLs of the published files and services under one base URI.

    :param base: the base URI, absolute, ending in ``/``.

    >>> Urls("http://127.0.0.1:8000/").dump("clusterkg.ttl")
    rdflib.term.URIRef('http://127.0.0.1:8000/dumps/clusterkg.ttl')
    """

    home = _at("", "The landing page.")
    sparql = _at(SPARQL, "The SPARQL endpoint.")
    ontology = _at(ONTOLOGY, "The vocabulary and its concept schemes.")
    shapes = _at(SHAPES, "The SHACL shapes.")
    context = _at(CONTEXT, "The JSON-LD context.")
    resources = _at(ID, "The space of resource IRIs (``void:uriSpace``).")

    def __init__(self, base: str):
        self.base = base

    def _u(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def catalog(self, fragment: str | None = None) -> URIRef:
        """The catalogue, or a node of it (``catalog#{fragment}``)."""
        return self._u(CATALOG + (f"#{fragment}" if fragment else ""))

    def void(self, fragment: str | None = None) -> URIRef:
        """The VoID description, or a node of it (``.well-known/void#{fragment}``)."""
        return self._u(VOID + (f"#{fragment}" if fragment else ""))

    def feed(self, fragment: str | None = None) -> URIRef:
        """The change feed's root node, or a node of it (``feed#{fragment}``)."""
        return self._u(FEED + (f"#{fragment}" if fragment else ""))

    def feed_day(self, day: str) -> URIRef:
        """The feed fragment of one day (``YYYY-MM-DD``)."""
        return self._u(f"{FEED}/{day}")

    def feed_member(self, profile_id: str, stamp: str) -> URIRef:
        """A feed member: one version of one profile's cluster, made by the build ``stamp``."""
        return self._u(f"{FEED}/member/{profile_id}/{stamp}")

    def dump(self, name: str) -> URIRef:
        """A dump file."""
        return self._u(DUMPS + name)

    def local(self, iri: str) -> str:
        """Where ``iri`` is answered on this server: a vocabulary IRI under
        :data:`PERSISTENT_BASE` (a term ``ns#T``, a concept scheme or concept
        ``concept/...``, a shape ``shapes#S``) maps to the same path under the base URI,
        the fragment kept; any other IRI is returned as it is.

        :param iri: an absolute IRI.
        :return: the URL a link to ``iri`` should point at.

        >>> u = Urls("http://127.0.0.1:8000/")
        >>> u.local("https://w3id.org/clusterkg/ns#ClusterOrganisation")
        'http://127.0.0.1:8000/ns#ClusterOrganisation'
        >>> u.local("https://w3id.org/clusterkg/concept/label-level/gold")
        'http://127.0.0.1:8000/concept/label-level/gold'
        >>> u.local("http://www.w3.org/ns/org#memberOf")
        'http://www.w3.org/ns/org#memberOf'
        """
        path = persistent_path(iri)
        return iri if path is None else self.base + path


def persistent_path(iri: str) -> str | None:
    """The path of a vocabulary IRI under :data:`PERSISTENT_BASE` (fragment included), or
    None when ``iri`` is not one this server answers.

    >>> persistent_path("https://w3id.org/clusterkg/ns")
    'ns'
    >>> persistent_path("https://w3id.org/clusterkg/nsx") is None
    True
    """
    if not iri.startswith(PERSISTENT_BASE):
        return None
    path = iri[len(PERSISTENT_BASE):]
    document = path.split("#", 1)[0]
    for known in PERSISTENT_PATHS:
        if document == known or (known.endswith("/") and document.startswith(known) and len(document) > len(known)):
            return path
    return None
