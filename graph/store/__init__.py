"""Where the graph lives: a small interface, an embedded default backend.

The interface is two objects:

* :class:`Store` answers queries over one immutable snapshot of the data: ``query()``,
  ``named_graphs()``, ``close()``. The default graph is the union of the named graphs
  (one per profile, plus the vocabulary and the build record).
* :class:`StoreWriter` fills a new snapshot (``add_graph()``) and publishes it with
  ``commit()``, atomically: until then the previous snapshot keeps serving, whole; a
  failed or killed build leaves it untouched.

Backends: :mod:`.oxigraph` (embedded, on disk, default) and :mod:`.remote` (any SPARQL
1.1 server: the build still makes its snapshot locally, for the dumps and metadata, and
puts the changed named graphs on the server; queries then go to the server). Nothing here takes HTTP headers: formats are named by media type.
"""

from __future__ import annotations

from typing import Protocol

from clusterkg.graph.store.oxigraph import (
    QUERY_RESULT_FORMATS,
    RDF_FORMATS,
    OxigraphStore,
    OxigraphWriter,
    QueryResult,
    open_writer,
    previous_meta,
    store_is_empty,
)
from clusterkg.graph.store.oxigraph import open_store as _open_local
from clusterkg.graph.store.remote import RemoteEndpoint, RemoteStore, is_remote, parse_store_url

__all__ = [
    "Store", "StoreWriter", "QueryResult", "OxigraphStore", "OxigraphWriter", "open_store",
    "open_writer", "store_is_empty", "QUERY_RESULT_FORMATS", "RDF_FORMATS", "previous_meta",
    "RemoteEndpoint", "RemoteStore", "is_remote", "parse_store_url",
]


def open_store(root, remote: "RemoteEndpoint | str | None" = None, **kwargs) -> "OxigraphStore | RemoteStore":
    """Open the serving snapshot: the store folder's current generation, queried in
    process, or, with ``remote`` (a :class:`RemoteEndpoint` or its URL), queried on
    that SPARQL server (the published files still come from ``root``).

    :param kwargs: passed to :class:`RemoteStore` (``timeout``, ``max_bytes``).
    :raises StoreError: when the folder holds no snapshot.
    :raises ValueError: a malformed remote store URL.
    """
    if remote is None:
        return _open_local(root)  # kwargs are for a remote store only
    endpoint = parse_store_url(remote) if isinstance(remote, str) else remote
    return RemoteStore(endpoint, root, **kwargs)


class Store(Protocol):
    """A read-only snapshot of the graph."""

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, substitutions: dict[str, str] | None = None,
              base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query (see :meth:`OxigraphStore.query`); raises
        QuerySyntaxError on a malformed query."""

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""

    def close(self) -> None:
        """Release the snapshot."""


class StoreWriter(Protocol):
    """Fills a new snapshot and publishes it atomically."""

    def add_graph(self, graph_iri: str, ntriples: bytes) -> None:
        """Load N-Triples into the named graph ``graph_iri`` of the new snapshot."""

    def commit(self, quads: int | None = None) -> str:
        """Publish the new snapshot (``quads``: its size, when known); returns its identifier."""

    def abort(self) -> None:
        """Drop the new snapshot; the previous one stays."""
