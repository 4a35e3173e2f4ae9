"""Reads the site index the build wrote (:mod:`clusterkg.graph.publish.site`): search,
faceted lists of clusters, figures and chart data for the pages for people.

Every call opens the snapshot's SQLite file read-only (``mode=ro&immutable=1``: no lock, no
journal), runs a few bounded statements and closes it; the routes call it in the thread
pool, never on the event loop. What a client can send is bounded before SQLite sees it:
:data:`MAX_QUERY_CHARS` characters and :data:`MAX_TERMS` words of search text (each word
quoted, so FTS5's query syntax cannot be injected), :data:`MAX_PAGE_SIZE` rows a page,
:data:`MAX_FILTERS` facet values.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from clusterkg.graph.publish.site import FACETS, SITE_FILE

__all__ = ["SiteIndex", "Hit", "ClusterRow", "FacetValue", "Browse", "BadRequestValue", "MAX_QUERY_CHARS",
           "MAX_TERMS", "MAX_PAGE_SIZE", "MAX_FILTERS", "SORTS", "CHARTS", "match_expression",
           "MAX_VALUE_CHARS", "MAX_FACET_VALUES"]

#: Longest search text read (characters); the rest is ignored.
MAX_QUERY_CHARS = 200
#: Most words of a search text used.
MAX_TERMS = 12
#: Most rows on one page of a list (``size=``).
MAX_PAGE_SIZE = 200
#: Most facet values one list may filter by.
MAX_FILTERS = 20
#: Longest facet value (an IRI) a list may filter by (characters).
MAX_VALUE_CHARS = 500
#: Most values of one facet a list shows (those with the most clusters).
MAX_FACET_VALUES = 50
#: How a list may be sorted: ``sort=`` value -> SQL order.
SORTS = {"name": "c.name COLLATE NOCASE, c.iri", "country": "c.country_name, c.name COLLATE NOCASE, c.iri",
         "founded": "c.founded IS NULL, c.founded, c.name COLLATE NOCASE, c.iri",
         "members": "c.members DESC, c.name COLLATE NOCASE, c.iri"}
#: The charts: name -> (title, facet kind or "year").
CHARTS = {"country": ("Clusters per country", "country"), "sector": ("Clusters per sectoral industry", "sector"),
          "label": ("Clusters per label level", "label"), "founded": ("Clusters by founding year", "year")}

_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)


class BadRequestValue(ValueError):
    """A request parameter the index cannot use (an unknown facet kind or sort): the
    message names it; the routes answer 400."""


@dataclass(frozen=True)
class Hit:
    """One search result.

    :param iri: the resource.
    :param kind: ``cluster``, ``network`` or ``organisation``.
    :param title: its name.
    :param snippet: the matched text around the query's words, as ``(text, matched)``
        parts (the template marks the matched ones, escaping all).
    """

    iri: str
    kind: str
    title: str
    snippet: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class ClusterRow:
    """A cluster in a list (a row of the ``cluster`` table)."""

    iri: str
    name: str
    country: str | None
    country_name: str | None
    founded: str | None
    year: int | None
    members: int


@dataclass(frozen=True)
class FacetValue:
    """A facet value and the clusters of the current list holding it.

    :param kind: the facet (a key of :data:`~clusterkg.graph.publish.site.FACETS`).
    :param value: its IRI.
    :param label: its label.
    :param count: clusters.
    :param selected: whether the list is filtered by it.
    """

    kind: str
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Browse:
    """One page of a faceted list: ``total`` clusters match, ``rows`` are this page's,
    ``facets`` the counts per facet kind (values sorted by count, then label)."""

    total: int
    rows: list[ClusterRow]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


def match_expression(text: str) -> str | None:
    """The FTS5 MATCH expression for a search text: its first :data:`MAX_TERMS` words, each
    quoted (so no FTS5 syntax passes through) and matched as a prefix, all required.

    >>> match_expression('ICT "net" OR x*'), match_expression("  !!  ")
    ('"ICT"* "net"* "OR"* "x"*', None)
    """
    words = _WORD.findall(text[:MAX_QUERY_CHARS])[:MAX_TERMS]
    return " ".join(f'"{w}"*' for w in words) or None


def _parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """Split a snippet marked with \\x02...\\x03 into ``(text, matched)`` parts."""
    parts: list[tuple[str, bool]] = []
    for i, chunk in enumerate(re.split(f"[{_MARK_OPEN}{_MARK_CLOSE}]", snippet)):
        if chunk:
            parts.append((chunk, i % 2 == 1))
    return tuple(parts)


class SiteIndex:
    """The site index of one snapshot.

    :param meta: the snapshot's ``meta/`` folder.
    """

    def __init__(self, meta: Path):
        self.path = meta / SITE_FILE

    def available(self) -> bool:
        """Whether the snapshot has an index (a store built before it existed has none)."""
        return self.path.is_file()

    def _db(self) -> closing[sqlite3.Connection]:
        return closing(sqlite3.connect(f"{self.path.as_uri()}?mode=ro&immutable=1", uri=True))

    def figures(self) -> dict[str, str]:
        """The landing page's figures (name -> value; see
        :class:`~clusterkg.graph.publish.site.SiteFigures`, plus ``built``)."""
        with self._db() as db:
            return dict(db.execute("SELECT name, value FROM figure"))

    def query_text(self, name: str) -> str | None:
        """The SPARQL text the index's ``name`` rows came from."""
        with self._db() as db:
            row = db.execute("SELECT text FROM query WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def search(self, text: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        """Full-text search over names, acronyms, missions, members and places.

        :param text: what a person typed (see :func:`match_expression`).
        :param limit: hits to return (at most :data:`MAX_PAGE_SIZE`).
        :param offset: hits to skip.
        :return: ``(total hits, this page's hits)``, best first (BM25, names weighing most,
            clusters a little ahead of regions, networks and organisations).
        """
        expr = match_expression(text)
        if expr is None:
            return 0, []
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        with self._db() as db:
            total = db.execute("SELECT COUNT(*) FROM doc WHERE doc MATCH ?", (expr,)).fetchone()[0]
            rows = db.execute(
                "SELECT iri, kind, title, snippet(doc, -1, ?, ?, '…', 14) FROM doc WHERE doc MATCH ? "
                "ORDER BY bm25(doc, 0, 0, 10.0, 5.0, 1.0) * (CASE kind WHEN 'cluster' THEN 1.0 ELSE 0.7 END), title "
                "LIMIT ? OFFSET ?",
                (_MARK_OPEN, _MARK_CLOSE, expr, limit, max(0, offset))).fetchall()
        return total, [Hit(iri, kind, title, _parts(snip)) for iri, kind, title, snip in rows]

    def browse(self, filters: dict[str, list[str]], sort: str = "name", page: int = 1, size: int = 50) -> Browse:
        """A page of the clusters holding every facet value in ``filters`` (values of one
        kind: any of them), with the counts per facet value: for a facet the list is not
        filtered by, over the matching clusters; for one it is, over the clusters matching
        the other facets (so its other values can be added: disjunctive faceting). At most
        :data:`MAX_FACET_VALUES` values a facet, those with the most clusters.

        :param filters: facet kind -> value IRIs.
        :param sort: a key of :data:`SORTS`.
        :param page: 1-based page number.
        :param size: rows a page (at most :data:`MAX_PAGE_SIZE`).
        :raises BadRequestValue: an unknown kind or sort, more than :data:`MAX_FILTERS`
            values, one longer than :data:`MAX_VALUE_CHARS`, or a value no cluster has.
        """
        _check(filters, sort)
        size = max(1, min(size, MAX_PAGE_SIZE))
        cond, args = _where(filters)
        with self._db() as db:
            for kind, values in sorted(filters.items()):
                known = {v for (v,) in db.execute(
                    f"SELECT DISTINCT value FROM facet WHERE kind = ? AND value IN ({','.join('?' * len(values))})",
                    [kind, *values])}
                for value in values:
                    if value not in known:
                        raise BadRequestValue(f"{kind}: no cluster has {value[:80]!r}")
            total = db.execute(f"SELECT COUNT(*) FROM cluster c WHERE {cond}", args).fetchone()[0]
            rows = [ClusterRow(*r) for r in db.execute(
                f"SELECT c.* FROM cluster c WHERE {cond} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                [*args, size, (max(1, page) - 1) * size])]
            facets = {kind: _counts(db, kind, *_where({k: v for k, v in filters.items() if k != kind}),
                                    set(filters.get(kind, []))) for kind in FACETS}
        return Browse(total, rows, facets)

    def cluster_iris(self, limit: int) -> list[str]:
        """The first ``limit`` clusters' IRIs, by name (for the sitemap)."""
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT iri FROM cluster ORDER BY name COLLATE NOCASE, iri LIMIT ?",
                                             (limit,))]

    def label(self, value: str) -> tuple[str, str] | None:
        """``(kind, label)`` of a facet value (``member`` for a member organisation), or None
        when no cluster holds it."""
        with self._db() as db:
            row = db.execute("SELECT kind, MIN(label) FROM facet WHERE value = ? GROUP BY kind", (value,)).fetchone()
            if row is None:
                row = db.execute("SELECT 'member', COALESCE((SELECT title FROM doc WHERE iri = ?), '') FROM member "
                                 "WHERE org = ? LIMIT 1", (value, value)).fetchone()
        return (row[0], row[1]) if row else None

    def sources(self, cluster: str) -> list[dict[str, str | None]]:
        """The pages that describe a cluster, newest first: ``graph``, ``title``, ``url``,
        ``file``, ``kind``, ``layout``, ``generated``, ``checksum`` (SHA-256), ``revises``."""
        with self._db() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(
                "SELECT graph, title, url, file, kind, layout, generated, checksum, revises FROM source "
                "WHERE cluster = ? ORDER BY graph IN (SELECT revises FROM source WHERE revises IS NOT NULL), graph",
                (cluster,))]

    def clusters_with(self, value: str, limit: int = MAX_PAGE_SIZE) -> tuple[int, list[ClusterRow]]:
        """The clusters holding a facet value (a country, region, concept or network) or having
        an organisation as a member, by name:
        ``(how many, the first limit)``, for the back-links on its page."""
        with self._db() as db:
            holders = "SELECT cluster FROM facet WHERE value = ?1 UNION SELECT cluster FROM member WHERE org = ?1"
            total = db.execute(f"SELECT COUNT(*) FROM ({holders})", (value,)).fetchone()[0]
            rows = [ClusterRow(*r) for r in db.execute(
                f"SELECT c.* FROM cluster c WHERE c.iri IN ({holders}) ORDER BY c.name COLLATE NOCASE, c.iri LIMIT ?2",
                (value, limit))]
        return total, rows

    def chart(self, name: str) -> list[tuple[str, int, str | None]]:
        """The bars of a chart of :data:`CHARTS`: ``(label, clusters, facet value or None)``,
        largest first (founding years in order of years).

        :raises BadRequestValue: an unknown chart.
        """
        if name not in CHARTS:
            raise BadRequestValue(f"{name}: no such chart (charts: {', '.join(CHARTS)})")
        kind = CHARTS[name][1]
        with self._db() as db:
            if kind == "year":
                return [(str(y), n, None) for y, n in db.execute(
                    "SELECT year, COUNT(*) FROM cluster WHERE year IS NOT NULL GROUP BY year ORDER BY year")]
            return [(label, n, value) for value, label, n in db.execute(
                "SELECT value, MIN(label), COUNT(DISTINCT cluster) FROM facet WHERE kind = ? GROUP BY value "
                "ORDER BY COUNT(DISTINCT cluster) DESC, MIN(label)", (kind,))]


def _check(filters: dict[str, list[str]], sort: str) -> None:
    if sort not in SORTS:
        raise BadRequestValue(f"sort: {sort[:40]!r} is not one of {', '.join(SORTS)}")
    unknown = sorted(set(filters) - set(FACETS))
    if unknown:
        raise BadRequestValue(f"{unknown[0][:40]}: no such facet (facets: {', '.join(FACETS)})")
    if sum(len(v) for v in filters.values()) > MAX_FILTERS:
        raise BadRequestValue(f"at most {MAX_FILTERS} facet values at once")
    for kind, values in filters.items():
        for value in values:
            if len(value) > MAX_VALUE_CHARS:
                raise BadRequestValue(f"{kind}: a value of {len(value):,} characters; at most {MAX_VALUE_CHARS}")


def _where(filters: dict[str, list[str]]) -> tuple[str, list[str]]:
    """The SQL condition on ``cluster c`` for ``filters``, and its arguments."""
    where, args = [], []
    for kind, values in sorted(filters.items()):
        marks = ",".join("?" * len(values))
        where.append(f"c.iri IN (SELECT cluster FROM facet WHERE kind = ? AND value IN ({marks}))")
        args += [kind, *values]
    return " AND ".join(where) or "1", args


def _counts(db: sqlite3.Connection, kind: str, cond: str, args: list[str], chosen: set[str]) -> list[FacetValue]:
    """One facet's values over the clusters matching ``cond``, most clusters first; a chosen
    value is listed even when no cluster holds it (so the page still names it)."""
    found = [FacetValue(kind, value, label, n, value in chosen) for value, label, n in db.execute(
        f"SELECT f.value, MIN(f.label), COUNT(*) FROM facet f JOIN cluster c ON c.iri = f.cluster "
        f"WHERE f.kind = ? AND {cond} GROUP BY f.value ORDER BY COUNT(*) DESC, MIN(f.label) LIMIT ?",
        [kind, *args, MAX_FACET_VALUES])]
    missing = chosen - {v.value for v in found}
    for value in sorted(missing):
        row = db.execute("SELECT MIN(label) FROM facet WHERE kind = ? AND value = ?", (kind, value)).fetchone()
        found.append(FacetValue(kind, value, row[0] if row and row[0] else value, 0, True))
    return found
