"""Media types, file suffixes and serialisers for the RDF documents the service writes.

Resource documents, the vocabulary and the shapes are small graphs: they are written by
rdflib (Turtle with prefixes, compact JSON-LD with our context). Query results and dumps
come from the store's own serialisers.
"""

from __future__ import annotations

import json

from rdflib import Graph

from clusterkg.graph.map.vocab import PREFIXES, bind_prefixes

__all__ = ["DOC_TYPES", "SUFFIXES", "jsonld_context", "serialize_graph", "CONTEXT_PATH"]

#: Offered for documents (resources, vocabulary, shapes), preferred first.
DOC_TYPES = ["text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]

#: suffix -> media type, for ``/doc/...{suffix}``, ``/ontology{suffix}``, ``/shapes{suffix}``.
SUFFIXES = {".html": "text/html", ".ttl": "text/turtle", ".jsonld": "application/ld+json",
            ".nt": "application/n-triples", ".rdf": "application/rdf+xml"}
SUFFIX_OF_MEDIA = {v: k for k, v in SUFFIXES.items()}

#: Where the JSON-LD context is served, relative to the base URI.
CONTEXT_PATH = "context.jsonld"

_RDFLIB = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}


def jsonld_context() -> dict:
    """The JSON-LD context clusterkg compacts with: the prefixes of :data:`PREFIXES`.

    JSON-LD 1.1 §4.1 (the context), used as a remote context by URL in documents.
    """
    return {"@context": dict(PREFIXES)}


def serialize_graph(g: Graph, media_type: str, context_url: str | None = None) -> bytes:
    """Serialise a small graph.

    :param g: the graph.
    :param media_type: ``text/turtle``, ``application/n-triples``, ``application/rdf+xml``
        or ``application/ld+json``.
    :param context_url: for JSON-LD: the URL of our context document, put in place of the
        inline context the compaction used (JSON-LD 1.1 §3.1, remote contexts).
    :return: UTF-8 bytes.
    :raises ValueError: for any other media type.
    """
    bind_prefixes(g)
    if media_type == "application/ld+json":
        ctx = jsonld_context()["@context"]
        doc = json.loads(g.serialize(format="json-ld", context=ctx, auto_compact=True))
        if context_url and isinstance(doc, dict):
            doc["@context"] = context_url
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    fmt = _RDFLIB.get(media_type)
    if fmt is None:
        raise ValueError(f"cannot write {media_type}")
    out = g.serialize(format=fmt, encoding="utf-8")
    return out
