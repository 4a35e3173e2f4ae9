"""Domain errors -> HTTP responses, in one place.

=============================== ====== ==========================================
error                           status body
=============================== ====== ==========================================
QuerySyntaxError                400    the parser's message (text/plain)
QueryEvaluationError            400    the engine's message
BadRequest (protocol misuse)    400    what is wrong with the request
UpdateRefused, QueryRefused     403    the endpoint is read-only; SERVICE is not allowed
NotFound                        404    what was not found
NotAcceptable                   406    the media types that could be served
PayloadTooLarge                 413    the size limit
ResultTooLarge                  400    the limit, and the streamed formats to use instead
Busy                            503    retry later (Retry-After)
QueryTimeout                    504    the time limit
UnsupportedMediaType            415    the request body types accepted
StoreError                      500    a generic message; details go to the log
=============================== ====== ==========================================
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from starlette.exceptions import HTTPException as StarletteHTTPException

from clusterkg.graph.errors import QueryEvaluationError, QuerySyntaxError, QueryTimeout, RemoteStoreError, StoreError
from clusterkg.service.query.writers import ResultTooLarge
from clusterkg.service.guard import QueryRefused
from clusterkg.service.query import Busy
from clusterkg.service.negotiation import NotAcceptable

__all__ = ["BadRequest", "UpdateRefused", "UnsupportedMediaType", "NotFound", "PayloadTooLarge",
           "install_error_handlers"]

log = logging.getLogger("clusterkg.service")


class BadRequest(Exception):
    """The request breaks the protocol (no query, query given twice, ...)."""


class UpdateRefused(Exception):
    """A SPARQL Update was sent to the read-only endpoint."""


class PayloadTooLarge(Exception):
    """The request body is over the limit (bytes)."""

    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(f"the request body has {size:,} bytes or more; at most {limit:,} are accepted")


class NotFound(Exception):
    """Nothing is known about the requested resource or file."""

    def __init__(self, what: str):
        self.what = what
        shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in what)
        super().__init__(f"Not found: nothing is known about {shown}")


class UnsupportedMediaType(Exception):
    """The request body has a media type the endpoint does not take."""

    def __init__(self, got: str, accepted: list[str]):
        self.got, self.accepted = got, accepted
        super().__init__(f"unsupported request body type {got!r}; use one of: {', '.join(accepted)}")


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    h = {"Vary": "Accept"}
    h.update(headers or {})
    return PlainTextResponse(message + "\n", status_code=status, headers=h)


def _flat_routes(routes):
    for r in routes:
        inner = getattr(getattr(r, "original_router", None), "routes", None) or (
            getattr(r, "routes", None) if not hasattr(r, "endpoint") else None)
        if inner is not None:
            yield from _flat_routes(inner)
        else:
            yield r


def _allowed_methods(app, scope) -> set[str]:
    """Methods of all routes whose path matches (RFC 9110 §15.5.6: a 405 lists them all)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in _flat_routes(app.router.routes):
        route_methods = getattr(route, "methods", None)
        if not route_methods:
            continue
        match, _ = route.matches({**scope, "method": next(iter(route_methods))})
        if match == Match.FULL:
            methods |= set(route_methods)
    if "GET" in methods:
        methods.add("HEAD")
    return methods


#: Domain error -> status, answered with ``str(exc)`` as text/plain (the table above).
STATUS = {
    QueryEvaluationError: 400, BadRequest: 400, ResultTooLarge: 400, QueryRefused: 403, NotFound: 404,
    PayloadTooLarge: 413, UnsupportedMediaType: 415, QueryTimeout: 504,
}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers of the table above on ``app``."""

    async def plain(_: Request, exc: Exception):
        return _text(next(STATUS[c] for c in type(exc).__mro__ if c in STATUS), str(exc))

    for cls in STATUS:
        app.add_exception_handler(cls, plain)

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(_: Request, exc: QuerySyntaxError):
        return _text(400, f"SPARQL syntax error: {exc}")

    @app.exception_handler(UpdateRefused)
    async def _update(_: Request, exc: UpdateRefused):
        return _text(403, "This SPARQL endpoint is read-only: updates are refused. "
                          "Data is loaded with 'clusterkg build'.")

    @app.exception_handler(NotAcceptable)
    async def _not_acceptable(_: Request, exc: NotAcceptable):
        return _text(406, "Not Acceptable: this resource can be served as " + ", ".join(exc.offered))

    @app.exception_handler(Busy)
    async def _busy(_: Request, exc: Busy):
        return _text(503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # list the methods of every route on this path
            methods = _allowed_methods(request.app, request.scope)
            if methods:
                headers["Allow"] = ", ".join(sorted(methods))
        return _text(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RemoteStoreError)
    async def _remote(request: Request, exc: RemoteStoreError):
        log.error("SPARQL server error: %s", exc)
        endpoint = request.app.state.settings.endpoint()
        text = str(exc).replace(endpoint.url, "the SPARQL server") if endpoint else str(exc)
        return _text(502, f"Bad Gateway: {text}")  # the server's address stays in the log

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: StoreError):
        log.exception("store error: %s", exc)
        return _text(500, "Internal error while reading the store.")
