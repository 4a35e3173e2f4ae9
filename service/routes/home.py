"""The landing page (``/``) and the status (``/health``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from clusterkg import __version__
from clusterkg.graph import formats
from clusterkg.graph.publish import urls
from clusterkg.service.html import TEMPLATES

__all__ = ["router", "home", "health"]

router = APIRouter()

#: The landing page's links: path under the base URI, and what is there.
_LINKS = [(urls.SPARQL, "SPARQL 1.1 endpoint (service description on a bare GET)"),
          (urls.CATALOG, "DCAT-AP 3.0 catalogue (Turtle, JSON-LD, RDF/XML; ?profile=dcat-ap-2.1.1; ?page=N)"),
          (urls.VOID, "VoID description"), (urls.FEED, "change feed (Linked Data Event Stream)"),
          (urls.DUMPS, "dumps: Turtle, N-Triples, N-Quads, JSON-LD"),
          (urls.ONTOLOGY, "vocabulary and concept schemes"), (urls.SHAPES, "SHACL shapes"), (urls.HEALTH, "status")]


@router.get("/", summary="Landing page", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The landing page (the ``home.html`` template): what is published, and where."""
    site: urls.Urls = request.app.state.urls
    return TEMPLATES.TemplateResponse(request, "home.html", {
        "links": [{"url": site.base + path, "text": text} for path, text in _LINKS],
        "catalog": str(site.catalog()), "catalog_type": formats.TURTLE.media_type, "resources": str(site.resources)})


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
