"""The layout of a store folder: immutable snapshots ("generations"), published atomically.

Layout of a store folder::

    STORE/
      current -> generations/20261130T154500Z-1234    (symlink: the serving snapshot)
      generations/20261130T154500Z-1234/db/           (the embedded backend's database)
      generations/20261130T154500Z-1234/dumps/        (the dumps made at build time)
      generations/20261130T154500Z-1234/meta/         (catalogue, VoID, feed, indexes)
      generations/20261130T160102Z-1290.partial/      (a build in progress, or killed)
      cache/                                          (the build cache)
      .build.lock                                     (one build at a time)

A build writes a new ``.partial`` generation, renames it when complete, then swaps the
``current`` symlink with ``os.replace`` (atomic on POSIX). Readers open ``current``;
a killed build leaves only a ``.partial`` folder, which the next build removes. The two
newest complete generations are kept, so a server still reading the previous one is not
pulled from under its feet.

This module knows folders and files only; the database inside a generation belongs to the
backend (:mod:`.oxigraph`), and what the files hold to :mod:`clusterkg.graph.publish`.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from clusterkg.graph.errors import StoreError

__all__ = ["current_generation", "store_is_empty", "previous_meta", "SnapshotFiles", "SnapshotWriter", "GRAPH_MODEL",
           "has_current_view", "BUILT_FOR", "BuiltFor"]

#: The marker, in a generation's ``meta/``, of a snapshot whose default graph holds the
#: current view (materialised at build time); without it (a snapshot of an earlier
#: version) the default graph is the union of the named graphs.
GRAPH_MODEL = "graph-model.json"


def has_current_view(generation: Path) -> bool:
    """True when the generation's default graph holds the current view (:data:`GRAPH_MODEL`)."""
    return (generation / "meta" / GRAPH_MODEL).is_file()

#: What a snapshot was built for, in its ``meta/``: the base URI of its IRIs and the paths
#: read (:class:`BuiltFor`).
BUILT_FOR = "built-for.json"


@dataclass(frozen=True)
class BuiltFor:
    """What a snapshot was built for.

    :param base_uri: the base of every IRI it holds (``CLUSTERKG_BASE_URI`` at build time).
    :param sources: the paths the build read, absolute.
    """

    base_uri: str
    sources: tuple[str, ...]

    def write(self, meta: Path) -> None:
        """Record it in a snapshot's ``meta/`` folder.

        :raises OSError: the file cannot be written.
        """
        (meta / BUILT_FOR).write_text(json.dumps({"base_uri": self.base_uri, "sources": list(self.sources)}) + "\n",
                                      encoding="utf-8")

    @classmethod
    def read(cls, meta: Path | None) -> "BuiltFor | None":
        """What the snapshot whose ``meta/`` folder is ``meta`` was built for, or None when
        it does not say (a snapshot of an earlier version, a damaged file, no snapshot)."""
        if meta is None:
            return None
        try:
            data = json.loads((meta / BUILT_FOR).read_text(encoding="utf-8"))
            return cls(str(data["base_uri"]), tuple(str(p) for p in data["sources"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


_CURRENT = "current"
_GENERATIONS = "generations"
_PARTIAL = ".partial"
_KEEP = 2


def current_generation(root: Path) -> Path | None:
    """The generation folder ``root/current`` points to, or None when there is none (or
    it holds no database)."""
    link = root / _CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / "db").is_dir() else None


def _read_link(root: Path) -> str | None:
    """The target of ``root/current`` as written, or None."""
    try:
        return os.readlink(root / _CURRENT)
    except OSError:
        return None


def store_is_empty(root: str | Path) -> bool:
    """True when the store folder holds no published snapshot."""
    return current_generation(Path(root)) is None


def previous_meta(root: str | Path) -> Path | None:
    """The ``meta/`` folder of the store's current snapshot, or None."""
    gen = current_generation(Path(root))
    return gen / "meta" if gen is not None else None


class SnapshotFiles:
    """The files side of a serving snapshot, shared by every backend: the store folder's
    current generation (``generation``, ``dumps_dir``, ``meta_dir``)."""

    root: Path
    generation: str
    dumps_dir: Path
    meta_dir: Path

    def _open_files(self, root: str | Path) -> Path:
        """Pin the current generation of ``root``.

        :raises StoreError: when the folder holds no snapshot.
        """
        self.root = Path(root)
        self._link_path = os.fspath(self.root / _CURRENT)  # a string: no path object made per request
        self._link = _read_link(self.root)  # read before resolving: a swap in between shows as stale
        gen = current_generation(self.root)
        if gen is None:
            raise StoreError(f"{self.root}: no data yet; run 'clusterkg build' first")
        self.generation = gen.name
        self.dumps_dir = gen / "dumps"
        self.meta_dir = gen / "meta"
        #: True when the default graph is the stored current view, else the union of the named graphs
        self.current_view = has_current_view(gen)
        return gen

    def is_stale(self) -> bool:
        """True when a newer generation has been published since this one was opened
        (asked on every request: one ``readlink`` unless the link changed)."""
        try:
            if os.readlink(self._link_path) == self._link:
                return False
        except OSError:
            if self._link is None:
                return False
        gen = current_generation(self.root)
        return gen is not None and gen.name != self.generation


class SnapshotWriter:
    """A new generation being written, under the store's build lock; :meth:`publish`
    makes it the current one atomically, :meth:`discard` drops it.

    :param root: the store folder (created if missing).
    :param from_current: the new generation starts from the current one (``previous``
        names its folder, so a build can carry over what did not change).
    :raises StoreError: when the folder cannot be created, or another build holds it.
    """

    def __init__(self, root: str | Path, from_current: bool = False):
        self.root = Path(root)
        gens = self.root / _GENERATIONS
        try:
            gens.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.root / ".build.lock", "a+")
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot create the store folder ({exc.strerror})") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise StoreError(f"{self.root}: another build is writing to this store; "
                             "wait for it to finish") from None
        for stale in gens.glob(f"*{_PARTIAL}"):  # left by a killed build (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.name = f"{stamp}-{os.getpid()}"
        self.path = gens / (self.name + _PARTIAL)
        self.previous: Path | None = current_generation(self.root) if from_current else None
        try:
            self.path.mkdir()
        except OSError as exc:
            self._release()
            raise StoreError(f"{self.path}: cannot create the snapshot ({exc})") from exc

    @property
    def dumps_dir(self) -> Path:
        """The new generation's ``dumps/`` folder."""
        return self.path / "dumps"

    @property
    def meta_dir(self) -> Path:
        """The new generation's ``meta/`` folder (catalogue, VoID, feed state)."""
        return self.path / "meta"

    def reuse_dumps(self, names: list[str]) -> list[Path] | None:
        """Hard-link (or copy) dump files of the generation this one started from into
        ``dumps/``, for subsets whose graphs did not change.

        :param names: file names in the previous generation's ``dumps/``.
        :return: the new paths, or None when one of them is missing there (nothing is
            linked then).
        :raises StoreError: when a file cannot be linked or copied.
        """
        if self.previous is None:
            return None
        old = [self.previous / "dumps" / n for n in names]
        if not all(p.is_file() for p in old):
            return None
        out_dir = self.dumps_dir
        new = []
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for src in old:
                dst = out_dir / src.name
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copy2(src, dst)
                new.append(dst)
        except OSError as exc:
            raise StoreError(f"{out_dir}: cannot reuse the dumps ({exc})") from exc
        return new

    def publish(self) -> str:
        """Rename the generation and point ``current`` at it (atomic), then remove the
        generations no reader needs any more.

        :return: the generation's name.
        :raises StoreError: when a step fails (the previous snapshot keeps serving).
        """
        final = self.path.with_name(self.name)
        tmp_link = self.root / f".{_CURRENT}.{self.name}"
        try:
            os.rename(self.path, final)
            os.symlink(Path(_GENERATIONS) / self.name, tmp_link)
            os.replace(tmp_link, self.root / _CURRENT)
        except OSError as exc:
            for leftover in (self.path, final):
                shutil.rmtree(leftover, ignore_errors=True)
            try:
                tmp_link.unlink(missing_ok=True)
            except OSError:
                pass
            self._release()
            raise StoreError(f"{self.root}: cannot publish the new snapshot ({exc})") from exc
        self._prune()
        self._release()
        return self.name

    def discard(self) -> None:
        """Drop the partial generation and release the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
        except (OSError, ValueError):
            pass

    def _prune(self) -> None:
        """Keep the current generation and the one before it; remove the others."""
        current = current_generation(self.root)
        gens = sorted(p for p in (self.root / _GENERATIONS).iterdir()
                      if p.is_dir() and not p.name.endswith(_PARTIAL))
        keep = {current.name} if current else set()
        older = [g for g in gens if current is None or g.name < current.name]
        keep.update(g.name for g in older[-(_KEEP - 1):])
        for old in gens:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
