"""The status (``/health``); the landing page is in :mod:`.site`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clusterkg import __version__
from clusterkg.graph.publish import urls

__all__ = ["router", "health"]

router = APIRouter()

@router.get("/" + urls.HEALTH, summary="Liveness and the serving snapshot")
async def health(request: Request) -> JSONResponse:
    """Liveness and the serving snapshot: its generation and named graph count, the
    version, how many query workers run (of how many configured: fewer while dead ones
    are being replaced), whether the query workers are offline, each worker's memory limit (bytes;
    null when a worker runs without one), and the response cache's figures. Answered on the
    event loop (not in the thread pool, which busy pages may fill), but for the first call
    after a new snapshot, which lists its named graphs in the thread pool."""
    state = request.app.state
    names = state.store.cached_graph_names()
    if names is None:
        names = await run_in_threadpool(state.store.graph_names)
    return JSONResponse({"status": "ok", "snapshot": state.store.get().generation,
                         "named_graphs": len(names), "version": __version__,
                         "query_workers": {"configured": state.pool.workers, "running": state.pool.running()},
                         "query_workers_offline": state.pool.offline(), "worker_memory": state.pool.memory_limit(),
                         "cache": state.cache.stats()})
