"""Where the graph lives: a small interface, an embedded default backend.

The interface is two objects:

* :class:`Store` answers queries over one immutable snapshot of the data: ``query()``,
  ``named_graphs()``, ``close()``. The default graph is the union of the named graphs
  (one per profile, plus the vocabulary and the build record).
* :class:`StoreWriter` fills a new snapshot (``add_graph()``) and publishes it with
  ``commit()``, atomically: until then the previous snapshot keeps serving, whole; a
  failed or killed build leaves it untouched.

Backends: :mod:`.oxigraph` (embedded, on disk, default). A remote SPARQL server is the
planned second backend. Nothing here takes HTTP headers: formats are named by media type.
"""

from __future__ import annotations

from typing import Protocol

from .oxigraph import (
    DUMPS,
    QUERY_RESULT_FORMATS,
    RDF_FORMATS,
    OxigraphStore,
    OxigraphWriter,
    QueryResult,
    open_store,
    open_writer,
    previous_meta,
    store_is_empty,
)

__all__ = [
    "Store", "StoreWriter", "QueryResult", "OxigraphStore", "OxigraphWriter", "open_store",
    "open_writer", "store_is_empty", "QUERY_RESULT_FORMATS", "RDF_FORMATS", "DUMPS", "previous_meta",
]


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

    def commit(self) -> str:
        """Publish the new snapshot; returns its identifier."""

    def abort(self) -> None:
        """Drop the new snapshot; the previous one stays."""
