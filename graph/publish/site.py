"""The site index: what the pages for people read, made at build time (issue 16).

One SQLite file in the snapshot's ``meta/`` (:data:`SITE_FILE`), written once per build from
the current view (the default graph), or updated from the previous snapshot's where the
current view changed (:func:`write_site_index`), and read only by the service:

- ``cluster``: one row per cluster organisation (IRI, name, country code and name, founding
  date and year, member count), for lists and sorting;
- ``facet``: ``(kind, value, cluster, label)`` rows, one per cluster and facet value
  (:data:`FACETS`: country, NUTS region, sector, emerging industry, technology field, label
  level, network), for faceted browsing, counts per value and back-links from a value's page;
- ``doc``: a full-text index (SQLite FTS5, https://sqlite.org/fts5.html) over clusters
  (names in every language given, acronyms, mission and other texts, member names, places),
  networks, member organisations and regions, ranked with BM25 and cut into snippets at query time;
- ``member`` and ``source``: each cluster's member organisations, and the pages that
  describe it (title, URL, file, kind, reader layout, time read, SHA-256, the version it
  revises), for back-links and the provenance box of its page;
- ``figure``: the landing page's figures (clusters, countries, regions, members, labels,
  source pages, the build's time).

The rows come from SPARQL SELECT queries over the default graph (:data:`QUERIES`), so the
index says what the SPARQL endpoint says; each query and its text are kept in the file
(``query``) for the pages to link to.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import queue
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from clusterkg.graph.publish.digests import record_digest
from clusterkg.graph.publish.site_changes import touched_clusters
from clusterkg.graph.read.names import country_name

__all__ = ["SITE_FILE", "FACETS", "QUERIES", "SiteFigures", "write_site_index"]

#: The file's name in the snapshot's ``meta/``.
SITE_FILE = "site.sqlite"

#: A SELECT runner: the query's text -> rows of the projected variables (IRIs and literals
#: as their lexical strings, unbound as None).
_Select = Callable[[str], Iterable[tuple]]

_PREFIXES = """PREFIX ckg: <https://w3id.org/clusterkg/ns#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
"""

#: Facet kinds: name -> (heading, the property path from a cluster to the value).
FACETS: dict[str, tuple[str, str]] = {
    "country": ("Country", "ckg:country"),
    "region": ("Region", "ckg:region"),
    "sector": ("Sectoral industry", "ckg:sectoralIndustry"),
    "emerging": ("Emerging industry", "ckg:emergingIndustry"),
    "technology": ("Technology field", "ckg:technologyField"),
    "label": ("Label level", "ckg:excellenceLabel/ckg:labelLevel|^ckg:awardedTo/ckg:labelLevel"),
    "network": ("Network", "org:memberOf"),
}

#: The queries the index is made from (each kept in the file, for the pages to show).
QUERIES: dict[str, str] = {
    "clusters": _PREFIXES + """SELECT ?c ?name ?founded ?country WHERE {
  ?c a ckg:ClusterOrganisation .
  OPTIONAL { ?c schema:name ?name } OPTIONAL { ?c schema:foundingDate ?founded } OPTIONAL { ?c ckg:country ?country }
}""",
    "texts": _PREFIXES + """SELECT ?c ?p ?text WHERE {
  ?c a ckg:ClusterOrganisation ; ?p ?text . FILTER(isLiteral(?text) && DATATYPE(?text) IN (xsd:string, rdf:langString))
}""",
    "facets": _PREFIXES + "SELECT ?c ?kind ?value ?label WHERE {\n  ?c a ckg:ClusterOrganisation .\n  "
    + "\n  UNION ".join(f'{{ ?c {path} ?value BIND("{kind}" AS ?kind) }}' for kind, (_h, path) in FACETS.items())
    + "\n  OPTIONAL { ?value skos:prefLabel|schema:name|rdfs:label ?label }\n}",
    "members": _PREFIXES + """SELECT ?c ?m ?name WHERE {
  ?c a ckg:ClusterOrganisation . ?ms org:organization ?c ; org:member ?m . OPTIONAL { ?m schema:name ?name }
}""",
    "networks": _PREFIXES + """SELECT ?n ?name ?alt WHERE {
  ?n a ckg:ClusterNetwork . OPTIONAL { ?n schema:name ?name } OPTIONAL { ?n skos:altLabel ?alt }
}""",
    "pages": _PREFIXES + "SELECT (COUNT(DISTINCT ?g) AS ?pages) WHERE { ?g a ckg:ProfileGraph }",
    "sources": _PREFIXES + """SELECT ?c ?g ?title ?source ?file ?kind ?layout ?at ?checksum ?revises WHERE {
  ?g a ckg:ProfileGraph ; foaf:primaryTopic ?c . ?c a ckg:ClusterOrganisation .
  OPTIONAL { ?g dct:title ?title } OPTIONAL { ?g dct:source ?source } OPTIONAL { ?g ckg:sourceFile ?file }
  OPTIONAL { ?g ckg:sourceKind ?kind } OPTIONAL { ?g ckg:readerLayout ?layout }
  OPTIONAL { ?g prov:generatedAtTime ?at } OPTIONAL { ?g spdx:checksum/spdx:checksumValue ?checksum }
  OPTIONAL { ?g prov:wasRevisionOf ?revises }
}""",
}

#: Literal properties shown as names in search (the rest is searchable text).
_NAMES = {"https://schema.org/name", "https://schema.org/alternateName",
          "http://www.w3.org/2004/02/skos/core#altLabel", "http://www.w3.org/2000/01/rdf-schema#label"}

_SCHEMA = """
CREATE TABLE cluster (iri TEXT PRIMARY KEY, name TEXT NOT NULL, country TEXT, country_name TEXT,
                      founded TEXT, year INTEGER, members INTEGER NOT NULL);
CREATE TABLE facet (kind TEXT NOT NULL, value TEXT NOT NULL, cluster TEXT NOT NULL, label TEXT NOT NULL,
                    PRIMARY KEY (kind, value, cluster)) WITHOUT ROWID;
CREATE INDEX facet_value ON facet (value, cluster);
CREATE INDEX facet_cluster ON facet (cluster);
CREATE VIRTUAL TABLE doc USING fts5(iri UNINDEXED, kind UNINDEXED, title, names, text,
                                    tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE member (cluster TEXT NOT NULL, org TEXT NOT NULL, name TEXT NOT NULL,
                     PRIMARY KEY (org, cluster)) WITHOUT ROWID;
CREATE TABLE source (cluster TEXT NOT NULL, graph TEXT NOT NULL, title TEXT, url TEXT, file TEXT, kind TEXT,
                     layout TEXT, generated TEXT, checksum TEXT, revises TEXT,
                     PRIMARY KEY (cluster, graph)) WITHOUT ROWID;
CREATE TABLE figure (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE query (name TEXT PRIMARY KEY, text TEXT NOT NULL);
"""


@dataclass(frozen=True)
class SiteFigures:
    """What the landing page counts (all distinct, in the current view).

    :param clusters: cluster organisations.
    :param countries: countries they are in.
    :param regions: regions they are in.
    :param members: member organisations listed (named or not).
    :param labels: clusters holding a label of any level.
    :param networks: cluster networks.
    :param pages: source pages (profile graphs).
    """

    clusters: int
    countries: int
    regions: int
    members: int
    labels: int
    networks: int
    pages: int


def _short(iri: str) -> str:
    """The last segment of an IRI, as a label of last resort."""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


#: Queries of :data:`QUERIES` read at once, each into its own tables: Oxigraph evaluates
#: them outside Python's lock (at 10,000 profiles the seven took 4.7 s one after another,
#: 2.5 s three at a time), and no query's rows are kept beyond what the index needs.
_QUERY_THREADS = 3

#: The index's layout (SQLite ``PRAGMA user_version``): an earlier snapshot's index of
#: another layout is made again in full, never updated. In a table WITHOUT ROWID the
#: primary key's columns come first: SQLite 3.40's ``quick_check`` misreads a NOT NULL
#: column placed between them ("NULL value in facet.label" on a sound file).
_LAYOUT = 3


def _restricted(name: str, clusters: list[str] | None) -> str:
    """The text of query ``name`` of :data:`QUERIES`, its ``?c`` bound to ``clusters`` (a
    ``VALUES`` block first in its pattern) unless that is None."""
    text = QUERIES[name]
    if clusters is None:
        return text
    at = text.index("WHERE {\n") + len("WHERE {\n")
    return text[:at] + "  VALUES ?c { " + " ".join(f"<{c}>" for c in clusters) + " }\n" + text[at:]


def write_site_index(select: _Select, meta: Path, built: str, previous: Path | None = None,
                     changes: tuple[bytes, bytes] | None = None,
                     piece: int = 1_000) -> tuple[SiteFigures, int | None]:
    """Write :data:`SITE_FILE` into ``meta`` from the current view: in full, or as an
    update of the previous snapshot's index when the current view changed in a few
    clusters only.

    An update copies ``previous`` and reads again, for each cluster the changed triples
    may touch, its rows (the same queries, bound to those clusters), then the search
    documents of the regions and member organisations those clusters had or have, and the
    figures. A cluster is touched when a changed triple names it; when it links to, or is
    linked from, the subject of one; through a membership of the subject (``org:member``);
    through the source graph whose checksum the subject is (the two-step paths of
    :data:`QUERIES`; a facet value's own triples are the next case); and when the previous index lists
    the subject as one of its facet values, member organisations or source graphs. The
    result is the index a full run makes (tested), except for the order of equally ranked
    search hits. When an update is not tried (too many clusters touched, no usable previous
    index): :func:`~clusterkg.graph.publish.site_changes.touched_clusters`.

    :param select: runs a SELECT over the default graph (the query text -> rows, see
        ``_Select``); called from :data:`_QUERY_THREADS` threads at once.
    :param meta: the new snapshot's ``meta/`` folder.
    :param built: the build's time (ISO 8601), shown on the landing page.
    :param previous: the previous snapshot's index, when there is one.
    :param changes: the default graph's lines removed and added since the previous
        snapshot (canonical N-Triples), when only those changed; None: made in full.
    :param piece: clusters an update reads with one query each (Oxigraph joins a
        ``VALUES`` block of many IRIs in more than linear time: at 10,000 profiles, the
        texts of 1,000 clusters took 0.16 s, of 5,000 9 s; a whole scan 1.4 s).
    :return: the figures written, and how many clusters' rows were read again (None: the
        index was made in full: also when the previous index no longer has the SHA-256
        recorded beside it, or an SQLite error comes up while updating it).
    :raises sqlite3.Error, OSError: the file cannot be written.
    """
    touched = touched_clusters(select, previous, changes, _PREFIXES, _LAYOUT) \
        if previous is not None and changes is not None else None
    if touched is not None:
        try:
            return _write(select, meta / SITE_FILE, built, previous, sorted(touched), piece), len(touched)
        except sqlite3.Error:  # a previous index damaged where the check did not look: made in full
            pass
    return _write(select, meta / SITE_FILE, built, None, None, piece), None


def _write(select: _Select, path: Path, built: str, previous: Path | None, touched: list[str] | None,
           piece: int) -> SiteFigures:
    """Write the index at ``path``: a copy of ``previous`` with the rows of the clusters
    ``touched`` read again, or (``touched`` None) in full."""
    path.unlink(missing_ok=True)
    if previous is not None:
        shutil.copyfile(previous, path)
    db = sqlite3.connect(path)
    _functions(db)
    try:
        if touched is None:
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {_LAYOUT}")
            _fill_all(db, select)
        else:
            _fill(db, select, touched, piece)
        _networks(db, select)
        figures = _figures(db, select)
        db.execute("DELETE FROM figure")
        db.executemany("INSERT INTO figure VALUES (?,?)",
                       [*((k, str(v)) for k, v in figures.__dict__.items()), ("built", built)])
        db.execute("DELETE FROM query")
        db.executemany("INSERT INTO query VALUES (?,?)", QUERIES.items())
        db.commit()
    finally:
        db.close()
    record_digest(path)
    return figures


def _fill(db: sqlite3.Connection, select: _Select, only: list[str], piece: int) -> None:
    """Rewrite the rows of the clusters ``only`` (``piece`` at a time): their own rows, then
    the search documents of the regions and member organisations they had or have now."""
    db.execute("CREATE TEMP TABLE touched (iri TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO touched VALUES (?)", ((c,) for c in only))
    regions = {v for (v,) in db.execute(
        "SELECT DISTINCT value FROM facet WHERE kind = 'region' AND cluster IN (SELECT iri FROM touched)")}
    orgs = {m for (m,) in db.execute("SELECT DISTINCT org FROM member WHERE cluster IN (SELECT iri FROM touched)")}
    for table in ("cluster", "facet", "member", "source"):
        column = "iri" if table == "cluster" else "cluster"
        db.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT iri FROM touched)")
    db.execute("DELETE FROM doc WHERE kind = 'cluster' AND iri IN (SELECT iri FROM touched)")
    for at in range(0, len(only), piece):
        now_regions, now_orgs = _rows(db, select, only[at:at + piece])
        regions |= now_regions
        orgs |= now_orgs
    _documents(db, regions, orgs)


def _fill_all(db: sqlite3.Connection, select: _Select) -> None:
    """Write the rows of every cluster into the empty tables, then the search documents of
    every region and member organisation."""
    _rows(db, select, None)
    _documents(db, None, None)


#: Where each query's rows are staged (temporary tables, spilled to disk by SQLite, so a
#: full index holds no table of every cluster in memory), and the ``source`` table itself.
_STAGE = {"clusters": "raw_cluster (c, name, founded, country)", "facets": "raw_facet (c, kind, value, label)",
          "members": "raw_member (c, m, name)", "texts": "raw_text (c, p, text)"}
_BATCH = 5_000


def _rows(db: sqlite3.Connection, select: _Select, only: list[str] | None) -> tuple[set[str], set[str]]:
    """Insert the rows of the clusters ``only`` (read by :data:`QUERIES` bound to them), or
    of all (None); return the regions and the member organisations they name.

    The queries run :data:`_QUERY_THREADS` at a time and hand their rows over in batches;
    this thread stages them, then SQL makes the tables: a cluster's name is the least of
    its names, its founding date and country the least given; a facet value's label the
    least of its labels (a country's: its English short name); a member's name the
    greatest (one per organisation in practice)."""
    for columns in _STAGE.values():
        db.execute(f"DROP TABLE IF EXISTS temp.{columns.split()[0]}")
        db.execute(f"CREATE TEMP TABLE {columns}")
    handed: queue.Queue = queue.Queue(maxsize=16)
    stop = threading.Event()

    def read(name: str) -> None:
        batch: list[tuple] = []
        try:
            for row in select(_restricted(name, only)):
                batch.append(row)
                if len(batch) >= _BATCH:
                    handed.put((name, batch))
                    batch = []
                    if stop.is_set():
                        return
            handed.put((name, batch))
        except BaseException as exc:  # handed to the consumer, which raises it
            handed.put((name, exc))
        finally:
            handed.put((name, None))

    failure: BaseException | None = None
    with concurrent.futures.ThreadPoolExecutor(_QUERY_THREADS) as pool:
        for name in (*_STAGE, "sources"):
            pool.submit(read, name)
        running = len(_STAGE) + 1
        while running:
            name, batch = handed.get()
            if batch is None:
                running -= 1
            elif isinstance(batch, BaseException):
                failure = failure or batch
                stop.set()
            elif failure is None and batch:
                table = "main.source" if name == "sources" else _STAGE[name].split()[0]
                db.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({','.join('?' * len(batch[0]))})", batch)
    if failure is not None:
        raise failure
    db.executescript("""
INSERT INTO member SELECT c, m, COALESCE(MAX(NULLIF(name, '')), '') FROM raw_member GROUP BY c, m;
INSERT INTO facet (kind, value, cluster, label) SELECT kind, value, c, CASE WHEN kind = 'country'
    THEN country_label(value) ELSE COALESCE(MIN(NULLIF(label, '')), short_name(value)) END
  FROM raw_facet GROUP BY kind, value, c;
INSERT INTO cluster SELECT r.c, COALESCE(r.name, short_name(r.c)), r.country, country_name(r.country), r.founded,
    year(r.founded), COALESCE(m.n, 0)
  FROM (SELECT c, MIN(NULLIF(name, '')) AS name, MIN(founded) AS founded, short_name(MIN(country)) AS country
        FROM raw_cluster GROUP BY c) r
  LEFT JOIN (SELECT c, COUNT(DISTINCT m) AS n FROM raw_member GROUP BY c) m ON m.c = r.c;
""")
    _cluster_documents(db)
    return ({v for (v,) in db.execute("SELECT DISTINCT value FROM raw_facet WHERE kind = 'region'")},
            {m for (m,) in db.execute("SELECT DISTINCT m FROM raw_member")})


def _functions(db: sqlite3.Connection) -> None:
    """The SQL functions :func:`_rows` makes the tables with (IRI's last segment, a
    country's English name, a founding date's year)."""
    db.create_function("short_name", 1, lambda v: _short(v) if v else None, deterministic=True)
    db.create_function("country_label", 1, lambda v: country_name(_short(v)) or _short(v), deterministic=True)
    db.create_function("country_name", 1, lambda c: country_name(c) if c else None, deterministic=True)
    db.create_function("year", 1, lambda f: int(f[:4]) if f and f[:4].isdigit() else None, deterministic=True)


def _cluster_documents(db: sqlite3.Connection) -> None:
    """The search document of each staged cluster: its name; its other names; its texts,
    places and member names, one cluster at a time (four scans in cluster order, merged)."""
    streams = {kind: _Grouped(_cursor(db, sql)) for kind, sql in (
        ("texts", "SELECT c, p, text FROM raw_text ORDER BY c"),
        ("places", "SELECT cluster, label FROM facet WHERE kind IN ('country', 'region') AND cluster IN "
                   "(SELECT c FROM raw_cluster) ORDER BY cluster, kind, value"),
        ("members", "SELECT cluster, name FROM member WHERE name != '' AND cluster IN (SELECT c FROM raw_cluster) "
                    "ORDER BY cluster, name"))}

    docs = []
    for c, name in _cursor(db, "SELECT iri, name FROM cluster WHERE iri IN (SELECT c FROM raw_cluster) ORDER BY iri"):
        own = streams["texts"].rows(c)
        names = {text for _c, p, text in own if p in _NAMES} - {name}
        text = sorted(t for _c, p, t in own if p not in _NAMES)
        text += [label for _c, label in streams["places"].rows(c)] + [n for _c, n in streams["members"].rows(c)]
        docs.append((c, "cluster", name, " · ".join(sorted(names)), "\n".join(text)))
        if len(docs) >= _BATCH:
            db.executemany("INSERT INTO doc VALUES (?,?,?,?,?)", docs)
            docs = []
    db.executemany("INSERT INTO doc VALUES (?,?,?,?,?)", docs)


class _Grouped:
    """Rows ordered by their first column, taken a key at a time in ascending key order."""

    def __init__(self, rows: Iterator[tuple]):
        self._groups = itertools.groupby(rows, key=lambda r: r[0])
        self._head = next(self._groups, None)

    def rows(self, key: str) -> list[tuple]:
        """The rows of ``key`` (none when it has none); keys before it are skipped."""
        while self._head is not None and self._head[0] < key:
            self._head = next(self._groups, None)
        if self._head is None or self._head[0] != key:
            return []
        found = list(self._head[1])
        self._head = next(self._groups, None)
        return found


def _cursor(db: sqlite3.Connection, sql: str) -> Iterator[tuple]:
    """The rows of ``sql`` from a cursor of their own (several read at once)."""
    return db.cursor().execute(sql)


def _documents(db: sqlite3.Connection, regions: set[str] | None, orgs: set[str] | None) -> None:
    """The search documents of ``regions`` and member organisations ``orgs`` (None: all),
    from the tables: a region lists its clusters' names, an organisation the clusters it
    is a member of."""
    for kind, keys, sql in (
        ("region", regions, "SELECT f.value, MIN(f.label), GROUP_CONCAT(c.name, char(31)) FROM facet f "
                            "JOIN cluster c ON c.iri = f.cluster WHERE f.kind = 'region' {only} GROUP BY f.value"),
        ("organisation", orgs, "SELECT m.org, MAX(m.name), GROUP_CONCAT(c.name, char(31)) FROM member m "
                               "JOIN cluster c ON c.iri = m.cluster WHERE 1 {only} GROUP BY m.org"),
    ):
        column = "f.value" if kind == "region" else "m.org"
        if keys is None:
            rows = db.execute(sql.format(only="")).fetchall()
        else:
            db.execute("DROP TABLE IF EXISTS temp.keys")
            db.execute("CREATE TEMP TABLE keys (iri TEXT PRIMARY KEY)")
            db.executemany("INSERT INTO keys VALUES (?)", ((k,) for k in keys))
            db.execute(f"DELETE FROM doc WHERE kind = '{kind}' AND iri IN (SELECT iri FROM temp.keys)")
            rows = db.execute(sql.format(only=f"AND {column} IN (SELECT iri FROM temp.keys)")).fetchall()
        docs = []
        for key, label, names in sorted(rows):
            listed = ", ".join(sorted(names.split("\x1f")))
            if kind == "region":
                docs.append((key, "region", label, "", "clusters: " + listed))
            elif label:
                docs.append((key, "organisation", label, "", "member of " + listed))
        db.executemany("INSERT INTO doc VALUES (?,?,?,?,?)", docs)


def _networks(db: sqlite3.Connection, select: _Select) -> None:
    """The search documents of the cluster networks (all again: there are few)."""
    networks: dict[str, tuple[str | None, set[str]]] = {}
    for n, name, alt in select(QUERIES["networks"]):
        old = networks.get(n, (None, set()))
        networks[n] = (old[0] or name, old[1] | ({alt} if alt else set()))
    db.execute("DELETE FROM doc WHERE kind = 'network'")
    db.executemany("INSERT INTO doc VALUES (?,?,?,?,?)",
                   [(n, "network", name or _short(n), " · ".join(sorted(alts)), "")
                    for n, (name, alts) in sorted(networks.items())])


def _figures(db: sqlite3.Connection, select: _Select) -> SiteFigures:
    def count(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    pages = next(iter(select(QUERIES["pages"])), (0,))[0]
    return SiteFigures(
        clusters=count("SELECT COUNT(*) FROM cluster"),
        countries=count("SELECT COUNT(DISTINCT value) FROM facet WHERE kind = 'country'"),
        regions=count("SELECT COUNT(DISTINCT value) FROM facet WHERE kind = 'region'"),
        members=count("SELECT COUNT(DISTINCT org) FROM member"),
        labels=count("SELECT COUNT(DISTINCT cluster) FROM facet WHERE kind = 'label'"),
        networks=count("SELECT COUNT(*) FROM doc WHERE kind = 'network'"),
        pages=int(pages or 0))
