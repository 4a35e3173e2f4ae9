"""What harvesters read: the DCAT-AP catalogue, VoID, the change feed (LDES).

* ``/catalog``: the DCAT-AP 3.0 catalogue made at build time, in Turtle, JSON-LD or
  RDF/XML by ``Accept`` (or ``.ttl`` / ``.jsonld`` / ``.rdf``). ``?profile=dcat-ap-2.1.1``
  (or ``Accept-Profile: <...>``, W3C Content Negotiation by Profile §7.1) gives the DCAT-AP
  2.1.1 rendition. ``?page=N`` gives one page of datasets with a Hydra
  ``hydra:PartialCollectionView`` (first, previous, next, last); ``?modified_since=DATE``
  keeps only the datasets whose ``dct:modified`` is on or after DATE (ISO 8601).
* ``/.well-known/void``: the VoID description (RFC 8615 well-known URI, VoID §7.2).
* ``/feed``: a Linked Data Event Stream (TREE hypermedia, time-fragmented by day): the
  root node lists one fragment per day; ``/feed/{YYYY-MM-DD}`` holds that day's members.
  Fragments of past days never change: ``Cache-Control: immutable``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import math
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph, Literal, URIRef

from clusterkg.graph.publish.catalog import PROFILES
from clusterkg.graph.map.vocab import DCAT, DCTERMS, HYDRA, LDES, RDF, TREE, XSD, bind_prefixes
from clusterkg.service.errors import BadRequest, NotFound
from clusterkg.service.formats import serialize_graph
from clusterkg.service.http import accept_profile, not_modified
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses

__all__ = ["router", "CATALOG_TYPES"]

router = APIRouter()


#: Offered for the catalogue, VoID and the feed, preferred first.
CATALOG_TYPES = ["text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"]
_SUFFIX = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml",
           ".nt": "application/n-triples"}


@functools.lru_cache(maxsize=16)
def _parse(path: str, mtime_ns: int) -> Graph:
    return Graph().parse(path, format="turtle")


def _meta_graph(request: Request, name: str) -> Graph:
    meta: Path = request.app.state.store.get().meta_dir
    path = meta / name
    if not path.is_file():
        raise NotFound(f"{name} (this snapshot was built without it; rebuild with 'clusterkg build')")
    return _parse(str(path), path.stat().st_mtime_ns)


def _respond(request: Request, g: Graph, media: str | None, cache: str = "public, max-age=60",
             extra: dict[str, str] | None = None) -> Response:
    negotiated = media is None
    media = media or negotiate(request.headers.get("accept"), CATALOG_TYPES)
    base = request.app.state.settings.base_uri
    body = serialize_graph(bind_prefixes(g), media, context_url=base + "context.jsonld")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Content-Type": media + ("" if media == "application/rdf+xml" else "; charset=utf-8"),
               "ETag": etag, "Cache-Control": cache}
    headers.update(extra or {})
    if negotiated:
        headers["Vary"] = "Accept, Accept-Profile"
    elif "Vary" not in headers:
        headers["Vary"] = "Accept-Profile"
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
    return Response(body, headers=headers)


def _profile(request: Request) -> str:
    """The catalogue's profile: ``?profile=`` (a token of :data:`PROFILES`), else
    ``Accept-Profile`` (W3C Content Negotiation by Profile §7.1), else DCAT-AP 3.0.

    :raises BadRequest: an unknown ``?profile=``.
    """
    wanted = request.query_params.get("profile")
    if wanted is None:
        return accept_profile(request.headers.get("accept-profile"), PROFILES) or "dcat-ap-3.0"
    if wanted not in PROFILES:
        raise BadRequest(f"unknown profile {wanted!r}; use one of: {', '.join(PROFILES)}")
    return wanted


def _reachable(g: Graph, root: URIRef, skip: set[URIRef]) -> set:
    seen, todo = {root}, [root]
    while todo:
        node = todo.pop()
        for _p, o in g.predicate_objects(node):
            if isinstance(o, URIRef) and o not in seen and o not in skip:
                seen.add(o)
                todo.append(o)
    return seen


def _subset(g: Graph, cat: URIRef, keep: list[URIRef]) -> Graph:
    datasets = set(g.objects(cat, DCAT.dataset))
    skip = datasets - set(keep)
    nodes = _reachable(g, cat, skip)
    out = Graph()
    for s in nodes:
        for p, o in g.predicate_objects(s):
            if o in skip:
                continue
            out.add((s, p, o))
    return out


def _since(value: str) -> _dt.datetime:
    try:
        d = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"modified_since={value!r} is not an ISO 8601 date or date-time") from None
    return d if d.tzinfo else d.replace(tzinfo=_dt.timezone.utc)


@router.get("/catalog{suffix:path}", summary="DCAT-AP catalogue",
            responses=responses(CATALOG_TYPES, 304, 400, 404, 406),
            openapi_extra={"parameters": [
                {"name": "profile", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(PROFILES)}},
                {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
                {"name": "modified_since", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date"}}]})
def catalog(request: Request, suffix: str = "") -> Response:
    if suffix and suffix not in _SUFFIX:
        raise NotFound(request.url.path)
    profile = _profile(request)
    g = _meta_graph(request, f"catalog-{profile}.ttl")
    base = request.app.state.settings.base_uri
    cat = URIRef(base + "catalog")
    datasets = sorted(g.objects(cat, DCAT.dataset), key=str)
    params = request.query_params
    if "modified_since" in params:
        since = _since(params["modified_since"])
        datasets = [d for d in datasets
                    if _dt.datetime.fromisoformat(str(g.value(d, DCTERMS.modified))) >= since]
    page = params.get("page")
    extra = {"Link": f'<{PROFILES[profile]}>; rel="profile"', "Content-Profile": f"<{PROFILES[profile]}>"}
    if page is None:
        out = g if "modified_since" not in params else _subset(g, cat, datasets)
        return _respond(request, out, _SUFFIX.get(suffix), extra=extra)
    if not (page.isascii() and page.isdigit()):
        raise BadRequest(f"page={page!r} is not a page number")
    n = int(page)
    size = request.app.state.settings.catalog_page_size
    last = max(1, math.ceil(len(datasets) / size))
    if not 1 <= n <= last:
        raise NotFound(f"catalogue page {n} (pages 1-{last})")
    out = _subset(g, cat, datasets[(n - 1) * size: n * size])
    keep = [(k, v) for k, v in params.multi_items() if k in ("profile", "modified_since")]

    def page_url(i: int) -> URIRef:
        return URIRef(f"{base}catalog{suffix}?{urlencode(keep + [('page', str(i))])}")
    view = page_url(n)
    out.bind("hydra", HYDRA)
    out.add((cat, HYDRA.view, view))
    out.add((view, RDF.type, HYDRA.PartialCollectionView))
    out.add((view, HYDRA.first, page_url(1)))
    out.add((view, HYDRA.last, page_url(last)))
    if n > 1:
        out.add((view, HYDRA.previous, page_url(n - 1)))
    if n < last:
        out.add((view, HYDRA.next, page_url(n + 1)))
    out.add((cat, HYDRA.totalItems, Literal(len(datasets), datatype=XSD.integer)))
    return _respond(request, out, _SUFFIX.get(suffix), extra=extra)


@router.get("/.well-known/void", summary="VoID description of the dataset",
            responses=responses(CATALOG_TYPES, 304, 404, 406))
def void(request: Request) -> Response:
    return _respond(request, _meta_graph(request, "void.ttl"), None)


def _members(request: Request) -> list[dict]:
    meta: Path = request.app.state.store.get().meta_dir
    path = meta / "feed.jsonl"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _day(ts: str) -> str:
    return ts[:10]


@router.get("/feed", summary="Change feed (LDES): the root node", responses=responses(CATALOG_TYPES, 304, 406))
def feed_root(request: Request) -> Response:
    base = request.app.state.settings.base_uri
    members = _members(request)
    g = Graph()
    g.bind("tree", TREE)
    g.bind("ldes", LDES)
    stream, root = URIRef(base + "feed#stream"), URIRef(base + "feed")
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, LDES.timestampPath, DCTERMS.modified))
    g.add((stream, LDES.versionOfPath, DCTERMS.isVersionOf))
    g.add((stream, TREE.shape, URIRef(base + "shapes")))
    g.add((stream, TREE.view, root))
    g.add((root, RDF.type, TREE.Node))
    for i, day in enumerate(sorted({_day(m["time"]) for m in members})):
        start = _dt.date.fromisoformat(day)
        end = start + _dt.timedelta(days=1)
        node = URIRef(f"{base}feed/{day}")
        for j, (kind, value) in enumerate(((TREE.GreaterThanOrEqualToRelation, start),
                                           (TREE.LessThanRelation, end))):
            rel = URIRef(f"{base}feed#r{i}-{j}")
            g.add((root, TREE.relation, rel))
            g.add((rel, RDF.type, kind))
            g.add((rel, TREE.path, DCTERMS.modified))
            g.add((rel, TREE.value, Literal(f"{value.isoformat()}T00:00:00+00:00", datatype=XSD.dateTime)))
            g.add((rel, TREE.node, node))
    return _respond(request, g, None, cache="public, max-age=60")


@router.get("/feed/{day}", summary="Change feed (LDES): one day's members",
            responses=responses(CATALOG_TYPES, 304, 404, 406))
def feed_day(day: str, request: Request) -> Response:
    try:
        date = _dt.date.fromisoformat(day)
    except ValueError:
        raise NotFound(f"feed fragment {day!r}") from None
    base = request.app.state.settings.base_uri
    members = [m for m in _members(request) if _day(m["time"]) == day]
    if not members:
        raise NotFound(f"feed fragment {day}")
    g = Graph()
    g.bind("tree", TREE)
    g.bind("ldes", LDES)
    stream, node = URIRef(base + "feed#stream"), URIRef(f"{base}feed/{day}")
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, TREE.view, URIRef(base + "feed")))
    g.add((node, RDF.type, TREE.Node))
    for m in members:
        g.add((stream, TREE.member, URIRef(m["version"])))
        g.parse(data=m["nt"], format="nt")
    today = _dt.datetime.now(_dt.timezone.utc).date()
    cache = "public, max-age=31536000, immutable" if date < today else "public, max-age=60"
    return _respond(request, g, None, cache=cache)
