"""What earlier builds made of each profile file, so a rebuild only redoes changed files.

A build reads, maps and validates a profile file only when the cache has no entry for
it. An entry is keyed by everything the result depends on:

* the file's bytes (SHA-256) and its manifest row (id, cluster, name, URL, date,
  country, path: the path is named in the build report);
* a *fingerprint* of the code and the shipped data: clusterkg's version, the base URI,
  the source of the stages that shape a profile's graph (read, map, validate: whole
  packages, so a new module counts without being listed), the ontology and concept
  schemes, the SHACL shapes and the ``networks.csv`` alias tables in use (:data:`SHAPING`).

The value is the slimmed :class:`~clusterkg.graph.build.process.Outcome` (report, notes, facts for
the catalogue), pickled and compressed; the published N-Triples are stored beside it and
read only when the graph must be loaded again (not for a graph the previous snapshot
already holds). The cache lives in
``STORE/cache/profiles.sqlite``, beside the generations; deleting it only makes the next
build slower. Entries no build used last time are dropped at the end of each build, so
the file stays about the size of one build's output.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import time
import zlib
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

from clusterkg import __version__
from clusterkg.graph.errors import StoreError
from clusterkg.graph.read.manifest import ProfileSource

__all__ = ["fingerprint", "entry_key", "ProfileCache", "SHAPING"]


#: What shapes a profile's graph: the packages of the first three stages and the base
#: modules they use, and the shipped data they read (package, file patterns).
SHAPING = (("clusterkg.graph.read", ("*.py",)), ("clusterkg.graph.map", ("*.py",)),
           ("clusterkg.graph.validate", ("*.py",)), ("clusterkg.graph", ("errors.py", "formats.py")),
           ("clusterkg.graph.build", ("process.py",)),  # the Outcome class the cache pickles
           ("clusterkg.ontology", ("*.ttl", "schemes/*.ttl")), ("clusterkg.shapes", ("*.ttl",)),
           ("clusterkg.data", ("networks.csv",)))


def _package_files() -> list[Path]:
    """Source and data files whose change must invalidate every entry."""
    out: list[Path] = []
    for package, patterns in SHAPING:
        root = Path(str(files(package)))
        for pattern in patterns:
            out.extend(sorted(root.glob(pattern)))
    return out


def fingerprint(base_uri: str, network_files: Iterable[Path] = ()) -> str:
    """Hex SHA-256 of what every cache entry depends on besides its own file.

    :param base_uri: the base of minted IRIs.
    :param network_files: the input folders' ``networks.csv`` alias tables.
    :return: 64 hex digits; equal inputs, equal fingerprint.
    :raises OSError: when a package or alias file cannot be read.
    """
    h = hashlib.sha256(f"clusterkg {__version__}\n{base_uri}\n".encode("utf-8"))
    for path in [*_package_files(), *network_files]:
        h.update(str(path.name).encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def entry_key(fp: str, source: ProfileSource, file_sha256: str) -> str:
    """The cache key of one profile file: fingerprint, manifest row and file digest.

    :return: 64 hex digits.
    """
    row = (str(source.path), source.id, source.cluster_id, source.name, source.source_url,
           source.retrieved.isoformat() if source.retrieved else None, source.country, source.in_manifest)
    return hashlib.sha256(f"{fp}\n{row!r}\n{file_sha256}".encode("utf-8")).hexdigest()


class ProfileCache:
    """The cache file of one store folder (see the module docstring).

    Not shared between processes: the build holding the store's lock is its only user. A
    damaged database never stops a build: one that cannot be opened is emptied and made
    again, an entry that cannot be read is a miss, and a write that fails turns the cache
    off for the rest of the build; each leaves one line in :attr:`notes`.

    :param folder: where ``profiles.sqlite`` lives (created if missing).
    :raises StoreError: when the folder or a new database cannot be created.
    """

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / "profiles.sqlite"
        #: what went wrong with the cache, for the build report
        self.notes: list[str] = []
        self._used: list[str] = []  # keys read back or written: the entries close() keeps
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._run = self._open()
        except sqlite3.DatabaseError as exc:
            self.notes.append(f"{self.path}: the build cache was damaged ({exc}); it was emptied and this "
                              "build processes every file again")
            self._discard()
            try:
                self._run = self._open()
            except (OSError, sqlite3.Error) as again:
                raise StoreError(f"{self.path}: cannot create the build cache ({again})") from again
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the build cache ({exc})") from exc

    def _open(self) -> int:
        """Open (or create) the database and check that it can be read; return the time
        (seconds since 1970) this build's entries are stamped with (column ``used``).

        The check reads one key, not the table: a scan of every entry for its stamp took
        0.6 s at 30,000 entries (one leaf page each, their blobs being larger than a page).
        A page damaged further in is found when read: the cache is then turned off for the
        rest of the build and removed (:meth:`_broken`), and the build processes the files
        still to come on every core (:mod:`.stream`)."""
        self._db = sqlite3.connect(self.path)
        self._db.execute("DROP TABLE IF EXISTS entry")  # the first layout, without a data column
        self._db.execute("CREATE TABLE IF NOT EXISTS item (key TEXT PRIMARY KEY, used INTEGER, value BLOB, "
                         "data BLOB)")
        self._db.execute("SELECT key FROM item LIMIT 1").fetchall()
        return int(time.time())

    def _discard(self) -> None:
        """Close and remove the database files."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def _broken(self, exc: Exception) -> None:
        """A read or write failed mid-build: note it and stop using the cache."""
        self.notes.append(f"{self.path}: the build cache failed ({exc}); it is emptied, and the next build "
                          "processes every file again")
        self._discard()

    @property
    def usable(self) -> bool:
        """False once the cache was turned off (a read or write failed mid-build)."""
        return self._db is not None

    def keys(self) -> set[str]:
        """The keys of all entries (one query, not one per file)."""
        if self._db is None:
            return set()
        try:
            return {row[0] for row in self._db.execute("SELECT key FROM item")}
        except sqlite3.DatabaseError as exc:
            self._broken(exc)
            return set()

    def _row(self, column: str, key: str) -> Any | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(f"SELECT {column} FROM item WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            self._broken(exc)
            return None
        return row[0] if row is not None else None

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None (also when it cannot be read back)."""
        blob = self._row("value", key)
        if blob is None:
            return None
        try:
            value = pickle.loads(zlib.decompress(blob))
        except Exception:  # an entry from another clusterkg version: a miss, not an error
            return None
        self._used.append(key)
        return value

    def data(self, key: str) -> bytes | None:
        """The bytes stored beside the value under ``key`` (read only when needed), or None."""
        blob = self._row("data", key)
        if blob is None:
            return None
        try:
            return zlib.decompress(blob)
        except zlib.error:
            return None

    def put(self, key: str, value: Any, data: bytes | None = None) -> None:
        """Store ``value`` (picklable) under ``key``, and ``data`` beside it (bytes read
        back only by :meth:`data`)."""
        if self._db is None:
            return
        blob = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        try:
            self._db.execute("INSERT OR REPLACE INTO item (key, used, value, data) VALUES (?, ?, ?, ?)",
                             (key, self._run, blob, zlib.compress(data, 1) if data is not None else None))
        except sqlite3.DatabaseError as exc:
            self._broken(exc)
            return
        self._used.append(key)

    def close(self, prune: bool = True) -> None:
        """Commit; with ``prune``, first drop the entries this build neither read nor wrote.
        A write that fails empties the cache (and leaves a note): the build has succeeded
        already.

        The keys this build used go into a temporary table, and the others are deleted by one
        statement: an entry's row, blobs and all, is never written again just to mark it used
        (at 30,000 entries, marking each row took 0.26 s and rewrote the whole file's pages).
        """
        if self._db is None:
            return
        try:
            if prune:
                self._db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY) WITHOUT ROWID")
                self._db.executemany("INSERT OR IGNORE INTO temp.used (key) VALUES (?)", ((k,) for k in self._used))
                self._db.execute("DELETE FROM item WHERE key NOT IN (SELECT key FROM temp.used)")
            self._db.commit()
            self._db.close()
            self._db = None
        except sqlite3.Error as exc:
            self._broken(exc)
