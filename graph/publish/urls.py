"""Where the published files and services answer: one URL map for the build and the service.

The catalogue, VoID and the change feed name the service's URLs (the SPARQL endpoint, the
dumps, the catalogue itself); the service's routes answer at the same paths. Both read
them from here, so a path is spelled once. Paths are relative to the base URI
(``CLUSTERKG_BASE_URI``); :class:`Urls` makes them absolute. Resource IRIs of the data
(``id/...``, ``graph/...``) are minted by :class:`clusterkg.graph.map.vocab.Uris`.
"""

from __future__ import annotations

from rdflib import URIRef

__all__ = ["SPARQL", "CATALOG", "VOID", "FEED", "DUMPS", "ONTOLOGY", "SHAPES", "CONTEXT", "HEALTH", "DOC", "ID",
           "Urls"]

#: The SPARQL 1.1 Protocol endpoint.
SPARQL = "sparql"
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
