"""The query pool: the web process's scheduler of the worker processes.

It admits at most one query per worker and keeps short queues; beyond them a request
gets :class:`~clusterkg.service.errors.Busy`. With three workers or more, one is kept for
queries that look quick (:mod:`.lanes`: the look-up lane), so a look-up does not wait
behind long queries holding every worker; a query that holds that worker longer than
``CLUSTERKG_LOOKUP_TIMEOUT`` is moved to the general lane (a fresh look-up worker takes
its place, and the pool goes back to its size when the next general worker frees) and
its shape demoted. A worker that produces nothing within the limit is killed
(``SIGKILL``, the core is free at once) and a fresh one started; so is one that ran out
of memory (``CLUSTERKG_WORKER_MEMORY``), and the client is told so. A worker found
stopped when a query is handed to it (killed while idle) is replaced, and the query goes
to the next idle one. The pool waits on each pipe in the event loop itself (no thread
per message).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
from multiprocessing.reduction import ForkingPickler
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from clusterkg.service.errors import Busy
from clusterkg.service.query.classify import looks_quick, shape_key
from clusterkg.service.query.lanes import Lanes
from clusterkg.service.query.wire import (CHUNK, CRASH, END, ERROR, KILLED, MEMORY, READY, UNACCEPTABLE, WHOLE,
                                          QueryRequest, Started, closing_marker, memory_message, raise_for,
                                          receive)
from clusterkg.service.query.worker import GRACE, MEMORY_EXIT, worker_main

__all__ = ["QueryPool", "QueryLimits"]

_log = logging.getLogger("clusterkg.service.query")

_CTX = mp.get_context("spawn")
#: Scheduling priority of the general-lane workers (nice(2) increment); the look-up lane runs at 0.
_GENERAL_NICENESS = 5
_KINDS = ("select", "ask", "graph")
#: Longest request (bytes, pickled: the text and the dataset lists) written to a worker's
#: pipe from the event loop itself (a pipe holds 64 KiB; a longer write would wait for the
#: worker to read).
_INLINE_SEND = 16 * 1024
#: Seconds more a stream gets to finish a row it has begun when the time limit falls.
_ROW_GRACE = 1.0
#: Seconds before a failed start of a worker is tried again (doubled each time, up to the max).
_RESPAWN_FIRST_WAIT, _RESPAWN_MAX_WAIT = 0.5, 30.0


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
    quick: bool = False  # in the look-up lane (see looks_quick)


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
        except Exception as exc:  # kept without its traceback (see routes.sparql._offers)
            media_for[kind], refusals[kind] = None, exc.with_traceback(None)
    return media_for, refusals


@dataclass
class _Run:
    """One query on one worker: the deadline of the query, and of its hold on the look-up lane."""

    w: _Worker
    deadline: float
    lane_end: float
    shape: str | None
    #: set when the watchdog stopped its worker: the stream was still open past the deadline
    overdue: bool = False


@dataclass
class QueryPool:
    """Worker processes over the store folder ``root``.

    :param root: the store folder.
    :param workers: number of worker processes (queries running at once).
    :param queue: how many requests of each lane may wait for a worker.
    :param queue_wait: seconds a request waits for a worker before ``Busy``.
    :param limits: the :class:`QueryLimits`.
    :param isolate: run the workers in a private network namespace (off for a remote store,
        which the workers reach over the network).
    :param remote: a ``sparql+http(s)://`` store URL: the workers forward queries there.
    :param memory: bytes of data memory each worker may hold (None: no limit).
    :param lookup_timeout: seconds a query may hold the look-up lane's worker.
    """

    root: Path
    workers: int = 2
    queue: int = 32
    queue_wait: float = 10.0
    limits: QueryLimits = field(default_factory=QueryLimits)
    isolate: bool = True
    remote: str | None = None
    memory: int | None = None
    lookup_timeout: float = 1.0

    def __post_init__(self) -> None:
        self.isolated: dict[int, bool] = {}
        self.capped: dict[int, bool] = {}
        self._tasks: set[asyncio.Task] = set()
        self._lanes: Lanes[_Worker] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: list[_Worker] = []
        self._next_id = 0
        self._surplus = 0  # workers to retire when they free: one per query moved out of the look-up lane
        self._stopping = False
        self._lock = threading.Lock()

    def _spawn(self, quick: bool = False) -> _Worker:
        """Start a worker process and wait (in the calling thread) for its ``ready``."""
        parent, child = _CTX.Pipe(duplex=True)
        proc = _CTX.Process(target=worker_main, args=(child, str(self.root), self.isolate, self.remote,
                                                      0 if quick else _GENERAL_NICENESS, self.memory),
                            daemon=True, name="clusterkg-query-worker")
        proc.start()
        child.close()
        isolated = capped = False
        if parent.poll(60):
            try:
                msg = parent.recv()
                isolated = bool(msg[0] == READY and msg[1])
                capped = bool(msg[0] == READY and msg[2])
            except (EOFError, OSError, IndexError):
                pass
        if self.isolate and not isolated:
            _log.warning("query worker %s runs with network access: this system does not allow a private "
                         "network namespace; the SERVICE check is the only guard", proc.pid)
        if self.memory and not capped:
            _log.warning("query worker %s runs without its memory limit: this system refused it", proc.pid)
        with self._lock:
            self._next_id += 1
            w = _Worker(proc, parent, self._next_id, quick)
            self.isolated[w.id], self.capped[w.id] = isolated, capped
            self._all.append(w)
        return w

    async def start(self) -> None:
        """Start the workers (call once, from the event loop); the processes are started
        in threads, so the loop stays free."""
        self._lanes = Lanes(self.queue, self.queue_wait, max(1, int(self.limits.timeout // 4)))
        self._loop = loop = asyncio.get_running_loop()
        spawned = await asyncio.gather(*[loop.run_in_executor(None, self._spawn, i < self.reserved_quick)
                                         for i in range(self.workers)])
        for w in spawned:
            self._lanes.put(w)

    @property
    def lanes(self) -> Lanes[_Worker]:
        """The lanes (after :meth:`start`)."""
        assert self._lanes is not None, "QueryPool.start() was not called"
        return self._lanes

    @property
    def reserved_quick(self) -> int:
        """Workers kept for queries that look quick: one when there are three or more, so a
        look-up does not wait behind long queries holding every worker."""
        return 1 if self.workers >= 3 else 0

    async def stop(self) -> None:
        """Stop every worker (and start no more)."""
        self._stopping = True
        for w in list(self._all):
            self._kill(w)

    def running(self) -> int:
        """How many worker processes are alive now (a dead one is replaced when a query
        reaches it; one that cannot start is tried again)."""
        return sum(w.proc.is_alive() for w in list(self._all))

    def offline(self) -> bool:
        """True when every live worker runs without network access."""
        return bool(self.isolated) and all(self.isolated.values())

    def memory_limit(self) -> int | None:
        """The memory limit of each worker (bytes), or None when a live worker runs without."""
        return self.memory if self.capped and all(self.capped.values()) else None

    def _kill(self, w: _Worker) -> None:
        """SIGKILL ``w`` (through its ``Process``, which sends nothing once the process was
        reaped: every start of a worker reaps the others that ended, and a PID set free
        may be another process's by now), wait for it, and forget it."""
        try:
            w.proc.kill()
        except (ValueError, OSError):
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
            self.capped.pop(w.id, None)

    def _in_background(self, job: Callable[[], Any]) -> None:
        """Run ``job`` (blocking: it kills or starts processes) in a thread, from a task of
        its own, so a request being cancelled cannot cancel it."""
        async def run() -> None:
            await asyncio.get_running_loop().run_in_executor(None, job)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn_into_lane(self, quick: bool) -> None:
        """Start a worker (blocking) and hand it to the lanes from the event loop; none
        once the pool is stopping. A start that fails (the system short of processes,
        memory or files) is tried again after :data:`_RESPAWN_FIRST_WAIT` seconds, then
        twice as long each time, up to :data:`_RESPAWN_MAX_WAIT`, until it succeeds or the
        pool stops: the pool is never left short for good."""
        wait = _RESPAWN_FIRST_WAIT
        while True:
            if self._stopping:
                return
            try:
                fresh = self._spawn(quick)
                break
            except Exception as exc:  # noqa: BLE001 - whatever stops a start, the pool must get its worker back
                _log.error("cannot start a query worker (%s); trying again in %.1f s", exc, wait)
                time.sleep(wait)  # a thread of its own (see _in_background)
                wait = min(2 * wait, _RESPAWN_MAX_WAIT)
        if self._stopping:
            self._kill(fresh)
            return
        assert self._loop is not None, "QueryPool.start() was not called"
        self._loop.call_soon_threadsafe(self.lanes.put, fresh)

    def _renew(self, w: _Worker) -> None:
        """Kill ``w`` and start a fresh worker in its lane (blocking)."""
        self._kill(w)
        self._spawn_into_lane(w.quick)

    def _release(self, w: _Worker, healthy: bool) -> None:
        """Give the worker back, or replace it when it is not known to be idle and well;
        a general worker freed while the pool holds one worker too many is retired."""
        if not w.quick and self._surplus > 0:
            self._surplus -= 1
            self._in_background(lambda: self._kill(w))
        elif healthy:
            self.lanes.put(w)
        else:
            self._in_background(lambda: self._renew(w))

    def _move_out(self, run: _Run) -> bool:
        """The query on the look-up lane's worker overstayed the lane's budget: demote its
        shape, and move its worker to the general lane, with a fresh look-up worker started
        in its place. False when one is already being moved (the pool holds at most one
        worker too many): the caller must stop the query instead."""
        self.lanes.demote(run.shape)
        run.lane_end = run.deadline
        if self._surplus >= max(self.reserved_quick, 1):
            return False
        w = run.w
        w.quick = False
        self._surplus += 1
        try:
            os.setpriority(os.PRIO_PROCESS, w.proc.pid, _GENERAL_NICENESS)  # type: ignore[arg-type]
        except OSError:
            pass
        _log.warning("query moved out of the look-up lane after %.1f s (worker %s); its shape goes to the "
                     "general lane from now on", self.lookup_timeout, w.proc.pid)
        self._in_background(lambda: self._spawn_into_lane(True))
        return True

    async def _why_it_died(self, w: _Worker, msg: tuple, killed_by_us: bool = False) -> tuple:
        """For a worker whose pipe closed: a ``memory`` error when it was killed by its
        allocator (``SIGABRT``: the engine aborts on a failed allocation) or stopped after
        a ``MemoryError``; a ``killed`` error when a ``SIGKILL`` the pool did not send
        (``killed_by_us``: the watchdog's) stopped it (an operator, the system's
        out-of-memory killer: not the query's fault); else the ``crash`` error as it is."""
        if msg[:2] != (ERROR, CRASH):
            return msg
        await asyncio.get_running_loop().run_in_executor(None, w.proc.join, 5)
        if w.proc.exitcode in (-signal.SIGABRT, MEMORY_EXIT):
            _log.warning("query worker %s ran out of memory (exit status %s)", w.proc.pid, w.proc.exitcode)
            return (ERROR, MEMORY, memory_message(self.memory))
        if w.proc.exitcode == -signal.SIGKILL and not killed_by_us and not self._stopping:
            _log.warning("query worker %s was killed from outside (SIGKILL) during a query", w.proc.pid)
            return (ERROR, KILLED, "the query worker was stopped from outside (SIGKILL: by an operator, or the "
                                   "system's out-of-memory killer) before it answered; a fresh one takes its place")
        return msg

    async def _next(self, run: _Run) -> tuple | None:
        """The next message of ``run``'s worker, or None past the deadline; past the
        look-up lane's budget, the query is moved out of the lane (or, when it cannot
        be, None: it is stopped)."""
        while True:
            msg = await receive(run.w.conn, min(run.deadline, run.lane_end))
            if msg is not None:
                return await self._why_it_died(run.w, msg, run.overdue)
            if not (run.w.quick and time.monotonic() < run.deadline):
                return None
            if not self._move_out(run):
                return None

    async def run(self, request: dict, choose_media: Callable[[str], str], *, quick: bool | None = None,
                  shape: str | None = None) -> Started:
        """Run a query; return once its answer has begun (or raise).

        :param request: ``query``, ``default_graphs``, ``named_graphs``, ``base_iri``
            (the first keys of a :class:`~.wire.QueryRequest`), and optionally
            ``substitutions`` or ``document``.
        :param choose_media: ``kind -> media type`` (content negotiation), called for each
            kind (``select``, ``ask``, ``graph``) before the query runs; when it raises for
            the kind the query turns out to be, that error propagates.
        :param quick: whether the query looks quick (:func:`~.classify.looks_quick`);
            worked out here when not given.
        :param shape: its :func:`~.classify.shape_key`, when ``quick``; worked out here
            when not given.
        :return: :class:`~.wire.Started`. When the whole answer came in one message its
            ``body`` holds it; otherwise iterate ``chunks`` to the end (that releases the
            worker). ``complete`` says, once known, whether no limit cut the answer.
        :raises Busy: no worker free in time, or a query stopped on the look-up lane.
        :raises QueryTimeout: nothing came back within the limit (the worker was killed).
        :raises QuerySyntaxError, QueryEvaluationError, StoreError: from the worker (a
            query that ran out of memory: a QueryEvaluationError naming the limit).
        """
        media_for, refusals = _media_choices(choose_media)
        if quick is None:
            quick = looks_quick(request["query"])
        if quick and shape is None:
            shape = shape_key(request["query"])
        limits = self.limits
        msg: QueryRequest = dict(request, timeout=limits.timeout, max_rows=limits.max_rows,  # type: ignore[assignment]
                                 max_bytes=limits.max_bytes, media=media_for)
        w = await self._hand_over(quick, shape, ForkingPickler.dumps(msg))
        now = time.monotonic()
        run = _Run(w, now + limits.timeout + GRACE, now + self.lookup_timeout if w.quick else now + limits.timeout
                   + GRACE, shape)
        healthy = False  # until the worker is known to be idle again (a cancelled wait leaves it busy)
        handed_over = False
        try:
            first = await self._next(run)
            if first is None and time.monotonic() < run.deadline:
                raise Busy(1)  # stopped on the look-up lane; its shape now goes to the general lane
            healthy = first is not None and not (first[0] == ERROR and first[1] in (CRASH, MEMORY, KILLED))
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
            handed_over = True
            started = Started(kind, media, None, generation=generation)  # type: ignore[arg-type]
            started.chunks = self._stream(run, started)
            return started
        except BaseException:
            if not handed_over:
                self._release(w, healthy)
            raise

    async def _hand_over(self, quick: bool, shape: str | None, data: bytes | memoryview) -> _Worker:
        """An idle worker (:meth:`Lanes.acquire`) that has been sent ``data`` (a pickled
        :class:`~.wire.QueryRequest`: what ``Connection.send`` writes). A worker whose pipe
        is closed (it stopped while idle: killed from outside) is replaced, and the query
        goes to the next idle one, trying at most once per worker.

        :raises Busy: as :meth:`Lanes.acquire`, or no worker could take the query.
        """
        for _ in range(self.workers + 1):
            w = await self.lanes.acquire(quick, shape)
            try:
                if len(data) > _INLINE_SEND:  # more than the pipe takes at once: written from a thread
                    await asyncio.get_running_loop().run_in_executor(None, w.conn.send_bytes, data)
                else:
                    w.conn.send_bytes(data)
                return w
            except OSError:
                _log.warning("query worker %s had stopped while idle; it is %s", w.proc.pid,
                             "retired" if not w.quick and self._surplus > 0 else "replaced")
                self._release(w, False)
            except BaseException:  # cancelled while the request was written: the worker's state is unknown
                self._release(w, False)
                raise
        _log.error("no query worker could take a query: the %d tried had all stopped", self.workers + 1)
        raise Busy(1, "the query workers had stopped and are being started again")

    async def _stream(self, run: _Run, started: Started) -> AsyncIterator[bytes]:
        """Yield the worker's chunks. A chunk that ends a row lets the web side cut there
        when it must (time limit reached while the engine is slow, the worker failed, or
        it held the look-up lane too long and could not be moved): it closes the document
        and adds the truncation marker itself. Sets ``started.complete`` at the end."""
        healthy = False
        row_end = True
        # a client that reads slowly keeps this generator waiting in ``yield``, and the worker
        # blocked on a full pipe: past the deadline the watchdog stops the worker all the same
        watchdog = asyncio.get_running_loop().call_later(
            max(0.0, run.deadline + _ROW_GRACE - time.monotonic()), self._overdue, run)
        try:
            while True:
                msg = await self._next(run)
                if msg is None:
                    reason = "time-limit" if time.monotonic() >= run.deadline else "lookup-limit"
                    _log.warning("query worker %s stopped: %s while streaming", run.w.proc.pid, reason)
                    started.complete = False
                    while not row_end:  # finish the row begun: its pieces are on their way
                        piece = await receive(run.w.conn, time.monotonic() + _ROW_GRACE)
                        if piece is None or piece[0] != CHUNK:
                            break
                        row_end = piece[2]
                        yield piece[1]
                    yield closing_marker(started.media, reason, row_end)
                    return
                if msg[0] == CHUNK:
                    row_end = msg[2]
                    yield msg[1]
                elif msg[0] == END:
                    healthy = True
                    started.complete = msg[2] is None
                    return
                else:
                    reason = "time-limit" if run.overdue else "memory-limit" if msg[1] == MEMORY else "error"
                    _log.warning("query failed while streaming: %s", "the time limit" if run.overdue else msg[2])
                    started.complete = False
                    yield closing_marker(started.media, reason, row_end)
                    return
        finally:
            watchdog.cancel()
            self._release(run.w, healthy)

    def _overdue(self, run: _Run) -> None:
        """The watchdog: a stream still open past its deadline (its client reads slowly)
        stops its worker at once (SIGKILL: no work, no memory held); the web side ends the
        answer with the time-limit marker when the client reads on, and the worker is
        replaced when the stream is released."""
        run.overdue = True
        _log.warning("query worker %s stopped: its stream was still open past the time limit (a slow reader)",
                     run.w.proc.pid)
        try:
            run.w.proc.kill()  # through the Process: nothing once reaped (see _kill)
        except (ValueError, OSError):
            pass
