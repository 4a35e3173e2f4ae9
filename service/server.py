"""The HTTP server: uvicorn (uvloop, httptools) with bounds on what a client can hold.

uvicorn's httptools protocol sets no limit on a request's head and no deadline for it:
llhttp hands a long header over in pieces that are joined by repeated concatenation
(four 64 MiB headers took the web process to 323 MiB and ``/health`` to 13 s), and a
connection that never finishes its headers is held for ever (about 20,000 of them used up
the process's files). :class:`LimitedHttpProtocol` is that protocol with three bounds,
each costing constant work per event (a count, a comparison, one timer per connection):

* **Head size** (``CLUSTERKG_MAX_HEADER_BYTES``): a request's head (request line and
  header fields) may take that many bytes and :data:`MAX_HEADER_FIELDS` fields; beyond,
  ``431 Request Header Fields Too Large`` (RFC 6585 §5) and the connection is closed.
  Bytes are counted as they arrive, before the parser sees them, and the parser is never
  fed more of a head than the limit, so a head costs at most about twice the limit.
* **Deadline** (``CLUSTERKG_HEADER_TIMEOUT``): from when a connection opens or its previous
  answer ends, the next request's head must arrive whole within that many seconds, and
  then its body within as many again (a total, not an idle time: sending one byte now and
  then does not extend it); else the connection is closed, with ``408 Request Timeout``
  (RFC 9110 §15.5.9) when part of a request came. An idle kept-alive connection is closed
  after uvicorn's keep-alive time (5 s).
* **Open connections** (``CLUSTERKG_MAX_CONNECTIONS``): a connection beyond the cap is
  answered ``503 Service Unavailable`` with ``Retry-After`` at once and closed. Half-sent
  requests count, so the cap and the deadline together bound what stalled clients hold.
* **Readers that stop**: a client that lets the send buffer stay over its high-water
  mark for :attr:`HttpLimits.send_stall` seconds (60; it drains to the low-water mark
  once 48 KiB are taken) is disconnected; else one that stops reading would hold its
  connection, and what feeds the answer, for ever.
* **Pipelining**: at most :data:`MAX_PIPELINED` requests wait behind the one being
  answered (uvicorn queued every request of what it had read: 15,000 tiny pipelined
  requests held 33 MB). A request past that is not read: the waiting ones are answered,
  then the connection is closed and the rest of what the client sent is dropped (a client
  retries the unanswered requests of a closed connection, RFC 9112 §9.3.2).

A refusal is written, then the server shuts its side (FIN) and reads, discarding, for at
most :data:`LINGER` seconds before it closes: closing with the client's bytes unread
would reset the connection and could destroy the answer before the client reads it. When
an answer is already being sent on the connection there is no room for another, and the
connection is simply closed.

:func:`serve` runs the app with this protocol (and no WebSocket support, which the
service does not use) and raises the process's open-file limit to what the cap needs.
"""

from __future__ import annotations

import asyncio
import http
import logging
import resource
from dataclasses import dataclass
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from clusterkg.settings import Settings

__all__ = ["HttpLimits", "LimitedHttpProtocol", "serve", "MAX_HEADER_FIELDS", "MAX_PIPELINED", "LINGER"]

#: Header fields one request may have (Apache httpd's ``LimitRequestFields`` default);
#: each costs the app a little on every header look-up.
MAX_HEADER_FIELDS = 100
#: Requests that may wait behind the one being answered on a connection (pipelining).
MAX_PIPELINED = 16
#: Seconds a refused connection is kept, reading and discarding, after its answer.
LINGER = 1.0
#: Files the web process needs besides its client connections (store, logs, the query
#: workers' pipes).
_OTHER_FILES = 256

_log = logging.getLogger("clusterkg.server")


@dataclass(frozen=True)
class HttpLimits:
    """The bounds :class:`LimitedHttpProtocol` applies (see the module docstring).

    :param max_header_bytes: bytes of one request's head.
    :param header_timeout: seconds for a request's head, and again for its body.
    :param max_connections: open connections; one more is refused.
    :param send_stall: seconds the send buffer may stay over its high-water mark (the
        client taking less than 48 KiB of an answer) before the client is disconnected
        (not a setting).
    """

    max_header_bytes: int = 64 * 1024
    header_timeout: float = 10.0
    max_connections: int = 1024
    send_stall: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "HttpLimits":
        """The limits the settings give (``CLUSTERKG_MAX_HEADER_BYTES``, ...)."""
        return cls(settings.max_header_bytes, settings.header_timeout, settings.max_connections)


def _answer(status: int, text: str, retry_after: int | None = None) -> bytes:
    """A whole ``text/plain`` HTTP/1.1 response that closes the connection."""
    body = (text + "\n").encode("utf-8")
    head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}", "content-type: text/plain; charset=utf-8",
            f"content-length: {len(body)}", "x-content-type-options: nosniff", "connection: close"]
    if retry_after is not None:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class _Answers:
    """The refusals of one set of limits, made once; and how many refused connections
    linger now (at most the connection cap: beyond, they are closed at once)."""

    def __init__(self, limits: HttpLimits):
        self.too_large = _answer(431, f"the request's head is over {limits.max_header_bytes} bytes or "
                                      f"{MAX_HEADER_FIELDS} header fields (CLUSTERKG_MAX_HEADER_BYTES)")
        self.timeout = _answer(408, f"the request did not arrive within {limits.header_timeout:g} s "
                                    "(CLUSTERKG_HEADER_TIMEOUT)")
        self.busy = _answer(503, f"too many open connections (CLUSTERKG_MAX_CONNECTIONS = {limits.max_connections}); "
                                 "try again shortly", retry_after=1)
        self.invalid = _answer(400, "Invalid HTTP request received.")
        self.lingering = 0


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request that was refused."""


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the bounds of the module docstring.

    Use :meth:`with_limits` to get the class for a set of limits, and pass it to
    ``uvicorn.Config(http=...)``. A connection is in one of three phases: reading a
    request's head (also between requests), reading its body, or waiting for the app's
    answer; only the first two have a deadline.
    """

    limits = HttpLimits()
    _answers = _Answers(limits)

    @classmethod
    def with_limits(cls, limits: HttpLimits) -> type["LimitedHttpProtocol"]:
        """A subclass applying ``limits`` (its refusals made once, its own count of
        lingering connections)."""
        return type(cls.__name__, (cls,), {"limits": limits, "_answers": _Answers(limits)})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # reading a head, or between requests
        self._in_body = False
        self._head_bytes = 0  # bytes of the current head so far
        # the deadline (loop time), None when the client is not expected to send; the timer
        # is lazy: moving the deadline does not touch it, it looks again when it fires
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stall: asyncio.TimerHandle | None = None  # while the client takes none of an answer
        self._refused = False  # refused, or the pipeline is full: what comes is dropped
        self._lingers = False

    # -- connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            self.transport = transport  # never counted among the connections
            self._refuse(self._answers.busy)
            return
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        for timer in (self._timer, self._stall):
            if timer is not None:
                timer.cancel()
        self._timer = self._stall = None
        if self._lingers:
            self._lingers = False
            self._answers.lingering -= 1
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._unset_keepalive_if_required()
        if self._in_head:
            self._feed_head(data)
        else:
            self._feed(data)
        if self._in_body and self._deadline is None and not self._refused:
            self._arm()  # the head came whole; the body has its own deadline

    def _feed_head(self, data: bytes | memoryview) -> None:
        """Feed ``data`` while a head is being read: never more than the head's room
        at once; a head still unfinished at the limit is refused with ``431``."""
        limit = self.limits.max_header_bytes
        while True:
            room = limit - self._head_bytes
            if len(data) <= room:
                self._head_bytes += len(data)
                self._feed(data)
                return
            self._head_bytes = limit
            view = memoryview(data)
            if not self._feed(view[:room]):
                return
            if self._in_head and self._head_bytes >= limit:
                self._refuse(self._answers.too_large)
                return
            data = view[room:]  # the head ended in time: the rest is its body, or the next request
            if not self._in_head:
                self._feed(data)
                return

    def _feed(self, data: bytes | memoryview) -> bool:
        """Give ``data`` to the parser, as uvicorn does; False when the connection is
        now closing (a malformed request gets ``400``)."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if not self._refused:  # a callback may have refused the request already
                self.logger.warning("Invalid HTTP request received.")
                self._refuse(self._answers.invalid)
            return False
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        return not self.transport.is_closing()

    # -- parser events

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.headers) >= MAX_HEADER_FIELDS:  # the fields uvicorn kept for this request
            self._refuse(self._answers.too_large)
            raise _Refused
        HttpToolsProtocol.on_header(self, name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._in_body = False, True
        self._disarm()
        if len(self.pipeline) >= MAX_PIPELINED:  # answer those waiting, then close; read no more
            self._refused = True
            self.pipeline[0][0].keep_alive = False  # the newest waiting request is the last
            raise _Refused
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head, self._in_body = True, False
        self._head_bytes = 0
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        waiting = not self.pipeline  # no request read ahead: the client's turn
        super().on_response_complete()
        if waiting and self._deadline is None and not self.transport.is_closing():
            self._arm()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stall is None:
            self._stall = self.loop.call_later(self.limits.send_stall, self.transport.abort)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    # -- the deadline and refusals

    def _arm(self) -> None:
        self._deadline = self.loop.time() + self.limits.header_timeout
        if self._timer is None:
            self._timer = self.loop.call_later(self.limits.header_timeout, self._expired)

    def _disarm(self) -> None:
        self._deadline = None

    def _expired(self) -> None:
        """The timer fired: wait on if the deadline moved; when it passed, close, with
        ``408`` when part of a request came."""
        self._timer = None
        if self._deadline is None or self.transport.is_closing():
            return
        left = self._deadline - self.loop.time()
        if left > 0:
            self._timer = self.loop.call_later(left, self._expired)
            return
        if self.flow is not None and self.flow.read_paused:  # we stopped reading, not the client
            self._arm()
            return
        if self._in_body or self._head_bytes:
            self._refuse(self._answers.timeout)
        else:
            self.transport.close()

    def _refuse(self, answer: bytes) -> None:
        """Answer ``answer`` and close (see the module docstring); the connection is
        simply closed when an answer is already under way on it."""
        self._refused = True
        self._disarm()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started or self.pipeline:
                self.transport.close()
                return
            cycle.disconnected = True  # the app, still reading this request, sees the client gone
            cycle.message_event.set()
        self.transport.write(answer)
        answers = self._answers
        if answers.lingering >= self.limits.max_connections or not self.transport.can_write_eof():
            self.transport.close()
            return
        answers.lingering += 1
        self._lingers = True
        self.transport.write_eof()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(LINGER, self.transport.close)


def _allow_files(limits: HttpLimits) -> None:
    """Raise the soft limit on open files to what the connection cap needs (connections,
    refused ones lingering, and the process's own files), up to the hard limit; log a
    warning when even that is too low."""
    need = 2 * limits.max_connections + _OTHER_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    target = need if hard == resource.RLIM_INFINITY else min(need, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    if target < need:
        _log.warning("this process may open %d files: fewer than CLUSTERKG_MAX_CONNECTIONS = %d needs (%d)",
                     target, limits.max_connections, need)


def serve(app: Any, settings: Settings) -> None:
    """Serve the ASGI ``app`` on ``settings.host``:``settings.port`` until SIGINT or
    SIGTERM, with the limits of ``settings`` (see :class:`HttpLimits`); answers under way
    get 5 s to finish when it stops.

    :param app: the ASGI application (:func:`clusterkg.service.app.create_app`).
    :param settings: resolved configuration.
    """
    limits = HttpLimits.from_settings(settings)
    _allow_files(limits)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info",
                            access_log=settings.access_log,
                            timeout_graceful_shutdown=5, http=LimitedHttpProtocol.with_limits(limits), ws="none")
    uvicorn.Server(config).run()
