"""Writing the small RDF documents the service serves, in the formats of :mod:`clusterkg.graph.formats`.

Resource documents, the vocabulary, the shapes, the catalogue, VoID, the feed and the
service description are small graphs: they are written by rdflib (Turtle with prefixes,
compact JSON-LD with our context). Query results and dumps come from the store's own
serialisers. Which media types exist, their file suffixes and ``Content-Type`` are looked
up in :mod:`clusterkg.graph.formats`, never spelled here.
"""

from __future__ import annotations

import json

from rdflib import Graph

from clusterkg.graph import formats
from clusterkg.graph.map.vocab import PREFIXES, bind_prefixes

__all__ = ["media_types", "jsonld_context", "serialize_graph"]


def media_types(offer: tuple[formats.Format, ...]) -> list[str]:
    """The media types of an offer of :mod:`clusterkg.graph.formats`, in its order (what
    :func:`~clusterkg.service.negotiation.negotiate` picks from).

    >>> media_types(formats.METADATA)[:2]
    ['text/turtle', 'application/ld+json']
    """
    return [f.media_type for f in offer]


def jsonld_context() -> dict:
    """The JSON-LD context clusterkg compacts with: the prefixes of :data:`PREFIXES`.

    JSON-LD 1.1 §4.1 (the context), used as a remote context by URL in documents.

    :return: ``{"@context": {prefix: namespace IRI}}``.
    """
    return {"@context": dict(PREFIXES)}


def serialize_graph(g: Graph, media_type: str, context_url: str | None = None) -> bytes:
    """Serialise a small graph.

    :param g: the graph (its prefixes are bound to ours first).
    :param media_type: an RDF media type of :mod:`clusterkg.graph.formats` that rdflib
        writes (Turtle, N-Triples, RDF/XML, JSON-LD).
    :param context_url: for JSON-LD: the URL of our context document, put in place of the
        inline context the compaction used (JSON-LD 1.1 §3.1, remote contexts).
    :return: UTF-8 bytes.
    :raises ValueError: for any other media type.
    """
    bind_prefixes(g)
    fmt = formats.by_media_type(media_type)
    if fmt == formats.JSON_LD:
        ctx = jsonld_context()["@context"]
        doc = json.loads(g.serialize(format="json-ld", context=ctx, auto_compact=True))
        if context_url and isinstance(doc, dict):
            doc["@context"] = context_url
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    if fmt is None or fmt.rdflib is None:
        raise ValueError(f"cannot write {media_type}")
    return g.serialize(format=fmt.rdflib, encoding="utf-8")
