"""The embedded store: Oxigraph (pyoxigraph) on disk, in atomic generations.

Layout of a store folder::

    STORE/
      current -> generations/20261130T154500Z-1234    (symlink: the serving snapshot)
      generations/20261130T154500Z-1234/db/           (an Oxigraph RocksDB folder)
      generations/20261130T154500Z-1234/dumps/        (the dumps made at build time)
      generations/20261130T160102Z-1290.partial/      (a build in progress, or killed)

A build writes a new ``.partial`` generation, renames it when complete, then swaps the
``current`` symlink with ``os.replace`` (atomic on POSIX). Readers open ``current``
read-only; a killed build leaves only a ``.partial`` folder, which the next build
removes. The two newest complete generations are kept, so a server still reading the
previous one is not pulled from under its feet.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from clusterkg.graph.publish.dumps import as_nquads
from clusterkg.graph.errors import QueryEvaluationError, QuerySyntaxError, StoreError
from clusterkg.graph.store.sparql_text import MAX_NESTING, keywords, nesting_depth

__all__ = [
    "OxigraphStore", "OxigraphWriter", "QueryResult", "open_store", "open_writer",
    "store_is_empty", "QUERY_RESULT_FORMATS", "RDF_FORMATS", "current_generation", "previous_meta",
]

#: SPARQL result formats: media type -> pyoxigraph format (SPARQL 1.1 Query Results
#: JSON, XML, CSV and TSV Formats, W3C Recommendations 2013).
QUERY_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

#: RDF formats for CONSTRUCT and DESCRIBE results: media type -> pyoxigraph format.
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

_CURRENT = "current"
_GENERATIONS = "generations"
_PARTIAL = ".partial"
_KEEP = 2


@dataclass
class QueryResult:
    """The answer to a query, not yet serialised.

    :param kind: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT / DESCRIBE).
    :param raw: the pyoxigraph result object.
    """

    kind: str
    raw: object

    def serialize(self, media_type: str) -> bytes:
        """Serialise in a format named by its media type.

        :param media_type: one of :data:`QUERY_RESULT_FORMATS` (SELECT, ASK) or
            :data:`RDF_FORMATS` (CONSTRUCT, DESCRIBE).
        :raises ValueError: when the format does not fit the query form.
        """
        if self.kind in ("select", "ask"):
            fmt = QUERY_RESULT_FORMATS.get(media_type)
            if fmt is None:
                raise ValueError(f"{media_type} is not a SPARQL results format")
        else:
            fmt = RDF_FORMATS.get(media_type)
            if fmt is None:
                raise ValueError(f"{media_type} is not an RDF format this store writes")
        try:
            return self.raw.serialize(format=fmt)
        except (OSError, RuntimeError) as exc:  # evaluation is lazy: errors surface here
            message = str(exc)
        self.raw = None  # drop the solutions in this thread (they may not cross threads)
        raise QueryEvaluationError(f"the query failed while it was evaluated: {message}")

    @property
    def boolean(self) -> bool:
        """The answer of an ASK query."""
        return bool(self.raw)

    def rows(self) -> list[dict[str, str]]:
        """SELECT solutions as dicts of variable -> lexical value (unbound left out)."""
        out = []
        variables = [v.value for v in self.raw.variables]
        for sol in self.raw:
            row = {}
            for name in variables:
                term = sol[name]
                if term is not None:
                    row[name] = term.value
            out.append(row)
        return out


def current_generation(root: Path) -> Path | None:
    """The generation folder ``root/current`` points to, or None when there is none."""
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


class SnapshotFiles:
    """The files side of a serving snapshot, shared by both backends: the store folder's
    current generation (``generation``, ``dumps_dir``, ``meta_dir``)."""

    root: Path
    generation: str

    def _open_files(self, root: str | Path) -> Path:
        """Pin the current generation of ``root``.

        :raises StoreError: when the folder holds no snapshot.
        """
        self.root = Path(root)
        self._link = _read_link(self.root)  # read before resolving: a swap in between shows as stale
        gen = current_generation(self.root)
        if gen is None:
            raise StoreError(f"{self.root}: no data yet; run 'clusterkg build' first")
        self.generation = gen.name
        self.dumps_dir = gen / "dumps"
        self.meta_dir = gen / "meta"
        return gen

    def is_stale(self) -> bool:
        """True when a newer generation has been published since this one was opened
        (asked on every request: one ``readlink`` unless the link changed)."""
        if _read_link(self.root) == self._link:
            return False
        gen = current_generation(self.root)
        return gen is not None and gen.name != self.generation


class OxigraphStore(SnapshotFiles):
    """A read-only snapshot: the generation ``current`` pointed to when opened.

    :param root: the store folder.
    :raises StoreError: when the folder holds no snapshot or Oxigraph cannot open it.
    """

    def __init__(self, root: str | Path):
        gen = self._open_files(root)
        try:
            self._store = ox.Store.read_only(str(gen / "db"))
        except OSError as exc:
            raise StoreError(f"{gen}: cannot open the store ({exc})") from exc

    def query(self, sparql: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, str] | None = None, base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query.

        :param sparql: the query text.
        :param default_graphs: IRIs whose merge is the default graph (the protocol's
            ``default-graph-uri``, SPARQL 1.1 Protocol §2.1.4); None for the union of
            all named graphs.
        :param named_graphs: IRIs available to ``GRAPH`` (``named-graph-uri``); None
            for all.
        :param substitutions: variable name -> IRI, bound before evaluation (so request
            values are never pasted into query text).
        :param base_iri: IRI relative IRIs in the query resolve against (for a query
            sent over HTTP, the endpoint's URL: SPARQL 1.1 Query §4.1.1.1, RFC 3986 §5.1.3).
        :raises QuerySyntaxError: with the parser's message, for a malformed query.
        :raises StoreError: when the store cannot be read.
        """
        depth = nesting_depth(sparql)
        if depth > MAX_NESTING:
            raise QuerySyntaxError(f"the query nests groups {depth} deep; at most {MAX_NESTING} are allowed")
        kwargs: dict = {"base_iri": base_iri} if base_iri else {}
        own_dataset = "FROM" in keywords(sparql)
        try:
            if default_graphs is not None or named_graphs is not None:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []] or ox.DefaultGraph()
                if named_graphs is not None:
                    kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            elif not own_dataset:  # FROM / FROM NAMED in the query set the dataset themselves
                kwargs["use_default_graph_as_union"] = True
            if substitutions:
                kwargs["substitutions"] = {ox.Variable(k): ox.NamedNode(v) for k, v in substitutions.items()}
        except ValueError as exc:
            raise QuerySyntaxError(f"invalid IRI: {exc}") from None
        try:
            raw = self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult("ask", raw)
        if isinstance(raw, ox.QuerySolutions):
            return QueryResult("select", raw)
        return QueryResult("graph", raw)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def dump_nquads(self) -> bytes:
        """All quads as N-Quads (graph names kept)."""
        return self._store.dump(format=ox.RdfFormat.N_QUADS)

    def close(self) -> None:
        self._store = None  # type: ignore[assignment]


class OxigraphWriter:
    """Writes a new generation; ``commit()`` publishes it atomically.

    :param root: the store folder (created if missing).
    :param from_current: start from a checkpoint of the current generation (RocksDB
        hard-links its files, so this is quick and leaves the current generation
        untouched) instead of an empty store; ``previous`` then names that generation's
        folder, so the build can replace only the graphs that changed.
    :raises StoreError: when the folder cannot be created or written.
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
        self.previous = current_generation(self.root) if from_current else None
        try:
            self.path.mkdir()
            if self.previous is not None:
                ox.Store.read_only(str(self.previous / "db")).backup(str(self.path / "db"))
            self._store = ox.Store(str(self.path / "db"))
        except OSError as exc:
            self._release()
            raise StoreError(f"{self.path}: cannot create the store ({exc})") from exc
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._loaded = 0  # quads bulk-loaded by this writer

    def _release(self) -> None:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
        except (OSError, ValueError):
            pass

    def add_graph(self, graph_iri: str, ntriples: bytes) -> None:
        """Queue the triples of named graph ``graph_iri``; they are bulk-loaded in batches
        of a few MiB (one bulk load per graph costs far more than one per batch).

        :param ntriples: canonical N-Triples (every line ends in `` .\\n``; see
            :func:`~clusterkg.graph.publish.dumps.canonical_ntriples`).
        :raises StoreError: when a batch cannot be loaded (bad data or storage).
        """
        quads = as_nquads(graph_iri, ntriples)
        self._pending.append(quads)
        self._pending_bytes += len(quads)
        if self._pending_bytes > 8 * 1024 * 1024:
            self._flush()

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs in the new generation so far, sorted."""
        self._flush()
        return sorted(g.value for g in self._store.named_graphs())

    def remove_graph(self, graph_iri: str) -> None:
        """Remove named graph ``graph_iri`` and its triples (nothing when it is absent).

        :raises StoreError: when the store cannot be written.
        """
        self._flush()
        node = ox.NamedNode(graph_iri)
        try:
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)
        except OSError as exc:
            raise StoreError(f"cannot remove the graph <{graph_iri}>: {exc}") from exc

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
        out_dir = self.path / "dumps"
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

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._loaded += data.count(b"\n")
        self._pending, self._pending_bytes = [], 0
        try:
            self._store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load the profile graphs: {exc}") from exc

    @property
    def dumps_dir(self) -> Path:
        """The new generation's ``dumps/`` folder."""
        return self.path / "dumps"

    @property
    def meta_dir(self) -> Path:
        """The new generation's ``meta/`` folder (catalogue, VoID, feed state)."""
        return self.path / "meta"

    def graph_ntriples(self):
        """Each named graph of the new snapshot as ``(graph IRI, N-Triples bytes)``, one at a
        time, sorted by IRI (so the caller never holds the whole graph)."""
        self._flush()
        for name in sorted(g.value for g in self._store.named_graphs()):
            node = ox.NamedNode(name)
            yield name, self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node)

    def add_quads(self, nquads: bytes) -> None:
        """Load N-Quads (each quad into its own named graph)."""
        self._flush()
        try:  # blank node labels kept (a bulk load would draw new ones): the same file, the same graph
            self._store.extend(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load quads: {exc}") from exc

    def commit(self, quads: int | None = None) -> str:
        """Flush, compact (unless only a few graphs changed since the checkpoint), close,
        rename the generation and point ``current`` at it.

        :param quads: how many quads the snapshot holds, when the caller knows (else they
            are counted: a pass over the whole store).
        :return: the generation's name.
        :raises StoreError: when any step fails (the previous snapshot keeps serving).
        """
        final = self.path.with_name(self.name)
        tmp_link = self.root / f".{_CURRENT}.{self.name}"
        try:
            self._flush()
            self._store.flush()
            if self.previous is None or self._loaded * 10 > (len(self._store) if quads is None else quads):
                self._store.optimize()  # compaction pays after a full load, not after a few graphs
            del self._store
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

    def abort(self) -> None:
        """Drop the partial generation."""
        try:
            del self._store
        except AttributeError:
            pass
        shutil.rmtree(self.path, ignore_errors=True)
        self._release()

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


def previous_meta(root: str | Path) -> Path | None:
    """The ``meta/`` folder of the store's current snapshot, or None."""
    gen = current_generation(Path(root))
    return gen / "meta" if gen is not None else None


def open_store(root: str | Path) -> OxigraphStore:
    """Open the store folder's current snapshot read-only (see :class:`OxigraphStore`)."""
    return OxigraphStore(root)


def open_writer(root: str | Path, from_current: bool = False) -> OxigraphWriter:
    """Start a new generation in the store folder (see :class:`OxigraphWriter`)."""
    return OxigraphWriter(root, from_current)
