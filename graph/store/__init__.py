"""Stage 5, store: where the graph lives, behind two small interfaces.

* :class:`Store` answers queries over one immutable snapshot of the data (``query``,
  ``named_graphs``), and names the snapshot's published files (``dumps_dir``,
  ``meta_dir``). The default graph is the union of the named graphs.
* :class:`StoreWriter` fills a new snapshot and publishes it with ``commit()``, atomically:
  until then the previous snapshot keeps serving, whole; a failed or killed build leaves
  it untouched. These are exactly the calls :func:`clusterkg.graph.build.build` makes.

:func:`open_backend` picks the backend from the configuration, in one place:

============================= ==============================================================
``CLUSTERKG_STORE``           backend
============================= ==============================================================
a folder (default)            :mod:`.oxigraph`: Oxigraph on disk, one database per snapshot
``sparql+http(s)://...``      :mod:`.remote`: any SPARQL 1.1 server; the snapshot's files
                              stay in the local folder (``CLUSTERKG_FILES``)
============================= ==============================================================

The folder layout of snapshots is :mod:`.snapshot`'s; SPARQL text checks are
:mod:`.sparql_text`'s. To add a backend: one module with a reader and a writer class
satisfying the two protocols, and one branch in :meth:`Backend.reader` /
:meth:`Backend.writer`. Nothing here takes HTTP headers: formats are named by media type.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

from clusterkg.graph.store.oxigraph import OxigraphStore, OxigraphWriter
from clusterkg.graph.store.endpoint import RemoteEndpoint, is_remote, parse_store_url
from clusterkg.graph.store.remote import RemoteStore, RemoteWriter
from clusterkg.graph.store.sync import read_record
from clusterkg.graph.store.result import QueryResult
from clusterkg.graph.store.snapshot import BuiltFor, previous_meta, store_is_empty

__all__ = [
    "Store", "StoreWriter", "Backend", "QueryResult", "OxigraphStore", "OxigraphWriter", "RemoteEndpoint",
    "RemoteStore", "RemoteWriter", "open_backend", "open_store", "open_writer", "store_is_empty",
    "is_remote", "parse_store_url",
]


class Store(Protocol):
    """A read-only snapshot of the graph and of the files published with it."""

    generation: str
    dumps_dir: Path
    meta_dir: Path

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, substitutions: dict[str, str] | None = None,
              base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query (see :meth:`OxigraphStore.query`).

        :raises QuerySyntaxError: for a malformed query, with the parser's message.
        """

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""

    def is_stale(self) -> bool:
        """True when a newer snapshot has been published since this one was opened."""

    def close(self) -> None:
        """Release the snapshot."""


class StoreWriter(Protocol):
    """Fills a new snapshot and publishes it atomically (the calls a build makes)."""

    #: the folder of the snapshot this one started from (incremental), else None
    previous: Path | None

    @property
    def dumps_dir(self) -> Path:
        """The new snapshot's folder of dump files."""

    @property
    def meta_dir(self) -> Path:
        """The new snapshot's folder of metadata files (catalogue, VoID, feed, indexes)."""

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs in the new snapshot so far, sorted."""

    def add_graph(self, graph_iri: str, ntriples: bytes) -> None:
        """Load canonical N-Triples into the named graph ``graph_iri``."""

    def add_quads(self, nquads: bytes) -> None:
        """Load N-Quads, each quad into its own named graph (blank node labels kept)."""

    def remove_graph(self, graph_iri: str) -> None:
        """Remove a named graph carried over from the previous snapshot."""

    def replace_graph(self, graph_iri: str, ntriples: bytes) -> int | None:
        """Make a named graph hold these canonical N-Triples, changing only the triples that
        differ when the snapshot holds it already; return how many changed (None: loaded whole)."""

    def reuse_dumps(self, names: list[str]) -> list[Path] | None:
        """Link unchanged dump files of the previous snapshot into ``dumps_dir``."""

    def set_default_graph(self, ntriples: Path, previous: Path | None = None,
                          name: str | None = None) -> tuple[bytes, bytes] | None:
        """Make the default graph the triples of a sorted N-Triples file (the current view);
        ``previous``: that file of the previous snapshot; ``name``: an IRI for a backend
        that must keep it in a named graph. Return the lines removed and added when only
        those changed (None: the whole file was loaded)."""

    def select(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """Rows of a SELECT over the new snapshot (its default graph is the current view once
        :meth:`set_default_graph` ran): each term as its lexical form, unbound as None."""

    def commit(self, quads: int | None = None) -> str:
        """Publish the new snapshot (``quads``: its size, when known); return its name."""

    def abort(self) -> None:
        """Drop the new snapshot; the previous one stays."""


@dataclass(frozen=True)
class Backend:
    """Where the graph lives: a local store folder (snapshots, their files, the build
    cache), and optionally the SPARQL server that holds the graph.

    :param root: the store folder; with a server, the folder of the published files.
    :param remote: the server, or None for the embedded store.
    """

    root: Path
    remote: RemoteEndpoint | None = None

    def reader(self, timeout: float = 60.0, max_bytes: int = 512 * 1024 * 1024) -> Store:
        """Open the serving snapshot.

        :param timeout: seconds one request to a server may take (remote only).
        :param max_bytes: most bytes of one answer read from a server (remote only).
        :raises StoreError: when the folder holds no snapshot yet.
        """
        if self.remote is None:
            return OxigraphStore(self.root)
        return RemoteStore(self.remote, self.root, timeout=timeout, max_bytes=max_bytes)

    def writer(self, incremental: bool = False) -> StoreWriter:
        """Start a new snapshot (under the store's build lock).

        :param incremental: start from the current snapshot instead of an empty one.
        :raises StoreError: when the folder cannot be written or another build holds it.
        """
        if self.remote is None:
            return OxigraphWriter(self.root, incremental)
        return RemoteWriter(self.root, self.remote, incremental)

    def is_empty(self) -> bool:
        """True when there is nothing to serve: no snapshot, or (remote) a server that has
        not received the current one."""
        return self.missing() is not None

    def missing(self) -> str | None:
        """Why there is nothing to serve, for a person (``store FOLDER is empty``, or
        ``URL has not received the snapshot in FOLDER``), or None when there is."""
        if store_is_empty(self.root):
            return f"store {self.root} is empty"
        if self.remote is not None and not read_record(previous_meta(self.root), self.remote):
            return f"{self.remote.url} has not received the snapshot in {self.root}"
        return None

    def built_for(self) -> BuiltFor | None:
        """What the serving snapshot was built for (base URI, paths read), or None when
        there is none or it does not say."""
        return BuiltFor.read(previous_meta(self.root))

    def __str__(self) -> str:
        """The backend for messages: the folder, or the server's URL without its password."""
        return self.remote.url if self.remote is not None else str(self.root)


class _Configured(Protocol):
    store: Path
    remote: str | None


def open_backend(settings: _Configured | None = None, *, store: str | Path | None = None,
                 remote: RemoteEndpoint | str | None = None) -> Backend:
    """The backend the configuration names: ``settings.store`` (the folder) and
    ``settings.remote`` (a ``sparql+http(s)://`` URL, or None), or the same given as
    keywords.

    :raises ValueError: a malformed remote store URL (naming ``CLUSTERKG_STORE``).
    """
    if settings is not None:
        store, remote = settings.store, settings.remote
    if store is None:
        raise ValueError("open_backend needs a store folder")
    endpoint = parse_store_url(remote) if isinstance(remote, str) else remote
    return Backend(Path(store), endpoint)


def open_store(root: str | Path, remote: RemoteEndpoint | str | None = None, **kwargs) -> Store:
    """Open the serving snapshot of ``root`` (see :meth:`Backend.reader`).

    :param kwargs: ``timeout``, ``max_bytes`` for a remote store.
    :raises StoreError: when the folder holds no snapshot.
    :raises ValueError: a malformed remote store URL.
    """
    return open_backend(store=root, remote=remote).reader(**kwargs)


def open_writer(root: str | Path, from_current: bool = False) -> StoreWriter:
    """Start a new snapshot in the store folder ``root`` (see :meth:`Backend.writer`)."""
    return open_backend(store=root).writer(from_current)

