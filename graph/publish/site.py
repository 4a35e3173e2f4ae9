"""The site index: what the pages for people read, made at build time (issue 16).

One SQLite file in the snapshot's ``meta/`` (:data:`SITE_FILE`), written once per build from
the current view (the default graph) and read only by the service:

- ``cluster``: one row per cluster organisation (IRI, name, country code and name, founding
  date and year, member count), for lists and sorting;
- ``facet``: ``(kind, value, label, cluster)`` rows, one per cluster and facet value
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
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

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
  ?g a ckg:ProfileGraph ; foaf:primaryTopic ?c .
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
CREATE TABLE facet (kind TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL, cluster TEXT NOT NULL,
                    PRIMARY KEY (kind, value, cluster)) WITHOUT ROWID;
CREATE INDEX facet_value ON facet (value, cluster);
CREATE INDEX facet_cluster ON facet (cluster);
CREATE VIRTUAL TABLE doc USING fts5(iri UNINDEXED, kind UNINDEXED, title, names, text,
                                    tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE member (cluster TEXT NOT NULL, org TEXT NOT NULL, PRIMARY KEY (org, cluster)) WITHOUT ROWID;
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


def _facet_rows(select: _Select) -> dict[tuple[str, str, str], str]:
    """``(kind, value, cluster) -> label``; a country's label is its English short name."""
    rows: dict[tuple[str, str, str], str] = {}
    for c, kind, value, label in select(QUERIES["facets"]):
        key = (kind, value, c)
        if kind == "country":
            label = country_name(_short(value)) or _short(value)
        if key not in rows or (label and (not rows[key] or label < rows[key])):
            rows[key] = label or rows.get(key) or _short(value)
    return rows


def _members(select: _Select) -> dict[str, dict[str, str]]:
    """Cluster -> member organisation IRI -> its name ("" when it has none)."""
    members: dict[str, dict[str, str]] = defaultdict(dict)
    for c, m, name in select(QUERIES["members"]):
        members[c][m] = name or members[c].get(m) or ""
    return members


def _texts(select: _Select) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Cluster -> its names (:data:`_NAMES`), and cluster -> its other texts."""
    names: dict[str, set[str]] = defaultdict(set)
    texts: dict[str, list[str]] = defaultdict(list)
    for c, p, text in select(QUERIES["texts"]):
        (names[c].add(text) if p in _NAMES else texts[c].append(text))
    return names, texts


def _clusters(select: _Select) -> dict[str, dict]:
    clusters: dict[str, dict] = {}
    for c, name, founded, country in select(QUERIES["clusters"]):
        row = clusters.setdefault(c, {"name": None, "founded": None, "country": None})
        if name and (row["name"] is None or name < row["name"]):
            row["name"] = name
        row["founded"] = row["founded"] or founded
        row["country"] = row["country"] or (_short(country) if country else None)
    return clusters


def write_site_index(select: _Select, meta: Path, built: str) -> SiteFigures:
    """Write :data:`SITE_FILE` into ``meta`` from the current view.

    :param select: runs a SELECT over the default graph (the query text -> rows, see
        ``_Select``); called from :data:`_QUERY_THREADS` threads at once.
    :param meta: the new snapshot's ``meta/`` folder.
    :param built: the build's time (ISO 8601), shown on the landing page.
    :return: the figures written.
    :raises sqlite3.Error, OSError: the file cannot be written.
    """
    with concurrent.futures.ThreadPoolExecutor(_QUERY_THREADS) as pool:
        clusters_job, facets_job = pool.submit(_clusters, select), pool.submit(_facet_rows, select)
        members_job, texts_job = pool.submit(_members, select), pool.submit(_texts, select)
        sources = pool.submit(lambda: list(select(QUERIES["sources"])))
        clusters, facets, members = clusters_job.result(), facets_job.result(), members_job.result()
        names, texts = texts_job.result()
    places: dict[str, list[str]] = defaultdict(list)
    for (kind, _value, c), label in sorted(facets.items()):
        if kind in ("country", "region"):
            places[c].append(label)
    path = meta / SITE_FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript(_SCHEMA)
        for c, row in clusters.items():
            name = row["name"] or _short(c)
            year = int(row["founded"][:4]) if row["founded"] and row["founded"][:4].isdigit() else None
            country = row["country"]
            db.execute("INSERT INTO cluster VALUES (?,?,?,?,?,?,?)",
                       (c, name, country, country_name(country) if country else None, row["founded"], year,
                        len(members.get(c, ()))))
            member_names = sorted(n for n in members.get(c, {}).values() if n)
            db.execute("INSERT INTO doc VALUES (?,?,?,?,?)",
                       (c, "cluster", name, " · ".join(sorted(names[c] - {name})),
                        "\n".join(sorted(texts[c]) + places[c] + member_names)))
        db.executemany("INSERT INTO facet VALUES (?,?,?,?)",
                       [(kind, value, label, c) for (kind, value, c), label in sorted(facets.items())])
        regions: dict[str, tuple[str, list[str]]] = {}  # region -> (label, its clusters' names): searchable too
        for (kind, value, c), label in facets.items():
            if kind == "region":
                regions.setdefault(value, (label, []))[1].append(clusters[c]["name"] or _short(c))
        db.executemany("INSERT INTO doc VALUES (?,?,?,?,?)",
                       [(value, "region", label, "", "clusters: " + ", ".join(sorted(names)))
                        for value, (label, names) in sorted(regions.items())])
        db.executemany("INSERT INTO member VALUES (?,?)", [(c, m) for c, ms in members.items() for m in ms])
        db.executemany("INSERT OR IGNORE INTO source VALUES (?,?,?,?,?,?,?,?,?,?)", sources.result())
        _index_others(db, select, members)
        figures = _figures(db, select)
        db.executemany("INSERT INTO figure VALUES (?,?)",
                       [*((k, str(v)) for k, v in figures.__dict__.items()), ("built", built)])
        db.executemany("INSERT INTO query VALUES (?,?)", QUERIES.items())
        db.commit()
    finally:
        db.close()
    return figures


def _index_others(db: sqlite3.Connection, select: _Select, members: dict[str, dict[str, str]]) -> None:
    """Search documents for networks and member organisations."""
    networks: dict[str, tuple[str | None, set[str]]] = {}
    for n, name, alt in select(QUERIES["networks"]):
        old = networks.get(n, (None, set()))
        networks[n] = (old[0] or name, old[1] | ({alt} if alt else set()))
    for n, (name, alts) in sorted(networks.items()):
        db.execute("INSERT INTO doc VALUES (?,?,?,?,?)",
                   (n, "network", name or _short(n), " · ".join(sorted(alts)), ""))
    cluster_names = dict(db.execute("SELECT iri, name FROM cluster"))
    of: dict[str, tuple[str, list[str]]] = {}
    for c, ms in members.items():
        for m, name in ms.items():
            entry = of.setdefault(m, (name, []))
            entry[1].append(cluster_names.get(c, _short(c)))
    for m, (name, in_clusters) in sorted(of.items()):
        if name:
            db.execute("INSERT INTO doc VALUES (?,?,?,?,?)",
                       (m, "organisation", name, "", "member of " + ", ".join(sorted(in_clusters))))


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
