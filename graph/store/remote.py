"""The remote backend: any SPARQL 1.1 server, reached over HTTP.

``CLUSTERKG_STORE=sparql+http://HOST:PORT/PATH`` names the server's query endpoint; the
Graph Store endpoint defaults to the same URL and is set with ``data=`` when it differs::

    sparql+http://admin:secret@127.0.0.1:3030/clusterkg/query?data=/clusterkg/data
    sparql+http://dba:secret@127.0.0.1:8890/sparql?data=/sparql-graph-crud-auth&auth=digest

A build writes each named graph with the SPARQL 1.1 Graph Store HTTP Protocol (``PUT``
replaces a graph whole, ``DELETE`` drops one: W3C Recommendation 2013, §5.3 and §5.4),
and only the graphs whose content changed since the last build. Queries go to the
server with the SPARQL 1.1 Protocol (§2.1.2, query via URL-encoded POST). The
files a build publishes beside the graph (dumps, catalogue, VoID, change feed) stay in
the local store folder, which several ``clusterkg serve`` processes can share read-only.

What the server holds is recorded, per graph, as the SHA-256 of its N-Triples in the
local snapshot's ``meta/remote.json``, so the next build compares against it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable, TYPE_CHECKING
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urljoin, urlsplit, urlunsplit

import pyoxigraph as ox

if TYPE_CHECKING:  # httpx is imported where it is used (0.15 s at start-up)
    import httpx

from clusterkg.graph.errors import QuerySyntaxError, RemoteStoreError
from clusterkg.graph.store.sparql_text import MAX_NESTING, keywords, nesting_depth, where_body
from clusterkg.graph.store.oxigraph import OxigraphWriter
from clusterkg.graph.store.result import QueryResult
from clusterkg.graph.store.snapshot import SnapshotFiles, previous_meta

__all__ = ["RemoteEndpoint", "RemoteStore", "RemoteWriter", "SyncReport", "parse_store_url", "is_remote", "read_record",
           "sync_graphs", "RECORD", "VIRTUOSO_SYSTEM_GRAPHS"]

#: Seconds between tries of a graph write the server failed (5xx), then it is an error.
_RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0)

#: The record of what the remote server holds, in a snapshot's ``meta/`` folder.
RECORD = "remote.json"

_SCHEMES = ("sparql+http://", "sparql+https://")

#: Graphs a fresh Virtuoso 7 holds for its own use; left out of the dataset queries see.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)


def is_remote(store: str | Path) -> bool:
    """True when ``store`` is a ``sparql+http(s)://`` URL rather than a folder."""
    return str(store).startswith(_SCHEMES)


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where a SPARQL server answers.

    :param query_url: SPARQL 1.1 Protocol query endpoint.
    :param data_url: SPARQL 1.1 Graph Store HTTP Protocol endpoint (indirect graph
        identification: ``?graph=IRI``, §4.2).
    :param user: user name (None: no authentication); ``password``: its password.
    :param auth: ``"basic"`` or ``"digest"`` (RFC 7617 / RFC 7616).
    :param dialect: ``"virtuoso"`` (its system graphs are left out of the dataset) or
        ``"standard"``; guessed from the URL (``auto``) when not given.
    :param exclude: more graph IRIs to leave out of the default graph and of ``GRAPH ?g``.
    :param query_auth: send the credentials with queries too; by default they go with
        writes only, so public queries run with the server's anonymous, read-only rights.
    :param url: the ``CLUSTERKG_STORE`` text, without the password.
    """

    query_url: str
    data_url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    dialect: str = "standard"
    exclude: tuple[str, ...] = ()
    url: str = ""
    query_auth: bool = False

    def client(self, timeout: float = 60.0, credentials: bool = True) -> httpx.Client:
        """An HTTP client, with this endpoint's credentials unless ``credentials`` is False
        (no proxies from the environment: the server is named explicitly)."""
        import httpx
        auth = None
        if self.user is not None and credentials:
            auth = (httpx.DigestAuth if self.auth == "digest" else httpx.BasicAuth)(self.user, self.password or "")
        return httpx.Client(auth=auth, timeout=timeout, trust_env=False)

    @property
    def excluded(self) -> tuple[str, ...]:
        """Graphs hidden from queries: the server's system graphs and ``exclude``."""
        return (VIRTUOSO_SYSTEM_GRAPHS if self.dialect == "virtuoso" else ()) + self.exclude


def _redacted(url: str) -> str:
    """``url`` with any password (``user:password@``, in the URL or its parameters) masked."""
    return re.sub(r"(//[^/@:?#]*):[^@]*@", r"\1:***@", url)


def parse_store_url(url: str) -> RemoteEndpoint:
    """Read a ``sparql+http(s)://[USER:PASSWORD@]HOST[:PORT]/PATH[?data=D&auth=A&dialect=X&exclude=G&query_auth=yes]``
    store URL. ``data`` (the Graph Store endpoint) may be a path (resolved against the
    query URL) or a full URL; it defaults to the query URL.

    :raises ValueError: naming CLUSTERKG_STORE and the part that is wrong.
    """
    shown_url = _redacted(url)
    if not is_remote(url):
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: a remote store URL starts with sparql+http:// or sparql+https://")
    parts = urlsplit(url[len("sparql+"):])
    if not parts.hostname:
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: no host name")
    try:
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: the port is not a number") from None
    params = parse_qs(parts.query, keep_blank_values=False)
    unknown = set(params) - {"data", "auth", "dialect", "exclude", "query_auth"}
    if unknown:
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                         "known: data, auth, dialect, exclude, query_auth")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    query_url = urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
    auth = params.get("auth", ["basic"])[-1]
    if auth not in ("basic", "digest"):
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: auth={auth!r}; use basic or digest")
    dialect = params.get("dialect", ["auto"])[-1]
    if dialect == "auto":
        dialect = "virtuoso" if "sparql-graph-crud" in parts.query or parts.port == 8890 else "standard"
    if dialect not in ("virtuoso", "standard"):
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: dialect={dialect!r}; use virtuoso, standard or auto")
    shown = urlunsplit(("sparql+" + parts.scheme, (f"{parts.username}@" if parts.username else "") + netloc,
                        parts.path, parts.query, ""))
    return RemoteEndpoint(
        query_url=query_url,
        data_url=urljoin(query_url, params.get("data", [query_url])[-1]),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        auth=auth, dialect=dialect, exclude=tuple(params.get("exclude", [])), url=_redacted(shown),
        query_auth=params.get("query_auth", ["no"])[-1].lower() in ("yes", "true", "1"))


def _form(sparql: str) -> str:
    """The query form: ``select``, ``ask`` or ``graph`` (CONSTRUCT / DESCRIBE), from the
    first form keyword (the prologue and ``DEFINE`` pragmas have none)."""
    for word in keywords(sparql):
        if word in ("SELECT", "ASK"):
            return word.lower()
        if word in ("CONSTRUCT", "DESCRIBE"):
            return "graph"
    return "select"  # no form: the server's parser says what is wrong


def _server_message(resp: httpx.Response) -> str:
    text = resp.text.strip()
    return " ".join(text.split())[:2000] or resp.reason_phrase


class RemoteStore(SnapshotFiles):
    """The serving snapshot when the graph lives in a SPARQL server: queries go to the
    server, the published files (dumps, catalogue, VoID, feed) come from the local store
    folder's current generation, as with :class:`~.oxigraph.OxigraphStore`.

    :param endpoint: the server.
    :param root: the local store folder holding the published files.
    :param timeout: seconds an HTTP request to the server may take.
    :param max_bytes: the most bytes of one answer read from the server.
    :raises StoreError: when the folder holds no snapshot yet.
    """

    def __init__(self, endpoint: RemoteEndpoint, root: str | Path, timeout: float = 60.0,
                 max_bytes: int = 512 * 1024 * 1024):
        self.endpoint = endpoint
        self._open_files(root)
        self.max_bytes = max_bytes
        self._client = endpoint.client(timeout, credentials=endpoint.query_auth)
        self._graphs: list[str] | None = None

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, str] | None = None, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query on the server (SPARQL 1.1 Protocol §2.1.3, query via
        URL-encoded POST); the answer is read whole and returned as pyoxigraph results,
        so it serialises like an embedded store's.

        :param substitutions: variable -> IRI, bound by a ``VALUES`` block at the start of
            the WHERE group (SPARQL 1.1 Query §10.2.1); each IRI is checked first.
        :param base_iri: sent as a ``BASE`` declaration before the query.
        :raises QuerySyntaxError: the server refused the query (HTTP 400), with its message.
        :raises RemoteStoreError: the server cannot be reached, failed, or answered unreadably.
        """
        if not sparql.strip():
            raise QuerySyntaxError("the query is empty")
        depth = nesting_depth(sparql)
        if depth > MAX_NESTING:
            raise QuerySyntaxError(f"the query nests groups {depth} deep; at most {MAX_NESTING} are allowed")
        form = _form(sparql)
        text = sparql
        if substitutions:
            values = []
            for var, iri in substitutions.items():
                try:
                    values.append(f"VALUES ?{var} {{ {ox.NamedNode(iri)} }}")
                except ValueError as exc:
                    raise QuerySyntaxError(f"invalid IRI: {exc}") from None
            at = where_body(text)  # inside the WHERE group: servers take top-level VALUES only after SELECT
            if at is None:
                raise QuerySyntaxError("substitutions need a query with a WHERE clause")
            text = text[:at] + " " + " ".join(values) + " " + text[at:]
        if base_iri:
            try:
                text = f"BASE {ox.NamedNode(base_iri)} " + text  # same line: the server's line numbers stay right
            except ValueError as exc:
                raise QuerySyntaxError(f"invalid base IRI: {exc}") from None
        form_data: list[tuple[str, str]] = [("query", self._prelude(sparql, default_graphs, named_graphs) + text)]
        form_data += [("default-graph-uri", g) for g in default_graphs or []]
        form_data += [("named-graph-uri", g) for g in named_graphs or []]
        accept = ("application/sparql-results+xml" if form != "graph"
                  else "application/n-triples, text/turtle;q=0.9")
        body, media = self._post(self.endpoint.query_url, form_data, accept)
        if form != "graph":
            if b"<!DOCTYPE" in body or b"<!ENTITY" in body:  # only markup: text in XML results is escaped
                raise RemoteStoreError(f"{self.endpoint.url}: the answer declares a document type; XML "
                                       "entities are never expanded here")
            try:
                raw = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
                if isinstance(raw, ox.QuerySolutions):  # parsed lazily: read it through once here,
                    for _ in raw:                       # so a bad term fails now, not mid-stream
                        pass
                    raw = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
            except (SyntaxError, ValueError) as exc:
                raise RemoteStoreError(f"{self.endpoint.url}: unreadable SPARQL results ({exc})") from None
            return QueryResult("ask" if isinstance(raw, ox.QueryBoolean) else "select", raw)
        fmt = ox.RdfFormat.TURTLE if "turtle" in media else ox.RdfFormat.N_TRIPLES
        triples = ox.Store()
        try:
            triples.load(body, format=fmt, to_graph=ox.DefaultGraph())
        except (SyntaxError, ValueError) as exc:
            raise RemoteStoreError(f"{self.endpoint.url}: unreadable RDF answer ({exc})") from None
        return QueryResult("graph", triples.query("CONSTRUCT WHERE { ?s ?p ?o }"))

    def _prelude(self, sparql: str, default_graphs, named_graphs) -> str:
        """Virtuoso: hide its system graphs from a query that does not name its dataset."""
        excluded = self.endpoint.excluded
        if not excluded or default_graphs or named_graphs or "FROM" in keywords(sparql):
            return ""
        return "".join(f"DEFINE input:default-graph-exclude <{g}> DEFINE input:named-graph-exclude <{g}> "
                       for g in excluded)  # one line with the query's first: line numbers stay right

    def _post(self, url: str, form_data: list[tuple[str, str]], accept: str) -> tuple[bytes, str]:
        import httpx
        try:
            with self._client.stream("POST", url, content=urlencode(form_data).encode("ascii"),
                                     headers={"Accept": accept,
                                              "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                if resp.status_code == 400:
                    resp.read()
                    message = _server_message(resp).split(" SPARQL query:")[0]  # Virtuoso echoes the query
                    raise QuerySyntaxError(f"the SPARQL server refused the query: {message}")
                if resp.status_code >= 300:
                    resp.read()
                    raise RemoteStoreError(f"{self.endpoint.url}: HTTP {resp.status_code}: {_server_message(resp)}")
                chunks, size = [], 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise RemoteStoreError(f"{self.endpoint.url}: the answer is larger than {self.max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks), resp.headers.get("content-type", "")
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"{self.endpoint.url}: cannot reach the SPARQL server ({exc})") from None

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs the last build put on the server (from its record)."""
        if self._graphs is None:
            self._graphs = sorted(read_record(self.meta_dir, self.endpoint).get("graphs", {}))
        return self._graphs

    def close(self) -> None:
        self._client.close()


def read_record(meta_dir: Path | None, endpoint: RemoteEndpoint) -> dict:
    """The record in ``meta_dir`` of what ``endpoint`` holds (empty when there is none, or
    when it was made for another server)."""
    if meta_dir is None:
        return {}
    try:
        record = json.loads((meta_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if record.get("endpoint") == endpoint.data_url else {}


@dataclass
class SyncReport:
    """What :func:`sync_graphs` did: graph IRIs ``put`` (replaced), ``deleted`` and ``kept``
    (unchanged, not sent)."""

    put: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: int = 0


def _graph_sizes(endpoint: RemoteEndpoint) -> dict[str, int] | None:
    """Triples per named graph on the server (one aggregate query), or None when the
    server cannot say (then the record alone decides)."""
    import httpx

    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    try:
        with endpoint.client(300.0, credentials=endpoint.query_auth) as c:
            resp = c.post(endpoint.query_url, content=urlencode({"query": query}).encode("ascii"),
                          headers={"Accept": "text/csv", "Content-Type": "application/x-www-form-urlencoded"})
        if resp.status_code != 200:
            return None
        rows = list(csv.reader(io.StringIO(resp.text)))[1:]
        return {g: int(float(n)) for g, n in rows}
    except (httpx.HTTPError, ValueError):
        return None


def _close_all(clients: list) -> None:
    for c in clients:
        c.close()


def sync_graphs(endpoint: RemoteEndpoint, graphs: Iterable[tuple[str, bytes]], previous: dict, meta_dir: Path,
                threads: int = 4) -> SyncReport:
    """Make the server's named graphs those of ``graphs``: ``PUT`` each graph whose
    N-Triples (as a set of lines) changed since ``previous`` (the last record for this server), ``DELETE``
    each graph the record has and ``graphs`` lacks (Graph Store HTTP Protocol §5.3, §5.4),
    then write the new record into ``meta_dir``. A graph the record calls unchanged is sent
    again when the server holds another number of triples for it (changed or cleared
    behind clusterkg's back, or restored from an old backup). Graphs are read one at a time, and at
    most ``2 * threads`` are in flight.

    :param graphs: ``(graph IRI, N-Triples)`` pairs.
    :param previous: the record :func:`read_record` returned for the last snapshot.
    :return: a :class:`SyncReport`.
    :raises RemoteStoreError: naming the graph, when the server refuses or cannot be reached.
        Each graph is replaced whole or not at all; a later build sends what is missing.
    """
    import httpx
    before: dict[str, str] = previous.get("graphs", {})
    hashes: dict[str, str] = {}
    report = SyncReport()
    local = threading.local()
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        if getattr(local, "client", None) is None:
            local.client = endpoint.client(120.0)
            clients.append(local.client)
        return local.client

    def once(method: str, iri: str, body: bytes) -> httpx.Response:
        if method == "PUT":
            resp = client().put(endpoint.data_url, params={"graph": iri}, content=body,
                                headers={"Content-Type": "application/n-triples"})
            if resp.status_code == 415:  # servers predating the N-Triples media type
                resp = client().put(endpoint.data_url, params={"graph": iri}, content=body,
                                    headers={"Content-Type": "text/turtle"})
            return resp
        return client().delete(endpoint.data_url, params={"graph": iri})

    def send(method: str, iri: str, body: bytes = b"") -> str:
        try:
            for pause in _RETRY_PAUSES + (None,):
                resp = once(method, iri, body)
                # PUT and DELETE are idempotent (RFC 9110 §9.2.2): a server error or a
                # deadlock between concurrent writes (Virtuoso SR172) is tried again
                if resp.status_code < 500 or pause is None:
                    break
                time.sleep(pause)
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"{endpoint.url}: cannot {method} graph <{iri}> ({exc})") from None
        if resp.status_code >= 300 and not (method == "DELETE" and resp.status_code == 404):
            raise RemoteStoreError(f"{endpoint.url}: {method} graph <{iri}> answered HTTP {resp.status_code}: "
                             f"{_server_message(resp)}")
        return iri

    held = _graph_sizes(endpoint) if before else {}
    with ThreadPoolExecutor(max_workers=threads) as pool, contextlib.ExitStack() as close:
        close.callback(_close_all, clients)
        pending: list[Future] = []
        for iri, nt in graphs:
            # the lines sorted: the same graph hashes the same whatever order a store dumps it in
            hashes[iri] = hashlib.sha256(b"".join(sorted(nt.splitlines(keepends=True)))).hexdigest()
            if before.get(iri) == hashes[iri] and (held is None or held.get(iri, 0) == nt.count(b"\n")):
                report.kept += 1
                continue
            if not report.put and not pending:  # the first alone: bad credentials fail fast, once
                report.put.append(send("PUT", iri, nt))
                continue
            pending.append(pool.submit(send, "PUT", iri, nt))
            if len(pending) >= 2 * threads:
                report.put.append(pending.pop(0).result())
        report.put += [f.result() for f in pending]
        report.deleted = list(pool.map(lambda i: send("DELETE", i), [i for i in before if i not in hashes]))
    meta_dir.mkdir(parents=True, exist_ok=True)
    (meta_dir / RECORD).write_text(json.dumps({"endpoint": endpoint.data_url, "graphs": hashes},
                                              indent=0, sort_keys=True), encoding="utf-8")
    return report


class RemoteWriter(OxigraphWriter):
    """A new snapshot when the graph lives in a SPARQL server: the local generation is
    written as for the embedded backend (it holds the dumps and metadata, and tells the
    next build what changed), and :meth:`commit` first makes the server's named graphs
    those of the snapshot (:func:`sync_graphs`), then publishes the local generation. A
    failed upload fails the commit; the previous snapshot keeps serving.

    :param root: the local store folder.
    :param endpoint: the server.
    :param from_current: as for :class:`~.oxigraph.OxigraphWriter`.
    :raises StoreError: as for :class:`~.oxigraph.OxigraphWriter`.
    """

    def __init__(self, root: str | Path, endpoint: RemoteEndpoint, from_current: bool = False):
        super().__init__(root, from_current)
        self.endpoint = endpoint
        #: what the server held after the last build (read under the build lock)
        self._record = read_record(previous_meta(root), endpoint)
        #: what :meth:`commit` did on the server, once it ran
        self.sync: SyncReport | None = None

    def commit(self, quads: int | None = None) -> str:
        """Put every changed graph on the server, then publish the local snapshot.

        :raises RemoteStoreError: naming the graph the server refused.
        :raises StoreError: when the local snapshot cannot be published.
        """
        self.sync = sync_graphs(self.endpoint, self.graph_ntriples(), self._record, self.meta_dir)
        return super().commit(quads)
