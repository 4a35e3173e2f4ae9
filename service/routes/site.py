"""Pages for people: the landing page (``/``), search (``/search?q=``), the faceted list of
clusters (``/clusters``), the charts (``/charts``), and what crawlers read (``/robots.txt``,
``/sitemap.xml``).

The pages read the site index the build wrote (:mod:`clusterkg.service.site`), in the
thread pool. Every list and the search results are also offered as JSON, and the lists as
CSV (RFC 4180): chosen by ``Accept`` (RFC 9110 §12.5.1) or by a ``format=`` parameter
(``html``, ``json``, ``csv``), which wins over ``Accept``. The pages hold no script.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from clusterkg.graph import formats
from clusterkg.graph.publish import urls
from clusterkg.graph.map.vocab import EU_COUNTRY
from clusterkg.graph.publish.site import FACETS
from clusterkg.service.errors import BadRequest, NotFound
from clusterkg.service.examples import CHART_QUERIES, examples, list_query
from clusterkg.service.html import TEMPLATES, site_links
from clusterkg.service.http import page_number
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses
from clusterkg.service.site import CHARTS, MAX_QUERY_CHARS, SORTS, BadRequestValue, SiteIndex

__all__ = ["router", "home", "search", "clusters", "charts", "robots", "sitemap", "LIST_TYPES", "PAGE_SIZE",
           "with_backlinks", "BACKLINKS_MARK", "spreadsheet_safe"]

router = APIRouter()

#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell of the clusters list's CSV that a spreadsheet shows as text: a value that
    starts like a formula gets a leading apostrophe (OWASP, "CSV Injection"). The list is
    for people; the SPARQL endpoint's CSV (SPARQL 1.1 Query Results CSV) keeps every value
    as it is.

    >>> print(spreadsheet_safe('=HYPERLINK("http://example.org")'), spreadsheet_safe("ICT Net"))
    '=HYPERLINK("http://example.org") ICT Net
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


#: What the lists are offered in, preferred first; ``format=`` names them by key.
LIST_TYPES = {"html": formats.HTML.media_type, "json": formats.JSON.media_type, "csv": formats.CSV.media_type}
#: Rows of a list page unless ``size=`` says otherwise.
PAGE_SIZE = 50
#: The landing page's machine links: path under the base URI, and what is there.
_LINKS = [(urls.SPARQL, "SPARQL 1.1 endpoint (a query editor in a browser; the service description for machines)"),
          (urls.CATALOG, "DCAT-AP 3.0 catalogue (Turtle, JSON-LD, RDF/XML; ?profile=dcat-ap-2.1.1; ?page=N)"),
          (urls.VOID, "VoID description"), (urls.FEED, "change feed (Linked Data Event Stream)"),
          (urls.DUMPS, "dumps: Turtle, N-Triples, N-Quads, JSON-LD"),
          (urls.ONTOLOGY, "vocabulary and concept schemes"), (urls.SHAPES, "SHACL shapes"), (urls.HEALTH, "status")]


def _index(request: Request) -> SiteIndex:
    return SiteIndex(request.app.state.store.get().meta_dir)


def _media(request: Request, offered: dict[str, str] = LIST_TYPES) -> str:
    """The answer's media type among ``offered`` (key -> media type): ``format=`` when given
    (a key or a media type), else by ``Accept``.

    :raises BadRequest: a ``format`` not offered.
    """
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt not in offered and fmt not in offered.values():
            raise BadRequest(f"format={fmt[:40]!r}: use one of {', '.join(offered)}")
        return offered.get(fmt, fmt)
    return negotiate(request.headers.get("accept"), list(offered.values()))


def _doc_url(request: Request, iri: str) -> str:
    """Where a link to ``iri`` points on this server (a resource's document, a concept's page)."""
    site: urls.Urls = request.app.state.urls
    if iri.startswith(site.base + urls.ID):
        return site.base + urls.DOC + iri[len(site.base + urls.ID):]
    return site.local(iri)


def _page(request: Request, name: str, context: dict[str, Any], media: str | None = None) -> Response:
    site = site_links(request.app.state.urls)
    headers = {"Vary": "Accept"} if media is not None else {}
    return TEMPLATES.TemplateResponse(request, name, {"site": site, **context}, headers=headers)


def _editor_link(request: Request, query: str, fmt: str | None = None) -> str:
    extra = {"format": fmt} if fmt else {}
    return request.app.state.urls.sparql + "?" + urlencode({"query": query, **extra}, quote_via=quote)


@router.get("/", summary="Landing page", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    """The landing page: what the graph holds, a search box, entry points to browse, the
    example queries, and links for machines."""
    index = _index(request)
    figures, facets = await run_in_threadpool(_summary, index.path) if index.available() else (None, {})
    site: urls.Urls = request.app.state.urls
    shown = [{"heading": FACETS[kind][0], "values": [
        {"label": label, "count": count, "href": _list_url(request, {kind: [value]})}
        for value, label, count in facets.get(kind, [])]} for kind in ("country", "sector", "label")]
    return await run_in_threadpool(_page, request, "home.html", {
        "figures": figures, "facets": shown, "catalog_type": formats.TURTLE.media_type,
        "queries": [{"title": e.title, "editor": _editor_link(request, e.query), "data": e.data,
                     "csv": _editor_link(request, e.query, "csv")} for e in examples()],
        "links": [{"url": site.base + path, "text": text} for path, text in _LINKS]})


@functools.lru_cache(maxsize=4)
def _summary(path: Path) -> tuple[dict[str, str], dict[str, list[tuple[str, str, int]]]]:
    """The landing page's figures and top facet values of one snapshot's index (its files
    never change: read once per snapshot)."""
    index = SiteIndex(path.parent)
    browse = index.browse({}, "name", 1, 1)
    return index.figures(), {kind: [(v.value, v.label, v.count) for v in values[:12]]
                             for kind, values in browse.facets.items()}


def _list_url(request: Request, filters: dict[str, list[str]], **extra: Any) -> str:
    pairs = [(kind, v) for kind in FACETS for v in filters.get(kind, [])]
    pairs += [(k, str(v)) for k, v in extra.items() if v is not None]
    query = urlencode(pairs, quote_via=quote)
    return request.app.state.urls.base + urls.CLUSTERS + (f"?{query}" if query else "")


def _filters(request: Request) -> dict[str, list[str]]:
    """The facet values asked for; a country may be given by its EU code (``SRB``)."""
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key == "country" and len(value) == 3 and value.isascii() and value.isalpha():
            value = str(EU_COUNTRY) + value.upper()  # the EU authority table's IRI
        if key in FACETS:
            out.setdefault(key, []).append(value)
        elif key not in ("sort", "page", "size", "format"):
            raise BadRequest(f"{key}: no such parameter (facets: {', '.join(FACETS)}; and sort, page, size, format)")
    return out


def _size(request: Request) -> int:
    raw = request.query_params.get("size")
    if raw is None:
        return PAGE_SIZE
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 or not 1 <= int(raw) <= 200:
        raise BadRequest(f"size={raw!r} is not a page size (1 to 200)")
    return int(raw)


@router.get("/" + urls.CLUSTERS, summary="Clusters, by facets", responses=responses(list(LIST_TYPES.values()), 400))
async def clusters(request: Request) -> Response:
    """The clusters holding every facet value asked for (``country=IRI&sector=IRI...``; values
    of one facet: any), sorted (``sort=`` name, country, founded, members), a page at a time
    (``page=``, ``size=``), with the counts per facet value; as HTML, JSON or CSV.

    :raises BadRequest: an unknown parameter, facet, sort, page or format.
    """
    media = _media(request)
    filters, sort = _filters(request), request.query_params.get("sort", "name")
    page, size = page_number(request.query_params.get("page")), _size(request)
    index = _index(request)
    if not index.available():
        raise BadRequest("this store was built before the pages' index existed: run 'clusterkg build' again")
    try:
        result = await run_in_threadpool(index.browse, filters, sort, page, size)
    except BadRequestValue as exc:
        raise BadRequest(str(exc)) from None
    rows = [{"iri": r.iri, "name": r.name, "country": r.country, "country_name": r.country_name,
             "founded": r.founded, "year": r.year, "members": r.members, "href": _doc_url(request, r.iri)}
            for r in result.rows]
    last = max(1, -(-result.total // size))
    if page > last:  # in every format
        raise NotFound(f"page {page} of this list (it has {last})")
    if media == formats.CSV.media_type:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["iri", "name", "country", "country_name", "founded", "members"])
        columns = ("iri", "name", "country", "country_name", "founded")
        writer.writerows([[spreadsheet_safe(str(r[k] or "")) for k in columns] + [r["members"]] for r in rows])
        return Response(out.getvalue(), headers={"Content-Type": formats.content_type(media), "Vary": "Accept"})
    if media == formats.JSON.media_type:
        body = {"total": result.total, "page": page, "size": size, "sort": sort, "filters": filters,
                "items": [{k: v for k, v in r.items() if k not in ("href", "year")} for r in rows],
                "facets": {k: [{"value": v.value, "label": v.label, "count": v.count} for v in vs]
                           for k, vs in result.facets.items()}}
        return Response(json.dumps(body, ensure_ascii=False), headers={"Content-Type": media, "Vary": "Accept"})
    return await run_in_threadpool(
        lambda: _page(request, "clusters.html", _list_context(request, filters, sort, page, size, result, rows), media))


def _list_context(request, filters, sort, page, size, result, rows) -> dict[str, Any]:
    """What ``clusters.html`` shows: facets with links that add or remove a value, sort
    links, the pager and the other formats' links."""
    def toggled(kind: str, value: str) -> dict[str, list[str]]:
        now = list(filters.get(kind, []))
        now = [v for v in now if v != value] if value in now else now + [value]
        return {**filters, kind: now}

    facets = [{"kind": kind, "heading": FACETS[kind][0], "values": [
        {"label": v.label, "count": v.count, "selected": v.selected,
         "href": _list_url(request, toggled(kind, v.value), sort=None if sort == "name" else sort)}
        for v in result.facets.get(kind, [])]} for kind in FACETS]
    chosen = [v.label for vs in result.facets.values() for v in vs if v.selected]
    last = max(1, -(-result.total // size))
    keep = {"sort": None if sort == "name" else sort, "size": None if size == PAGE_SIZE else size}
    pager = None if last == 1 else {
        "page": page, "last": last,
        "prev": _list_url(request, filters, **keep, page=page - 1) if page > 1 else None,
        "next": _list_url(request, filters, **keep, page=page + 1) if page < last else None}
    return {"title": "Clusters", "total": result.total, "rows": rows, "facets": facets, "chosen": chosen,
            "clear": _list_url(request, {}), "pager": pager,
            "sorts": [{"name": s, "on": s == sort, "href": _list_url(request, filters, sort=None if s == "name" else s)}
                      for s in SORTS],
            "format_links": [{"name": k.upper(), "media": m, "url": _list_url(request, filters, **keep, format=k)}
                             for k, m in LIST_TYPES.items() if k != "html"],
            "query": _editor_link(request, list_query(filters))}


@router.get("/" + urls.SEARCH, summary="Full-text search", responses=responses(
    [formats.HTML.media_type, formats.JSON.media_type], 400))
async def search(request: Request) -> Response:
    """Search cluster names (native names too), acronyms, missions, members and places
    (``q=``, at most 200 characters used); ranked, with snippets; HTML or JSON."""
    q = request.query_params.get("q", "")[:MAX_QUERY_CHARS]  # what is searched, and all that is echoed
    media = _media(request, {k: LIST_TYPES[k] for k in ("html", "json")})
    page, size = page_number(request.query_params.get("page")), 20
    index = _index(request)
    total, hits = (await run_in_threadpool(index.search, q, size, (page - 1) * size)) if index.available() else (0, [])
    if media == formats.JSON.media_type:
        body = {"q": q, "total": total, "page": page, "hits": [
            {"iri": h.iri, "kind": h.kind, "title": h.title, "snippet": "".join(t for t, _m in h.snippet)}
            for h in hits]}
        return Response(json.dumps(body, ensure_ascii=False), headers={"Content-Type": media, "Vary": "Accept"})
    base = request.app.state.urls.base + urls.SEARCH

    def at(n: int) -> str:
        return base + "?" + urlencode({"q": q, "page": n}, quote_via=quote)

    pager = {"prev": at(page - 1) if page > 1 else None, "next": at(page + 1) if page * size < total else None}
    return await run_in_threadpool(_page, request, "search.html", {
        "title": f"Search: {q}" if q else "Search", "q": q, "total": total, "first": (page - 1) * size + 1,
        "hits": [{"href": _doc_url(request, h.iri), "title": h.title, "kind": h.kind, "snippet": h.snippet}
                 for h in hits],
        "pager": pager if (pager["prev"] or pager["next"]) else None,
        "json": base + "?" + urlencode({"q": q, "format": "json"}, quote_via=quote)}, media)


#: Chart geometry (SVG user units): label column, longest bar, row height.
_LABEL_WIDTH, _BAR_WIDTH, _ROW = 230, 380, 22


def _chart(request: Request, index: SiteIndex, name: str) -> dict[str, Any]:
    """One chart as the template draws it: bars scaled to the largest, each linked to its
    list, and the link to the SPARQL query that gives the same numbers."""
    bars = index.chart(name)
    top = max((n for _l, n, _v in bars), default=1)
    kind = CHARTS[name][1]
    return {"name": name, "title": CHARTS[name][0], "column": "year" if kind == "year" else FACETS[kind][0].lower(),
            "label_width": _LABEL_WIDTH, "width": _LABEL_WIDTH + _BAR_WIDTH + 40, "height": _ROW * max(1, len(bars)),
            "query": _editor_link(request, CHART_QUERIES[name]),
            "bars": [{"label": label if len(label) <= 34 else label[:33] + "…", "count": n, "y": i * _ROW,
                      "width": max(1, round(_BAR_WIDTH * n / top)),
                      "href": _list_url(request, {kind: [value]}) if value else None}
                     for i, (label, n, value) in enumerate(bars)]}


@router.get("/" + urls.CHARTS, summary="Charts", response_class=HTMLResponse)
async def charts(request: Request) -> Response:
    """Clusters per country, per sector, per label level and by founding year: SVG drawn on
    the server, with the numbers beside each chart and a link to its SPARQL query."""
    index = _index(request)
    if not index.available():
        raise BadRequest("this store was built before the pages' index existed: run 'clusterkg build' again")
    drawn = await run_in_threadpool(lambda: [_chart(request, index, name) for name in CHARTS])
    return await run_in_threadpool(_page, request, "charts.html", {"title": "Charts", "charts": drawn})


@router.get("/" + urls.ROBOTS, summary="robots.txt", response_class=Response)
def robots(request: Request) -> Response:
    """What crawlers may read (RFC 9309): everything but the SPARQL endpoint and search (each
    request costs), the lists' facet combinations (endless; the sitemap names every
    cluster's page) and the named graphs, and where the sitemap is."""
    site: urls.Urls = request.app.state.urls
    text = (f"User-agent: *\nDisallow: /{urls.SPARQL}\nDisallow: /{urls.SEARCH}\nDisallow: /{urls.CLUSTERS}?\n"
            f"Disallow: /{urls.GRAPH}\nSitemap: {site.base}{urls.SITEMAP}\n")
    return Response(text, headers={"Content-Type": "text/plain; charset=utf-8"})


@router.get("/" + urls.SITEMAP, summary="sitemap.xml", response_class=Response)
async def sitemap(request: Request) -> Response:
    """The sitemap (sitemaps.org protocol 0.9): the landing page, lists, charts, and every
    cluster's page (at most 50,000 URLs, the protocol's limit)."""
    site: urls.Urls = request.app.state.urls
    index = _index(request)
    pages = [site.base, site.base + urls.CLUSTERS, site.base + urls.CHARTS, site.base + urls.DUMPS]
    if index.available():
        pages += [_doc_url(request, iri) for iri in await run_in_threadpool(index.cluster_iris, 49_990)]
    body = await run_in_threadpool(TEMPLATES.get_template("sitemap.xml").render, pages=pages)
    return Response(body, headers={"Content-Type": "application/xml; charset=utf-8"})


#: Where a resource page takes the list of clusters that refer to it.
BACKLINKS_MARK = b"<!-- backlinks -->"
#: Clusters listed on a resource page (the rest are a link away).
_BACKLINKS = 100


def _graph_link(request: Request, graph: str) -> str:
    """What a page said: its named graph, through the endpoint (the editor, for a browser)."""
    return _editor_link(request, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def with_backlinks(request: Request, iri: str, page: bytes) -> bytes:
    """A resource page (HTML) with, at its :data:`BACKLINKS_MARK`, the clusters that hold
    ``iri`` as a facet value (a region, a concept, a network, a country) or as a member, and
    for a cluster the pages that describe it (its provenance); unchanged when there is
    none. Reads the site index: call it in the thread pool.

    :param iri: the resource the page describes.
    :param page: the page as rendered.
    :return: the page.
    """
    index = _index(request)
    if BACKLINKS_MARK not in page or not index.available():
        return page
    parts = []
    sources = index.sources(iri)
    if sources:
        for s in sources:
            s["graph_href"] = _graph_link(request, s["graph"] or "")
            s["revises_href"] = _graph_link(request, s["revises"]) if s["revises"] else None
            s["revises_name"] = (s["revises"] or "").rsplit("/", 1)[-1]
        parts.append(TEMPLATES.get_template("provenance.html").render(sources=sources))
    total, rows = index.clusters_with(iri, _BACKLINKS)
    found = index.label(iri)
    if total and found is not None:
        kind = found[0]
        heading = {"network": "Member clusters", "member": "Member of"}.get(kind, "Clusters")
        parts.append(TEMPLATES.get_template("backlinks.html").render(
            heading=heading, total=total, more=None if kind == "member" else _list_url(request, {kind: [iri]}),
            rows=[{"href": _doc_url(request, r.iri), "name": r.name, "country_name": r.country_name, "year": r.year}
                  for r in rows]))
    if not parts:
        return page
    return page.replace(BACKLINKS_MARK, "\n".join(parts).encode("utf-8"), 1)
