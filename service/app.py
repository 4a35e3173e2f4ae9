"""The web application: ``create_app(settings)`` assembles routes and error handlers.

Routes: ``/sparql`` (SPARQL 1.1 Protocol, read-only), ``/id/...`` (303) and ``/doc/...``
(resource documents), ``/ontology``, ``/shapes``, ``/context.jsonld``, ``/dumps/``,
``/health``.
"""

from __future__ import annotations

import contextlib

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from clusterkg import __version__
from clusterkg.graph.map.vocab import SD
from clusterkg.settings import Settings
from clusterkg.service.errors import install_error_handlers
from clusterkg.service.formats import DOC_TYPES, serialize_graph
from clusterkg.service.errors import NotAcceptable
from clusterkg.service.negotiation import negotiate
from clusterkg.service.routes import documents, dumps, harvest, sparql
from clusterkg.service.middleware import HeadAsGet, SecurityHeaders
from clusterkg.service.cache import ResponseCache
from clusterkg.service.query import QueryLimits, QueryPool
from clusterkg.service.state import StoreHolder

__all__ = ["create_app"]



def _service_description(settings: Settings):
    """The SPARQL Service Description (W3C SPARQL 1.1 Service Description, §3)."""

    def describe(request: Request) -> Response:
        g = Graph()
        g.bind("sd", SD)
        endpoint = URIRef(settings.base_uri + "sparql")
        svc = URIRef(settings.base_uri + "sparql#service")
        g.add((svc, RDF.type, SD.Service))
        g.add((svc, SD.endpoint, endpoint))
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
        g.add((svc, SD.feature, SD.UnionDefaultGraph))
        if settings.service_allow:
            g.add((svc, SD.feature, SD.BasicFederatedQuery))
        g.add((svc, RDFS.comment, Literal(
            "Read-only. SERVICE is " + ("allowed only to: " + ", ".join(settings.service_allow)
                                         if settings.service_allow else "not allowed (no federated queries)")
            + f". Limits per query: {settings.query_timeout:g} s, {settings.max_rows:,} rows, "
              f"{settings.max_response_bytes:,} bytes; results cut by a limit carry a clusterkg:truncated marker.")))
        for fmt in ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                    "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML"]:
            g.add((svc, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/" + fmt)))
        ds = URIRef(settings.base_uri + "sparql#dataset")
        g.add((svc, SD.defaultDataset, ds))
        g.add((ds, RDF.type, SD.Dataset))
        for name in request.app.state.store.get().named_graphs():
            ng = URIRef(f"{settings.base_uri}sparql#graph-{len(g)}")
            g.add((ds, SD.namedGraph, ng))
            g.add((ng, SD.name, URIRef(name)))
        g.add((svc, URIRef("http://purl.org/dc/terms/description"),
               Literal("clusterkg read-only SPARQL endpoint; the default graph is the union of the named graphs")))
        offered = [t for t in DOC_TYPES if t != "text/html"]
        try:
            media = negotiate(request.headers.get("accept"), offered)
        except NotAcceptable:
            media = "text/turtle"  # a bare GET is often a browser or a probe: answer anyway
        ctype = media + ("" if media == "application/rdf+xml" else "; charset=utf-8")
        return Response(serialize_graph(g, media, context_url=None), headers={
            "Content-Type": ctype, "Vary": "Accept"})

    return describe


def create_app(settings: Settings) -> FastAPI:
    """Build the FastAPI application over the store folder ``settings.store``.

    :param settings: resolved configuration.
    :return: the ASGI app.
    :raises StoreError: when the store holds no snapshot yet (build first).
    """
    pool = QueryPool(settings.store, workers=settings.query_workers, queue=settings.query_queue,
                     queue_wait=settings.queue_wait, remote=settings.remote,
                     isolate=not settings.service_allow and not settings.remote,
                     limits=QueryLimits(settings.query_timeout, settings.max_rows, settings.max_response_bytes))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        await pool.start()
        try:
            yield
        finally:
            await pool.stop()

    app = FastAPI(title="clusterkg", version=__version__, lifespan=lifespan,
                  description="Linked data about cluster organisations: SPARQL 1.1 endpoint, "
                              "dereferenceable resources, dumps, DCAT-AP catalogue.")
    app.state.pool = pool
    # a remote SPARQL server may change between our builds: cache only the embedded snapshot
    app.state.cache = ResponseCache(0 if settings.remote else settings.cache_bytes)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                       allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                       allow_headers=["Accept", "Accept-Profile", "Content-Type", "If-None-Match",
                                      "If-Modified-Since"],
                       expose_headers=["Content-Location", "ETag", "Link", "Retry-After", "Vary", "Content-Profile"],
                       max_age=86400)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.state.settings = settings
    app.state.store = StoreHolder(settings.store, settings.remote)
    app.state.service_description = _service_description(settings)
    install_error_handlers(app)
    app.include_router(sparql.router)
    app.include_router(documents.router)
    app.include_router(dumps.router)
    app.include_router(harvest.router)

    @app.get("/", summary="Landing page", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        b = settings.base_uri
        links = [("sparql", "SPARQL 1.1 endpoint (service description on a bare GET)"),
                 ("catalog", "DCAT-AP 3.0 catalogue (Turtle, JSON-LD, RDF/XML; ?profile=dcat-ap-2.1.1; ?page=N)"),
                 (".well-known/void", "VoID description"), ("feed", "change feed (Linked Data Event Stream)"),
                 ("dumps/", "dumps: Turtle, N-Triples, N-Quads, JSON-LD"), ("ontology", "vocabulary and concept schemes"),
                 ("shapes", "SHACL shapes"), ("health", "status")]
        items = "".join(f'<li><a href="{b}{path}">{b}{path}</a>: {text}</li>' for path, text in links)
        return HTMLResponse(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>clusterkg</title>"
            f'<link rel="alternate" type="text/turtle" href="{b}catalog"></head><body>'
            "<h1>Cluster organisations knowledge graph</h1><p>Profiles of industrial and innovation cluster "
            f"organisations as linked data. Resources live under <code>{b}id/</code>.</p><ul>{items}</ul>"
            "</body></html>")

    @app.get("/health", summary="Liveness and the serving snapshot")
    def health() -> JSONResponse:
        store = app.state.store.get()
        return JSONResponse({"status": "ok", "snapshot": store.generation,
                             "named_graphs": len(store.named_graphs()), "version": __version__,
                             "query_workers_offline": pool.offline(), "cache": app.state.cache.stats()})

    return app
