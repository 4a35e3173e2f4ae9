"""The query worker process: it opens the store snapshot read-only and answers one query
at a time, sending the answer down its pipe (the messages of :mod:`.wire`).

A worker runs with no network access when the system allows it (:func:`isolate_network`),
so a query can reach no host at all, and with a hard memory limit (:func:`limit_memory`),
so a query cannot take the machine's memory: an allocation past the limit fails, the
worker says so when it can (Python's ``MemoryError``) and exits, or the engine aborts it
(its allocator aborts the process), and the pool replaces it either way. A worker holds
the first chunk of each answer back, so an answer that fits in one chunk costs one
message (:class:`_Answer`).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import time
from multiprocessing.connection import Connection

from clusterkg.graph.errors import StoreError
from clusterkg.service.errors import ResultTooLarge
from clusterkg.service.query.wire import (CHUNK, CHUNK_BYTES, END, ERROR, HEAD, MEMORY, READY, UNACCEPTABLE, WHOLE,
                                          QueryRequest, error_message, memory_message)
from clusterkg.service.query.writers import write_boolean, write_solutions, write_triples

__all__ = ["isolate_network", "limit_memory", "name_process", "worker_main", "GRACE", "MEMORY_EXIT", "WORKER_NAME",
           "WEB_WRITES_TRIPLES"]

#: Seconds a worker gets past the limit before it is killed; the store's own timeout
#: (remote stores) is the limit plus this.
GRACE = 1.0
#: The exit status of a worker that stopped after a ``MemoryError`` (it said so first).
MEMORY_EXIT = 75
#: The name a worker process goes by (``ps``, ``top``, ``/proc/PID/comm``).
WORKER_NAME = "clusterkg-query"


def name_process(name: str, die_with_parent: bool = False) -> None:
    """Give this process the name ``ps`` and ``top`` show (Linux ``prctl(PR_SET_NAME)``,
    at most 15 bytes); nothing where the system does not allow it.

    :param die_with_parent: also have the kernel kill this process when its parent dies
        (``PR_SET_PDEATHSIG``), for a child that would not notice otherwise.
    """
    import ctypes
    import ctypes.util

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # 15: PR_SET_NAME
        if die_with_parent:
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if die_with_parent and os.getppid() != parent:  # the parent died before the request took
        os._exit(0)


def limit_memory(limit: int | None) -> int | None:
    """Cap this process's data memory at ``limit`` bytes (``setrlimit(RLIMIT_DATA)``:
    the heap and every private writable mapping, which is where a query's memory goes;
    the store's files mapped read-only and the address space RocksDB reserves do not
    count, which is why the limit is not ``RLIMIT_AS``). Past it, allocations fail.

    :param limit: bytes, or None for no limit.
    :return: the limit set, or None (none asked for, or the system refused it).
    """
    if not limit:
        return None
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError):
        return None
    return limit


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

    def __init__(self, conn: Connection, kind: str, media: str, generation: str):
        self.conn, self.kind, self.media, self.generation = conn, kind, media, generation
        self.pending: bytes | None = None
        self.pending_row_end = True
        self.streaming = False

    def emit(self, data: bytes) -> None:
        """Send the next bytes, which end at a row boundary, in chunks of at most
        :data:`~.wire.CHUNK_BYTES` (the first is held back until a second comes or the end)."""
        last = len(data) - CHUNK_BYTES
        for at in range(0, max(len(data), 1), CHUNK_BYTES):
            self._send(data[at:at + CHUNK_BYTES], at >= last)

    def _send(self, data: bytes, row_end: bool) -> None:
        if not self.streaming:
            if self.pending is None:
                self.pending, self.pending_row_end = data, row_end
                return
            self.conn.send((HEAD, self.kind, self.media, self.generation))
            self.conn.send((CHUNK, self.pending, self.pending_row_end))
            self.pending, self.streaming = None, True
        self.conn.send((CHUNK, data, row_end))

    def finish(self, rows: int, reason: str | None) -> None:
        """End the answer: ``rows`` written, ``reason`` the limit that cut it (or None)."""
        if self.streaming:
            self.conn.send((END, rows, reason))
        else:
            self.conn.send((WHOLE, self.kind, self.media, self.generation, self.pending or b"", rows, reason))


def _answer(conn: Connection, store, req: QueryRequest) -> None:
    """Run one query on ``store`` and send its answer (or ``unacceptable``) down ``conn``."""
    deadline = time.monotonic() + req["timeout"]
    result = store.query(req["query"], default_graphs=req["default_graphs"], named_graphs=req["named_graphs"],
                         substitutions=req.get("substitutions"), base_iri=req["base_iri"])
    media = req["media"].get(result.kind)
    if media is None:
        conn.send((UNACCEPTABLE, result.kind, store.generation))
        return
    answer = _Answer(conn, result.kind, media, store.generation)
    if result.kind == "ask":
        write_boolean(result.boolean, media, answer.emit)
        answer.finish(1, None)
        return
    write = write_solutions if result.kind == "select" else write_triples
    cut = write(result.raw, media, answer.emit, req["max_rows"], req["max_bytes"], deadline)
    answer.finish(cut.rows, cut.reason)


#: Most triples of a document page the web process writes itself (a few milliseconds);
#: a longer page is written here, where it costs the web process nothing.
WEB_WRITES_TRIPLES = 300


def _answer_document(conn: Connection, store, req: QueryRequest) -> None:
    """Build one page of a resource document (:mod:`.describe`) and send it down ``conn``
    as an answer of kind ``document``, in chunks: a first line, then the page. A page of
    at most :data:`WEB_WRITES_TRIPLES` triples is sent as its data (first line ``data``,
    then the JSON of :func:`~.describe.describe_page`), for the web process to write; a
    longer one is written here in the media type asked for
    (:func:`~clusterkg.service.rendering.render_page`; first line: the number of the
    description's last page)."""
    from clusterkg.service.query.describe import describe_page

    spec = req["document"]
    deadline = time.monotonic() + req["timeout"]
    page = describe_page(store, spec["iri"], spec["page"], spec["size"], req["max_bytes"], deadline, req["timeout"])
    triples = page["ntriples"].count("\n")
    answer = _Answer(conn, "document", spec["media"], store.generation)
    if triples <= WEB_WRITES_TRIPLES:
        answer.emit(b"data\n" + json.dumps(page, ensure_ascii=False).encode("utf-8"))
    else:
        answer.emit(b"%d\n" % page["last"] + _write_page(page, spec))
    answer.finish(triples, None)


def _write_page(page: dict, spec: dict) -> bytes:
    """:func:`~clusterkg.service.rendering.render_page`, its failures told apart: a format
    that cannot express the page (:class:`ResultTooLarge`'s ``NotSerializable``) is the
    client's to hear; any other is the server's (:class:`StoreError`)."""
    from clusterkg.service.rendering import render_page

    try:
        return render_page(page, spec)
    except ResultTooLarge:
        raise
    except Exception as exc:  # noqa: BLE001 - a writer's failure is the server's, not the query's
        raise StoreError(f"cannot write the document in {spec['media']}: {exc}") from exc


def worker_main(conn: Connection, store_root: str, isolate: bool = True, remote: str | None = None,
                niceness: int = 0, memory: int | None = None) -> None:
    """The worker process's main loop (the target of the process the pool starts).

    :param conn: its end of the pipe to the web process.
    :param store_root: the store folder; the worker opens the current snapshot, and the
        newer one when a build publishes it.
    :param isolate: move into a private network namespace first.
    :param remote: a ``sparql+http(s)://`` store URL: queries are forwarded there.
    :param niceness: nice(2) increment, so general-lane workers yield the CPU.
    :param memory: the most bytes of data memory the worker may hold
        (:func:`limit_memory`), set before the store is opened; None for no limit.

    Sends ``ready`` once, then answers each :class:`~.wire.QueryRequest` until it
    receives None or the pipe closes. A query that runs out of memory gets a ``memory``
    error, and the worker exits (status :data:`MEMORY_EXIT`): what the failed allocation
    left behind is not worth keeping.
    """
    name_process(WORKER_NAME)
    isolated = isolate_network() if isolate else False
    if niceness:  # general-lane workers yield the CPU to the look-up lane and the web process
        try:
            os.nice(niceness)
        except OSError:
            pass
    limit = limit_memory(memory)
    try:
        conn.send((READY, isolated, limit))
    except OSError:  # the pool is gone (the server is stopping): nothing to serve
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _serve(conn, store_root, remote)
    except MemoryError:
        try:
            conn.send((ERROR, MEMORY, memory_message(limit)))
        finally:
            os._exit(MEMORY_EXIT)


def _serve(conn: Connection, store_root: str, remote: str | None) -> None:
    """Answer requests until None comes or the pipe closes."""
    from clusterkg.graph.store import open_store

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
                store = open_store(store_root, remote, timeout=req["timeout"] + GRACE)
            if "document" in req:
                _answer_document(conn, store, req)
            else:
                _answer(conn, store, req)
        except (StoreError, ResultTooLarge, OSError, RuntimeError) as exc:
            conn.send(error_message(exc))
