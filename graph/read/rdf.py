"""Curated RDF files given to a build beside the profiles, read without any network.

A folder of profiles may also hold RDF files (the formats of
:data:`clusterkg.graph.formats.CURATED_INPUT`: ``.ttl``, ``.nt``, ``.nq``, ``.trig``,
``.jsonld``, ``.rdf``): curated links (NUTS codes for regions, a network's founding
members, ...). Each is loaded, as it is, into a named graph of its own, which the build
names (``{base}graph/extra/{file-slug}``); triples in a named graph of a TriG or N-Quads
file keep it.

They are parsed by Oxigraph's parsers, which never touch the network: a JSON-LD
``@context`` given by URL is not fetched (the file is refused with a message). An RDF/XML
file with a document type declaration is refused before it is parsed (defusedxml): no
external entity is fetched (XXE) and no internal entity is expanded (the "billion laughs",
a few kB that expand to gigabytes). Parse errors name the file, line and column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import pyoxigraph as ox
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.sax import parseString as _sax_parse

from clusterkg.graph import formats
from clusterkg.graph.errors import ProfileReadError

__all__ = ["ExtraGraph", "read_extra", "find_extra", "check_xml"]


@dataclass
class ExtraGraph:
    """One curated RDF file: ``path``, the named graph ``iri`` its triples go to, its
    N-Quads, and the names of every graph it writes into (a TriG or N-Quads file may name
    others)."""

    path: Path
    iri: str
    nquads: bytes
    quads: int
    graphs: frozenset[str] = frozenset()  # every graph the file writes into


def check_xml(data: bytes, source: str) -> None:
    """Refuse an XML document that declares a document type (and so may declare entities),
    in one streaming pass that expands nothing (defusedxml over expat).

    :param data: the document's bytes (any encoding XML allows).
    :param source: the file, for messages.
    :raises ProfileReadError: for a DTD, an entity declaration or an external reference
        (naming the line of the declaration), or for XML that is not well-formed.
    """
    try:
        _sax_parse(data, ContentHandler(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        at = data.find(b"<!DOCTYPE")
        line = data.count(b"\n", 0, at) + 1 if at >= 0 else None
        raise ProfileReadError("declares a document type (<!DOCTYPE ...>): XML entities are never expanded or "
                               "fetched here; remove the declaration", source, line) from None
    except SAXParseException as exc:
        column = exc.getColumnNumber()
        raise ProfileReadError(f"not well-formed XML: {exc.getMessage()}", source, exc.getLineNumber(),
                               column + 1 if column is not None else None) from None


def find_extra(paths: list[str | Path]) -> list[Path]:
    """The curated RDF files in the given folders (not recursive), sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and formats.by_suffix(f.suffix, formats.CURATED_INPUT))
    return out


def read_extra(path: Path, graph_iri: str, base_iri: str | None = None,
               reserved: Callable[[str], bool] = lambda _iri: False) -> ExtraGraph:
    """Parse one curated RDF file, offline.

    :param path: the file; its suffix names its format (:data:`~clusterkg.graph.formats.CURATED_INPUT`).
    :param graph_iri: the named graph its triples go to (and those of a TriG or N-Quads
        file in the default graph, or in a graph named by a blank node).
    :param base_iri: relative IRIs in the file resolve against it.
    :param reserved: says whether a graph IRI is one the build makes (a profile's, the
        vocabulary's, the build record's); the file may not write into those.
    :raises ProfileReadError: a file that cannot be read or parsed (with line and column),
        whose JSON-LD names a remote ``@context`` (never fetched), that holds an RDF 1.2
        triple term, or that writes into a reserved graph.
    """
    fmt = formats.by_suffix(path.suffix, formats.CURATED_INPUT)
    if fmt is None or not isinstance(fmt.oxigraph, ox.RdfFormat):
        raise ProfileReadError(f"not a curated RDF file (suffixes: "
                               f"{', '.join(f.suffix for f in formats.CURATED_INPUT)})", str(path))
    iri = graph_iri
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileReadError(f"cannot read the file ({exc.strerror})", str(path)) from None
    if fmt.key == formats.RDF_XML.key:
        check_xml(data, str(path))
    store = ox.Store()
    # blank nodes get labels of this file's own, the same from build to build: ``_:b1`` of two
    # files are two nodes (RDF 1.1 Concepts §3.4), and an unchanged file gives unchanged dumps
    tag = hashlib.sha1(iri.encode("utf-8")).hexdigest()[:12]
    blank: dict[str, ox.BlankNode] = {}

    def term(t):
        if isinstance(t, ox.BlankNode):
            return blank.get(t.value) or blank.setdefault(t.value, ox.BlankNode(f"c{tag}n{len(blank)}"))
        if isinstance(t, ox.Triple):
            raise ProfileReadError(f"holds an RDF 1.2 triple term ({t}); clusterkg publishes RDF 1.1 only",
                                   str(path))
        return t

    try:
        quads = []
        for q in ox.parse(data, format=fmt.oxigraph, base_iri=base_iri):
            # the default graph, or a graph named by a blank node, is the file's own graph
            graph = q.graph_name if isinstance(q.graph_name, ox.NamedNode) else ox.NamedNode(iri)
            quads.append(ox.Quad(term(q.subject), q.predicate, term(q.object), graph))
        store.extend(quads)
    except SyntaxError as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "offset", None)
        msg = str(exc.msg if hasattr(exc, "msg") else exc)
        if "context" in msg.lower() and ("load" in msg.lower() or "remote" in msg.lower() or "http" in msg.lower()):
            msg = f"a remote JSON-LD @context is not fetched ({msg}); embed the context in the file"
        raise ProfileReadError(f"not valid {fmt.label}: {msg}", str(path), line, col) from None
    graphs = frozenset(g.value for g in store.named_graphs())
    for g in sorted(graphs):
        if reserved(g):
            raise ProfileReadError(f"writes into <{g}>, a graph the build makes; curated data must go "
                                   "into graphs of its own", str(path))
    return ExtraGraph(path, iri, store.dump(format=ox.RdfFormat.N_QUADS) or b"", len(store), graphs)
