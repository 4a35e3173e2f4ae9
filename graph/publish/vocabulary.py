"""The documents that make the vocabulary's IRIs dereferenceable.

Every IRI under :data:`~clusterkg.graph.publish.urls.PERSISTENT_BASE` resolves (through the
w3id.org rules in ``docs/w3id/``) to a document of this deployment at the same path:

* ``ns``: the vocabulary, ``clusterkg.ttl`` (its terms are hash IRIs ``ns#Term``, so one
  document describes them all; W3C "Cool URIs for the Semantic Web" §4.2, hash URIs);
* ``concept/{scheme}``: a concept scheme and its concepts;
* ``concept/{scheme}/{slug}``: one concept, with the label of its scheme and of the
  concepts it points at (slash IRIs, §4.3);
* ``shapes``: the SHACL shapes.

The documents are built from the shipped files only; a concept the mapping adds to an open
scheme is data, minted under the deployment's ``id/concept/...``.
"""

from __future__ import annotations

import functools

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from clusterkg.graph.map.concepts import ontology_files
from clusterkg.graph.map.vocab import CONCEPT, bind_prefixes
from clusterkg.graph.publish import urls
from clusterkg.graph.validate import shapes_graph

__all__ = ["VocabularyDocument", "vocabulary_document", "vocabulary_iris"]


class VocabularyDocument:
    """One document of the vocabulary.

    :param path: its path under the persistent base and the deployment's base URI
        (``ns``, ``concept/label-level``, ``concept/label-level/gold``, ``shapes``).
    :param graph: what it says.
    :param focus: the resource it is about (a concept scheme or concept), or None when it
        describes several terms (``ns``, ``shapes``; each gets an anchor named by its fragment).
    :param title: a title for people.
    """

    def __init__(self, path: str, graph: Graph, focus: URIRef | None, title: str):
        self.path = path
        self.graph = graph
        self.focus = focus
        self.title = title

    @property
    def iri(self) -> str:
        """The document's persistent IRI."""
        return urls.PERSISTENT_BASE + self.path


@functools.lru_cache(maxsize=1)
def _files() -> dict[str, Graph]:
    """Path -> graph of each shipped file: ``ns`` and ``concept/{scheme}``."""
    out: dict[str, Graph] = {}
    for path in ontology_files():
        key = urls.NAMESPACE if path.parent.name != "schemes" else urls.CONCEPT + path.stem
        out[key] = bind_prefixes(Graph()).parse(path, format="turtle")
    return out


def _label(g: Graph, node: URIRef) -> str | None:
    for p in (SKOS.prefLabel, RDFS.label):
        for o in g.objects(node, p):
            if isinstance(o, Literal):
                return str(o)
    return None


def _concept(scheme: Graph, iri: URIRef, path: str) -> VocabularyDocument | None:
    """One concept: its triples, and the labels of the IRIs they point at in the scheme."""
    if (iri, None, None) not in scheme:
        return None
    g = bind_prefixes(Graph())
    for p, o in scheme.predicate_objects(iri):
        g.add((iri, p, o))
        if isinstance(o, URIRef):
            for lp in (SKOS.prefLabel, RDFS.label):
                for label in scheme.objects(o, lp):
                    g.add((o, lp, label))
    return VocabularyDocument(path, g, iri, _label(scheme, iri) or path)


@functools.lru_cache(maxsize=512)
def vocabulary_document(path: str) -> VocabularyDocument | None:
    """The shipped document at ``path`` (cached per process: the files change only with
    the installed package).

    :param path: a path under the persistent base, without a fragment or a format suffix.
    :return: the document, or None when nothing shipped is at ``path`` (a concept the
        mapping added to an open scheme is not shipped).

    >>> vocabulary_document("concept/label-level/gold").title
    'Gold'
    >>> vocabulary_document("concept/label-level/tin") is None
    True
    """
    if path == urls.SHAPES:
        return VocabularyDocument(path, bind_prefixes(shapes_graph()), None, "clusterkg SHACL shapes")
    files = _files()
    if path == urls.NAMESPACE:
        return VocabularyDocument(path, files[path], None, "clusterkg vocabulary")
    if not path.startswith(urls.CONCEPT):
        return None
    scheme_key, _, slug = path[len(urls.CONCEPT):].partition("/")
    scheme = files.get(urls.CONCEPT + scheme_key)
    if scheme is None or "/" in slug:
        return None
    if not slug:
        iri = CONCEPT[scheme_key]
        return VocabularyDocument(path, scheme, iri, _label(scheme, iri) or scheme_key)
    return _concept(scheme, CONCEPT[f"{scheme_key}/{slug}"], path)


def vocabulary_iris() -> list[str]:
    """Every IRI the shipped vocabulary defines under the persistent base: its terms,
    concept schemes, concepts and shapes, sorted (what must dereference)."""
    found: set[str] = set()
    for g in (*_files().values(), shapes_graph()):
        found.update(str(s) for s in g.subjects() if isinstance(s, URIRef) and urls.persistent_path(str(s)))
    return sorted(found)
