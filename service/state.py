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
