"""Curated RDF files given to a build beside the profiles, read without any network.

A folder of profiles may also hold RDF files (``.ttl``, ``.nt``, ``.nq``, ``.trig``,
``.jsonld``, ``.rdf``): curated links (NUTS codes for regions, a network's founding
members, ...). Each is loaded, as it is, into its own named graph
``{base}graph/extra/{file-slug}`` (triples in a named graph of a TriG/N-Quads file keep it).

They are parsed by Oxigraph's parsers, which never touch the network: a JSON-LD
``@context`` given by URL is not fetched (the file is refused with a message), and RDF/XML
DOCTYPE entities are not expanded (no XXE). Parse errors name the file, line and column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.map.vocab import Uris, slugify

__all__ = ["RDF_SUFFIXES", "ExtraGraph", "read_extra", "find_extra"]

RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG, ".jsonld": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML,
}


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


def find_extra(paths: list[str | Path]) -> list[Path]:
    """The curated RDF files in the given folders (not recursive), sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.suffix in RDF_SUFFIXES)
    return out


def read_extra(path: Path, uris: Uris) -> ExtraGraph:
    """Parse one curated RDF file, offline.

    :raises ProfileReadError: a file that cannot be read or parsed (with line and column),
        whose JSON-LD names a remote ``@context`` (never fetched), that holds an RDF 1.2
        triple term, or that writes into a graph the build makes (a profile's, the
        vocabulary's or the build record's).
    """
    fmt = RDF_SUFFIXES[path.suffix]
    iri = str(uris.base) + "graph/extra/" + slugify(path.stem)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileReadError(f"cannot read the file ({exc.strerror})", str(path)) from None
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
        for q in ox.parse(data, format=fmt, base_iri=uris.base):
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
        name = {".ttl": "Turtle", ".nt": "N-Triples", ".nq": "N-Quads", ".trig": "TriG", ".jsonld": "JSON-LD",
                ".rdf": "RDF/XML"}[path.suffix]
        raise ProfileReadError(f"not valid {name}: {msg}", str(path), line, col) from None
    graphs = frozenset(g.value for g in store.named_graphs())
    owned = str(uris.base) + "graph/profile/"
    for g in sorted(graphs):
        if g.startswith(owned) or g in (str(uris.vocabulary_graph), str(uris.build_graph)):
            raise ProfileReadError(f"writes into <{g}>, a graph the build makes; curated data must go "
                                   "into graphs of its own", str(path))
    return ExtraGraph(path, iri, store.dump(format=ox.RdfFormat.N_QUADS), len(store), graphs)
