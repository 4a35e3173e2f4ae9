"""The messages between the web process and a query worker, on their pipe.

Web -> worker: a :class:`QueryRequest` dict per query, or None to stop the worker.

No message is longer than about 64 KiB (:data:`CHUNK`): a longer answer, even a single row
of it, goes in several ``chunk`` messages, so the web process holds a few of them per
answer whatever the answer's size.

Worker -> web (tuples; the first item is the kind):

=============== ===================================================================
message         meaning
=============== ===================================================================
``ready``       ``(READY, isolated, memory)``: the worker started (isolated: no network;
                memory: its memory limit in bytes, or None when it could not be set)
``whole``       ``(WHOLE, kind, media, generation, body, rows, reason|None)``: an
                answer that fits in one chunk (64 KiB), in one message
``head``        ``(HEAD, kind, media, generation)``: a longer answer begins
``chunk``       ``(CHUNK, bytes, row_end)``: its next bytes; ``row_end`` is False when
                they end inside a row (a long row comes in several chunks)
``end``         ``(END, rows, reason|None)``: it ended (``reason``: the limit that cut it)
``error``       ``(ERROR, error kind, message)``: the query failed (:func:`error_message`);
                after a ``memory`` error the worker exits
``unacceptable`` ``(UNACCEPTABLE, kind, generation)``: no media type was acceptable
                for the query's kind (``select``, ``ask`` or ``graph``)
=============== ===================================================================

The web side turns an error message back into the domain error (:func:`raise_for`) and,
when it must cut a stream itself, closes the document with :func:`closing_marker`.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import AsyncIterator, NotRequired, TypedDict

from clusterkg.graph import formats
from clusterkg.graph.errors import QueryEvaluationError, QuerySyntaxError, QueryTimeout, RemoteStoreError, StoreError
from clusterkg.service.errors import Busy, NotSerializable, ResultTooLarge

__all__ = ["QueryRequest", "Started", "READY", "WHOLE", "HEAD", "CHUNK", "END", "ERROR", "UNACCEPTABLE", "CRASH",
           "MEMORY", "KILLED", "CHUNK_BYTES", "error_message", "memory_message", "raise_for", "closing_marker",
           "receive"]

READY, WHOLE, HEAD, CHUNK, END, ERROR, UNACCEPTABLE = "ready", "whole", "head", "chunk", "end", "error", "unacceptable"
#: The error kind the web side uses for a worker that stopped (its pipe closed).
CRASH = "crash"
#: The error kind of a query that needed more memory than a worker may hold.
MEMORY = "memory"
#: The error kind the web side uses for a worker stopped from outside (``SIGKILL`` not sent
#: by the pool: an operator, the system's out-of-memory killer): not the query's fault.
KILLED = "killed"
#: The most bytes of an answer one message carries.
CHUNK_BYTES = 64 * 1024

_CRASHED = ("the query made the query engine fail (it is probably too long or too deeply "
            "nested); simplify it")


def memory_message(limit: int | None) -> str:
    """The client's message for a query stopped at the worker's memory limit.

    :param limit: the limit, bytes (None: not known).

    >>> "(CLUSTERKG_WORKER_MEMORY, 2,048 MiB here)" in memory_message(2 * 1024 ** 3)
    True
    """
    shown = f", {limit / 1024 ** 2:,.0f} MiB here" if limit else ""
    return (f"the query needed more memory than a query worker may hold (CLUSTERKG_WORKER_MEMORY{shown}); "
            "it was stopped and its worker replaced. Simplify the query or add a LIMIT")


class QueryRequest(TypedDict):
    """One query, as sent to a worker.

    ``query`` (the text), ``default_graphs`` and ``named_graphs`` (the protocol's dataset,
    None when not given), ``base_iri``, ``timeout`` (seconds), ``max_rows``, ``max_bytes``,
    and ``media``: kind (``select``, ``ask``, ``graph``) -> the media type negotiated for
    it, or None when nothing offered for that kind is acceptable. Optional:
    ``substitutions`` (variable -> IRI, bound before evaluation) and ``document`` (a page
    of a resource document to build and write in place of running ``query``: ``iri``,
    ``path``, ``base``, ``media``, ``suffix``, ``page``, ``size``; see :mod:`.describe`).
    """

    query: str
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    base_iri: str
    timeout: float
    max_rows: int
    max_bytes: int
    media: dict[str, str | None]
    substitutions: NotRequired[dict[str, str]]
    document: NotRequired[dict]


@dataclass
class Started:
    """A query whose answer has begun.

    :param kind: ``select``, ``ask`` or ``graph``.
    :param media: the media type the answer is written in.
    :param chunks: async iterator of the answer's bytes.
    :param generation: the store snapshot the worker answered from.
    :param body: the whole answer, when it came in one message (then ``chunks`` yields
        just that), else None.
    :param complete: True when no limit cut the answer, False when one did, None while a
        streamed answer has not ended.
    """

    kind: str
    media: str
    chunks: AsyncIterator[bytes]
    generation: str = ""
    body: bytes | None = None
    complete: bool | None = None


#: The kinds of ``error`` message and the error each stands for, in the order a worker's
#: exception is matched (a subclass before its base: a remote store's error is a store error).
_KINDS: list[tuple[str, type[Exception]]] = [
    ("syntax", QuerySyntaxError), ("timeout", QueryTimeout), ("unwritable", NotSerializable),
    ("too-large", ResultTooLarge), ("evaluation", QueryEvaluationError), ("remote", RemoteStoreError),
    ("store", StoreError)]


def error_message(exc: BaseException) -> tuple[str, str, str]:
    """The ``error`` message a worker sends for a failed query (worker side).

    :param exc: a :class:`~clusterkg.graph.errors.StoreError` (a
        :class:`~clusterkg.graph.errors.QueryTimeout` too: a document page past the limit), a
        :class:`~clusterkg.service.errors.ResultTooLarge`, or an ``OSError`` or
        ``RuntimeError`` from the engine (taken as an evaluation error).
    :return: ``(ERROR, error kind, message)``.

    >>> error_message(QuerySyntaxError("error at 1:7"))
    ('error', 'syntax', 'error at 1:7')
    """
    engine = isinstance(exc, (OSError, RuntimeError))  # the engine failed: an evaluation error
    kind = "evaluation" if engine else next((k for k, cls in _KINDS if isinstance(exc, cls)), "store")
    return ERROR, kind, str(exc)


def raise_for(msg: tuple | None, timeout: float) -> None:
    """Raise the error a worker's message stands for (web side); return for any other message.

    :param msg: the message, or None when nothing came before the deadline.
    :param timeout: the query's limit, seconds (for the timeout's message).
    :raises QueryTimeout: for None.
    :raises QuerySyntaxError, ResultTooLarge, NotSerializable, StoreError, RemoteStoreError,
        QueryEvaluationError: for an ``error`` message of that kind (a crashed worker's is
        a :class:`QueryEvaluationError` saying the query made the engine fail; one that
        ran out of memory, a :class:`QueryEvaluationError` naming the memory limit).
    :raises Busy: for a worker stopped from outside (``killed``): 503, to be asked again.
    """
    if msg is None:
        raise QueryTimeout(timeout)
    if msg[0] != ERROR:
        return
    kind, text = msg[1], msg[2]
    if kind == "timeout":
        raise QueryTimeout(timeout)
    if kind == CRASH:
        raise QueryEvaluationError(_CRASHED)
    if kind == KILLED:
        raise Busy(1, text)
    raise dict(_KINDS).get(kind, QueryEvaluationError)(text)


def closing_marker(media: str, reason: str, row_end: bool = True) -> bytes:
    """What the web side appends to a stream it cuts: it closes the document and says it
    was truncated (the markers of :mod:`clusterkg.service.query.writers`, without a row
    count).

    :param media: the answer's media type.
    :param reason: why it was cut (``time-limit``, ``lookup-limit``, ``memory-limit``,
        ``error``).
    :param row_end: whether the bytes sent so far end at a row boundary. When they do
        not (a long row was being sent), a line-based format gets a line break first, so
        the marker stands on a line of its own after the partial row; a JSON or XML
        document cut inside a row cannot be closed well.
    :return: the closing bytes.

    >>> closing_marker("text/csv", "time-limit")
    b'# clusterkg:truncated reason=time-limit\\r\\n'
    """
    fmt = formats.by_media_type(media)
    if not row_end and fmt not in (formats.SPARQL_JSON, formats.JSON, formats.SPARQL_XML):
        return (b"\r\n" if fmt == formats.CSV else b"\n") + closing_marker(media, reason)
    if fmt in (formats.SPARQL_JSON, formats.JSON):
        return b']},"clusterkg:truncated":{"reason":"' + reason.encode() + b'"}}'
    if fmt == formats.SPARQL_XML:
        return b"<!-- clusterkg:truncated reason=" + reason.encode() + b" --></results></sparql>\n"
    if fmt == formats.CSV:
        return b"# clusterkg:truncated reason=" + reason.encode() + b"\r\n"
    return b"# clusterkg:truncated reason=" + reason.encode() + b"\n"


def _resolve(future: asyncio.Future) -> None:
    """Mark ``future`` done (a reader callback: the pipe has a message)."""
    if not future.done():
        future.set_result(None)


async def receive(conn: Connection, deadline: float) -> tuple | None:
    """The worker's next message (web side), or None when none came before ``deadline``
    (``time.monotonic()``). A message already waiting is taken whatever the time (the
    worker enforces its own limit while it streams). Waits on the pipe in the event loop
    itself (no thread), then reads the whole message; a closed pipe reads as a ``crash``
    error."""
    try:
        if not conn.poll(0):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            loop = asyncio.get_running_loop()
            ready = loop.create_future()
            fd = conn.fileno()
            loop.add_reader(fd, _resolve, ready)
            try:
                await asyncio.wait_for(ready, remaining)
            except asyncio.TimeoutError:
                return None
            finally:
                loop.remove_reader(fd)
                os.set_blocking(fd, True)  # uvloop leaves a watched fd non-blocking
        return conn.recv()
    except (EOFError, OSError):
        return (ERROR, CRASH, "the query worker stopped unexpectedly")
