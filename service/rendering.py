"""Writing a document (a resource's description, the vocabulary, the shapes) in one of the
document formats: HTML (:mod:`clusterkg.service.html`) or an RDF format
(:mod:`clusterkg.service.formats`).

Pages of resource descriptions are written in the query workers
(:func:`render_page`, called by :mod:`clusterkg.service.query.worker` after
:func:`~clusterkg.service.query.describe.describe_page`), so that a long description
costs the web process nothing but the bytes it forwards; the vocabulary and the shapes,
which only change with the package, in the web process once.
"""

from __future__ import annotations

import re

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from clusterkg.graph import formats
from clusterkg.graph.map.vocab import HYDRA
from clusterkg.graph.publish import urls
from clusterkg.service.errors import NotSerializable
from clusterkg.service.formats import serialize_graph
from clusterkg.service.html import label_of, render_html

__all__ = ["rdf_xml_problem", "render_document", "render_page", "page_links", "with_view"]

#: The end of a predicate IRI RDF/XML can write as an element name (XML 1.0 NCName).
_NCNAME_END = re.compile(r"[A-Za-z_][\w.\-]*$")
#: Characters XML 1.0 cannot carry (§2.2).
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def rdf_xml_problem(g: Graph) -> str | None:
    """Why RDF/XML cannot write ``g``, or None when it can: a predicate IRI that does not
    end in an XML name (RDF 1.1 XML Syntax §2.1: a predicate is an element name), or a
    character XML 1.0 cannot carry (§2.2) in an IRI or a literal.

    >>> from rdflib import Literal
    >>> rdf_xml_problem(Graph().add((URIRef("urn:s"), URIRef("http://ex.org/123"), Literal("x"))))
    'the predicate <http://ex.org/123> does not end in an XML name'
    """
    for s, p, o in g:
        if not _NCNAME_END.search(str(p)):
            return f"the predicate <{p}> does not end in an XML name"
        if any(_XML_BAD.search(str(t)) for t in (s, p, o)):
            return "a value holds a character XML 1.0 cannot carry"
    return None


def render_document(g: Graph, focus: URIRef | None, title: str, url_base: str, media: str,
                    labels: dict[str, str], base: str, pages: dict[str, str] | None = None,
                    document: str | None = None) -> bytes:
    """The document's body in ``media``.

    :param g: the description.
    :param focus: the resource it is about (shown first in HTML), or None.
    :param title: the HTML page's title.
    :param url_base: the document's URL without a suffix (the variants add theirs).
    :param media: a media type of :data:`~clusterkg.graph.formats.DOCUMENT`.
    :param labels: IRI -> label, for the resources the HTML page links to.
    :param base: the base URI (JSON-LD's context is at ``{base}context.jsonld``).
    :param pages: for one page of a longer description (:func:`page_links`), else None.
    :param document: the document whose hash IRIs get anchors by fragment (``ns``), else None.
    :return: the bytes; in HTML, links to vocabulary IRIs point at this server
        (:meth:`~clusterkg.graph.publish.urls.Urls.local`).
    :raises NotSerializable: RDF/XML asked for a graph it cannot write.
    """
    if media == formats.HTML.media_type:
        alternates = {f.media_type: url_base + f.suffix for f in formats.DOCUMENT if f != formats.HTML}
        return render_html(g, focus, title, alternates, labels, pages, urls.Urls(base).local, document)
    if media == formats.RDF_XML.media_type:
        problem = rdf_xml_problem(g)
        if problem is not None:
            raise NotSerializable(f"RDF/XML cannot write this description: {problem}")
    return serialize_graph(g, media, context_url=base + urls.CONTEXT)


def page_links(url_base: str, suffix: str, page: int, last: int) -> dict[str, str]:
    """URL of this page (``self``) and of the ``first``, ``prev``, ``next`` and ``last``
    pages (those that exist).

    >>> sorted(page_links("http://x/doc/a", ".ttl", 1, 3).items())[:2]
    [('first', 'http://x/doc/a.ttl?page=1'), ('last', 'http://x/doc/a.ttl?page=3')]
    """
    def url(n: int) -> str:
        return f"{url_base}{suffix}?page={n}"

    out = {"self": url(page), "first": url(1), "last": url(last)}
    if page > 1:
        out["prev"] = url(page - 1)
    if page < last:
        out["next"] = url(page + 1)
    return out


def with_view(g: Graph, focus: URIRef, pages: dict[str, str]) -> Graph:
    """``g`` and the Hydra view of the page: ``focus hydra:view page``, the page a
    ``hydra:PartialCollectionView`` with its first, previous, next and last pages."""
    out = Graph()
    for t in g:
        out.add(t)
    view = URIRef(pages["self"])
    out.bind("hydra", HYDRA)
    out.add((focus, HYDRA.view, view))
    out.add((view, RDF.type, HYDRA.PartialCollectionView))
    for rel, term in (("first", HYDRA.first), ("prev", HYDRA.previous), ("next", HYDRA.next), ("last", HYDRA.last)):
        if rel in pages:
            out.add((view, term, URIRef(pages[rel])))
    return out


def render_page(described: dict, spec: dict) -> bytes:
    """Write one page of a resource's description.

    :param described: what :func:`~clusterkg.service.query.describe.describe_page` gave.
    :param spec: ``iri``, ``path`` (under ``{base}id/``), ``base``, ``media``, ``suffix``
        (the document suffix the request named, or ``""``) and ``page``.
    :return: the body (empty when the page holds no triples).
    :raises NotSerializable: RDF/XML asked for a graph it cannot write.
    """
    if not described["ntriples"]:
        return b""
    g = Graph().parse(data=described["ntriples"], format=formats.N_TRIPLES.rdflib)
    labels, focus, base = described["labels"], URIRef(spec["iri"]), spec["base"]
    found = labels.get(spec["iri"]) or label_of(g, focus, labels)  # a name or label, not a slug, where it has one
    title = found if found != spec["iri"] else spec["path"]
    url_base = base + urls.DOC + spec["path"]
    pages = None
    if described["last"] > 1:
        pages = page_links(url_base, spec["suffix"], spec["page"], described["last"])
        if spec["media"] != formats.HTML.media_type:
            g = with_view(g, focus, pages)
    return render_document(g, focus, title, url_base, spec["media"], labels, base, pages)
