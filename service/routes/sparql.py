"""``/sparql``: the SPARQL 1.1 Protocol, read-only (https://www.w3.org/TR/sparql11-protocol/).

Query operation (§2.1): ``GET ?query=``, ``POST`` form-encoded (``query=``) and ``POST``
``application/sparql-query``. SELECT/ASK results as SPARQL JSON, XML, CSV or TSV;
CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, chosen by Accept. A GET
without ``query`` returns the SPARQL Service Description. Update operations and
``SERVICE`` (unless allow-listed) are refused (403). Queries run in worker processes
(:mod:`clusterkg.service.query`) and stream back, so a slow query never blocks the event
loop or other clients, and one past its time limit is really stopped. The work on a
request's text before that (the checks, the cache key, the lane) takes time linear in its
length; for a long text it is done in a process of its own
(:class:`~clusterkg.service.textcheck.TextChecker`), so the event loop never spends more
than a millisecond or so on a request.
"""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import quote, urlencode
from typing import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from clusterkg.graph import formats
from clusterkg.graph.publish import urls
from clusterkg.service.cache import CacheKey, ResponseCache
from clusterkg.service.description import description, write_description
from clusterkg.service.examples import examples
from clusterkg.service.html import TEMPLATES, YASGUI, site_links
from clusterkg.service.middleware import EDITOR_CSP
from clusterkg.service.errors import (BadRequest, NotAcceptable, NotFound, PayloadTooLarge, QueryRefused,
                                      UnsupportedMediaType)
from clusterkg.service.formats import media_types
from clusterkg.service.http import not_modified
from clusterkg.service.kept import kept
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import ERRORS, SPARQL_BODY, SPARQL_PARAMETERS, responses
from clusterkg.service.textcheck import TextFacts

__all__ = ["router", "RESULT_TYPES", "GRAPH_TYPES", "service_description", "sparql_get", "sparql_post",
           "MAX_BODY_BYTES", "FORMAT_PARAMS", "editor", "answer", "named_graph"]

router = APIRouter()

#: Offered for SELECT/ASK, preferred first; plain ``application/json`` (asked for by many
#: clients) gets the SPARQL JSON results.
RESULT_TYPES = media_types(formats.RESULTS + (formats.JSON,))
#: Offered for CONSTRUCT/DESCRIBE, preferred first.
GRAPH_TYPES = media_types(formats.GRAPH_RESULTS)
#: Offered for the service description: the RDF document formats.
_DESCRIPTION_TYPES = media_types(tuple(f for f in formats.DOCUMENT if f != formats.HTML))

#: Largest request body accepted (bytes); a query is text, a few kB at most.
MAX_BODY_BYTES = 1024 * 1024
_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"the '{name}' parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def _dataset(params: dict[str, list[str]]) -> tuple[list[str] | None, list[str] | None]:
    """``default-graph-uri`` / ``named-graph-uri`` (SPARQL 1.1 Protocol §2.1.4): when
    either is given, it replaces the dataset of the query (and its FROM clauses)."""
    dg = params.get("default-graph-uri")
    ng = params.get("named-graph-uri")
    for iri in (dg or []) + (ng or []):
        if not iri.startswith(("http://", "https://", "urn:")) or any(c in iri for c in '<>" {}|\\^`'):
            raise BadRequest(f"not an absolute IRI: {iri!r}")
    if dg is None and ng is None:
        return None, None
    return dg or [], ng or []


#: The ``format=`` / ``output=`` request parameters of Fuseki, Virtuoso and SPARQLWrapper:
#: name -> the ``Accept`` it stands for (a results format for SELECT/ASK, an RDF format for
#: CONSTRUCT/DESCRIBE). A media type is taken as it is. Either parameter wins over ``Accept``.
FORMAT_PARAMS = {
    "json": "application/sparql-results+json, application/ld+json;q=0.9",
    "xml": "application/sparql-results+xml, application/rdf+xml;q=0.9",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
    "json-ld": "application/ld+json", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
    "rdf-xml": "application/rdf+xml",
}


def _accept(request: Request, params: dict[str, list[str]]) -> str | None:
    """The ``Accept`` to negotiate with: the one ``format=`` (else ``output=``) stands for,
    else the request's header.

    :raises BadRequest: a value that is neither a known name nor a media type.
    """
    fmt = _one(params, "format") or _one(params, "output")
    if fmt is None:
        return request.headers.get("accept")
    key = fmt.strip().lower()
    if key in FORMAT_PARAMS:
        return FORMAT_PARAMS[key]
    if key in RESULT_TYPES or key in GRAPH_TYPES:
        return key
    raise BadRequest(f"format={fmt[:60]!r}: use one of {', '.join(FORMAT_PARAMS)}, or a media type")


def _offers(accept: str | None) -> tuple[str | BaseException, str | BaseException]:
    """The media types negotiated from ``accept`` for a results answer (SELECT/ASK) and
    for a graph answer (CONSTRUCT/DESCRIBE); a :class:`NotAcceptable` in place of one
    that nothing offered satisfies. Done before the query runs, since the query's kind is
    only known once it is parsed."""
    out: list[str | BaseException] = []
    for offered in (RESULT_TYPES, GRAPH_TYPES):
        try:
            out.append(negotiate(accept, offered))
        except NotAcceptable as exc:  # kept without its traceback: it would tie this frame (and the
            out.append(exc.with_traceback(None))  # request's) into a cycle only the GC frees
    return out[0], out[1]


def _whole(request: Request, media: str, body: bytes, etag: str | None, cache_state: str | None) -> Response:
    """A response with the whole answer in hand: Content-Length, the ETag of a complete
    answer, and ``304`` when the client's If-None-Match already names it."""
    headers = {"Content-Type": formats.content_type(media), "Vary": "Accept"}
    if etag is not None:
        headers["ETag"] = etag
    if cache_state is not None:
        headers["X-Cache"] = cache_state
    if etag is not None and not_modified(request.headers, etag):
        del headers["Content-Type"]
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers)


async def _kept(chunks: AsyncIterator[bytes], started, cache: ResponseCache, key: CacheKey,
                media: str) -> AsyncIterator[bytes]:
    """Pass a streamed answer through, and cache it at the end when it was complete and
    small enough."""
    parts: list[bytes] | None = []
    size = 0
    async for chunk in chunks:
        if parts is not None:
            size += len(chunk)
            if cache.admits(size):
                parts.append(chunk)
            else:
                parts = None
        yield chunk
    if parts is not None and started.complete:
        cache.put(replace(key, generation=started.generation), media, b"".join(parts))


def _or_none(offer: str | BaseException) -> str | None:
    return None if isinstance(offer, BaseException) else offer


async def _facts(request: Request, sparql: str, default_graphs: list[str] | None, named_graphs: list[str] | None,
                 offers: tuple) -> TextFacts:
    """The query's :class:`~clusterkg.service.textcheck.TextFacts` (checks, lane, cache
    digest), read away from the event loop when it is long.

    :raises QueryRefused: an update, SERVICE, a server extension.
    """
    state = request.app.state
    settings, pool, cache = state.settings, state.pool, state.cache
    digest_of = (default_graphs, named_graphs, (_or_none(offers[0]), _or_none(offers[1]))) if cache.enabled else None
    facts = await state.checker.facts(sparql, settings.service_allow, not pool.offline() and not settings.remote,
                                 digest_of)
    if facts.refused is not None:
        raise QueryRefused(*facts.refused)
    return facts


async def answer(request: Request, sparql: str, params: dict[str, list[str]]) -> Response:
    """Answer ``sparql`` as the endpoint does (checks, cache, a worker, the format negotiated
    from ``params``' ``format``/``output`` or ``Accept``), streamed.

    :raises QueryRefused, BadRequest, NotAcceptable, QueryTimeout, Busy: as the endpoint.
    """
    pool = request.app.state.pool
    cache: ResponseCache = request.app.state.cache
    default_graphs, named_graphs = _dataset(params)
    offers = _offers(_accept(request, params))
    facts = await _facts(request, sparql, default_graphs, named_graphs, offers)
    key = None
    if facts.digest is not None and facts.cacheable:
        generation = getattr(request.app.state.store.get(), "generation", None)
        key = None if generation is None else CacheKey(generation, facts.digest)
    if key is not None:
        hit = cache.get(key)
        if hit is not None:
            return _whole(request, hit.media, hit.body, hit.etag, "hit")

    def choose(kind: str) -> str:
        media = offers[kind == "graph"]
        if isinstance(media, BaseException):
            raise media
        return formats.SPARQL_JSON.media_type if media == formats.JSON.media_type else media

    started = await pool.run(
        {"query": sparql, "default_graphs": default_graphs, "named_graphs": named_graphs,
         "base_iri": str(request.app.state.urls.sparql)}, choose, quick=facts.quick, shape=facts.shape)
    media = offers[started.kind == "graph"]
    assert isinstance(media, str)  # choose() raised for a kind nothing acceptable was offered for
    cache_state = None if key is None else "miss"
    if started.body is not None:
        etag = None
        if started.complete and key is not None:
            key = replace(key, generation=started.generation)
            cache.put(key, media, started.body)
            etag = key.etag()
        return _whole(request, media, started.body, etag, cache_state)
    chunks = started.chunks if key is None else _kept(started.chunks, started, cache, key, media)
    headers = {"Content-Type": formats.content_type(media), "Vary": "Accept"}
    if cache_state is not None:
        headers["X-Cache"] = cache_state
    return StreamingResponse(chunks, headers=headers)


async def _url_params(request: Request) -> dict[str, list[str]]:
    """The URL's parameters, read as a form body is (away from the event loop when long).

    :raises BadRequest: parameters that do not decode.
    """
    fields = await request.app.state.checker.form(request.url.query.encode("utf-8"))
    if isinstance(fields, str):
        raise BadRequest(fields.replace("the form body", "the URL's query"))
    return fields


def service_description(request: Request) -> Response:
    """The answer to a GET of the endpoint without ``query``: the SPARQL Service
    Description (SPARQL 1.1 Service Description §2, §3) in the RDF format ``Accept``
    picks; Turtle when none fits (a bare GET is often a browser or a probe). Runs in a
    worker thread (it reads the store's graph names); it lists every named graph, so it is
    written once per snapshot and media type (:func:`~clusterkg.service.kept.kept`).

    :param request: the request.
    :return: the response.
    """
    try:
        media = negotiate(request.headers.get("accept"), _DESCRIPTION_TYPES)
    except NotAcceptable:
        media = formats.TURTLE.media_type
    state = request.app.state
    store = state.store.get()

    def make() -> tuple[bytes, str]:
        settings = state.settings
        triples = description(state.urls.sparql, store.named_graphs(), settings.service_allow, settings.query_timeout,
                              settings.max_rows, settings.max_response_bytes)
        return write_description(triples, media), ""

    # the named graphs come from the snapshot (a remote store's from its build record), so
    # the description changes only with the snapshot, whichever the store
    body = kept((store.generation, "service-description", media), make)[0]
    return Response(body, headers={"Content-Type": formats.content_type(media), "Vary": "Accept"})


_RESULTS = RESULT_TYPES + GRAPH_TYPES


@router.get("/" + urls.SPARQL, summary="SPARQL 1.1 query (GET) or the service description",
            responses=responses(list(dict.fromkeys(_RESULTS + _DESCRIPTION_TYPES)), *ERRORS),
            openapi_extra={"parameters": SPARQL_PARAMETERS})
async def sparql_get(request: Request) -> Response:
    """The query operation by GET (SPARQL 1.1 Protocol §2.1.1), or the service
    description when there is no ``query``.

    :raises QueryRefused: an ``update`` parameter.
    :raises BadRequest: ``query`` given more than once, a bad dataset IRI.
    """
    params = await _url_params(request)
    if "update" in params:
        raise QueryRefused.update()
    query = _one(params, "query")
    if "format" not in params and "output" not in params and _wants_html(request):
        return editor(request)
    _accept(request, params)  # a bad format= is refused whatever else is asked
    if query is None:
        return await run_in_threadpool(service_description, request)
    return await answer(request, query, params)


#: What a bare GET of the endpoint may answer: a browser's ``Accept`` picks HTML (the
#: editor); ``*/*`` picks the first, so a client that names nothing gets data.
_PAGE_OR_DATA = RESULT_TYPES + GRAPH_TYPES + [formats.HTML.media_type]


def _wants_html(request: Request) -> bool:
    try:
        return negotiate(request.headers.get("accept"), _PAGE_OR_DATA) == formats.HTML.media_type
    except NotAcceptable:
        return False


def editor(request: Request) -> Response:
    """The query editor (YASGUI, vendored: ``service/static/vendor/``) for a browser, on this
    endpoint, the example queries as tabs; a ``query`` in the URL opens in the first tab.
    Its page may run scripts from this server and send queries to it, and nothing else
    (``Content-Security-Policy``)."""
    site = site_links(request.app.state.urls)
    tabs = json.dumps([{"title": e.title + (" (needs the other sources)" if e.data else ""), "query": e.query}
                       for e in examples()], ensure_ascii=False)
    return TEMPLATES.TemplateResponse(request, "editor.html", {
        "site": site, "title": "SPARQL query editor", "endpoint": site["sparql"], "examples": tabs,
        "yasgui": YASGUI}, headers={"Vary": "Accept", "Content-Security-Policy": EDITOR_CSP})


async def _read_body(request: Request) -> bytes:
    """The request body, refused beyond :data:`MAX_BODY_BYTES` (declared or received).
    Gathered in a buffer that grows in place, so a body sent in many small pieces costs
    no more than one sent at once.

    :raises PayloadTooLarge: over the limit.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(int(declared), MAX_BODY_BYTES)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(len(body), MAX_BODY_BYTES)
    return bytes(body)


def _form_query(params: dict[str, list[str]], url_params: dict[str, list[str]]) -> str | None:
    """The query of a form-encoded POST (SPARQL 1.1 Protocol §2.1.2), from the body's
    fields ``params``; its dataset parameters are added to ``url_params``."""
    if "update" in params:
        raise QueryRefused.update()
    if "query" in params and "query" in url_params:
        raise BadRequest("'query' is given both in the URL and in the body")
    query = _one(params, "query")
    for name in ("default-graph-uri", "named-graph-uri", "format", "output"):
        if name in params:
            url_params.setdefault(name, []).extend(params[name])
    return query


def _direct_query(body: bytes, url_params: dict[str, list[str]]) -> str:
    """The query of a direct POST (``application/sparql-query``, SPARQL 1.1 Protocol §2.1.3)."""
    if "query" in url_params:
        raise BadRequest("'query' is given in the URL of a direct POST")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the query body is not UTF-8") from None


@router.post("/" + urls.SPARQL, summary="SPARQL 1.1 query (POST, form-encoded or direct)",
             responses=responses(_RESULTS, *ERRORS, 413, 415), openapi_extra={"requestBody": SPARQL_BODY})
async def sparql_post(request: Request) -> Response:
    """The query operation by POST, form-encoded or direct (SPARQL 1.1 Protocol §2.1.2,
    §2.1.3); updates are refused.

    :raises UnsupportedMediaType: another body type, or a charset other than UTF-8.
    :raises PayloadTooLarge: a body over :data:`MAX_BODY_BYTES`.
    :raises QueryRefused: an update request.
    :raises BadRequest: no query, a query given twice, a body that does not decode.
    """
    raw_ctype = request.headers.get("content-type", "")
    ctype = raw_ctype.split(";")[0].strip().lower()
    charset = _charset(raw_ctype)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(raw_ctype, [_FORM + "; charset=UTF-8", _QUERY + "; charset=UTF-8"])
    body = await _read_body(request)
    url_params = await _url_params(request)
    if ctype == _UPDATE or "update" in url_params:
        raise QueryRefused.update()
    if ctype == _FORM:
        fields = await request.app.state.checker.form(body)
        if isinstance(fields, str):
            raise BadRequest(fields)
        query = _form_query(fields, url_params)
    elif ctype == _QUERY:
        query = _direct_query(body, url_params)
    else:
        raise UnsupportedMediaType(ctype or "(none)", [_FORM, _QUERY])
    if not query:
        raise BadRequest("no 'query' given")
    return await answer(request, query, url_params)


@router.get("/" + urls.GRAPH + "{path:path}", summary="A named graph: its triples",
            responses=responses(GRAPH_TYPES + [formats.HTML.media_type], 303, 404, *ERRORS))
async def named_graph(path: str, request: Request) -> Response:
    """A named graph's IRI (``graph/profile/ict-net``: what that page said): its triples in
    the RDF format ``Accept`` (or ``format=``) picks (SPARQL 1.1 Graph Store HTTP Protocol
    §4.1, direct identification, GET only); a browser is sent to the query editor with the
    CONSTRUCT query that gives them (303).

    :raises NotFound: no named graph has that IRI.
    """
    iri = request.app.state.urls.base + urls.GRAPH + path
    if iri not in await run_in_threadpool(request.app.state.store.graph_names):
        raise NotFound(iri)
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    params = await _url_params(request)
    if "format" not in params and "output" not in params and _wants_html(request):
        target = request.app.state.urls.sparql + "?" + urlencode({"query": query}, quote_via=quote)
        return Response(f"See Other: {target}\n", status_code=303, headers={"Location": target, "Vary": "Accept"})
    return await answer(request, query, params)
