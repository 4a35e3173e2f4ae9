"""The service's branch of the error tree, and every error mapped to its HTTP response, once.

The tree is drawn in :mod:`clusterkg.graph.errors`; this module defines its
:class:`ServiceError` branch. Each class carries its HTTP status as the class attribute
``status`` (and extra response headers in :attr:`ServiceError.headers`), so
:func:`install_error_handlers` maps the whole branch with one handler. Every error answers
in ``text/plain``:

=============================== ====== ==========================================
error                           status body
=============================== ====== ==========================================
QuerySyntaxError                400    ``SPARQL syntax error:`` and the parser's message
QueryEvaluationError            400    the engine's message
BadRequest (protocol misuse)    400    what is wrong with the request
ResultTooLarge, NotSerializable 400    the limit, and the streamed formats to use instead
QueryRefused                    403    the endpoint is read-only; SERVICE is not allowed
NotFound                        404    what was not found
NotAcceptable                   406    the media types that could be served
PayloadTooLarge                 413    the size limit
UnsupportedMediaType            415    the request body types accepted
RemoteStoreError                502    the SPARQL server's message, its address hidden
Busy                            503    retry later (``Retry-After``)
QueryTimeout                    504    the time limit
StoreError (any other)          500    a generic message; details go to the log
=============================== ====== ==========================================

This module imports no other part of the service, so every module may raise these errors
(the query workers too, which never load the web framework's routing).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Iterator, MutableMapping, Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from clusterkg.graph.errors import (ClusterkgError, QueryEvaluationError, QuerySyntaxError, QueryTimeout,
                                    RemoteStoreError, StoreError)

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["ServiceError", "BadRequest", "ResultTooLarge", "NotSerializable", "QueryRefused", "NotFound",
           "NotAcceptable", "PayloadTooLarge", "UnsupportedMediaType", "Busy", "install_error_handlers"]

_log = logging.getLogger("clusterkg.service")


class ServiceError(ClusterkgError):
    """A request the HTTP service refuses; ``str()`` is the message the client reads.

    :cvar status: the HTTP status code it is answered with (RFC 9110 §15).
    """

    status: int = 400

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers (none, unless a subclass needs some)."""
        return {}


class BadRequest(ServiceError):
    """The request breaks the protocol (no query, query given twice, a bad parameter):
    400 Bad Request (RFC 9110 §15.5.1)."""

    status = 400


class ResultTooLarge(ServiceError):
    """A result over the limit (rows or bytes) in a format that is not streamed: 400."""

    status = 400


class NotSerializable(ResultTooLarge):
    """A result that the requested format cannot express (an RDF/XML predicate IRI that
    does not end in an XML name, a character XML 1.0 cannot carry): 400."""


class QueryRefused(ServiceError):
    """The query uses something this endpoint does not allow: 403 Forbidden.

    :param reason: ``"update"``, ``"service"`` or ``"extension"``.
    :param message: for the client.
    """

    status = 403

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)

    @classmethod
    def update(cls) -> QueryRefused:
        """The refusal of a SPARQL Update operation (SPARQL 1.1 Protocol §2.2) sent to
        this read-only endpoint: reason ``"update"``.

        >>> QueryRefused.update().reason
        'update'
        """
        return cls("update", "This SPARQL endpoint is read-only: updates are refused. "
                             "Data is loaded with 'clusterkg build'.")


class NotFound(ServiceError):
    """Nothing is known about the requested resource or file: 404.

    :param what: what was asked for (an IRI, a file name); characters that cannot be
        printed are shown as ``\\xNN``.

    >>> str(NotFound("dump 'x.ttl'"))
    "Not found: nothing is known about dump 'x.ttl'"
    """

    status = 404

    def __init__(self, what: str):
        self.what = what
        shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in what)
        super().__init__(f"Not found: nothing is known about {shown}")


class NotAcceptable(ServiceError):
    """No offered media type fits the request's ``Accept``: 406 (RFC 9110 §15.5.7).

    :param offered: the media types that could be served, preferred first.
    """

    status = 406

    def __init__(self, offered: Sequence[str]):
        self.offered = list(offered)
        super().__init__("Not Acceptable: this resource can be served as " + ", ".join(self.offered))


class PayloadTooLarge(ServiceError):
    """The request body is over the limit: 413 Content Too Large (RFC 9110 §15.5.14).

    :param size: bytes received (or declared) so far.
    :param limit: the most accepted, bytes.
    """

    status = 413

    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(f"the request body has {size:,} bytes or more; at most {limit:,} are accepted")


class UnsupportedMediaType(ServiceError):
    """The request body has a media type the endpoint does not take: 415 (RFC 9110 §15.5.16).

    :param got: the request's ``Content-Type``.
    :param accepted: the body types taken.
    """

    status = 415

    def __init__(self, got: str, accepted: list[str]):
        self.got, self.accepted = got, accepted
        super().__init__(f"unsupported request body type {got!r}; use one of: {', '.join(accepted)}")


class Busy(ServiceError):
    """Every query worker is busy and the queue is full (or the wait ran out): 503 with
    ``Retry-After`` (RFC 9110 §15.6.4, §10.2.3).

    :param retry_after: seconds the client should wait.
    :param reason: what made the endpoint unable to answer now, when not that every worker
        is in use (the message then says this instead).
    """

    status = 503

    def __init__(self, retry_after: int, reason: str | None = None):
        self.retry_after = retry_after
        super().__init__(f"the endpoint is busy: {reason or 'all query workers are in use'}; retry in {retry_after} s")

    @property
    def headers(self) -> dict[str, str]:
        """``Retry-After``."""
        return {"Retry-After": str(self.retry_after)}


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    h = {"Vary": "Accept"}
    h.update(headers or {})
    return PlainTextResponse(message + "\n", status_code=status, headers=h)


def _store_error(request: Request, exc: StoreError) -> PlainTextResponse:
    """The response to a store error (the table in the module docstring)."""
    if isinstance(exc, QuerySyntaxError):
        return _text(400, f"SPARQL syntax error: {exc}")
    if isinstance(exc, QueryEvaluationError):
        return _text(400, str(exc))
    if isinstance(exc, QueryTimeout):
        return _text(504, str(exc))
    if isinstance(exc, RemoteStoreError):
        _log.error("SPARQL server error: %s", exc)
        endpoint = request.app.state.settings.endpoint()
        text = str(exc).replace(endpoint.url, "the SPARQL server") if endpoint else str(exc)
        return _text(502, f"Bad Gateway: {text}")  # the server's address stays in the log
    _log.exception("store error: %s", exc)
    return _text(500, "Internal error while reading the store.")


def _flat_routes(routes: list) -> Iterator:
    for r in routes:
        inner = getattr(getattr(r, "original_router", None), "routes", None) or (
            getattr(r, "routes", None) if not hasattr(r, "endpoint") else None)
        if inner is not None:
            yield from _flat_routes(inner)
        else:
            yield r


def _allowed_methods(app: Starlette, scope: MutableMapping[str, Any]) -> set[str]:
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


def install_error_handlers(app: Starlette) -> None:
    """Register on ``app`` the handlers of the table in the module docstring: one for the
    whole :class:`ServiceError` branch (status and headers from the error), one for
    :class:`~clusterkg.graph.errors.StoreError` and its subclasses, and one for the
    framework's own HTTP errors (a 405 gets the ``Allow`` header of every route on the path).

    :param app: the FastAPI (Starlette) application.
    """

    async def service_error(_: Request, exc: Exception) -> PlainTextResponse:
        assert isinstance(exc, ServiceError)
        return _text(exc.status, str(exc), exc.headers)

    async def store_error(request: Request, exc: Exception) -> PlainTextResponse:
        assert isinstance(exc, StoreError)
        return _store_error(request, exc)

    async def http_error(request: Request, exc: Exception) -> PlainTextResponse:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # list the methods of every route on this path
            methods = _allowed_methods(request.app, request.scope)
            if methods:
                headers["Allow"] = ", ".join(sorted(methods))
        return _text(exc.status_code, str(exc.detail), headers)

    def for_people(handler):
        async def answer(request: Request, exc: Exception):
            return _as_page(request, await handler(request, exc))
        return answer

    app.add_exception_handler(ServiceError, for_people(service_error))
    app.add_exception_handler(StoreError, for_people(store_error))
    app.add_exception_handler(HTTPException, for_people(http_error))


def _as_page(request: Request, response: PlainTextResponse):
    """The error as a page in the site's layout when the client prefers HTML (a browser's
    ``Accept``), else the plain text as it is; status and headers kept."""
    from clusterkg.service.negotiation import negotiate

    try:
        prefers = negotiate(request.headers.get("accept"), ["text/plain", "text/html"])
    except NotAcceptable:
        return response
    if prefers != "text/html" or getattr(request.app.state, "urls", None) is None:
        return response
    from http import HTTPStatus

    from clusterkg.service.html import TEMPLATES, site_links

    headers = {k: v for k, v in response.headers.items() if k not in ("content-type", "content-length")}
    try:
        reason = HTTPStatus(response.status_code).phrase
    except ValueError:  # a status the standard library does not name
        reason = ""
    page = TEMPLATES.get_template("error.html").render(
        site=site_links(request.app.state.urls), status=response.status_code, reason=reason,
        message=bytes(response.body).decode("utf-8", "replace").strip())
    from starlette.responses import HTMLResponse

    return HTMLResponse(page, status_code=response.status_code, headers=headers)
