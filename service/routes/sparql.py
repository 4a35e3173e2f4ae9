"""``/sparql``: the SPARQL 1.1 Protocol, read-only (https://www.w3.org/TR/sparql11-protocol/).

Query operation (§2.1): ``GET ?query=``, ``POST`` form-encoded (``query=``) and ``POST``
``application/sparql-query``. SELECT/ASK results as SPARQL JSON, XML, CSV or TSV;
CONSTRUCT/DESCRIBE as Turtle, N-Triples or RDF/XML, chosen by Accept. A GET without
``query`` returns the SPARQL Service Description. Update operations are refused (403).
Handlers are plain ``def``: FastAPI runs them in its thread pool, so a slow query never
blocks the event loop.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...graph.store import QUERY_RESULT_FORMATS, RDF_FORMATS
from ..errors import BadRequest, UnsupportedMediaType, UpdateRefused
from ..negotiation import negotiate

__all__ = ["router", "RESULT_TYPES", "GRAPH_TYPES"]

router = APIRouter()

#: Offered for SELECT/ASK, preferred first.
RESULT_TYPES = list(QUERY_RESULT_FORMATS)
#: Offered for CONSTRUCT/DESCRIBE, preferred first.
GRAPH_TYPES = list(RDF_FORMATS)

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"the '{name}' parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def _answer(request: Request, sparql: str) -> Response:
    store = request.app.state.store.get()
    result = store.query(sparql)
    offered = GRAPH_TYPES if result.kind == "graph" else RESULT_TYPES
    media = negotiate(request.headers.get("accept"), offered)
    body = result.serialize(media)
    charset = "" if media == "application/sparql-results+xml" else "; charset=utf-8"
    return Response(body, media_type=None, headers={
        "Content-Type": media + charset, "Vary": "Accept"})


@router.get("/sparql", summary="SPARQL 1.1 query (GET) or the service description")
def sparql_get(request: Request) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    if "update" in params:
        raise UpdateRefused()
    query = _one(params, "query")
    if query is None:
        return request.app.state.service_description(request)
    return _answer(request, query)


@router.post("/sparql", summary="SPARQL 1.1 query (POST, form-encoded or direct)")
async def sparql_post(request: Request) -> Response:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    url_params = parse_qs(request.url.query, keep_blank_values=True)
    if ctype == _UPDATE or "update" in url_params:
        raise UpdateRefused()
    if ctype == _FORM:
        try:
            params = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise BadRequest("the form body is not UTF-8") from None
        if "update" in params:
            raise UpdateRefused()
        if "query" in params and "query" in url_params:
            raise BadRequest("'query' is given both in the URL and in the body")
        query = _one(params, "query")
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
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_answer, request, query)
