"""Linked-data documents: dereferenceable resource IRIs, the vocabulary, the shapes.

* ``GET {base}id/{path}`` answers ``303 See Other`` to the document ``{base}doc/{path}``
  (W3C "Cool URIs for the Semantic Web", §4.3, the 303 solution).
* ``GET {base}doc/{path}`` serves the resource's description (its triples and those of its
  parts: label, staff, contact points, memberships) as HTML, Turtle, JSON-LD (compact,
  with our context at ``{base}context.jsonld``), N-Triples or RDF/XML, chosen by
  ``Accept`` or by a suffix (``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``), with
  ``Link: <...>; rel="alternate"`` headers for the other variants. A description is built
  in a query worker, one page at a time (:mod:`clusterkg.service.query.describe`: at most
  ``CLUSTERKG_DOC_PAGE_SIZE`` values per property, and parts), under the limits of any
  query (time, size, worker memory). A description of more than one page says so in every
  format: ``?page=N`` links in the HTML page, a Hydra ``PartialCollectionView``
  (``hydra:first``, ``previous``, ``next``, ``last``; the resource ``hydra:view`` the page)
  in RDF, and ``Link`` headers (``rel="first"``, ``"prev"``, ``"next"``, ``"last"``). A
  graph RDF/XML cannot write (a predicate IRI that does not end in an XML name) gets
  ``406`` naming the other formats.
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

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Graph, URIRef
from starlette.concurrency import run_in_threadpool

from clusterkg.graph import formats
from clusterkg.graph.errors import QueryTimeout
from clusterkg.graph.map.concepts import ontology_graph
from clusterkg.graph.publish import urls
from clusterkg.graph.publish.vocabulary import vocabulary_document
from clusterkg.service.errors import NotAcceptable, NotFound, NotSerializable
from clusterkg.service.formats import jsonld_context, media_types
from clusterkg.service.http import page_number
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses
from clusterkg.service.routes.site import with_backlinks
from clusterkg.service.rendering import page_links, render_document, render_page

__all__ = ["router", "DOC_TYPES", "negotiate_document",
           "resource", "document", "ontology", "namespace", "concept", "shapes", "context"]

router = APIRouter()


#: Offered for documents, preferred first.
DOC_TYPES = media_types(formats.DOCUMENT)


def negotiate_document(accept: str | None, offered: list[str] = DOC_TYPES) -> str:
    """The document format for ``accept`` among ``offered``; plain ``application/json``
    (asked for by many clients) gets JSON-LD, which is JSON.

    :raises NotAcceptable: nothing offered fits.

    >>> negotiate_document("application/json"), negotiate_document("text/html;q=0.5, text/turtle")
    ('application/ld+json', 'text/turtle')
    """
    media = negotiate(accept, [*offered, formats.JSON.media_type])
    return formats.JSON_LD.media_type if media == formats.JSON.media_type else media


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
    """The document's body and Content-Type in ``media`` (:func:`~clusterkg.service.rendering.render_document`)."""
    return render_document(g, focus, title, url_base, media, labels, base, None, document), formats.content_type(media)


def _respond(request: Request, url_base: str, media: str | None,
             render: Callable[[str], tuple[bytes, str]]) -> Response:
    """Negotiate (unless a suffix chose ``media``), render with ``render(media)`` and add
    the Link, Content-Location and Vary headers."""
    negotiated = media is None
    media = media or negotiate_document(request.headers.get("accept"))
    body, ctype = render(media)
    return Response(body, headers=_headers(url_base, media, ctype, negotiated))


def _headers(url_base: str, media: str, ctype: str, negotiated: bool, links: str = "") -> dict[str, str]:
    """Content-Type, the Link headers (the other variants, and ``links``), Content-Location
    and, for a negotiated answer, Vary."""
    suffix = formats.by_media_type(media, formats.DOCUMENT).suffix  # type: ignore[union-attr]
    headers = {"Content-Type": ctype, "Link": _links(url_base, media) + links, "Content-Location": url_base + suffix}
    if negotiated:
        headers["Vary"] = "Accept"
    return headers


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
            responses=responses(DOC_TYPES, 400, 404, 406, 503, 504),
            openapi_extra={"parameters": [
                {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}}]})
async def document(path: str, request: Request) -> Response:
    """A resource's description, one page of it, in the format its suffix names or
    ``Accept`` picks (see the module docstring). When RDF/XML cannot write it, a
    negotiated request gets the next format its ``Accept`` takes.

    :raises NotFound: nothing is known about the resource, or no such page.
    :raises NotAcceptable: no document format fits ``Accept``, or RDF/XML cannot write it
        (the other formats named).
    :raises BadRequest: a bad page number.
    :raises QueryTimeout, Busy: as for any query.
    """
    path, media = _split_suffix(path)
    page = page_number(request.query_params.get("page"))
    negotiated = media is None
    accept = request.headers.get("accept")
    media = media or negotiate_document(accept)
    try:
        last, body = await _page(request, path, page, media, negotiated)
    except NotSerializable:  # RDF/XML cannot write it: the next format the client takes
        others = [m for m in DOC_TYPES if m != media]
        if not negotiated:
            raise NotAcceptable(others) from None
        media = negotiate_document(accept, others)
        last, body = await _page(request, path, page, media, negotiated)
    base = request.app.state.urls.base
    if not body:
        iri = base + urls.ID + path
        raise NotFound(iri if page == 1 else f"page {page} of {iri}")
    if media == formats.HTML.media_type and page == 1:  # the clusters that refer to it
        body = await run_in_threadpool(with_backlinks, request, base + urls.ID + path, body)
    url_base = base + urls.DOC + path
    links = ""
    if last > 1:
        suffix = "" if negotiated else formats.by_media_type(media, formats.DOCUMENT).suffix  # type: ignore[union-attr]
        pages = page_links(url_base, suffix, page, last)
        links = "".join(f', <{u}>; rel="{rel}"' for rel, u in pages.items() if rel != "self")
    return Response(body, headers=_headers(url_base, media, formats.content_type(media), negotiated, links))


async def _page(request: Request, path: str, page: int, media: str, negotiated: bool) -> tuple[int, bytes]:
    """One page of the description of ``{base}id/{path}`` in ``media``, built by a query
    worker (:mod:`clusterkg.service.query.describe`) and written by
    :func:`~clusterkg.service.rendering.render_page`, in the worker for a long page, here
    (in a thread) for a short one: the last page's number and the body (empty: nothing
    there; also for a path that makes no IRI).

    :raises NotSerializable: RDF/XML cannot write it.
    :raises QueryTimeout: the page was cut (past the time limit).
    """
    state = request.app.state
    base = state.urls.base
    iri = base + urls.ID + path
    suffix = "" if negotiated else formats.by_media_type(media, formats.DOCUMENT).suffix  # type: ignore[union-attr]
    spec = {"iri": iri, "path": path, "base": base, "media": media, "suffix": suffix, "page": page,
            "size": state.settings.doc_page_size}
    try:
        ox.NamedNode(iri)  # RFC 3987, as the store reads it (linear in the path's length)
    except ValueError:  # not even an IRI: certainly nothing is known about it
        return 0, b""
    started = await state.pool.run({"query": "", "default_graphs": None, "named_graphs": None,
                                    "base_iri": base, "document": spec},
                                   lambda _kind: media, quick=True, shape="document " + iri)
    data = started.body if started.body is not None else b"".join([c async for c in started.chunks])
    if not started.complete:
        raise QueryTimeout(state.settings.query_timeout)
    head, _, body = data.partition(b"\n")
    if head == b"data":  # a short page: written here, in a thread (a few milliseconds)
        described = json.loads(body)
        return described["last"], await run_in_threadpool(render_page, described, spec)
    return int(head), body


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
    return _render(doc.graph, doc.focus, doc.title, base + name, media, _vocabulary_labels(), base, document=hashed)


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
    response = _static(request, urls.CONCEPT + bare, "", media)
    if not response.headers["content-type"].startswith(formats.HTML.media_type):
        return response
    body = with_backlinks(request, urls.PERSISTENT_BASE + urls.CONCEPT + bare, bytes(response.body))
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    return Response(body, headers=headers)


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
