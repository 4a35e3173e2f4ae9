"""What the request path reads from a query's text, worked out away from the event loop.

Before a query reaches a worker, its text is checked (:func:`~clusterkg.service.guard.check_query`),
classified for the look-up lane (:func:`~clusterkg.service.query.classify.looks_quick`,
:func:`~clusterkg.service.query.classify.shape_key`) and hashed for the response cache.
All of it takes time linear in the text's length (:mod:`clusterkg.graph.store.sparql_text`),
up to a few hundred milliseconds for 1 MiB of hostile text: too long for the event loop,
and too long for a thread of the web process as well, since a thread busy with Python
code holds the interpreter lock the event loop needs (measured: ``/health`` waited up to
0.6 s while four such texts were checked in a thread). So a text longer than
:data:`INLINE_TEXT` characters, or one the SERVICE check has to parse
(:func:`~clusterkg.service.guard.needs_parse`), is read in a process of its own
(:class:`TextChecker`), one text at a time and within the query time limit; a shorter one,
in well under a millisecond, on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing as mp
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from urllib.parse import parse_qs

__all__ = ["TextFacts", "TextChecker", "text_facts", "form_fields", "INLINE_TEXT", "PROCESS_NAME"]

#: Longest text (characters) read on the event loop itself.
INLINE_TEXT = 8 * 1024


@dataclass(frozen=True)
class TextFacts:
    """What a query's text says, for the request path.

    :param refused: ``(reason, message)`` of the :class:`~clusterkg.service.errors.QueryRefused`
        the query gets, or None.
    :param cacheable: False for a query whose answer changes on each run (``NOW()``...).
    :param quick: whether it looks like a look-up.
    :param shape: its shape key when it looks like one, else None.
    :param digest: the response cache's digest of the request (None: not asked for).
    """

    refused: tuple[str, str] | None
    cacheable: bool
    quick: bool
    shape: str | None
    digest: bytes | None


def text_facts(sparql: str, service_allow: tuple[str, ...], strict: bool, request: tuple | None = None) -> TextFacts:
    """The :class:`TextFacts` of ``sparql`` (a pure function of its arguments, so it can
    run in another process).

    :param service_allow: endpoints ``SERVICE`` may call.
    :param strict: refuse any mention of "service" (workers with network access).
    :param request: ``(default_graphs, named_graphs, media)`` for the cache's
        :func:`~clusterkg.service.cache.request_digest`, or None when the answer is not
        to be cached.
    """
    from clusterkg.service.cache import ResponseCache, request_digest
    from clusterkg.service.errors import QueryRefused
    from clusterkg.service.guard import check_query
    from clusterkg.service.query.classify import looks_quick, shape_key

    try:
        check_query(sparql, service_allow=service_allow, strict=strict)
    except QueryRefused as refusal:
        return TextFacts((refusal.reason, str(refusal)), False, False, None, None)
    quick = looks_quick(sparql)
    digest = request_digest(sparql, *request) if request is not None else None
    return TextFacts(None, ResponseCache.cacheable(sparql), quick, shape_key(sparql) if quick else None, digest)


def form_fields(body: bytes) -> dict[str, list[str]] | str:
    """The fields of a form-encoded body (``application/x-www-form-urlencoded``), or the
    reason it cannot be read (a string)."""
    try:
        return parse_qs(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return "the form body is not URL-encoded ASCII, or its fields are not UTF-8 (after percent-decoding)"


#: The name the process goes by (``ps``, ``top``, ``/proc/PID/comm``).
PROCESS_NAME = "clusterkg-text"


def _name_process() -> None:
    """The process's first act: its name, and death with the web process (which may be
    stopped by a signal without running its exit handlers: the process pool's own way of
    stopping its processes would then never run, and the process wait forever)."""
    from clusterkg.service.query.worker import name_process

    name_process(PROCESS_NAME, die_with_parent=True)


class TextChecker:
    """Runs :func:`text_facts` and :func:`form_fields`: on the event loop for a short text
    that needs no parse (at most :data:`INLINE_TEXT` characters, see
    :func:`~clusterkg.service.guard.needs_parse`), else in a process of its own (started
    with :meth:`start`, started again if it dies), one text at a time, each within
    ``timeout`` seconds (past it the process is killed and replaced), with at most ``queue``
    texts waiting for it.

    :param timeout: seconds one check may take (``CLUSTERKG_QUERY_TIMEOUT``).
    :param queue: checks that may wait for the process (``CLUSTERKG_QUERY_QUEUE``); one
        more is refused with :class:`~clusterkg.service.errors.Busy`.
    """

    def __init__(self, timeout: float = 30.0, queue: int = 32) -> None:
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._slots = asyncio.Semaphore(queue + 1)  # the one being checked, and those waiting
        self._waiting = 0
        self._queue = queue

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                                 initializer=_name_process)
                self._pool.submit(form_fields, b"")  # start the process now, not with the first long text
            return self._pool

    def start(self) -> None:
        """Start the process (in the background)."""
        self._executor()

    def close(self) -> None:
        """Stop the process (a check still running is killed)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            _kill(pool)

    async def _run(self, inline: bool, work, *args):
        if inline:
            return work(*args)
        from clusterkg.graph.errors import QueryTimeout
        from clusterkg.service.errors import Busy

        if self._waiting > self._queue:
            raise Busy(1)
        self._waiting += 1
        try:
            async with self._slots:
                pool = self._executor()
                loop = asyncio.get_running_loop()
                try:
                    return await asyncio.wait_for(loop.run_in_executor(pool, work, *args), self.timeout)
                except asyncio.TimeoutError:  # a text the checks take too long on: a fresh process
                    self._drop(pool)
                    raise QueryTimeout(self.timeout) from None
                except BrokenProcessPool:  # the process died (killed from outside?): a fresh one, once
                    self._drop(pool)
                    return await asyncio.wait_for(loop.run_in_executor(self._executor(), work, *args), self.timeout)
        finally:
            self._waiting -= 1

    def _drop(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        _kill(pool)

    async def facts(self, sparql: str, service_allow: tuple[str, ...], strict: bool,
                    request: tuple | None = None) -> TextFacts:
        """:func:`text_facts`, away from the event loop for a long text or one to parse.

        :raises QueryTimeout: the checks took longer than ``timeout``.
        :raises Busy: too many texts wait for the process.
        """
        from clusterkg.service.guard import needs_parse

        inline = len(sparql) <= INLINE_TEXT and not needs_parse(sparql, service_allow)
        if inline:  # a short text: its facts once, then from memory (a pure function of its arguments)
            frozen = None if request is None else tuple(None if x is None else tuple(x) for x in request)
            return _short_facts(sparql, service_allow, strict, frozen)
        return await self._run(inline, text_facts, sparql, service_allow, strict, request)

    async def form(self, body: bytes) -> dict[str, list[str]] | str:
        """:func:`form_fields`, away from the event loop for a long body.

        :raises QueryTimeout, Busy: as :meth:`facts`.
        """
        if len(body) <= INLINE_TEXT:
            fields = _short_form(body)
            return fields if isinstance(fields, str) else {k: list(v) for k, v in fields.items()}  # the caller's own
        return await self._run(False, form_fields, body)


#: Short texts whose facts are kept (each at most :data:`INLINE_TEXT` characters: at most
#: 8 MiB in all, and as much for form bodies); a repeated query, the common case, costs a dictionary look-up.
_MEMO = 1024


@functools.lru_cache(maxsize=_MEMO)
def _short_facts(sparql: str, service_allow: tuple[str, ...], strict: bool, request: tuple | None) -> TextFacts:
    return text_facts(sparql, service_allow, strict, request)


@functools.lru_cache(maxsize=_MEMO)
def _short_form(body: bytes) -> dict[str, list[str]] | str:
    return form_fields(body)


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` at once: its process is killed, not asked (a check may be running)."""
    for proc in list(getattr(pool, "_processes", {}).values()):  # the executor offers no kill of its own
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
