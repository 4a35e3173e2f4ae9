"""The canonical forms a mapped graph travels in, from the workers to the store and the dumps.

* canonical N-Triples (:func:`canonical_ntriples`): one triple per line, literals in the
  form the store gives back, lines sorted, each triple once; equal triples are equal
  lines, so a union is a line-level ``sort -u`` and a graph's quads are its lines with the
  graph name inserted (:func:`as_nquads`);
* a named graph as one JSON-LD graph object (:func:`jsonld_fragment`), made where the
  graph is made so the dataset's JSON-LD dump is only joined;
* a content hash (:func:`content_hash`) that tells whether a graph changed between builds.

Spec: RDF 1.1 N-Triples §4 (canonical N-Triples), RDF 1.1 N-Quads, JSON-LD 1.1 §4.9
(named graphs).
"""

from __future__ import annotations

import hashlib
from typing import Iterator

import pyoxigraph as ox

__all__ = ["canonical_ntriples", "as_nquads", "jsonld_fragment", "content_hash"]


def canonical_ntriples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> bytes:
    """RDF as the store gives it back: N-Triples (RDF 1.1 N-Triples §4: one triple per
    line, no ``^^xsd:string``, lower-case language tags) after a trip through an
    in-memory Oxigraph store, which keeps XSD literals by value (``"+00:00"`` times come
    back as ``"Z"``, ``"01"^^xsd:integer`` as ``"1"``), so the dumps hold exactly the
    triples SPARQL answers with; lines sorted, each triple once.

    :param data: the triples, in ``fmt`` (N-Triples by default).
    :return: UTF-8 bytes; every line ends in `` .\\n``.
    :raises SyntaxError: when ``data`` is not valid ``fmt``.
    """
    store = ox.Store()
    # extend, not load: load gives blank nodes new random labels, and the dumps would
    # change from build to build; the parser gives a triple format's triples as quads of
    # the default graph already
    store.extend(ox.parse(data, format=fmt))
    out = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    return b"".join(sorted(set(out.splitlines(keepends=True))))


def as_nquads(graph_iri: str, ntriples: bytes) -> bytes:
    """Canonical N-Triples as N-Quads of named graph ``graph_iri``: each line's final
    `` .`` gets the graph name before it (in canonical N-Triples a line break only ends a
    triple, so this is a plain byte replacement).
    """
    return ntriples.replace(b" .\n", b" <" + graph_iri.encode("utf-8") + b"> .\n")


def jsonld_fragment(graph_iri: str, ntriples: bytes) -> bytes:
    """Named graph ``graph_iri`` as one JSON-LD 1.1 graph object (``{"@id": ..., "@graph":
    [...]}``, JSON-LD 1.1 §4.9), as Oxigraph's serialiser writes it inside the dataset's
    top-level array; the dataset's JSON-LD is these objects joined by commas. Made where
    the graph is made (in the build's worker processes), so the dump is only joined.

    :param ntriples: the graph's triples, canonical N-Triples (:func:`canonical_ntriples`:
        each line ends in `` .\\n``, so :func:`as_nquads` names the graph on every line).
    :return: UTF-8 bytes; empty for an empty graph.
    :raises SyntaxError: when ``ntriples`` is not N-Triples.
    """
    graph = ox.NamedNode(graph_iri)  # a bad IRI is a ValueError here, not a parse error below

    def in_graph(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
        for quad in quads:  # a line that did not end in " .\n" kept no graph name: not canonical
            if quad.graph_name != graph:
                raise SyntaxError(f"not canonical N-Triples (a line ends otherwise than ' .\\n'): {quad.triple}")
            yield quad

    out = ox.serialize(in_graph(ox.parse(as_nquads(graph_iri, ntriples), format=ox.RdfFormat.N_QUADS)),
                       format=ox.RdfFormat.JSON_LD)
    out = (out or b"").strip()
    return out[1:-1].strip() if out.startswith(b"[") and out.endswith(b"]") else out


def content_hash(ntriples: bytes) -> str:
    """SHA-256 (hex) of a graph's N-Triples, lines sorted: equal triples, equal hash
    (the graphs have no blank nodes, so a triple always serialises the same way)."""
    lines = sorted(set(line for line in ntriples.splitlines() if line.strip()))
    return hashlib.sha256(b"\n".join(lines)).hexdigest()
