"""The remote backend: any SPARQL 1.1 server, reached over HTTP.

The server and how to reach it are named by a store URL (:mod:`.endpoint`). A build
makes its snapshot locally as for the embedded backend, then puts the graphs that changed
on the server (:mod:`.sync`, SPARQL 1.1 Graph Store HTTP Protocol). Queries go to the
server with the SPARQL 1.1 Protocol (§2.1.2, query via URL-encoded POST). The files a
build publishes beside the graph (dumps, catalogue, VoID, change feed) stay in the local
store folder, which several ``clusterkg serve`` processes can share read-only.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterable
from urllib.parse import urlencode

import pyoxigraph as ox

from clusterkg.graph.errors import QuerySyntaxError, RemoteStoreError
from clusterkg.graph.store.endpoint import RemoteEndpoint, server_message
from clusterkg.graph.store.oxigraph import OxigraphWriter
from clusterkg.graph.store.result import QueryResult
from clusterkg.graph.store.snapshot import SnapshotFiles, previous_meta
from clusterkg.graph.store.sparql_text import (MAX_NESTING, inclusive_comparisons_wrapped, keywords,
                                                  nesting_depth, where_body)
from clusterkg.graph.store.sync import DEFAULT_GRAPH, SyncReport, read_record, sync_graphs

__all__ = ["RemoteStore", "RemoteWriter"]


def _form(sparql: str) -> str:
    """The query form: ``select``, ``ask`` or ``graph`` (CONSTRUCT / DESCRIBE), from the
    first form keyword (the prologue and ``DEFINE`` pragmas have none)."""
    for word in keywords(sparql):
        if word in ("SELECT", "ASK"):
            return word.lower()
        if word in ("CONSTRUCT", "DESCRIBE"):
            return "graph"
    return "select"  # no form: the server's parser says what is wrong


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
        self._record = read_record(self.meta_dir, endpoint)  # what the last build put on the server

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, str] | None = None, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query on the server (SPARQL 1.1 Protocol §2.1.3, query via
        URL-encoded POST); the answer is read whole and returned as pyoxigraph results,
        so it serialises like an embedded store's. On Virtuoso, the operands of ``<=`` and
        ``>=`` are wrapped first (:func:`~.sparql_text.inclusive_comparisons_wrapped`).

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
        if self.endpoint.dialect == "virtuoso":  # its index ranges with an inclusive upper bound lose xsd:date rows
            text = inclusive_comparisons_wrapped(text)
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
        """Virtuoso, for a query that does not name its dataset: its default graph is the
        named graph that holds the current view, and its system graphs are hidden."""
        excluded = self.endpoint.excluded
        if not excluded or default_graphs or named_graphs or "FROM" in keywords(sparql):
            return ""
        current = self._record.get("default_graph")
        out = "".join(f"DEFINE input:default-graph-exclude <{g}> DEFINE input:named-graph-exclude <{g}> "
                      for g in excluded)  # one line with the query's first: line numbers stay right
        if current and self.current_view:
            out += f"DEFINE input:default-graph-uri <{current}> "  # (excluding it from GRAPH ?g empties it)
        return out

    def _post(self, url: str, form_data: list[tuple[str, str]], accept: str) -> tuple[bytes, str]:
        import httpx
        try:
            with self._client.stream("POST", url, content=urlencode(form_data).encode("ascii"),
                                     headers={"Accept": accept,
                                              "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                if resp.status_code == 400:
                    resp.read()
                    message = server_message(resp).split(" SPARQL query:")[0]  # Virtuoso echoes the query
                    raise QuerySyntaxError(f"the SPARQL server refused the query: {message}")
                if resp.status_code >= 300:
                    resp.read()
                    raise RemoteStoreError(f"{self.endpoint.url}: HTTP {resp.status_code}: {server_message(resp)}")
                state = resp.headers.get("x-sql-state", "")
                if state:  # Virtuoso's "anytime" answer: a part of the result, cut at its own time limit
                    raise RemoteStoreError(f"{self.endpoint.url}: the server answered only in part ({state}: "
                                           f"{resp.headers.get('x-sql-message', 'its time or row limit')}); "
                                           "no partial answer is passed on as a whole one")
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
            current = self._record.get("default_graph")
            self._graphs = sorted(g for g in self._record.get("graphs", {}) if g not in (DEFAULT_GRAPH, current))
        return self._graphs

    def close(self) -> None:
        self._client.close()


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
        self._default: tuple[str, Path] | None = None

    def set_default_graph(self, ntriples: Path, previous: Path | None = None,
                          name: str | None = None) -> tuple[bytes, bytes] | None:
        """As for the embedded backend (the local snapshot), and remember it for the server:
        Virtuoso has no default graph of its own to write into, so there it goes into the
        named graph ``name``, which its queries then take as their default graph; other
        servers get it as their default graph (Graph Store Protocol ``?default``).
        """
        changes = super().set_default_graph(ntriples, previous, name)
        key = name if self.endpoint.dialect == "virtuoso" and name else DEFAULT_GRAPH
        self._default = (key, ntriples)
        return changes

    def commit(self, quads: int | None = None) -> str:
        """Put every changed graph on the server, then publish the local snapshot.

        :raises RemoteStoreError: naming the graph the server refused.
        :raises StoreError: when the local snapshot cannot be published.
        """
        graphs: Iterable[tuple[str, bytes]] = self.graph_ntriples()
        extra = {}
        if self._default is not None:
            key, path = self._default
            graphs = itertools.chain(graphs, [(key, path.read_bytes())])
            extra["default_graph"] = key
        self.sync = sync_graphs(self.endpoint, graphs, self._record, self.meta_dir, extra=extra)
        return super().commit(quads)
