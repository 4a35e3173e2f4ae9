"""The status (``/health``); the landing page is in :mod:`.site`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from clusterkg import __version__
from clusterkg.graph.publish import urls

__all__ = ["router", "health"]

router = APIRouter()

@router.get("/" + urls.HEALTH, summary="Liveness and the serving snapshot")
def health(request: Request) -> JSONResponse:
    """Liveness and the serving snapshot: its generation and named graph count, the
    version, whether the query workers are offline, each worker's memory limit (bytes;
    null when a worker runs without one), and the response cache's figures."""
    state = request.app.state
    store = state.store.get()
    return JSONResponse({"status": "ok", "snapshot": store.generation,
                         "named_graphs": len(store.named_graphs()), "version": __version__,
                         "query_workers_offline": state.pool.offline(), "worker_memory": state.pool.memory_limit(),
                         "cache": state.cache.stats()})
