"""The embedded backend: Oxigraph (pyoxigraph) on disk, one database per snapshot.

Each generation of the store folder (see :mod:`.snapshot`) holds an Oxigraph RocksDB
database in ``db/``. :class:`OxigraphStore` queries the current one read-only;
:class:`OxigraphWriter` fills a new one (starting from a checkpoint of the current one for
an incremental build) and publishes it with the generation. The default graph is the
union of the named graphs (one per profile, plus the vocabulary and the build record).
"""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
from pathlib import Path
from typing import BinaryIO, Iterator

import pyoxigraph as ox

from clusterkg.graph.errors import QuerySyntaxError, StoreError
from clusterkg.graph.map.canonical import as_nquads
from clusterkg.graph.store.result import QueryResult
from clusterkg.graph.store.snapshot import GRAPH_MODEL, SnapshotFiles, SnapshotWriter, has_current_view
from clusterkg.graph.store.sparql_text import MAX_NESTING, keywords, nesting_depth

__all__ = ["OxigraphStore", "OxigraphWriter"]

#: Pending N-Quads (bytes) loaded in one bulk load.
_BATCH_BYTES = 8 * 1024 * 1024


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
            ``default-graph-uri``, SPARQL 1.1 Protocol §2.1.4); None for the snapshot's
            default graph: the current view (a snapshot of an earlier version: the union
            of the named graphs).
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
            elif not own_dataset and not self.current_view:  # FROM / FROM NAMED set the dataset themselves
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
        """The named graphs' quads as N-Quads (what each source said; the default graph,
        made from them, is left out)."""
        named = (q for q in self._store if isinstance(q.graph_name, ox.NamedNode))
        return ox.serialize(named, format=ox.RdfFormat.N_QUADS) or b""

    def close(self) -> None:
        self._store = None  # type: ignore[assignment]


class OxigraphWriter(SnapshotWriter):
    """Writes a new generation's database; :meth:`commit` publishes it atomically.

    :param root: the store folder (created if missing).
    :param from_current: start from a checkpoint of the current generation (RocksDB
        hard-links its files, so this is quick and leaves the current generation
        untouched) instead of an empty store; ``previous`` then names that generation's
        folder, so the build can replace only the graphs that changed.
    :raises StoreError: when the folder cannot be created or written, or another build
        holds it.
    """

    def __init__(self, root: str | Path, from_current: bool = False):
        super().__init__(root, from_current)
        try:
            if self.previous is not None:
                ox.Store.read_only(str(self.previous / "db")).backup(str(self.path / "db"))
            self._store = ox.Store(str(self.path / "db"))
        except OSError as exc:
            self._release()
            raise StoreError(f"{self.path}: cannot create the store ({exc})") from exc
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._loaded = 0  # quads bulk-loaded by this writer

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
        if self._pending_bytes > _BATCH_BYTES:
            self._flush()

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs in the new generation so far, sorted."""
        self._flush()
        return sorted(g.value for g in self._store.named_graphs())

    def replace_graph(self, graph_iri: str, ntriples: bytes) -> int | None:
        """Make named graph ``graph_iri`` hold the triples of ``ntriples`` (canonical
        N-Triples). When the snapshot holds the graph already, only the triples that differ
        are removed and added: Oxigraph removes a whole graph in one transaction that it
        holds in memory (300,000 triples of a build record at 100,000 profiles).

        :return: the triples removed plus those added, or None when the graph was loaded
            whole (absent before, or more than half of it changed).
        :raises StoreError: when the store cannot be written.
        """
        self._flush()
        node = ox.NamedNode(graph_iri)
        try:
            if not self._store.contains_named_graph(node):
                self.add_graph(graph_iri, ntriples)
                return None
            old = set((self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node) or b"").splitlines(True))
            new = set(ntriples.splitlines(True))
            gone, added = old - new, new - old
            if 2 * len(gone) > len(old):
                self.remove_graph(graph_iri)
                self.add_graph(graph_iri, ntriples)
                return None
            _apply_changes(self._store, b"".join(gone), b"".join(sorted(added)), node)
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot update the graph <{graph_iri}>: {exc}") from exc
        return len(gone) + len(added)

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

    def set_default_graph(self, ntriples: Path, previous: Path | None = None,
                          name: str | None = None) -> tuple[bytes, bytes] | None:
        """Make the snapshot's default graph the triples of the sorted N-Triples file
        ``ntriples`` (the current view), and mark the snapshot so (:data:`~.snapshot.GRAPH_MODEL`).

        :param ntriples: the default graph's triples, canonical N-Triples sorted in byte order.
        :param previous: the same file of the snapshot this one started from, when it had a
            current view: then only the lines that differ are removed and added (``comm``).
        :param name: not used here (the store has a default graph of its own).
        :return: the lines removed and the lines added, when only those were; None when
            the whole file was loaded.
        :raises StoreError: when the store cannot be written or ``comm`` fails.
        """
        self._flush()
        default = ox.DefaultGraph()
        changes: tuple[bytes, bytes] | None = None
        try:
            if previous is not None and self.previous is not None and has_current_view(self.previous):
                changes = _differences(previous, ntriples)
                _apply_changes(self._store, *changes, default)
            else:
                self._store.clear_graph(default)
                with open(ntriples, "rb") as lines:
                    _load_in_pieces(self._store, lines, default)
            self.meta_dir.mkdir(parents=True, exist_ok=True)
            (self.meta_dir / GRAPH_MODEL).write_text('{"default_graph": "current view"}\n', encoding="utf-8")
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load the default graph: {exc}") from exc
        return changes

    def graph_ntriples(self) -> Iterator[tuple[str, bytes]]:
        """Each named graph of the new snapshot as ``(graph IRI, N-Triples bytes)``, one at a
        time, sorted by IRI (so the caller never holds the whole graph)."""
        self._flush()
        for name in sorted(g.value for g in self._store.named_graphs()):
            node = ox.NamedNode(name)
            yield name, self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node) or b""

    def add_quads(self, nquads: bytes) -> None:
        """Load N-Quads (each quad into its own named graph)."""
        self._flush()
        try:  # blank node labels kept (a bulk load would draw new ones): the same file, the same graph
            self._store.extend(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot load quads: {exc}") from exc

    def select(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """Rows of a SELECT over the new generation, each term as its lexical form (an IRI
        without its angle brackets), unbound as None (SPARQL 1.1 Query §18.5: a solution
        need not bind every projected variable).

        :raises StoreError: the query cannot be parsed or evaluated.
        """
        try:
            solutions = self._store.query(sparql)
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"the build's query failed: {exc}") from exc
        if not isinstance(solutions, ox.QuerySolutions):
            raise StoreError("the build's query is not a SELECT")
        # a solution iterates over its values in the order of the variables (unbound: None),
        # twice as fast as looking each variable up
        for row in solutions:
            yield tuple(None if term is None else term.value for term in row)

    def commit(self, quads: int | None = None) -> str:
        """Flush, compact (unless only a few graphs changed since the checkpoint), close
        the database, then publish the generation (:meth:`SnapshotWriter.publish`).

        :param quads: how many quads the snapshot holds, when the caller knows (else they
            are counted: a pass over the whole store).
        :return: the generation's name.
        :raises StoreError: when any step fails (the previous snapshot keeps serving).
        """
        try:
            self._flush()
            self._store.flush()
            if self.previous is None or self._loaded * 10 > (len(self._store) if quads is None else quads):
                self._store.optimize()  # compaction pays after a full load, not after a few graphs
            del self._store
        except OSError as exc:
            self.discard()
            raise StoreError(f"{self.root}: cannot publish the new snapshot ({exc})") from exc
        return self.publish()

    def abort(self) -> None:
        """Drop the partial generation (the previous snapshot stays)."""
        try:
            del self._store
        except AttributeError:
            pass
        self.discard()


#: N-Triples lines per call of Oxigraph's loader: one call over a whole file holds
#: it all in memory (10,000 profiles' current view, 764k triples: 608 MiB resident, 3.4 s;
#: in pieces of 100,000 lines: 168 MiB, 2.6 s).
_LOAD_LINES = 100_000


def _apply_changes(store: ox.Store, gone: bytes, new: bytes, graph: ox.NamedNode | ox.DefaultGraph) -> None:
    """Remove the N-Triples lines ``gone`` from ``graph`` of ``store``, then load the lines
    ``new`` into it (:func:`_load_in_pieces`).

    :raises SyntaxError: a line is not N-Triples.
    """
    for t in ox.parse(gone, format=ox.RdfFormat.N_TRIPLES):
        store.remove(ox.Quad(t.subject, t.predicate, t.object, graph))
    _load_in_pieces(store, io.BytesIO(new), graph)


def _load_in_pieces(store: ox.Store, lines: BinaryIO, graph: ox.NamedNode | ox.DefaultGraph) -> None:
    """Load the N-Triples ``lines`` into ``graph`` of ``store``, :data:`_LOAD_LINES` lines
    at a time (a line is one triple, so every piece is whole N-Triples).

    Oxigraph's bulk loader gives the blank nodes of each call new labels, so a blank node
    whose triples fell into two pieces would become two: from the first piece that may
    hold a blank node on (``_:`` at a line's start or after a space; a literal that holds
    the two characters only makes it slower), the pieces are parsed and added with their
    labels kept (about twice as slow). The current view has no blank nodes today.

    :raises SyntaxError: a line is not N-Triples.
    :raises OSError: ``lines`` cannot be read.
    """
    keep_labels = False
    while piece := b"".join(itertools.islice(lines, _LOAD_LINES)):
        keep_labels = keep_labels or _BLANK_NODE.search(piece) is not None
        if keep_labels:
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                              for t in ox.parse(piece, format=ox.RdfFormat.N_TRIPLES))
        else:
            store.bulk_load(piece, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


#: Where an N-Triples line may hold a blank node: at its start, or after a space.
_BLANK_NODE = re.compile(rb"(?:^| )_:", re.MULTILINE)


def _differences(old: Path, new: Path) -> tuple[bytes, bytes]:
    """The lines only in ``old`` and the lines only in ``new``, two files sorted in byte
    order (``comm``, with ``LC_ALL=C``: the order ``sort`` gave them).

    :raises StoreError: when ``comm`` is missing or fails.
    """
    out = []
    for flag in ("-23", "-13"):
        try:
            done = subprocess.run(["comm", flag, str(old), str(new)], env={**os.environ, "LC_ALL": "C"},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        except OSError as exc:
            raise StoreError(f"cannot run 'comm' ({exc.strerror}); a POSIX 'comm' must be on the PATH") from None
        if done.returncode != 0:
            raise StoreError(f"comm failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
        out.append(done.stdout)
    return out[0], out[1]
