"""``/sparql``: the SPARQL 1.1 Protocol, read-only (https://www.w3.org/TR/sparql11-protocol/).

Query operation (§2.1): ``GET ?query=``, ``POST`` form-encoded (``query=``) and ``POST``
``application/sparql-query``. SELECT/ASK results as SPARQL JSON, XML, CSV or TSV;
CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, chosen by Accept. A GET
without ``query`` returns the SPARQL Service Description. Update operations and
``SERVICE`` (unless allow-listed) are refused (403). Queries run in worker processes
(:mod:`clusterkg.service.query`) and stream back, so a slow query never blocks the event
loop or other clients, and one past its time limit is really stopped.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from dataclasses import replace
from typing import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from clusterkg.graph import formats
from clusterkg.service.cache import CacheKey, ResponseCache
from clusterkg.service.errors import BadRequest, PayloadTooLarge, QueryRefused, UnsupportedMediaType
from clusterkg.service.guard import check_query
from clusterkg.service.http import not_modified
from clusterkg.service.openapi import ERRORS, SPARQL_BODY, SPARQL_PARAMETERS, responses
from clusterkg.service.errors import NotAcceptable
from clusterkg.service.negotiation import negotiate

__all__ = ["router", "RESULT_TYPES", "GRAPH_TYPES"]

router = APIRouter()

#: Offered for SELECT/ASK, preferred first; plain ``application/json`` (asked for by many
#: clients) gets the SPARQL JSON results.
RESULT_TYPES = [f.media_type for f in formats.RESULTS] + [formats.JSON.media_type]
#: Offered for CONSTRUCT/DESCRIBE, preferred first.
GRAPH_TYPES = [f.media_type for f in formats.GRAPH_RESULTS]

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


def _offers(accept: str | None) -> tuple[str | BaseException, str | BaseException]:
    """The media types negotiated from ``accept`` for a results answer (SELECT/ASK) and
    for a graph answer (CONSTRUCT/DESCRIBE); a :class:`NotAcceptable` in place of one
    that nothing offered satisfies. Done before the query runs, since the query's kind is
    only known once it is parsed."""
    out: list[str | BaseException] = []
    for offered in (RESULT_TYPES, GRAPH_TYPES):
        try:
            out.append(negotiate(accept, offered))
        except NotAcceptable as exc:
            out.append(exc)
    return out[0], out[1]


def _content_type(media: str) -> str:
    return media + ("" if media in ("application/sparql-results+xml", "application/rdf+xml") else "; charset=utf-8")


def _whole(request: Request, media: str, body: bytes, etag: str | None, cache_state: str | None) -> Response:
    """A response with the whole answer in hand: Content-Length, the ETag of a complete
    answer, and ``304`` when the client's If-None-Match already names it."""
    headers = {"Content-Type": _content_type(media), "Vary": "Accept"}
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


async def _answer(request: Request, sparql: str, params: dict[str, list[str]]) -> Response:
    settings = request.app.state.settings
    pool = request.app.state.pool
    cache: ResponseCache = request.app.state.cache
    check_query(sparql, service_allow=settings.service_allow, strict=not pool.offline() and not settings.remote)
    default_graphs, named_graphs = _dataset(params)
    offers = _offers(request.headers.get("accept"))
    key = None
    cacheable = cache.enabled and cache.cacheable(sparql)
    generation = getattr(request.app.state.store.get(), "generation", None) if cacheable else None
    if generation is not None:
        key = CacheKey(generation, sparql, None if default_graphs is None else tuple(default_graphs),
                       None if named_graphs is None else tuple(named_graphs),
                       tuple(None if isinstance(o, BaseException) else o for o in offers))
        hit = cache.get(key)
        if hit is not None:
            return _whole(request, hit.media, hit.body, hit.etag, "hit")

    def choose(kind: str) -> str:
        media = offers[kind == "graph"]
        if isinstance(media, BaseException):
            raise media
        return "application/sparql-results+json" if media == "application/json" else media

    started = await pool.run(
        {"query": sparql, "default_graphs": default_graphs, "named_graphs": named_graphs,
         "base_iri": settings.base_uri + "sparql"}, choose)
    media = offers[started.kind == "graph"]
    cache_state = None if key is None else "miss"
    if started.body is not None:
        etag = None
        if started.complete and key is not None:
            key = replace(key, generation=started.generation)
            cache.put(key, media, started.body)
            etag = key.etag()
        return _whole(request, media, started.body, etag, cache_state)
    chunks = started.chunks if key is None else _kept(started.chunks, started, cache, key, media)
    headers = {"Content-Type": _content_type(media), "Vary": "Accept"}
    if cache_state is not None:
        headers["X-Cache"] = cache_state
    return StreamingResponse(chunks, headers=headers)


def _params(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the parameters are not UTF-8 (after percent-decoding)") from None


_RESULTS = RESULT_TYPES + GRAPH_TYPES


@router.get("/sparql", summary="SPARQL 1.1 query (GET) or the service description",
            responses=responses(_RESULTS + ["application/n-triples"], *ERRORS),
            openapi_extra={"parameters": SPARQL_PARAMETERS})
async def sparql_get(request: Request) -> Response:
    params = _params(request.url.query)
    if "update" in params:
        raise QueryRefused.update()
    query = _one(params, "query")
    if query is None:
        return await run_in_threadpool(request.app.state.service_description, request)
    return await _answer(request, query, params)


@router.post("/sparql", summary="SPARQL 1.1 query (POST, form-encoded or direct)",
             responses=responses(_RESULTS, *ERRORS, 413, 415), openapi_extra={"requestBody": SPARQL_BODY})
async def sparql_post(request: Request) -> Response:
    raw_ctype = request.headers.get("content-type", "")
    ctype = raw_ctype.split(";")[0].strip().lower()
    charset = _charset(raw_ctype)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(raw_ctype, [_FORM + "; charset=UTF-8", _QUERY + "; charset=UTF-8"])
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(int(declared), MAX_BODY_BYTES)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(len(body), MAX_BODY_BYTES)
    url_params = _params(request.url.query)
    if ctype == _UPDATE or "update" in url_params:
        raise QueryRefused.update()
    if ctype == _FORM:
        try:
            params = _params(body.decode("ascii"))
        except UnicodeDecodeError:
            raise BadRequest("the form body is not URL-encoded ASCII") from None
        if "update" in params:
            raise QueryRefused.update()
        if "query" in params and "query" in url_params:
            raise BadRequest("'query' is given both in the URL and in the body")
        query = _one(params, "query")
        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                url_params.setdefault(name, []).extend(params[name])
    elif ctype == _QUERY:
        if "query" in url_params:
            raise BadRequest("'query' is given in the URL of a direct POST")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query body is not UTF-8") from None
    else:
        raise UnsupportedMediaType(ctype or "(none)", [_FORM, _QUERY])
    if not query:
        raise BadRequest("no 'query' given")
    return await _answer(request, query, url_params)
