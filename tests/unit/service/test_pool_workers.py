"""The query pool's workers stopped from outside (an operator's ``kill -9``, the kernel's
out-of-memory killer), with the real pool and its real worker processes over a real store.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from clusterkg.service.errors import Busy
from clusterkg.service.query import QueryPool
from tests.conftest import BASE

CLUSTER = BASE + "id/cluster/ict-net"
LOOKUP = f"SELECT ?d WHERE {{ <{CLUSTER}> <https://schema.org/foundingDate> ?d }}"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


def _request(query: str) -> dict:
    return {"query": query, "default_graphs": None, "named_graphs": None, "base_iri": BASE + "sparql"}


def _json(_kind: str) -> str:
    return "application/sparql-results+json"


def _workers(pool: QueryPool) -> list[int]:
    return [w.proc.pid for w in pool._all]  # noqa: SLF001 - which processes the pool holds


@contextlib.asynccontextmanager
async def _one_worker(root: Path):
    """A started pool of one worker over ``root``, and that worker's PID; stopped after."""
    pool = QueryPool(root, workers=1, isolate=False)
    await pool.start()
    try:
        (pid,) = _workers(pool)
        yield pool, pid
    finally:
        await pool.stop()


def _kill_and_reap(pool: QueryPool, pid: int) -> None:
    """SIGKILL the worker from outside, and reap it, as the start of another worker would."""
    os.kill(pid, signal.SIGKILL)
    pool._all[0].proc.join(5)  # noqa: SLF001


def test_a_worker_killed_during_a_query_is_a_503_to_ask_again_not_the_querys_fault(built_store):
    root, _ = built_store

    async def scenario():
        async with _one_worker(root) as (pool, pid):
            running = asyncio.ensure_future(pool.run(_request(CARTESIAN), _json))
            await asyncio.sleep(0.5)
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(Busy, match="stopped from outside") as refused:
                await running
            assert refused.value.retry_after == 1
            started = await pool.run(_request(LOOKUP), _json)  # a fresh worker answers
            assert b'"2010-07-12"' in started.body and _workers(pool) != [pid]

    asyncio.run(scenario())


@pytest.mark.skipif(not os.access(LAST_PID, os.W_OK), reason="the next PID cannot be chosen here "
                    "(/proc/sys/kernel/ns_last_pid is not writable)")
def test_a_dead_workers_pid_taken_by_another_process_is_not_signalled(built_store):
    """A worker that died while idle was reaped when another worker started, so its PID was
    free; the pool used to send SIGKILL to that PID when a query found the worker dead."""
    root, _ = built_store

    async def scenario():
        other = None
        async with _one_worker(root) as (pool, pid):
            try:
                _kill_and_reap(pool, pid)
                for _attempt in range(20):  # take its PID with another process (anything else may take it first)
                    LAST_PID.write_text(str(pid - 1))
                    other = subprocess.Popen(["sleep", "30"])
                    if other.pid == pid:
                        break
                    other.kill()
                    other.wait()
                    other = None
                if other is None:
                    pytest.skip(f"PID {pid} could not be taken again")
                started = await pool.run(_request(LOOKUP), _json)  # finds the dead worker: replaced
                assert b'"2010-07-12"' in started.body
                time.sleep(0.2)
                assert other.poll() is None, "the process that took the dead worker's PID was killed"
            finally:
                if other is not None:
                    other.kill()
                    other.wait()


    asyncio.run(scenario())


def test_a_replacement_that_cannot_start_is_tried_again_until_it_can(built_store, caplog):
    """Starting a worker fails while the process can open no more files (as it would when
    the system is short of memory or processes); the pool used to stay a worker short for
    good, every later query waiting out the queue and getting 503."""
    import resource

    root, _ = built_store

    async def scenario():
        async with _one_worker(root) as (pool, pid):
            _kill_and_reap(pool, pid)
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            open_now = len(os.listdir("/proc/self/fd")) - 1  # the listing's own descriptor is closed again
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_now, hard))
            try:  # the query finds the worker dead; its replacement cannot open its pipe
                running = asyncio.ensure_future(pool.run(_request(LOOKUP), _json))
                await asyncio.sleep(1.5)
                assert not running.done()
            finally:
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            started = await asyncio.wait_for(running, 8)  # tried again: the query gets the new worker
            assert b'"2010-07-12"' in started.body and len(_workers(pool)) == 1

    with caplog.at_level("ERROR", logger="clusterkg.service.query"):
        asyncio.run(scenario())
    assert any("cannot start a query worker" in r.getMessage() and "trying again" in r.getMessage()
               for r in caplog.records)
