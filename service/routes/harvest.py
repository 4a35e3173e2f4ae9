"""What harvesters read: the DCAT-AP catalogue, VoID, the change feed (LDES).

* ``/catalog``: the DCAT-AP 3.0 catalogue made at build time, in Turtle, JSON-LD or
  RDF/XML by ``Accept`` (or ``.ttl`` / ``.jsonld`` / ``.rdf``). ``?profile=dcat-ap-2.1.1``
  (or ``Accept-Profile: <...>``, W3C Content Negotiation by Profile §7.1) gives the DCAT-AP
  2.1.1 rendition. ``?page=N`` gives one page of datasets with a Hydra
  ``hydra:PartialCollectionView`` (first, previous, next, last); ``?modified_since=DATE``
  keeps only the datasets whose ``dct:modified`` is on or after DATE (ISO 8601).
* ``/.well-known/void``: the VoID description (RFC 8615 well-known URI, VoID §7.2).
* ``/feed``: a Linked Data Event Stream (TREE hypermedia, time-fragmented by day): the
  root node lists one fragment per day; ``/feed/{YYYY-MM-DD}`` holds that day's first
  ``CLUSTERKG_FEED_PAGE_SIZE`` members, in the order of their versions (the build's time,
  then the IRI), and a ``tree:Relation`` to ``?after={the last version shown}``, and so on
  (a full build puts every profile in one day). A page is named by the member it follows,
  not by its number, so a member removed later (its profile gone), or another page size,
  can shift what a page holds but never hides a member from a client that follows the
  relations, fresh pages or cached ones. Past days' pages are ``Cache-Control:
  immutable``. The members are read from the snapshot's ``feed.jsonl`` through an index of
  each day's lines, made once per snapshot, so a page reads only its own lines; a damaged
  line is left out (the build drops such lines when it next writes the feed).
"""

from __future__ import annotations

import collections
import datetime as _dt
import threading
import functools
import hashlib
import bisect
import logging
import math
import re
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from clusterkg.graph import formats
from clusterkg.graph.map.vocab import DCAT, DCTERMS, HYDRA, LDES, RDF, TREE, XSD, bind_prefixes
from clusterkg.graph.publish import urls
from clusterkg.graph.publish.catalog import PROFILES
from clusterkg.graph.publish.feed import FEED_FILE, read_member
from clusterkg.graph.publish.metadata import VOID_FILE, catalog_file
from clusterkg.service.errors import BadRequest, NotFound
from clusterkg.service.formats import media_types, serialize_graph
from clusterkg.service.html import render_html
from clusterkg.service.http import accept_profile, not_modified, page_number
from clusterkg.service.kept import kept
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses

__all__ = ["router", "CATALOG_TYPES", "catalog", "void", "feed_root", "feed_day"]

router = APIRouter()

#: Offered for the catalogue, VoID and the feed, preferred first.
CATALOG_TYPES = media_types(formats.METADATA)
_DEFAULT_PROFILE = "dcat-ap-3.0"


def _suffix_media(suffix: str) -> str | None:
    """The media type a ``.ttl``/``.jsonld``/``.rdf``/``.nt`` suffix names, or None."""
    fmt = formats.by_suffix(suffix, formats.METADATA) if suffix else None
    return fmt.media_type if fmt is not None else None


@functools.lru_cache(maxsize=16)
def _parse(path: str, mtime_ns: int) -> Graph:
    return Graph().parse(path, format=formats.TURTLE.rdflib)


def _meta_graph(store, name: str) -> Graph:
    """The snapshot's metadata file ``name`` (Turtle), parsed once per file.

    :param store: the serving snapshot's store (the one whose generation keys the body).
    :raises NotFound: a snapshot built without it.
    """
    path = store.meta_dir / name
    if not path.is_file():
        raise NotFound(f"{name} (this snapshot was built without it; rebuild with 'clusterkg build')")
    return _parse(str(path), path.stat().st_mtime_ns)


#: Titles of the HTML views (path under the base URI it starts with -> title).
_TITLES = {urls.CATALOG: "DCAT-AP catalogue", urls.VOID: "VoID description", urls.FEED: "Change feed"}


def _respond(request: Request, make: Callable[[], Graph], media: str | None, cache: str = "public, max-age=60",
             extra: dict[str, str] | None = None, generation: str | None = None,
             params: list[tuple[str, str]] | None = None, variant: tuple = ()) -> Response:
    """The document ``make()`` builds, in the format ``media`` names or ``Accept`` picks
    (HTML for a browser), written once per snapshot, media type and ``params``/``variant``
    (:func:`~clusterkg.service.kept.kept`), with
    its ETag and ``304`` on a match; ``generation``: the snapshot ``make`` reads (default:
    the serving one).

    The body is kept under what it depends on, not under the request's text: ``params``,
    the query parameters the document names (its links; the HTML view's alternates), in a
    canonical form, and ``variant``, anything else it depends on (the catalogue's profile).
    Parameters the route does not read (``?_=1234``, a cache buster) are ignored, so they
    cannot make the server write a document again per request.
    """
    negotiated = media is None
    media = media or negotiate(request.headers.get("accept"), CATALOG_TYPES + [formats.HTML.media_type])
    params = params or []
    key = (generation or request.app.state.store.get().generation, request.url.path, tuple(params), variant, media)
    body, etag = kept(key, lambda: _write(request, make(), media, params))
    headers = {"Content-Type": formats.content_type(media), "ETag": etag, "Cache-Control": cache}
    headers.update(extra or {})
    if negotiated:
        headers["Vary"] = "Accept, Accept-Profile"
    elif "Vary" not in headers:
        headers["Vary"] = "Accept-Profile"
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
    return Response(body, headers=headers)


def _write(request: Request, g: Graph, media: str, params: list[tuple[str, str]]) -> tuple[bytes, str]:
    """The graph in ``media`` (a page for a browser, its alternates with ``params``), and its ETag."""
    if media == formats.HTML.media_type:  # a browser: the same graph as a page
        site: urls.Urls = request.app.state.urls
        base_path = urlsplit(site.base).path  # the request's own host name is not in the body's key
        title = next((t for p, t in _TITLES.items() if request.url.path[len(base_path):].startswith(p)), "Metadata")
        query = "?" + urlencode(params) if params else ""
        alternates = {f.media_type: site.base + urls.CATALOG + f.suffix + query
                      for f in formats.METADATA} if title == _TITLES[urls.CATALOG] else {}
        document = site.base + request.url.path[len(base_path):]  # its hash IRIs (catalog#all) anchor by fragment
        body = render_html(g, None, title, alternates, {}, link=site.local, document=document)
    else:
        body = serialize_graph(bind_prefixes(g), media, context_url=request.app.state.urls.context)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _profile(request: Request) -> str:
    """The catalogue's profile: ``?profile=`` (a token of :data:`PROFILES`), else
    ``Accept-Profile`` (W3C Content Negotiation by Profile §7.1), else DCAT-AP 3.0.

    :raises BadRequest: an unknown ``?profile=``.
    """
    wanted = request.query_params.get("profile")
    if wanted is None:
        return accept_profile(request.headers.get("accept-profile"), PROFILES) or _DEFAULT_PROFILE
    if wanted not in PROFILES:
        raise BadRequest(f"unknown profile {wanted!r}; use one of: {', '.join(PROFILES)}")
    return wanted


def _reachable(g: Graph, root: URIRef, skip: set[Node]) -> set:
    seen, todo = {root}, [root]
    while todo:
        node = todo.pop()
        for _p, o in g.predicate_objects(node):
            if isinstance(o, URIRef) and o not in seen and o not in skip:
                seen.add(o)
                todo.append(o)
    return seen


def _subset(g: Graph, cat: URIRef, keep: list[Node]) -> Graph:
    datasets = set(g.objects(cat, DCAT.dataset))
    skip = datasets - set(keep)
    nodes = _reachable(g, cat, skip)
    out = Graph(bind_namespaces="none")
    for prefix, namespace in g.namespaces():  # the catalogue file's prefixes (adms, vcard...)
        out.bind(prefix, namespace)
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


def _page(g: Graph, cat: URIRef, datasets: list, n: int, size: int, page_url) -> Graph:
    """Page ``n`` of the catalogue (``size`` datasets a page), with its Hydra
    ``PartialCollectionView`` (first, previous, next, last; ``page_url(i)`` names page i).

    :raises NotFound: no such page.
    """
    last = max(1, math.ceil(len(datasets) / size))
    if not 1 <= n <= last:
        raise NotFound(f"catalogue page {n} (pages 1-{last})")
    out = _subset(g, cat, datasets[(n - 1) * size: n * size])
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
    return out


@router.get("/" + urls.CATALOG + "{suffix:path}", summary="DCAT-AP catalogue",
            responses=responses(CATALOG_TYPES, 304, 400, 404, 406),
            openapi_extra={"parameters": [
                {"name": "profile", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(PROFILES)}},
                {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
                {"name": "modified_since", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date"}}]})
def catalog(request: Request, suffix: str = "") -> Response:
    """The DCAT-AP catalogue in the profile asked for, whole or one page, maybe only the
    datasets modified since a date (see the module docstring).

    :raises BadRequest: an unknown profile, a bad page number or date.
    :raises NotFound: an unknown suffix, a page past the last, a snapshot without catalogue.
    """
    media = _suffix_media(suffix)
    if suffix and media is None:
        raise NotFound(request.url.path)
    profile = _profile(request)
    store = request.app.state.store.get()  # one snapshot for the graph and the body's key
    g = _meta_graph(store, catalog_file(profile))
    site = request.app.state.urls
    cat = site.catalog()
    datasets = sorted(g.objects(cat, DCAT.dataset), key=str)
    params = request.query_params
    keep = [("profile", profile)] if "profile" in params else []
    if "modified_since" in params:
        since = _since(params["modified_since"])
        stamps = {d: _dt.datetime.fromisoformat(str(g.value(d, DCTERMS.modified))) for d in datasets}
        datasets = [d for d in datasets if stamps[d] >= since]
        # named by the earliest change among the datasets selected, which selects the same
        # ones however the date was written: one body per selection, not one per spelling
        # (none selected: just after the latest change)
        latest = max(stamps.values(), default=since - _dt.timedelta(microseconds=1))
        first = min((stamps[d] for d in datasets), default=latest + _dt.timedelta(microseconds=1))
        keep.append(("modified_since", first.isoformat()))
    page = params.get("page")
    extra = {"Link": f'<{PROFILES[profile]}>; rel="profile"', "Content-Profile": f"<{PROFILES[profile]}>"}
    if page is None:
        return _respond(request, lambda: g if "modified_since" not in params else _subset(g, cat, datasets), media,
                        extra=extra, params=keep, variant=(profile,), generation=store.generation)
    n, size = page_number(page), request.app.state.settings.catalog_page_size

    def page_url(i: int) -> URIRef:
        return URIRef(f"{cat}{suffix}?{urlencode(keep + [('page', str(i))])}")

    return _respond(request, lambda: _page(g, cat, datasets, n, size, page_url), media, extra=extra,
                    params=keep + [("page", str(n))], variant=(profile,), generation=store.generation)


@router.get("/" + urls.VOID, summary="VoID description of the dataset",
            responses=responses(CATALOG_TYPES, 304, 404, 406))
def void(request: Request) -> Response:
    """The VoID description made at build time (VoID §7.2, RFC 8615).

    :raises NotFound: a snapshot built without it.
    """
    store = request.app.state.store.get()
    return _respond(request, lambda: _meta_graph(store, VOID_FILE), None, generation=store.generation)


#: The day and version of a member, read from its line without parsing the rest (the
#: writer puts them before the member's N-Triples; a quote inside a JSON string is escaped,
#: so a key cannot be matched inside a value).
_TIME = re.compile(rb'"time": ?"(\d{4}-\d{2}-\d{2})')
_VERSION = re.compile(rb'"version": ?"([^"\\]+)"')
#: Feed indexes of the snapshots served lately (``meta/feed.jsonl`` path -> index): two, so
#: that requests still on the previous snapshot while a build publishes do not drive the
#: newer one out.
_FEED_INDEXES: collections.OrderedDict[str, dict] = collections.OrderedDict()
_FEED_LOCK = threading.Lock()
_log = logging.getLogger("clusterkg.service.harvest")


def _order(version: str) -> tuple[str, str]:
    """Where a member's version stands in its day: its stamp (the build's time, the IRI's
    last segment), then the IRI."""
    return version.rsplit("/", 1)[-1], version


def _index_line(line: bytes) -> tuple[str, str] | None:
    """The day and version of one ``feed.jsonl`` line, or None for a line that is not a
    member (blank, damaged, or with a day that is no date)."""
    day, version = _TIME.search(line), _VERSION.search(line)
    if day is not None and version is not None:
        found = (day.group(1).decode(), version.group(1).decode("utf-8", "replace"))
    else:
        member = read_member(line.decode("utf-8", "replace")) if line.strip() else None
        if member is None:
            return None
        found = (_day(member.time), member.version)
    try:
        _dt.date.fromisoformat(found[0])
    except ValueError:
        return None
    return found


def _feed_index(store) -> tuple[Path, dict[str, list[tuple[tuple[str, str], int, int]]]]:
    """The snapshot's ``feed.jsonl`` and, for each day, its members' order keys
    (:func:`_order`), offsets and lengths, sorted. Read once per snapshot, a line at a time,
    under a lock, so that concurrent first requests read it once. Blocking: for the thread
    pool."""
    path: Path = store.meta_dir / FEED_FILE
    key = str(path)
    with _FEED_LOCK:
        held = _FEED_INDEXES.get(key)
        if held is not None:
            _FEED_INDEXES.move_to_end(key)
            return path, held
        days: dict[str, list] = {}
        bad = 0
        if path.is_file():
            with open(path, "rb") as fh:
                at = 0
                for line in fh:
                    found = _index_line(line)
                    if found is not None:
                        days.setdefault(found[0], []).append((_order(found[1]), at, len(line)))
                    elif line.strip():
                        bad += 1
                    at += len(line)
        twice = 0
        for day, members in days.items():
            # a version listed twice is one member (pages follow versions): its last line, the
            # newer (two builds in one second, as with a fixed SOURCE_DATE_EPOCH, give a changed
            # profile's version the same IRI)
            members.sort()
            days[day] = [m for i, m in enumerate(members) if i + 1 == len(members) or m[0] != members[i + 1][0]]
            twice += len(members) - len(days[day])
        if bad or twice:
            _log.warning("%s: %d damaged line(s) and %d repeated version(s) left out of the change feed", path,
                         bad, twice)
        _FEED_INDEXES[key] = days
        while len(_FEED_INDEXES) > 2:
            _FEED_INDEXES.popitem(last=False)
        return path, days


def _read_members(path: Path, entries: list) -> list:
    """The members at ``entries`` (from :func:`_feed_index`); a line that does not read as
    one is left out."""
    out = []
    with open(path, "rb") as fh:
        for _order_key, at, size in entries:
            fh.seek(at)
            member = read_member(fh.read(size).decode("utf-8", "replace"))
            if member is not None:
                out.append(member)
    return out


def _day(ts: str) -> str:
    return ts[:10]


def _stream(site: urls.Urls) -> Graph:
    """A feed graph holding the event stream's node."""
    g = Graph()
    g.bind("tree", TREE)
    g.bind("ldes", LDES)
    g.add((site.feed("stream"), RDF.type, LDES.EventStream))
    return g


@router.get("/" + urls.FEED, summary="Change feed (LDES): the root node",
            responses=responses(CATALOG_TYPES, 304, 406))
def feed_root(request: Request) -> Response:
    """The feed's root node: the event stream, and one relation pair per day's fragment
    (TREE ``GreaterThanOrEqualToRelation`` / ``LessThanRelation`` on ``dct:modified``)."""
    store = request.app.state.store.get()  # one snapshot for the index and the cache key
    return _respond(request, lambda: _root(request, store), None, cache="public, max-age=60",
                    generation=store.generation)


def _root(request: Request, store) -> Graph:
    """The feed's root node over ``store``'s feed (see :func:`feed_root`)."""
    site: urls.Urls = request.app.state.urls
    _path, days = _feed_index(store)
    g = _stream(site)
    stream, root = site.feed("stream"), site.feed()
    g.add((stream, LDES.timestampPath, DCTERMS.modified))
    g.add((stream, LDES.versionOfPath, DCTERMS.isVersionOf))
    g.add((stream, TREE.shape, site.shapes))
    g.add((stream, TREE.view, root))
    g.add((root, RDF.type, TREE.Node))
    for i, day in enumerate(sorted(days)):
        start = _dt.date.fromisoformat(day)
        end = start + _dt.timedelta(days=1)
        node = site.feed_day(day)
        for j, (kind, value) in enumerate(((TREE.GreaterThanOrEqualToRelation, start),
                                           (TREE.LessThanRelation, end))):
            rel = site.feed(f"r{i}-{j}")
            g.add((root, TREE.relation, rel))
            g.add((rel, RDF.type, kind))
            g.add((rel, TREE.path, DCTERMS.modified))
            g.add((rel, TREE.value, Literal(f"{value.isoformat()}T00:00:00+00:00", datatype=XSD.dateTime)))
            g.add((rel, TREE.node, node))
    return g


@router.get("/" + urls.FEED + "/{day}", summary="Change feed (LDES): one day's members, a page at a time",
            responses=responses(CATALOG_TYPES, 302, 304, 400, 404, 406))
def feed_day(day: str, request: Request, after: str | None = None) -> Response:
    """One day's fragment of the feed: the versions of the profiles changed that day, in
    pages of ``CLUSTERKG_FEED_PAGE_SIZE`` members in their order (:func:`_order`); the page
    ``?after=V`` holds those after version ``V``, and each page links the next with a
    ``tree:Relation`` (TREE §3). Immutable once the day is over. A ``V`` that is no member
    of the day (its profile was removed since the link was given, or it is made up) is
    redirected (``302``) to the page named by the member before its place, which holds the
    same members: so the server writes at most one body per member, whatever ``after``
    says. (Pages are not aligned to multiples of the page size: after a removal, a
    client's cached page would lead back to itself.)

    :param day: ``YYYY-MM-DD``.
    :param after: the version IRI the page follows (the first page: none).
    :raises NotFound: not a date written ``YYYY-MM-DD``, no member that day, or nothing
        after ``after``.
    :raises BadRequest: an ``after`` that is not a version IRI of this feed.
    """
    try:
        date = _dt.date.fromisoformat(day)
    except ValueError:
        raise NotFound(f"feed fragment {day!r}") from None
    if day != date.isoformat():  # 20251124, 2025-W48-1: no second name for a fragment
        raise NotFound(f"feed fragment {day!r} (days are written YYYY-MM-DD)")
    site: urls.Urls = request.app.state.urls
    store = request.app.state.store.get()  # one snapshot for the index and the cache key
    path, days = _feed_index(store)
    members = days.get(day)
    if not members:
        raise NotFound(f"feed fragment {day}")
    first = 0
    if after is not None:
        if not after.startswith(site.base + urls.FEED + "/"):
            raise BadRequest(f"after={after[:80]!r}: not a version IRI of this feed")
        order = _order(after)
        first = bisect.bisect_right(members, (order, math.inf, math.inf))
        if first >= len(members):
            raise NotFound(f"feed fragment {day}: no member after {after}")
        if first == 0 or members[first - 1][0] != order:  # no member of the day (its profile was removed)
            return _to_page(request, day, members[first - 1][0][1] if first else None)
    size = request.app.state.settings.feed_page_size
    today = _dt.datetime.now(_dt.timezone.utc).date()
    cache = "public, max-age=31536000, immutable" if date < today else "public, max-age=60"
    return _respond(request, lambda: _day_page(request, day, path, members, first, size, after), None,
                    cache=cache, generation=store.generation, params=[("after", after)] if after else None)


def _page_iri(site: urls.Urls, day: str, after: str | None) -> URIRef:
    """The page of ``day``'s fragment that follows member ``after`` (None: the first page)."""
    day_node = site.feed_day(day)
    return day_node if after is None else URIRef(f"{day_node}?{urlencode({'after': after})}")


def _to_page(request: Request, day: str, after: str | None) -> Response:
    """A redirect (``302``) to the page of ``day`` that follows member ``after`` (None: the
    first page)."""
    return Response(status_code=302, headers={"Location": str(_page_iri(request.app.state.urls, day, after)),
                                              "Cache-Control": "public, max-age=60"})


def _day_page(request: Request, day: str, path: Path, members: list, first: int, size: int,
              after: str | None) -> Graph:
    """The page of ``day``'s fragment that starts at ``members[first]`` (see :func:`feed_day`)."""
    site: urls.Urls = request.app.state.urls
    g = _stream(site)
    stream, node = site.feed("stream"), _page_iri(site, day, after)
    g.add((stream, TREE.view, site.feed()))
    g.add((node, RDF.type, TREE.Node))
    shown = members[first:first + size]
    for m in _read_members(path, shown):
        g.add((stream, TREE.member, URIRef(m.version)))
        g.parse(data=m.nt, format=formats.N_TRIPLES.rdflib)
    if first + size < len(members):
        rel = URIRef(f"{node}#next")  # on this page, so a browser's view links it
        g.add((node, TREE.relation, rel))
        g.add((rel, RDF.type, TREE.Relation))
        g.add((rel, TREE.node, _page_iri(site, day, shown[-1][0][1])))
    return g
