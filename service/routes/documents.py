"""Linked-data documents: dereferenceable resource IRIs, the vocabulary, the shapes.

* ``GET {base}id/{path}`` answers ``303 See Other`` to the document ``{base}doc/{path}``
  (W3C "Cool URIs for the Semantic Web", §4.3, the 303 solution).
* ``GET {base}doc/{path}`` serves the resource's description (its triples and those of its
  parts: label, staff, contact points, memberships) as HTML, Turtle, JSON-LD (compact,
  with our context at ``{base}context.jsonld``) or N-Triples, chosen by ``Accept`` or by a
  suffix (``.html``, ``.ttl``, ``.jsonld``, ``.nt``), with ``Link: <...>; rel="alternate"``
  headers for the other variants.
* The vocabulary's persistent IRIs (``https://w3id.org/clusterkg/...``, redirected here by
  the rules in ``docs/w3id/``) answer at the same path under the base URI, the same way:
  ``GET /ns`` the vocabulary (a section per term, anchored by its fragment),
  ``GET /concept/{scheme}`` a concept scheme, ``GET /concept/{scheme}/{slug}`` one concept
  (one the mapping added to an open scheme is data: ``id/concept/...``), ``GET /shapes``
  the SHACL shapes. ``GET /ontology`` serves the vocabulary with every scheme in one document.
  In HTML, links to vocabulary IRIs point at these pages (:meth:`Urls.local`).
"""

from __future__ import annotations

import functools
import json
from typing import Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Graph, URIRef

from clusterkg.graph import formats
from clusterkg.graph.errors import QuerySyntaxError
from clusterkg.graph.map.concepts import ontology_graph
from clusterkg.graph.map.vocab import SCHEMA
from clusterkg.graph.publish import urls
from clusterkg.graph.publish.vocabulary import vocabulary_document
from clusterkg.service.errors import NotFound
from clusterkg.service.formats import jsonld_context, media_types, serialize_graph
from clusterkg.service.html import render_html
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses

__all__ = ["router", "DOC_TYPES", "DESCRIBE", "LABELS", "resource", "document", "ontology", "namespace", "concept",
           "shapes", "context"]

router = APIRouter()

#: The description of ?r: its own triples, its parts' (IRIs under its own), and the
#: memberships that point at it. ?r is bound by substitution, never pasted in.
DESCRIBE = """CONSTRUCT { ?s ?p ?o } WHERE {
  { ?r ?p ?o . BIND(?r AS ?s) }
  UNION { ?r ?q ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), CONCAT(STR(?r), "/"))) ?s ?p ?o }
  UNION { ?s <http://www.w3.org/ns/org#organization> ?r . ?s ?p ?o }
}"""

LABELS = """SELECT ?x (SAMPLE(?l) AS ?label) WHERE {
  VALUES ?x { %s }
  ?x <http://www.w3.org/2004/02/skos/core#prefLabel>|<https://schema.org/name>
     |<http://www.w3.org/2000/01/rdf-schema#label> ?l
  FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en"))
} GROUP BY ?x"""


#: Offered for documents, preferred first.
DOC_TYPES = media_types(formats.DOCUMENT)


def _split_suffix(path: str) -> tuple[str, str | None]:
    """``path`` without a document suffix (``.ttl``...), and the media type it names."""
    for fmt in formats.DOCUMENT:
        if path.endswith(fmt.suffix):
            return path[: -len(fmt.suffix)], fmt.media_type
    return path, None


def _links(url_base: str, chosen: str) -> str:
    return ", ".join(f'<{url_base}{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"'
                     for fmt in formats.DOCUMENT if fmt.media_type != chosen)


def _render(g: Graph, focus: URIRef | None, title: str, url_base: str, media: str,
            labels: dict[str, str], base: str, document: str | None = None) -> tuple[bytes, str]:
    """The document's body and Content-Type in ``media``; ``document`` as :func:`render_html`'s."""
    if media == formats.HTML.media_type:
        alternates = {f.media_type: url_base + f.suffix for f in formats.DOCUMENT if f != formats.HTML}
        body = render_html(g, focus, title, alternates, labels, urls.Urls(base).local, document)
    else:
        body = serialize_graph(g, media, context_url=base + urls.CONTEXT)
    return body, formats.content_type(media)


def _respond(request: Request, url_base: str, media: str | None,
             render: Callable[[str], tuple[bytes, str]]) -> Response:
    """Negotiate (unless a suffix chose ``media``), render with ``render(media)`` and add
    the Link, Content-Location and Vary headers."""
    negotiated = media is None
    media = media or negotiate(request.headers.get("accept"), DOC_TYPES)
    body, ctype = render(media)
    suffix = formats.by_media_type(media, formats.DOCUMENT).suffix  # type: ignore[union-attr]
    headers = {"Content-Type": ctype, "Link": _links(url_base, media), "Content-Location": url_base + suffix}
    if negotiated:
        headers["Vary"] = "Accept"
    return Response(body, headers=headers)


def _labels(store, g: Graph) -> dict[str, str]:
    found = {str(o) for o in g.objects() if isinstance(o, URIRef)} | {str(p) for p in g.predicates()}
    iris = sorted(i for i in found if ">" not in i and " " not in i)
    if not iris:
        return {}
    rows = store.query(LABELS % " ".join(f"<{i}>" for i in iris)).rows()
    return {r["x"]: r["label"] for r in rows if "label" in r}


@router.get("/" + urls.ID + "{path:path}", summary="Resource IRI: 303 to its document", status_code=303,
            response_class=PlainTextResponse,
            responses={303: {"description": "See Other: the document describing the resource",
                             "content": {"text/plain": {}}}, **responses(None, 404)})
def resource(path: str, request: Request) -> Response:
    """A resource IRI: ``303 See Other`` to the document that describes it (W3C "Cool
    URIs for the Semantic Web" §4.3)."""
    target = request.app.state.urls.base + urls.DOC + quote(path, safe="/:@!$&'()*+,;=-._~")
    return PlainTextResponse(f"See Other: {target}\n", status_code=303, headers={"Location": target})


@router.get("/" + urls.DOC + "{path:path}", summary="A resource's description",
            responses=responses(DOC_TYPES, 400, 404, 406))
def document(path: str, request: Request) -> Response:
    """A resource's description, in the format its suffix names or ``Accept`` picks.

    :raises NotFound: nothing is known about the resource.
    :raises NotAcceptable: no document format fits ``Accept``.
    """
    path, media = _split_suffix(path)
    base = request.app.state.urls.base
    iri = base + urls.ID + path
    store = request.app.state.store.get()
    g = _describe(store, iri)
    if len(g) == 0:
        raise NotFound(iri)
    labels = _labels(store, g)
    focus = URIRef(iri)
    title = labels.get(iri) or next((str(o) for o in g.objects(focus, SCHEMA.name)), path)
    url_base = base + urls.DOC + path
    return _respond(request, url_base, media, lambda m: _render(g, focus, title, url_base, m, labels, base))


def _describe(store, iri: str) -> Graph:
    """The description of ``iri`` as an rdflib Graph; the engine's result object is
    consumed and dropped here, in the thread that made it (it may not cross threads)."""
    try:
        result = store.query(DESCRIBE, substitutions={"r": iri})
    except QuerySyntaxError:  # not even an IRI: certainly nothing is known about it
        return Graph()
    data = result.serialize(formats.N_TRIPLES.media_type).decode("utf-8")
    del result
    return Graph().parse(data=data, format=formats.N_TRIPLES.rdflib)


@functools.lru_cache(maxsize=1)
def _vocabulary_labels() -> dict[str, str]:
    from rdflib.namespace import RDFS, SKOS

    g = ontology_graph()
    out: dict[str, str] = {}
    for p in (RDFS.label, SKOS.prefLabel):
        for s, o in g.subject_objects(p):
            out.setdefault(str(s), str(o))
    return out


@functools.lru_cache(maxsize=64)
def _static_body(name: str, media: str, base: str) -> tuple[bytes, str]:
    """A shipped document (the ``ontology`` bundle, or a path of
    :func:`~clusterkg.graph.publish.vocabulary.vocabulary_document`) rendered in ``media``:
    they only change with the installed package, so each rendition is made once per process."""
    if name == urls.ONTOLOGY:
        return _render(ontology_graph(), None, "clusterkg vocabulary and concept schemes", base + name, media,
                       _vocabulary_labels(), base)
    doc = vocabulary_document(name)
    assert doc is not None
    hashed = doc.iri if doc.focus is None else None
    return _render(doc.graph, doc.focus, doc.title, base + name, media, _vocabulary_labels(), base, hashed)


@router.get("/" + urls.ONTOLOGY + "{suffix:path}", summary="The clusterkg vocabulary and every concept scheme",
            responses=responses(DOC_TYPES, 404, 406))
def ontology(suffix: str, request: Request) -> Response:
    """The vocabulary and all its concept schemes in one document (``/ontology.ttl``...)."""
    return _static(request, urls.ONTOLOGY, suffix)


@router.get("/" + urls.NAMESPACE + "{suffix:path}", summary="The clusterkg vocabulary (https://w3id.org/clusterkg/ns)",
            responses=responses(DOC_TYPES, 404, 406))
def namespace(suffix: str, request: Request) -> Response:
    """The vocabulary's terms, ``ns#Term`` each anchored on the page (``/ns.ttl``...)."""
    return _static(request, urls.NAMESPACE, suffix)


@router.get("/" + urls.CONCEPT + "{path:path}", summary="A concept scheme or concept (https://w3id.org/clusterkg/concept/...)",
            responses=responses(DOC_TYPES, 404, 406))
def concept(path: str, request: Request) -> Response:
    """A shipped concept scheme or concept (``/concept/label-level/gold.ttl``...). A
    concept the mapping adds to an open scheme is a resource of the data
    (``id/concept/...``), described at ``doc/concept/...``.

    :raises NotFound: no shipped scheme or concept at ``path``.
    """
    bare, media = _split_suffix(path)
    if vocabulary_document(urls.CONCEPT + bare) is None:
        raise NotFound(urls.PERSISTENT_BASE + urls.CONCEPT + bare)
    return _static(request, urls.CONCEPT + bare, "", media)


@router.get("/" + urls.SHAPES + "{suffix:path}", summary="The SHACL shapes profiles are validated with",
            responses=responses(DOC_TYPES, 404, 406))
def shapes(suffix: str, request: Request) -> Response:
    """The SHACL shapes, ``shapes#Shape`` each anchored on the page (``/shapes.ttl``...)."""
    return _static(request, urls.SHAPES, suffix)


def _static(request: Request, name: str, suffix: str, media: str | None = None) -> Response:
    base = request.app.state.urls.base
    fmt = formats.by_suffix(suffix, formats.DOCUMENT) if suffix else None
    if suffix and fmt is None:
        raise NotFound(base + name + suffix)
    if fmt is not None:
        media = fmt.media_type
    return _respond(request, base + name, media, lambda m: _static_body(name, m, base))


@router.get("/" + urls.CONTEXT, summary="The JSON-LD context of our documents",
            responses=responses([formats.JSON_LD.media_type]))
def context() -> Response:
    """The JSON-LD context documents are compacted with (:func:`~clusterkg.service.formats.jsonld_context`)."""
    return Response(json.dumps(jsonld_context(), indent=2, sort_keys=True),
                    headers={"Content-Type": formats.JSON_LD.media_type, "Access-Control-Allow-Origin": "*"})
