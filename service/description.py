"""The SPARQL Service Description of the endpoint (SPARQL 1.1 Service Description §3): its
features, limits, result formats and the named graphs of its default dataset.

It lists every named graph of the snapshot, two triples each: 200,000 triples at 100,000
profiles. rdflib took 0.7 s to write it as Turtle for 10,000 graphs (2.3 s for 30,000;
JSON-LD 8.8 s for 100,000), holding the interpreter lock the event loop needs; so the
triples are made as pyoxigraph terms and written by pyoxigraph's serialisers (0.3 s for
100,000 graphs in any format), not by rdflib as the other small documents are.
"""

from __future__ import annotations

import pyoxigraph as ox
from clusterkg.graph import formats
from clusterkg.graph.map.vocab import DCTERMS, PREFIXES, RDF, RDFS, SD

__all__ = ["description", "write_description"]


def description(endpoint: str, graph_names: list[str], service_allow: tuple[str, ...], timeout: float,
                max_rows: int, max_bytes: int) -> list[ox.Triple]:
    """The service description's triples.

    :param endpoint: the endpoint's IRI (``{base}sparql``).
    :param graph_names: IRIs of the named graphs of the default dataset.
    :param service_allow: the endpoints ``SERVICE`` may call (none: no federated queries).
    :param timeout: / :param max_rows: / :param max_bytes: the limits per query (seconds,
        rows, bytes), stated in the comment.
    :return: the triples, in a fixed order.
    """
    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(str(value))

    svc, ds, a = iri(endpoint + "#service"), iri(endpoint + "#dataset"), iri(RDF.type)
    out = [ox.Triple(svc, a, iri(SD.Service)), ox.Triple(svc, iri(SD.endpoint), iri(endpoint)),
           ox.Triple(svc, iri(SD.supportedLanguage), iri(SD.SPARQL11Query))]
    if service_allow:
        out.append(ox.Triple(svc, iri(SD.feature), iri(SD.BasicFederatedQuery)))
    out.append(ox.Triple(svc, iri(RDFS.comment), ox.Literal(
        "Read-only. SERVICE is " + ("allowed only to: " + ", ".join(service_allow)
                                     if service_allow else "not allowed (no federated queries)")
        + f". Limits per query: {timeout:g} s, {max_rows:,} rows, {max_bytes:,} bytes; "
          "results cut by a limit carry a clusterkg:truncated marker.")))
    out += [ox.Triple(svc, iri(SD.resultFormat), iri(fmt.w3c))
            for fmt in formats.RESULTS + formats.GRAPH_RESULTS if fmt.w3c]
    out += [ox.Triple(svc, iri(SD.defaultDataset), ds), ox.Triple(ds, a, iri(SD.Dataset))]
    named, name = iri(SD.namedGraph), iri(SD.name)
    for n, graph in enumerate(graph_names):
        node = iri(f"{endpoint}#graph-{n}")
        out += [ox.Triple(ds, named, node), ox.Triple(node, name, iri(graph))]
    out.append(ox.Triple(svc, iri(DCTERMS.description), ox.Literal(
        "clusterkg read-only SPARQL endpoint. The default graph is the current knowledge graph: "
        "each cluster as its latest page version states it, reconciled with the other sources; "
        "each named graph keeps what one source said (not sd:UnionDefaultGraph).")))
    return out


def write_description(triples: list[ox.Triple], media_type: str) -> bytes:
    """``triples`` in ``media_type``, an RDF document format of :data:`~clusterkg.graph.formats.DOCUMENT`
    but HTML, by pyoxigraph's serialisers (JSON-LD in expanded document form, JSON-LD 1.1
    §5.1: compacting 200,000 triples with rdflib took 9 s).

    :return: UTF-8 bytes.
    :raises ValueError: any other media type.
    """
    fmt = formats.by_media_type(media_type)
    if fmt is None or not isinstance(fmt.oxigraph, ox.RdfFormat):
        raise ValueError(f"cannot write {media_type}")
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=_PREFIXES) or b""


#: The prefixes the description uses.
_PREFIXES = {"sd": str(SD), "rdfs": PREFIXES["rdfs"], "dct": PREFIXES["dct"]}
