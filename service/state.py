"""The serving snapshot, reopened when a build publishes a new one."""

from __future__ import annotations

import threading
from pathlib import Path

from clusterkg.graph.store import Store, open_store

__all__ = ["StoreHolder"]


class StoreHolder:
    """Holds the open read-only store; :meth:`get` swaps to a newer snapshot when a
    build has published one (checked with one ``readlink`` per call).

    :param root: the store folder.
    :param remote: a ``sparql+http(s)://`` store URL when the graph lives in a SPARQL server.
    :raises StoreError: when the folder holds no snapshot.
    """

    def __init__(self, root: str | Path, remote: str | None = None):
        self.root = Path(root)
        self.remote = remote
        self._lock = threading.Lock()
        self._store: Store = open_store(self.root, remote)
        self._names: tuple[str, frozenset[str]] | None = None

    def get(self) -> Store:
        """The open store, reopened first when a build has published a newer snapshot.

        :return: the store of the current snapshot.
        :raises StoreError: when the newer snapshot cannot be opened.
        """
        store = self._store
        if store.is_stale():
            with self._lock:
                if self._store.is_stale():
                    self._store = open_store(self.root, self.remote)
                store = self._store
        return store

    def graph_names(self) -> frozenset[str]:
        """The serving snapshot's named graphs, listed once per snapshot (a SPARQL server's
        list is a request to it). Blocking: call it in the thread pool.

        :raises StoreError: as :meth:`get`.
        """
        store = self.get()
        names = self._names
        if names is None or names[0] != store.generation:
            names = (store.generation, frozenset(store.named_graphs()))
            self._names = names
        return names[1]

    def cached_graph_names(self) -> frozenset[str] | None:
        """:meth:`graph_names` when the serving snapshot's list is in hand and current (no
        I/O beyond one ``readlink``: for the event loop), else None."""
        names = self._names
        if names is None or self._store.is_stale() or names[0] != self._store.generation:
            return None
        return names[1]
