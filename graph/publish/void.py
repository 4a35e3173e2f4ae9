"""VoID statistics of the published graph, counted chunk by chunk, and its VoID description.

The figures (VoID §4.6: triples, entities, distinct subjects and objects, class and
property partitions) and the linksets into the EU authority tables (VoID §5) come from the
sorted, duplicate-free union of the named graphs, one content-defined chunk at a time
(:func:`chunk_stats`), summed by :func:`merged_stats`; a chunk an earlier snapshot had
keeps its recorded figures. :func:`describe_void` writes the description served at
``/.well-known/void`` (VoID §7.2).

Spec: Describing Linked Datasets with the VoID Vocabulary (W3C Interest Group Note 2011).
"""

from __future__ import annotations

import collections
import datetime as _dt
import operator

from rdflib import Literal, URIRef

from clusterkg.graph.map.vocab import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD, Uris
from clusterkg.graph.publish.catalog import DumpFile, lit, with_prefixes
from clusterkg.graph.publish.chunking import subject_of
from clusterkg.graph.publish.graphs import Triples
from clusterkg.graph.publish.urls import Urls

__all__ = ["LINK_TARGETS", "chunk_stats", "merged_stats", "figures_fit", "figures_ok", "describe_void"]


_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

#: EU authority tables counted as VoID linksets (VoID §5).
LINK_TARGETS = ("http://publications.europa.eu/resource/authority/country/",
                "http://publications.europa.eu/resource/authority/language/")


def chunk_stats(chunk: bytes) -> dict:
    """The VoID figures of a chunk of the sorted, duplicate-free union (JSON-ready): triple,
    subject and entity counts, first and last subject, and counters by predicate, class
    and link target (see :func:`merged_stats`)."""
    parts = [line.split(b" ", 2) for line in chunk.split(b"\n") if line]
    subjects = set(map(operator.itemgetter(0), parts))
    predicates = collections.Counter(map(operator.itemgetter(1), parts))
    # objects end in " ." (no line end here); classes are IRIs (a literal or blank "class" is not counted)
    classes = collections.Counter(o[:-2] for _, p, o in parts if p == _RDF_TYPE and o[:1] == b"<")
    links = {}
    for target in LINK_TARGETS:
        mark = b"<" + target.encode()
        counter = collections.Counter(p for _, p, o in parts if o.startswith(mark))
        if counter:
            links[target] = {_iri(p): n for p, n in counter.items()}
    return {
        "triples": len(parts), "subjects": len(subjects), "entities": sum(1 for s in subjects if s[:1] == b"<"),
        "first": parts[0][0].decode("utf-8") if parts else "", "last": parts[-1][0].decode("utf-8") if parts else "",
        "predicates": {_iri(p): n for p, n in predicates.items()},
        "classes": {_iri(c): n for c, n in classes.items()},
        "links": links,
    }


def _iri(term: bytes) -> str:
    return term[1:-1].decode("utf-8")  # <...>


def merged_stats(chunks: list[dict]) -> dict:
    """VoID figures (VoID §4.6) of the sorted union from those of its chunks, in order.

    :return: ``triples``, ``entities`` (distinct IRI subjects), ``distinct_subjects``,
        ``properties``, ``classes``, ``class_partitions`` (class IRI -> distinct
        subjects typed with it), ``property_partitions`` (property IRI -> triples) and
        ``linksets`` (target namespace -> (the predicate used most to link into it, its
        triples)).
    """
    triples = subjects = entities = 0
    last = ""
    predicates: collections.Counter = collections.Counter()
    classes: collections.Counter = collections.Counter()
    links: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for st in chunks:
        triples += st["triples"]
        subjects += st["subjects"]
        entities += st["entities"]
        if st["first"] == last:  # a subject with more triples than a chunk holds, counted twice
            subjects -= 1
            entities -= last.startswith("<")
        last = st["last"]
        predicates.update(st["predicates"])
        classes.update(st["classes"])
        for target, counts in st["links"].items():
            links[target].update(counts)
    linksets = {}
    for target, counter in sorted(links.items()):
        best, n = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        linksets[target] = (best, n)  # the linkset of that predicate (VoID §5.1)
    return {
        "triples": triples, "entities": entities, "distinct_subjects": subjects,
        "properties": len(predicates), "classes": len(classes),
        "class_partitions": dict(classes), "property_partitions": dict(predicates), "linksets": linksets,
    }


def figures_fit(stats: dict, chunk: bytes) -> bool:
    """Whether a chunk's recorded figures agree with the chunk where that is cheap to see:
    its line count and its first and last subjects (the rest of the index is trusted as
    the snapshot it belongs to is; ``clusterkg build --full`` makes everything again)."""
    first = chunk[:chunk.find(b" ")]
    last = chunk[chunk.rfind(b"\n", 0, len(chunk) - 1) + 1:]
    return (stats["triples"] == chunk.count(b"\n") and stats["first"] == first.decode("utf-8")
            and stats["last"] == subject_of(last).decode("utf-8"))


def figures_ok(stats: object) -> bool:
    """Whether ``stats`` has the shape :func:`chunk_stats` gives (an index read from disk
    is checked, not trusted)."""
    def counts(d: object) -> bool:
        return isinstance(d, dict) and all(isinstance(k, str) and type(v) is int for k, v in d.items())

    return (isinstance(stats, dict) and all(type(stats.get(k)) is int for k in ("triples", "subjects", "entities"))
            and all(isinstance(stats.get(k), str) for k in ("first", "last"))
            and counts(stats.get("predicates")) and counts(stats.get("classes"))
            and isinstance(stats.get("links"), dict) and all(isinstance(t, str) and counts(c)
                                                             for t, c in stats["links"].items()))


def describe_void(uris: Uris, stats: dict, dumps: list[DumpFile], built: _dt.datetime) -> Triples:
    """The VoID description of the whole graph (VoID §4 statistics, §5 linksets).

    :param stats: ``triples``, ``entities``, ``distinct_subjects``, ``distinct_objects``,
        ``properties``, ``classes`` (ints), ``class_partitions`` (class IRI -> entities),
        ``property_partitions`` (property IRI -> triples), ``linksets`` (target namespace ->
        (link predicate, triples)).
    :param dumps: the dump files (linked with ``void:dataDump``).
    :return: the triples, with their prefixes.
    """
    urls = Urls(uris.base)
    g: set = set()
    d = urls.void("dataset")
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.title, lit("Cluster organisations knowledge graph")))
    g.add((d, DCTERMS.modified, Literal(built.isoformat(), datatype=XSD.dateTime)))
    g.add((d, FOAF.homepage, urls.home))
    g.add((d, VOID.sparqlEndpoint, urls.sparql))
    g.add((d, VOID.uriSpace, Literal(str(urls.resources))))
    g.add((d, VOID.rootResource, urls.catalog()))
    g.add((d, RDFS.seeAlso, urls.catalog()))
    for ns in ("http://www.w3.org/ns/org#", "https://schema.org/", str(SKOS), str(DCTERMS), str(PROV),
               "https://w3id.org/clusterkg/ns#", "http://www.w3.org/ns/locn#"):
        g.add((d, VOID.vocabulary, URIRef(ns)))
    for f in dumps:
        g.add((d, VOID.dataDump, urls.dump(f.name)))
    for key, prop in (("triples", VOID.triples), ("entities", VOID.entities),
                      ("distinct_subjects", VOID.distinctSubjects), ("distinct_objects", VOID.distinctObjects),
                      ("properties", VOID.properties), ("classes", VOID.classes)):
        g.add((d, prop, Literal(int(stats[key]), datatype=XSD.integer)))
    for i, (cls, n) in enumerate(sorted(stats["class_partitions"].items())):
        part = urls.void(f"class-{i}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(int(n), datatype=XSD.integer)))
    for i, (prop, n) in enumerate(sorted(stats["property_partitions"].items())):
        part = urls.void(f"property-{i}")
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(int(n), datatype=XSD.integer)))
    for i, (target, (pred, n)) in enumerate(sorted(stats["linksets"].items())):
        ls = urls.void(f"linkset-{i}")
        tgt = urls.void(f"target-{i}")
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((d, VOID.subset, ls))
        g.add((ls, VOID.subjectsTarget, d))
        g.add((ls, VOID.objectsTarget, tgt))
        g.add((ls, VOID.linkPredicate, URIRef(pred)))
        g.add((ls, VOID.triples, Literal(int(n), datatype=XSD.integer)))
        g.add((tgt, RDF.type, VOID.Dataset))
        g.add((tgt, VOID.uriSpace, Literal(target)))
    return with_prefixes(g, [("void", VOID)])
