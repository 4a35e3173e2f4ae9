"""Read, map and validate many profile files as a stream, on every core, with a cache.

:func:`processed` yields *slim* outcomes (:func:`~.process.slim`) in source order. Each
file is read once: its bytes give the cache key (with the fingerprint of the code and the
manifest row, :mod:`.cache`); a file the cache knows is not processed again, the others are
processed from those same bytes, in this process or, past :data:`PARALLEL_FROM` files to
process, in one worker process per core. Files are read only as far ahead as the batches
in flight need, so memory does not grow with the number of files.
"""

from __future__ import annotations

import collections
import datetime as _dt
import concurrent.futures
import hashlib
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from clusterkg.graph.build.cache import ProfileCache, entry_key
from clusterkg.graph.build.memory import return_large_blocks
from clusterkg.graph.build.process import Outcome, pack, process, slim, still_valid_on
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.vocab import Uris
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.validate.engines import DEFAULT_ENGINE

__all__ = ["processed", "PARALLEL_FROM"]

#: Below this many files to process the build runs in-process (starting workers costs ~1 s).
PARALLEL_FROM = 64
#: Files per task sent to a worker, and tasks in flight per worker.
_BATCH, _IN_FLIGHT = 16, 4

_WORKER_STATE: dict = {}


def _init_worker(base_uri: str, vocab: Vocabulary, parent: int, today: _dt.date, engine: str) -> None:
    return_large_blocks()
    _WORKER_STATE["uris"] = Uris(base_uri)
    _WORKER_STATE["vocab"] = vocab
    _WORKER_STATE["today"] = today
    _WORKER_STATE["engine"] = engine
    if os.getppid() != parent:  # the build died while this worker was starting
        os._exit(0)

    def watch_parent() -> None:  # a killed build must not leave its workers behind
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch_parent, daemon=True, name="parent-watch").start()


def _process_batch(items: list[tuple[ProfileSource, bytes | None]]) -> list[Outcome]:
    state = _WORKER_STATE
    return [slim(process(s, state["uris"], state["vocab"], data, state["today"], state["engine"])) for s, data in items]


@dataclass
class _Slot:
    """One file's place in the output order: a cache hit (``hit``), or a file to process
    (its ``data``; ``job`` and ``index`` once its batch went to a worker)."""

    source: ProfileSource
    key: str | None
    hit: bool = False
    data: bytes | None = None
    job: concurrent.futures.Future | None = None
    index: int = 0
    last: bool = False  # the last slot of its batch


class _Scheduler:
    """Processes the slots of files to process: in this process, or in worker processes
    once more than :data:`PARALLEL_FROM` of them have been seen (unless ``workers`` fixes
    the choice), in batches of :data:`_BATCH`."""

    def __init__(self, uris: Uris, vocab: Vocabulary, workers: int | None, today: _dt.date, engine: str):
        self.uris, self.vocab, self.workers, self.today, self.engine = uris, vocab, workers, today, engine
        self.mode = "inline" if workers is not None and workers <= 1 else "pool" if workers else None
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.size = 0  # worker processes, once started
        self.waiting: list[_Slot] = []  # seen, not yet handed to a worker
        self.outstanding = 0  # batches handed to workers, not yet yielded whole

    def add(self, slot: _Slot) -> None:
        """Take a file to process; hand full batches to the workers."""
        self.waiting.append(slot)
        if self.mode is None and len(self.waiting) > PARALLEL_FROM:
            self.mode = "pool"
        if self.mode == "pool" and len(self.waiting) >= _BATCH:
            self._submit()

    def finish(self) -> None:
        """No more files: decide the mode if still open, hand over the last batch."""
        if self.mode is None:
            self.mode = "inline"
        if self.mode == "pool" and self.waiting:
            self._submit()

    @property
    def saturated(self) -> bool:
        """True when as many batches are in flight as allowed (the caller must drain)."""
        return self.pool is not None and self.outstanding >= self.size * _IN_FLIGHT

    def _submit(self) -> None:
        if self.pool is None:
            self.size = self.workers or os.cpu_count() or 1
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.size, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                initargs=(self.uris.base, self.vocab, os.getpid(), self.today, self.engine))
        batch, self.waiting = self.waiting, []
        job = self.pool.submit(_process_batch, [(s.source, s.data) for s in batch])
        for i, s in enumerate(batch):
            s.job, s.index, s.data = job, i, None
        batch[-1].last = True
        self.outstanding += 1

    def result(self, slot: _Slot, block: bool) -> Outcome | None:
        """The outcome of a slot to process, or None when it is not ready (or, before
        the mode is decided, cannot be started yet)."""
        if slot.job is None:
            if self.mode != "inline":
                if self.mode == "pool" and block and slot in self.waiting:
                    self._submit()  # a partial batch the caller waits for
                return self.result(slot, block) if slot.job is not None else None
            out = slim(process(slot.source, self.uris, self.vocab, slot.data, self.today, self.engine))
            slot.data = None
            return out
        if not block and not slot.job.done():
            return None
        out = slot.job.result()[slot.index]
        self.outstanding -= slot.last
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _read(src: ProfileSource) -> tuple[bytes | None, str | None]:
    """A file's bytes and their SHA-256 (hex), or (None, None) when it cannot be read (it
    is then processed from its path, and reported unreadable)."""
    try:
        data = src.path.read_bytes()
    except OSError:
        return None, None
    return data, hashlib.sha256(data).hexdigest()


def processed(sources: list[ProfileSource], uris: Uris, vocab: Vocabulary,
              progress: Callable[[Iterable], Iterable] | None = None, workers: int | None = None,
              cache: ProfileCache | None = None, fingerprint: str = "",
              today: _dt.date | None = None, engine: str = DEFAULT_ENGINE, reuse: bool = True) -> Iterator[Outcome]:
    """Slim outcomes (see :class:`~.process.Outcome`) of ``sources``, in source order.

    :param sources: the files, sorted by id.
    :param uris: the IRI minter.
    :param vocab: the vocabulary (with the input folders' network aliases).
    :param progress: wraps the stream of outcomes (e.g. ``tqdm``).
    :param workers: processes to use (default: one per core when more than
        :data:`PARALLEL_FROM` files need processing, else in-process).
    :param cache: outcomes of earlier builds; files it knows are not processed again
        (their outcomes come back with ``reused`` set), the others are added to it.
    :param fingerprint: the cache's :func:`~.cache.fingerprint` for this build.
    :param today: the day of the build (founding dates may not lie after it; default: today).
        A cached outcome made on another day is processed again when a founding date of
        its cluster lies between the two days.
    :param engine: the SHACL engine (:data:`~clusterkg.graph.validate.engines.ENGINES`).
    :param reuse: take the outcomes the cache knows; False: process every file (and
        still put each outcome in the cache).
    """
    today = today or _dt.date.today()
    stored = cache.keys() if cache is not None and reuse else set()
    scheduler = _Scheduler(uris, vocab, workers, today, engine)

    def ready(slots: collections.deque, final: bool) -> Iterator[Outcome]:
        while slots:
            out = _resolve(slots[0], scheduler, cache, block=final or scheduler.saturated)
            if out is None:
                return
            slots.popleft()
            yield out

    def stream() -> Iterator[Outcome]:
        slots: collections.deque = collections.deque()
        try:
            for src in sources:
                data, digest = _read(src)
                key = entry_key(fingerprint, src, digest) if cache is not None and digest else None
                usable = cache is not None and cache.usable  # it may break mid-build
                slot = _Slot(src, key, hit=key is not None and key in stored and usable, data=data)
                slots.append(slot)
                if not slot.hit:
                    scheduler.add(slot)
                else:
                    slot.data = None
                yield from ready(slots, final=False)
            scheduler.finish()
            yield from ready(slots, final=True)
        finally:
            scheduler.close()

    yield from (progress or (lambda items: items))(stream())


def _resolve(slot: _Slot, scheduler: _Scheduler, cache: ProfileCache | None, block: bool) -> Outcome | None:
    """The outcome of the slot at the head of the order, or None when not ready yet. A
    cached outcome that no longer holds on the build's day is made again. A computed
    outcome goes into the cache, its serialisations beside it."""
    out = cache.get(slot.key) if slot.hit and cache is not None and slot.key else None
    if out is not None and still_valid_on(out, scheduler.today):
        out.source, out.reused = slot.source, True
    else:
        if slot.hit and cache is not None and not cache.usable:
            # the cache broke (a damaged page): processed by the workers, as the files after it are
            slot.hit = False
            scheduler.add(slot)
        out = scheduler.result(slot, block) if not slot.hit else \
            slim(process(slot.source, scheduler.uris, scheduler.vocab, None, scheduler.today, scheduler.engine))
        if out is None:
            return None
        if cache is not None and slot.key is not None:
            nt, jsonld, out.nt, out.jsonld = out.nt, out.jsonld, None, None
            # the serialisations beside, read back only when needed
            cache.put(slot.key, out, pack(nt, jsonld) if nt is not None and jsonld is not None else None)
            out.nt, out.jsonld = nt, jsonld
    out.cache_key = slot.key
    out.source = slot.source  # the build's own, not a worker's copy (one fewer per file held to the end)
    return out
