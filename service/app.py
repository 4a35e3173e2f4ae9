"""The web application: ``create_app(settings)`` assembles the routes, middleware and error handlers.

Routes (one module each in :mod:`clusterkg.service.routes`): ``/`` and ``/health``
(:mod:`~.routes.home`), ``/sparql`` (SPARQL 1.1 Protocol, read-only, and the service
description; :mod:`~.routes.sparql`), ``/id/...`` (303) and ``/doc/...`` (resource
documents), ``/ontology``, ``/shapes``, ``/context.jsonld`` (:mod:`~.routes.documents`),
``/dumps/`` (:mod:`~.routes.dumps`), ``/catalog``, ``/.well-known/void``, ``/feed``
(:mod:`~.routes.harvest`), the pages for people: ``/`` (landing), ``/search``, ``/clusters``,
``/charts``, ``/robots.txt``, ``/sitemap.xml`` (:mod:`~.routes.site`), and ``/static/``
(the stylesheet and the vendored query editor). Paths are those of :mod:`clusterkg.graph.publish.urls`.
"""

from __future__ import annotations

import contextlib
import gc
from typing import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

from clusterkg import __version__
from clusterkg.graph.publish import urls
from clusterkg.graph.publish.urls import Urls
from clusterkg.service.cache import ResponseCache
from clusterkg.service.errors import install_error_handlers
from clusterkg.service.html import STATIC_DIR
from clusterkg.service.middleware import ClientGone, HeadAsGet, SecurityHeaders
from clusterkg.service.query import QueryLimits, QueryPool
from clusterkg.service.routes import documents, dumps, harvest, home, site, sparql
from clusterkg.service.state import StoreHolder
from clusterkg.service.textcheck import TextChecker
from clusterkg.settings import Settings

__all__ = ["create_app"]


def _pool(settings: Settings) -> QueryPool:
    """The query pool the settings ask for; its workers start with the app."""
    return QueryPool(settings.store, workers=settings.query_workers, queue=settings.query_queue,
                     queue_wait=settings.queue_wait, remote=settings.remote,
                     isolate=not settings.service_allow and not settings.remote,
                     memory=settings.worker_memory, lookup_timeout=settings.lookup_timeout,
                     limits=QueryLimits(settings.query_timeout, settings.max_rows, settings.max_response_bytes))


def create_app(settings: Settings) -> FastAPI:
    """Build the FastAPI application over the store folder ``settings.store``.

    The application's state holds what the routes share: ``settings``, ``urls`` (the
    :class:`~clusterkg.graph.publish.urls.Urls` of ``settings.base_uri``), ``store`` (a
    :class:`~clusterkg.service.state.StoreHolder`), ``pool`` (the
    :class:`~clusterkg.service.query.QueryPool`, started and stopped with the app) and
    ``cache`` (the :class:`~clusterkg.service.cache.ResponseCache`) and ``checker`` (the
    :class:`~clusterkg.service.textcheck.TextChecker`, started and stopped with the app).

    :param settings: resolved configuration.
    :return: the ASGI app.
    :raises StoreError: when the store holds no snapshot yet (build first).
    """
    pool = _pool(settings)
    checker = TextChecker(settings.query_timeout, settings.query_queue)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        checker.start()
        # what start-up made (modules, the app, the store's handles) lives as long as the
        # process: moved out of the cycle collector's reach, so its full passes walk only
        # what serving made (over the start-up heap, one took about 100 ms of the event loop)
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            checker.close()
            await pool.stop()

    # no /docs or /redoc: FastAPI's pages load Swagger UI and ReDoc from a public CDN;
    # the OpenAPI description stays at /openapi.json
    app = FastAPI(title="clusterkg", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Linked data about cluster organisations: SPARQL 1.1 endpoint, "
                              "dereferenceable resources, dumps, DCAT-AP catalogue.")
    app.state.settings = settings
    app.state.urls = Urls(settings.base_uri)
    app.state.pool = pool
    app.state.checker = checker
    # a remote SPARQL server may change between our builds: cache only the embedded snapshot
    app.state.cache = ResponseCache(0 if settings.remote else settings.cache_bytes)
    app.state.store = StoreHolder(settings.store, settings.remote)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                       allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                       allow_headers=["Accept", "Accept-Profile", "Content-Type", "If-None-Match",
                                      "If-Modified-Since"],
                       expose_headers=["Content-Location", "ETag", "Link", "Retry-After", "Vary", "Content-Profile"],
                       max_age=86400)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.add_middleware(ClientGone)
    install_error_handlers(app)
    # GET /sparql, the hot path, as a plain Starlette route ahead of FastAPI's (which stays
    # for the OpenAPI description): it takes a Request and nothing else, so FastAPI's
    # dependency solving and its parse of the query string are skipped
    app.router.routes.append(Route("/" + urls.SPARQL, sparql.sparql_get, methods=["GET"], include_in_schema=False))
    for module in (sparql, documents, dumps, harvest, home, site):
        app.include_router(module.router)
    app.mount("/" + urls.STATIC.rstrip("/"), StaticFiles(directory=STATIC_DIR), name="static")
    return app
