"""Queries run in worker processes, so a runaway query can really be stopped.

Oxigraph cannot cancel a running query from another thread; a thread that runs past its
time keeps a core busy however long the query takes. So each query runs in one of a few
worker processes (``CLUSTERKG_QUERY_WORKERS``), each with its own read-only handle on the
current store snapshot. The web process:

* admits at most one query per worker and keeps a short queue (``CLUSTERKG_QUERY_QUEUE``
  waiting requests, each waiting at most ``CLUSTERKG_QUEUE_WAIT`` seconds); beyond that a
  request gets ``503`` with ``Retry-After``;
* streams the worker's output to the client in chunks (bounded memory);
* runs each worker in a network namespace of its own when the system allows it and no
  ``SERVICE`` endpoint is allowed, so a query can reach no host at all;
* enforces the wall-clock limit ``CLUSTERKG_QUERY_TIMEOUT``: the worker cuts a streaming
  result itself at the limit (with an in-band marker, see :mod:`clusterkg.service.query.writers`);
  a query that produces nothing by then (a cartesian product being counted, a big sort)
  gets its worker killed (``SIGKILL``, the core is free at once) and a fresh one started,
  and the client gets ``504``.

Messages on the pipe (web -> worker): the request dict, holding the media type
negotiated for each kind of query. (worker -> web): an answer that fits in one chunk
(64 KiB) comes whole, ``("whole", kind, media, generation, bytes, rows, reason|None)``, so
a small answer costs one message; a longer one is ``("head", kind, media, generation)``,
``("chunk", bytes)``..., ``("end", rows, reason|None)``. Failures are
``("error", kind, message)``, or ``("unacceptable", kind, generation)`` when no media type
was acceptable for the query's kind. The web process waits on the pipe in its event loop
(no thread per message).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

from clusterkg.graph.store.sparql_text import bare, keywords, where_body

__all__ = ["QueryPool", "QueryLimits", "Busy", "Started", "closing_marker", "isolate_network"]

_CRASHED = ("the query made the query engine fail (it is probably too long or too deeply "
            "nested); simplify it")


def _raise_for(msg, timeout: float) -> None:
    """Turn a worker's answer into the error it stands for: None (nothing came before
    the deadline) is a timeout; ``("error", kind, text)`` the matching domain error."""
    from clusterkg.graph.errors import (QueryEvaluationError, QuerySyntaxError, QueryTimeout, RemoteStoreError,
                                        StoreError)
    from clusterkg.service.query.writers import ResultTooLarge

    if msg is None:
        raise QueryTimeout(timeout)
    if msg[0] != "error":
        return
    kind, text = msg[1], msg[2]
    if kind == "syntax":
        raise QuerySyntaxError(text)
    if kind == "too-large":
        raise ResultTooLarge(text)
    if kind == "store":
        raise StoreError(text)
    if kind == "remote":
        raise RemoteStoreError(text)
    raise QueryEvaluationError(_CRASHED if kind == "crash" else text)


def closing_marker(media: str, reason: str) -> bytes:
    """What the web side appends to a stream it cuts after a row boundary: it closes the
    document and says it was truncated (see :mod:`clusterkg.service.query.writers`)."""
    if media in ("application/sparql-results+json", "application/json"):
        return b']},"clusterkg:truncated":{"reason":"' + reason.encode() + b'"}}'
    if media == "application/sparql-results+xml":
        return b"<!-- clusterkg:truncated reason=" + reason.encode() + b" --></results></sparql>\n"
    if media == "text/csv":
        return b"# clusterkg:truncated reason=" + reason.encode() + b"\r\n"
    return b"# clusterkg:truncated reason=" + reason.encode() + b"\n"

log = logging.getLogger("clusterkg.service.query")

#: Words of queries that may take long: aggregates, sorting, text search, negation, unions.
_SLOW_WORDS = {"GROUP", "ORDER", "HAVING", "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT",
               "DISTINCT", "REDUCED", "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "LCASE", "UCASE", "SUBSTR",
               "REPLACE", "MINUS", "EXISTS", "UNION", "SERVICE", "FROM", "DESCRIBE"}


def looks_quick(sparql: str) -> bool:
    """True for a query that looks like a look-up: its WHERE group names a resource by
    full IRI, and it has no aggregate, sorting, text search, negation, union or
    transitive path. Only for scheduling (a reserved worker): a wrong guess costs time,
    never correctness, and the time limit still applies.

    >>> looks_quick('SELECT ?d WHERE { <http://x/c/1> <https://schema.org/foundingDate> ?d }')
    True
    >>> looks_quick('SELECT ?c WHERE { ?c a <http://x/C> } ORDER BY ?c')
    False
    >>> looks_quick('SELECT * WHERE { <http://x/c/1> <http://x/p>+ ?o }')
    False
    """
    at = where_body(sparql)
    if at is None or "<" not in sparql[at:] or _SLOW_WORDS.intersection(keywords(sparql)):
        return False
    body = bare(sparql[at:])  # operators inside IRIs, strings and comments do not count
    return "*" not in body and "+" not in body


_CTX = mp.get_context("spawn")
_GRACE = 1.0  # seconds a worker gets past the limit before it is killed
#: Scheduling priority of the general-lane workers (nice(2) increment); the look-up lane runs at 0.
_GENERAL_NICENESS = 5


@dataclass(frozen=True)
class QueryLimits:
    """Per-query limits: ``timeout`` (seconds, wall clock), ``max_rows`` (rows or triples),
    ``max_bytes`` (response bytes)."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_bytes: int = 256 * 1024 * 1024


class Busy(Exception):
    """Every worker is busy and the queue is full (or the wait ran out): retry later."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"the endpoint is busy: all query workers are in use; retry in {retry_after} s")


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


def isolate_network() -> bool:
    """Move this process into a network namespace of its own, with no interface up: no
    connection can leave it (Linux ``unshare(2)``; ``CLONE_NEWNET``, with a user namespace
    when not privileged). Files and already open pipes are unaffected.

    :return: True when isolated; False where the system does not allow it.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    for flags in (clone_newnet, clone_newuser | clone_newnet):
        if libc.unshare(flags) == 0:
            return True
    return False


class _Answer:
    """The worker's side of one answer: holds the first chunk back, so an answer that
    ends within it goes to the web process in one message (``whole``); a longer one is
    announced (``head``) and streamed (``chunk``..., ``end``)."""

    def __init__(self, conn, kind: str, media: str, generation: str):
        self.conn, self.kind, self.media, self.generation = conn, kind, media, generation
        self.pending: bytes | None = None
        self.streaming = False

    def emit(self, data: bytes) -> None:
        if not self.streaming:
            if self.pending is None:
                self.pending = data
                return
            self.conn.send(("head", self.kind, self.media, self.generation))
            self.conn.send(("chunk", self.pending))
            self.pending, self.streaming = None, True
        self.conn.send(("chunk", data))

    def finish(self, rows: int, reason: str | None) -> None:
        if self.streaming:
            self.conn.send(("end", rows, reason))
        else:
            self.conn.send(("whole", self.kind, self.media, self.generation, self.pending or b"", rows, reason))


def _worker_main(conn, store_root: str, isolate: bool = True, remote: str | None = None,
                 niceness: int = 0) -> None:  # runs in the worker process
    isolated = isolate_network() if isolate else False
    if niceness:  # general-lane workers yield the CPU to the look-up lane and the web process
        try:
            os.nice(niceness)
        except OSError:
            pass
    conn.send(("ready", isolated))
    import time as _time

    from clusterkg.graph.errors import QueryEvaluationError, QuerySyntaxError, RemoteStoreError, StoreError
    from clusterkg.service.query.writers import ResultTooLarge, write_boolean, write_solutions, write_triples
    from clusterkg.graph.store import open_store

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = None
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        try:
            if store is None or store.is_stale():
                store = open_store(store_root, remote, timeout=req["timeout"] + _GRACE)
            deadline = _time.monotonic() + req["timeout"]
            result = store.query(req["query"], default_graphs=req["default_graphs"],
                                 named_graphs=req["named_graphs"], base_iri=req["base_iri"])
            media = req["media"].get(result.kind)
            if media is None:
                conn.send(("unacceptable", result.kind, store.generation))
                continue
            answer = _Answer(conn, result.kind, media, store.generation)
            if result.kind == "ask":
                write_boolean(result.boolean, media, answer.emit)
                answer.finish(1, None)
                continue
            if result.kind == "select":
                cut = write_solutions(result.raw, media, answer.emit, req["max_rows"], req["max_bytes"], deadline)
            else:
                cut = write_triples(result.raw, media, answer.emit, req["max_rows"], req["max_bytes"], deadline)
            answer.finish(cut.rows, cut.reason)
        except QuerySyntaxError as exc:
            conn.send(("error", "syntax", str(exc)))
        except ResultTooLarge as exc:
            conn.send(("error", "too-large", str(exc)))
        except (QueryEvaluationError, OSError, RuntimeError) as exc:
            conn.send(("error", "evaluation", str(exc)))
        except RemoteStoreError as exc:
            conn.send(("error", "remote", str(exc)))
        except StoreError as exc:
            conn.send(("error", "store", str(exc)))
        except (BrokenPipeError, EOFError):
            return


@dataclass
class _Worker:
    proc: object
    conn: object
    id: int = 0
    quick: bool = False  # reserved for queries that look quick (see looks_quick)


@dataclass
class QueryPool:
    """Worker processes over the store folder ``root``.

    :param root: the store folder.
    :param workers: number of worker processes (queries running at once).
    :param queue: how many requests may wait for a worker.
    :param queue_wait: seconds a request waits for a worker before ``Busy``.
    :param limits: the :class:`QueryLimits`.
    :param isolate: run the workers in a private network namespace (off for a remote store,
        which the workers reach over the network).
    :param remote: a ``sparql+http(s)://`` store URL: the workers forward queries there.
    """

    root: Path
    workers: int = 2
    queue: int = 32
    queue_wait: float = 10.0
    limits: QueryLimits = field(default_factory=QueryLimits)
    isolate: bool = True
    remote: str | None = None

    def __post_init__(self):
        self.isolated: dict[int, bool] = {}
        self._tasks: set[asyncio.Task] = set()
        self._idle: asyncio.Queue[_Worker] | None = None
        self._idle_quick: asyncio.Queue[_Worker] | None = None
        self._waiting = 0
        self._all: list[_Worker] = []
        self._next_id = 0
        self._lock = threading.Lock()

    def _spawn(self, quick: bool = False) -> _Worker:
        parent, child = _CTX.Pipe(duplex=True)
        proc = _CTX.Process(target=_worker_main, args=(child, str(self.root), self.isolate, self.remote,
                                                                  0 if quick else _GENERAL_NICENESS), daemon=True,
                            name="clusterkg-query-worker")
        proc.start()
        child.close()
        isolated = False
        if parent.poll(60):
            try:
                msg = parent.recv()
                isolated = bool(msg[0] == "ready" and msg[1])
            except (EOFError, OSError):
                pass
        if self.isolate and not isolated:
            log.warning("query worker %s runs with network access: this system does not allow a private "
                        "network namespace; the SERVICE check is the only guard", proc.pid)
        with self._lock:
            self._next_id += 1
            w = _Worker(proc, parent, self._next_id, quick)
            self.isolated[w.id] = isolated
            self._all.append(w)
        return w

    async def start(self) -> None:
        """Start the workers (call once, from the event loop)."""
        self._idle, self._idle_quick = asyncio.Queue(), asyncio.Queue()
        loop = asyncio.get_running_loop()
        spawned = await asyncio.gather(*[loop.run_in_executor(None, self._spawn, i < self.reserved_quick)
                                         for i in range(self.workers)])
        for w in spawned:
            self._queue_of(w).put_nowait(w)

    @property
    def reserved_quick(self) -> int:
        """Workers kept for queries that look quick: one when there are three or more, so a
        look-up does not wait behind long queries holding every worker."""
        return 1 if self.workers >= 3 else 0

    def _queue_of(self, w: _Worker) -> asyncio.Queue:
        return self._idle_quick if w.quick else self._idle

    async def stop(self) -> None:
        """Stop every worker."""
        for w in list(self._all):
            self._kill(w)

    def offline(self) -> bool:
        """True when every live worker runs without network access."""
        return bool(self.isolated) and all(self.isolated.values())

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.proc.pid for w in self._all if w.proc.is_alive()]

    def _kill(self, w: _Worker) -> None:
        try:
            os.kill(w.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, TypeError):
            pass
        w.proc.join(timeout=5)
        try:
            w.conn.close()
        except OSError:
            pass
        with self._lock:
            if w in self._all:
                self._all.remove(w)
            self.isolated.pop(w.id, None)

    async def _acquire(self, quick: bool = False) -> _Worker:
        """An idle worker: for a quick-looking query, from the reserved lane or the general
        one, whichever frees first; for any other query, from the general lane only.

        :raises Busy: the queue is full, or no worker freed within ``queue_wait``.
        """
        assert self._idle is not None, "QueryPool.start() was not called"
        lanes = [self._idle_quick, self._idle] if quick else [self._idle]
        for lane in lanes:
            if not lane.empty():
                return lane.get_nowait()
        if self._waiting >= self.queue:
            raise Busy(1)
        self._waiting += 1
        gets = [asyncio.ensure_future(lane.get()) for lane in lanes]
        try:
            await asyncio.wait(gets, timeout=self.queue_wait, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when this request is cancelled: a worker a get already took goes back
            self._waiting -= 1
            for g in gets:
                g.cancel()
            got = [g.result() for g in gets if g.done() and not g.cancelled()]
            if sys.exc_info()[0] is not None:
                got, back = [], got
            else:
                got, back = got[:1], got[1:]  # both lanes freed a worker at once: keep one
            for w in back:
                self._queue_of(w).put_nowait(w)
        if not got:
            raise Busy(max(1, int(self.limits.timeout // 4)))
        return got[0]

    async def _release_now(self, w: _Worker, healthy: bool) -> None:
        if healthy:
            self._queue_of(w).put_nowait(w)
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._kill, w)
        fresh = await loop.run_in_executor(None, self._spawn, w.quick)
        self._queue_of(fresh).put_nowait(fresh)

    def _release(self, w: _Worker, healthy: bool) -> None:
        """Give the worker back (or replace it) in a task of its own, so a request being
        cancelled (a client gone) cannot cancel the hand-back and leak the slot."""
        if healthy:
            self._queue_of(w).put_nowait(w)
            return
        task = asyncio.get_running_loop().create_task(self._release_now(w, False))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _recv(conn, deadline: float):
        """The worker's next message, or None when none came before ``deadline``. Waits on
        the pipe in the event loop itself (no thread), then reads the whole message."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            if not conn.poll(0):
                loop = asyncio.get_running_loop()
                ready = loop.create_future()
                fd = conn.fileno()
                loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
                try:
                    await asyncio.wait_for(ready, remaining)
                except asyncio.TimeoutError:
                    return None
                finally:
                    loop.remove_reader(fd)
                    os.set_blocking(fd, True)  # uvloop leaves a watched fd non-blocking
            return conn.recv()
        except (EOFError, OSError):
            return ("error", "crash", "the query worker stopped unexpectedly")

    async def run(self, request: dict, choose_media) -> Started:
        """Run a query; return once its answer has begun (or raise).

        :param request: ``query``, ``default_graphs``, ``named_graphs``, ``base_iri``.
        :param choose_media: ``kind -> media type`` (content negotiation), called for each
            kind (``select``, ``ask``, ``graph``) before the query runs; when it raises for
            the kind the query turns out to be, that error propagates.
        :return: :class:`Started`. When the whole answer came in one message its ``body``
            holds it; otherwise iterate ``chunks`` to the end (that releases the worker).
            ``complete`` says, once known, whether no limit cut the answer.
        :raises Busy: no worker free in time.
        :raises QueryTimeout: nothing came back within the limit (the worker was killed).
        :raises QuerySyntaxError, QueryEvaluationError, StoreError: from the worker.
        """
        media_for: dict[str, str | None] = {}
        refusals: dict[str, BaseException] = {}
        for kind in ("select", "ask", "graph"):
            try:
                media_for[kind] = choose_media(kind)
            except Exception as exc:  # raised again only if the query is of this kind
                media_for[kind], refusals[kind] = None, exc
        w = await self._acquire(looks_quick(request["query"]))
        limits = self.limits
        deadline = time.monotonic() + limits.timeout + _GRACE
        healthy = False  # until the worker is known to be idle again (a cancelled wait leaves it busy)
        handed_over = False
        try:
            msg = dict(request, timeout=limits.timeout, max_rows=limits.max_rows, max_bytes=limits.max_bytes,
                       media=media_for)
            w.conn.send(msg)
            first = await self._recv(w.conn, deadline)
            healthy = first is not None and first[:2] != ("error", "crash")
            _raise_for(first, limits.timeout)
            if first[0] == "unacceptable":
                raise refusals[first[1]]
            if first[0] == "whole":
                _, kind, media, generation, body, _rows, reason = first
                handed_over = True
                self._release(w, True)
                return Started(kind, media, _once(body), generation=generation, body=body,
                               complete=reason is None)
            _, kind, media, generation = first
            healthy = False  # streaming: busy until its "end"
            nxt = await self._recv(w.conn, deadline)
            healthy = nxt is not None and nxt[0] == "error" and nxt[1] != "crash"
            _raise_for(nxt, limits.timeout)
            handed_over = True
            started = Started(kind, media, None, generation=generation)  # type: ignore[arg-type]
            started.chunks = self._stream(w, nxt, deadline, started)
            return started
        except BaseException:
            if not handed_over:
                self._release(w, healthy)
            raise

    async def _stream(self, w: _Worker, first, deadline: float, started: Started) -> AsyncIterator[bytes]:
        """Yield the worker's chunks. Each chunk ends at a row boundary, so when the web
        side must cut (time limit reached while the engine or the client is slow, or an
        error mid-way) it can close the document and add the truncation marker itself.
        Sets ``started.complete`` at the end."""
        healthy = False
        msg = first
        media = started.media
        try:
            while True:
                if msg is None:
                    log.warning("query worker %s stopped: past the time limit while streaming", w.proc.pid)
                    started.complete = False
                    yield closing_marker(media, "time-limit")
                    return
                if msg[0] == "chunk":
                    yield msg[1]
                elif msg[0] == "end":
                    healthy = True
                    started.complete = msg[2] is None
                    return
                else:
                    log.warning("query failed while streaming: %s", msg[2])
                    started.complete = False
                    yield closing_marker(media, "error")
                    return
                msg = await self._recv(w.conn, deadline)
        finally:
            self._release(w, healthy)


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body
