"""Putting a snapshot's graphs on a SPARQL server, and the record of what it holds.

A build writes each named graph with the SPARQL 1.1 Graph Store HTTP Protocol (``PUT``
replaces a graph whole, ``DELETE`` drops one: W3C Recommendation 2013, §5.3 and §5.4),
and only the graphs whose content changed since the last build. What the server holds is
recorded, per graph, as the SHA-256 of its sorted N-Triples lines in the local snapshot's
``meta/remote.json`` (:data:`RECORD`), so the next build compares against it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlencode

from clusterkg.graph.errors import RemoteStoreError
from clusterkg.graph.store.endpoint import RemoteEndpoint, server_message

if TYPE_CHECKING:  # httpx is imported where it is used (0.15 s at start-up)
    import httpx

__all__ = ["RECORD", "DEFAULT_GRAPH", "SyncReport", "read_record", "sync_graphs"]


#: The record of what the remote server holds, in a snapshot's ``meta/`` folder.
RECORD = "remote.json"


#: The key of the server's own default graph in :func:`sync_graphs` and the record.
DEFAULT_GRAPH = ""


#: Seconds between tries of a graph write the server failed (5xx), then it is an error.
_RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0)


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


class _Sender:
    """Sends graphs to a server's Graph Store endpoint from several threads, a client per
    thread, trying a write again when the server fails (5xx)."""

    def __init__(self, endpoint: RemoteEndpoint):
        self.endpoint = endpoint
        self._local = threading.local()
        self.clients: list[httpx.Client] = []

    def _client(self) -> httpx.Client:
        if getattr(self._local, "client", None) is None:
            self._local.client = self.endpoint.client(120.0)
            self.clients.append(self._local.client)
        return self._local.client

    def _once(self, method: str, iri: str, body: bytes) -> httpx.Response:
        # the default graph is "?default", a named graph "?graph=IRI" (Graph Store Protocol §4.2)
        params = {"default": ""} if iri == DEFAULT_GRAPH else {"graph": iri}
        url = self.endpoint.data_url
        if method == "PUT":
            resp = self._client().put(url, params=params, content=body,
                                      headers={"Content-Type": "application/n-triples"})
            if resp.status_code == 415:  # servers predating the N-Triples media type
                resp = self._client().put(url, params=params, content=body, headers={"Content-Type": "text/turtle"})
            return resp
        return self._client().delete(url, params=params)

    def send(self, method: str, iri: str, body: bytes = b"") -> str:
        """``PUT`` (with ``body``) or ``DELETE`` graph ``iri``; return ``iri``.

        :raises RemoteStoreError: when the server refuses or cannot be reached.
        """
        import httpx

        try:
            for pause in _RETRY_PAUSES + (None,):
                resp = self._once(method, iri, body)
                # PUT and DELETE are idempotent (RFC 9110 §9.2.2): a server error or a
                # deadlock between concurrent writes (Virtuoso SR172) is tried again
                if resp.status_code < 500 or pause is None:
                    break
                time.sleep(pause)
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"{self.endpoint.url}: cannot {method} graph <{iri}> ({exc})") from None
        if resp.status_code >= 300 and not (method == "DELETE" and resp.status_code == 404):
            raise RemoteStoreError(f"{self.endpoint.url}: {method} graph <{iri}> answered HTTP {resp.status_code}: "
                                   f"{server_message(resp)}")
        return iri


def sync_graphs(endpoint: RemoteEndpoint, graphs: Iterable[tuple[str, bytes]], previous: dict, meta_dir: Path,
                threads: int = 4, extra: dict | None = None) -> SyncReport:
    """Make the server's named graphs those of ``graphs``: ``PUT`` each graph whose
    N-Triples (as a set of lines) changed since ``previous`` (the last record for this server), ``DELETE``
    each graph the record has and ``graphs`` lacks (Graph Store HTTP Protocol §5.3, §5.4),
    then write the new record into ``meta_dir``. A graph the record calls unchanged is sent
    again when the server holds another number of triples for it (changed or cleared
    behind clusterkg's back, or restored from an old backup). Graphs are read one at a time, and at
    most ``2 * threads`` are in flight.

    :param graphs: ``(graph IRI, N-Triples)`` pairs.
    :param previous: the record :func:`read_record` returned for the last snapshot.
    :param extra: more entries for the new record (``default_graph``: where the default
        graph went: :data:`DEFAULT_GRAPH`, or a named graph's IRI).
    :return: a :class:`SyncReport`.
    :raises RemoteStoreError: naming the graph, when the server refuses or cannot be reached.
        Each graph is replaced whole or not at all; a later build sends what is missing.
    """

    before: dict[str, str] = previous.get("graphs", {})
    hashes: dict[str, str] = {}
    report = SyncReport()
    sender = _Sender(endpoint)
    held = _graph_sizes(endpoint) if before else {}
    with ThreadPoolExecutor(max_workers=threads) as pool, contextlib.ExitStack() as close:
        close.callback(_close_all, sender.clients)
        pending: list[Future] = []
        for iri, nt in graphs:
            # the lines sorted: the same graph hashes the same whatever order a store dumps it in
            hashes[iri] = hashlib.sha256(b"".join(sorted(nt.splitlines(keepends=True)))).hexdigest()
            if before.get(iri) == hashes[iri] and (held is None or iri == DEFAULT_GRAPH
                                                    or held.get(iri, 0) == nt.count(b"\n")):
                report.kept += 1
                continue
            if not report.put and not pending:  # the first alone: bad credentials fail fast, once
                report.put.append(sender.send("PUT", iri, nt))
                continue
            pending.append(pool.submit(sender.send, "PUT", iri, nt))
            if len(pending) >= 2 * threads:
                report.put.append(pending.pop(0).result())
        report.put += [f.result() for f in pending]
        report.deleted = list(pool.map(lambda i: sender.send("DELETE", i), [i for i in before if i not in hashes]))
    meta_dir.mkdir(parents=True, exist_ok=True)
    (meta_dir / RECORD).write_text(json.dumps({"endpoint": endpoint.data_url, "graphs": hashes, **(extra or {})},
                                              indent=0, sort_keys=True), encoding="utf-8")
    return report
