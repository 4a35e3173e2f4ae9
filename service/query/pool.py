"""The query pool: the web process's scheduler of the worker processes.

It admits at most one query per worker and keeps a short queue; beyond that a request
gets :class:`~clusterkg.service.errors.Busy`. With three workers or more, one is kept for
queries that look quick (:func:`~.classify.looks_quick`: the look-up lane), so a look-up
does not wait behind long queries holding every worker. A worker that produces nothing
within the limit is killed (``SIGKILL``, the core is free at once) and a fresh one
started. The pool waits on each pipe in the event loop itself (no thread per message).
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
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import AsyncIterator, Callable

from clusterkg.service.errors import Busy
from clusterkg.service.query.classify import looks_quick
from clusterkg.service.query.wire import (CHUNK, CRASH, END, ERROR, READY, UNACCEPTABLE, WHOLE, QueryRequest,
                                          Started, closing_marker, raise_for)
from clusterkg.service.query.worker import GRACE, worker_main

__all__ = ["QueryPool", "QueryLimits"]

_log = logging.getLogger("clusterkg.service.query")

_CTX = mp.get_context("spawn")
#: Scheduling priority of the general-lane workers (nice(2) increment); the look-up lane runs at 0.
_GENERAL_NICENESS = 5
_KINDS = ("select", "ask", "graph")


def _resolve(future: asyncio.Future) -> None:
    """Mark ``future`` done (a reader callback: the pipe has a message)."""
    if not future.done():
        future.set_result(None)

@dataclass(frozen=True)
class QueryLimits:
    """Per-query limits: ``timeout`` (seconds, wall clock), ``max_rows`` (rows or triples),
    ``max_bytes`` (response bytes)."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_bytes: int = 256 * 1024 * 1024


@dataclass
class _Worker:
    proc: BaseProcess
    conn: Connection
    id: int = 0
    quick: bool = False  # reserved for queries that look quick (see looks_quick)


async def _recv(conn: Connection, deadline: float) -> tuple | None:
    """The worker's next message, or None when none came before ``deadline``. Waits on
    the pipe in the event loop itself (no thread), then reads the whole message; a closed
    pipe reads as a ``crash`` error."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    try:
        if not conn.poll(0):
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


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _media_choices(choose_media: Callable[[str], str]) -> tuple[dict[str, str | None], dict[str, BaseException]]:
    """``choose_media`` asked for each kind of query: kind -> media type (None where it
    raised), and kind -> the error it raised (raised again only for a query of that kind)."""
    media_for: dict[str, str | None] = {}
    refusals: dict[str, BaseException] = {}
    for kind in _KINDS:
        try:
            media_for[kind] = choose_media(kind)
        except Exception as exc:
            media_for[kind], refusals[kind] = None, exc
    return media_for, refusals


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

    def __post_init__(self) -> None:
        self.isolated: dict[int, bool] = {}
        self._tasks: set[asyncio.Task] = set()
        self._idle: asyncio.Queue[_Worker] | None = None
        self._idle_quick: asyncio.Queue[_Worker] | None = None
        self._waiting = 0
        self._all: list[_Worker] = []
        self._next_id = 0
        self._lock = threading.Lock()

    def _spawn(self, quick: bool = False) -> _Worker:
        """Start a worker process and wait (in the calling thread) for its ``ready``."""
        parent, child = _CTX.Pipe(duplex=True)
        proc = _CTX.Process(target=worker_main, args=(child, str(self.root), self.isolate, self.remote,
                                                      0 if quick else _GENERAL_NICENESS), daemon=True,
                            name="clusterkg-query-worker")
        proc.start()
        child.close()
        isolated = False
        if parent.poll(60):
            try:
                msg = parent.recv()
                isolated = bool(msg[0] == READY and msg[1])
            except (EOFError, OSError):
                pass
        if self.isolate and not isolated:
            _log.warning("query worker %s runs with network access: this system does not allow a private "
                        "network namespace; the SERVICE check is the only guard", proc.pid)
        with self._lock:
            self._next_id += 1
            w = _Worker(proc, parent, self._next_id, quick)
            self.isolated[w.id] = isolated
            self._all.append(w)
        return w

    async def start(self) -> None:
        """Start the workers (call once, from the event loop); the processes are started
        in threads, so the loop stays free."""
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
        queue = self._idle_quick if w.quick else self._idle
        assert queue is not None, "QueryPool.start() was not called"
        return queue

    async def stop(self) -> None:
        """Stop every worker."""
        for w in list(self._all):
            self._kill(w)

    def offline(self) -> bool:
        """True when every live worker runs without network access."""
        return bool(self.isolated) and all(self.isolated.values())

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.proc.pid for w in self._all if w.proc.is_alive() and w.proc.pid is not None]

    def _kill(self, w: _Worker) -> None:
        try:
            os.kill(w.proc.pid, signal.SIGKILL)  # type: ignore[arg-type]
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
        assert self._idle is not None and self._idle_quick is not None, "QueryPool.start() was not called"
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

    async def _replace(self, w: _Worker) -> None:
        """Kill ``w`` and start a fresh worker in its lane (in threads)."""
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
        task = asyncio.get_running_loop().create_task(self._replace(w))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, request: dict, choose_media: Callable[[str], str]) -> Started:
        """Run a query; return once its answer has begun (or raise).

        :param request: ``query``, ``default_graphs``, ``named_graphs``, ``base_iri``
            (the first keys of a :class:`~.wire.QueryRequest`).
        :param choose_media: ``kind -> media type`` (content negotiation), called for each
            kind (``select``, ``ask``, ``graph``) before the query runs; when it raises for
            the kind the query turns out to be, that error propagates.
        :return: :class:`~.wire.Started`. When the whole answer came in one message its
            ``body`` holds it; otherwise iterate ``chunks`` to the end (that releases the
            worker). ``complete`` says, once known, whether no limit cut the answer.
        :raises Busy: no worker free in time.
        :raises QueryTimeout: nothing came back within the limit (the worker was killed).
        :raises QuerySyntaxError, QueryEvaluationError, StoreError: from the worker.
        """
        media_for, refusals = _media_choices(choose_media)
        w = await self._acquire(looks_quick(request["query"]))
        limits = self.limits
        deadline = time.monotonic() + limits.timeout + GRACE
        healthy = False  # until the worker is known to be idle again (a cancelled wait leaves it busy)
        handed_over = False
        try:
            msg: QueryRequest = dict(request, timeout=limits.timeout, max_rows=limits.max_rows,  # type: ignore[assignment]
                                     max_bytes=limits.max_bytes, media=media_for)
            w.conn.send(msg)
            first = await _recv(w.conn, deadline)
            healthy = first is not None and first[:2] != (ERROR, CRASH)
            raise_for(first, limits.timeout)
            assert first is not None
            if first[0] == UNACCEPTABLE:
                raise refusals[first[1]]
            if first[0] == WHOLE:
                _, kind, media, generation, body, _rows, reason = first
                handed_over = True
                self._release(w, True)
                return Started(kind, media, _once(body), generation=generation, body=body,
                               complete=reason is None)
            _, kind, media, generation = first
            healthy = False  # streaming: busy until its "end"
            nxt = await _recv(w.conn, deadline)
            healthy = nxt is not None and nxt[0] == ERROR and nxt[1] != CRASH
            raise_for(nxt, limits.timeout)
            handed_over = True
            started = Started(kind, media, None, generation=generation)  # type: ignore[arg-type]
            started.chunks = self._stream(w, nxt, deadline, started)
            return started
        except BaseException:
            if not handed_over:
                self._release(w, healthy)
            raise

    async def _stream(self, w: _Worker, first: tuple | None, deadline: float,
                      started: Started) -> AsyncIterator[bytes]:
        """Yield the worker's chunks. Each chunk ends at a row boundary, so when the web
        side must cut (time limit reached while the engine or the client is slow, or an
        error mid-way) it can close the document and add the truncation marker itself.
        Sets ``started.complete`` at the end."""
        healthy = False
        msg = first
        try:
            while True:
                if msg is None:
                    _log.warning("query worker %s stopped: past the time limit while streaming", w.proc.pid)
                    started.complete = False
                    yield closing_marker(started.media, "time-limit")
                    return
                if msg[0] == CHUNK:
                    yield msg[1]
                elif msg[0] == END:
                    healthy = True
                    started.complete = msg[2] is None
                    return
                else:
                    _log.warning("query failed while streaming: %s", msg[2])
                    started.complete = False
                    yield closing_marker(started.media, "error")
                    return
                msg = await _recv(w.conn, deadline)
        finally:
            self._release(w, healthy)
