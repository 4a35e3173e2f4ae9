"""The dump files of a snapshot and its VoID figures, written as a stream.

The build hands every graph it publishes to a :class:`DumpWriter` as canonical
N-Triples (see :func:`~clusterkg.graph.map.canonical.canonical_ntriples`), in a fixed order, while it loads the store.
The writer appends them to the dataset's N-Quads and JSON-LD files (gzipping them as
they grow) and to an unsorted file of all triples; :meth:`DumpWriter.finish` then makes
the rest:

* ``clusterkg.nq``: every named graph, graph names kept (N-Quads 1.1), graph after
  graph in the order given, each graph's triples sorted;
* ``clusterkg.jsonld``: the same dataset as JSON-LD 1.1, one graph object per named
  graph (:func:`~clusterkg.graph.map.canonical.jsonld_fragment`, made in the build's workers) joined into one array;
* ``clusterkg.nt``: the union of the named graphs, each triple once, lines sorted
  (``sort -u`` with ``LC_ALL=C``: byte order, bounded memory, spilling to disk);
* ``clusterkg.ttl``: that union as Turtle, grouped by subject;
* per subset (one per country): ``{name}.nq`` and ``{name}.ttl`` made the same way;
* a gzipped copy of each, as content-defined gzip members (:mod:`.gzipped`);
  SHA-256 and SHA-1 of every file are taken as it is written or read for compression.

A rebuild redoes only what changed. The files are cut into chunks of about
:data:`~.chunking.CHUNK_BYTES` at boundaries chosen by content (:mod:`.chunking`), so an edit moves
no boundary but those of its own chunk. A gzip member whose chunk the previous snapshot
had is copied from its ``.gz`` (its chunk index: ``{"file.gz": [[sha1, offset,
length], ...]}``). The sorted union is cut between subjects, and each chunk's Turtle and
VoID figures are copied from the previous ``clusterkg.ttl`` and its Turtle index when the
chunk is the same (:func:`~.turtle.read_turtle_reuse`); the figures of the whole are summed from
the chunks'. Only the ``sort`` runs and the chunks that changed cost time.

Canonical N-Triples (one triple per line, every line ending in `` .\n``, literals in
their canonical form: RDF 1.1 N-Triples §4) make equal triples equal lines, so the
union is a line-level ``sort -u`` and a graph's quads are its lines with the graph
name inserted. Nothing is held in memory but a batch of lines: a build of 100,000
profiles writes its dumps in the same memory as one of 100.

The VoID figures (VoID §4.6) come from the sorted union's chunks (a triple per line,
subjects adjacent) plus one ``sort -u`` of the objects.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from clusterkg.graph import formats
from clusterkg.graph.errors import StoreError
from clusterkg.graph.map.canonical import as_nquads, canonical_ntriples, jsonld_fragment
from clusterkg.graph.publish.gzipped import Digests, GzipStream, Reuse, gzip_members
from clusterkg.graph.publish.turtle import TurtleReuse, turtle_file, turtle_key, union_files

__all__ = ["DumpWriter", "Dumps", "DatasetStream", "DATASET_STREAMS", "SORT_BUFFER", "DUMP_STEM", "dump_name"]

#: Memory ``sort`` may use per run (it spills sorted runs to disk beyond it).
SORT_BUFFER = "128M"


def _sort_unique(src: Path, dst: Path, tmp: Path, key: list[str] | None = None) -> None:
    """``sort -u`` of the lines of ``src`` into ``dst`` in byte order (``LC_ALL=C``).

    :raises StoreError: when ``sort`` is missing or fails.
    """
    cmd = ["sort", "-u", "-S", SORT_BUFFER, "-T", str(tmp), *(key or []), "-o", str(dst), str(src)]
    try:
        done = subprocess.run(cmd, env={**os.environ, "LC_ALL": "C"}, stderr=subprocess.PIPE, check=False)
    except OSError as exc:
        raise StoreError(f"cannot run 'sort' to write the dumps ({exc.strerror}); "
                         "a POSIX 'sort' must be on the PATH") from None
    if done.returncode != 0:
        raise StoreError(f"sort -u failed writing the dumps: {done.stderr.decode('utf-8', 'replace').strip()[:500]}")


@dataclass
class Dumps:
    """What :meth:`DumpWriter.finish` wrote.

    :param files: file name -> path of the whole-dataset files and their ``.gz``.
    :param subsets: subset name -> paths of its files written this time.
    :param stats: the VoID figures (:func:`~.void.merged_stats`, plus ``distinct_objects``).
    :param digests: file name -> (SHA-256, SHA-1) of every file written.
    """

    files: dict[str, Path]
    subsets: dict[str, list[Path]]
    stats: dict
    digests: dict[str, Digests]


#: The stem of the whole-dataset dump files (``clusterkg.ttl``...); a subset's is its own.
DUMP_STEM = "clusterkg"


def dump_name(fmt: formats.Format, stem: str = DUMP_STEM) -> str:
    """The file name of a dump in ``fmt`` (``clusterkg.nq``), or of a subset's (``stem``).

    >>> dump_name(formats.N_QUADS), dump_name(formats.TURTLE, "clusterkg-srb")
    ('clusterkg.nq', 'clusterkg-srb.ttl')
    """
    return stem + fmt.suffix


@dataclass(frozen=True)
class DatasetStream:
    """How a dump that keeps the graph names is written, graph after graph.

    :param fmt: its format (a dataset format of :data:`~clusterkg.graph.formats.DUMPS`).
    :param piece: ``(graph IRI, canonical N-Triples, JSON-LD graph object or None) -> bytes``:
        one graph's part of the file.
    :param start: bytes before the first graph; ``separator``: between two graphs;
        ``end``: after the last; ``empty``: the whole file when there is no graph.
    """

    fmt: formats.Format
    piece: Callable[[str, bytes, bytes | None], bytes]
    start: bytes = b""
    separator: bytes = b""
    end: bytes = b""
    empty: bytes = b""


#: The dumps written graph after graph while the build loads the store (the union's
#: N-Triples and Turtle are made at the end, by :meth:`DumpWriter._union_outputs`). To add a
#: dataset dump format: its record in :data:`~clusterkg.graph.formats.DUMPS` and a row here.
DATASET_STREAMS = (
    DatasetStream(formats.N_QUADS, lambda g, nt, _js: as_nquads(g, nt)),
    DatasetStream(formats.JSON_LD, lambda g, nt, js: js if js is not None else jsonld_fragment(g, nt),
                  b"[", b",\n", b"]\n", b"[]\n"),
)


class _Subset:
    """A subset's two growing files: its quads, and its triples (unsorted)."""

    def __init__(self, folder: Path, name: str):
        self.nq_path = folder / f"{name}.nq"
        self.nt_path = folder / f".{name}.nt.unsorted"
        self.nq = open(self.nq_path, "wb")
        self.nt = open(self.nt_path, "wb")

    def close(self) -> None:
        self.nq.close()
        self.nt.close()


class DumpWriter:
    """Writes the dumps of one snapshot (see the module docstring) into ``folder``.

    Call :meth:`add_graph` / :meth:`add_quads` for every graph of the snapshot, then
    :meth:`finish` once; :meth:`abort` drops what was written.

    :param folder: the snapshot's ``dumps/`` folder (created if missing).
    :param prefixes: prefix -> namespace IRI for the Turtle files.
    :param reuse: the previous snapshot's gzip members (:func:`~.gzipped.read_reuse`): chunks found
        there are copied, not compressed again.
    :param turtle_reuse: the previous snapshot's union Turtle chunks
        (:func:`~.turtle.read_turtle_reuse`): chunks of the union found there are not serialised
        or counted again.
    :raises StoreError: when the folder cannot be written.
    """

    def __init__(self, folder: Path, prefixes: dict[str, str] | None = None, reuse: Reuse | None = None,
                 turtle_reuse: TurtleReuse | None = None):
        self.folder = Path(folder)
        self.prefixes = dict(prefixes or {})
        self.reuse, self.turtle_reuse = reuse or {}, turtle_reuse or {}
        if shutil.which("sort") is None:  # before any work, not after the whole load
            raise StoreError("cannot find 'sort' to write the dumps; a POSIX 'sort' must be on the PATH")
        self._subsets: dict[str, _Subset] = {}
        self._graphs = 0
        #: set once :meth:`finish` has written the sorted union (``clusterkg.nt``): it may be
        #: read (e.g. loaded as the default graph) while the rest of the files are made
        self.union_sorted = threading.Event()
        self._closers: list[Callable[[], None]] = []  # what abort() closes, in order
        self._tmp_dir: Path | None = None  # what abort() removes
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._tmp = self._tmp_dir = Path(tempfile.mkdtemp(prefix=".dumps-", dir=self.folder))
            self._streams: list[tuple[DatasetStream, GzipStream]] = []
            for kind in DATASET_STREAMS:
                stream = GzipStream(self.folder / dump_name(kind.fmt), self.reuse)
                self._closers.append(stream.abort)
                self._streams.append((kind, stream))
            self._union = open(self._tmp / "union.nt.unsorted", "wb")
            self._closers.append(self._union.close)
        except OSError as exc:
            self.abort()
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc.strerror})") from None

    def add_graph(self, graph_iri: str, ntriples: bytes, subset: str | None = None,
                  jsonld: bytes | None = None, union: bytes | None = None) -> None:
        """Append named graph ``graph_iri``.

        :param ntriples: its triples as canonical N-Triples
            (:func:`~clusterkg.graph.map.canonical.canonical_ntriples`).
        :param subset: also append it to this subset (e.g. ``clusterkg-srb``).
        :param jsonld: its :func:`~clusterkg.graph.map.canonical.jsonld_fragment`, when already made.
        :param union: what it adds to the default graph (the union files), when that is not
            all of it (a page version whose cluster a later version describes:
            :mod:`clusterkg.graph.reconcile`); ``b""`` for nothing yet (see :meth:`add_union`).
        :raises StoreError: when a file cannot be written.
        """
        if not ntriples:
            return
        try:
            quads = None
            for kind, stream in self._streams:
                piece = kind.piece(graph_iri, ntriples, jsonld)
                if kind.fmt is formats.N_QUADS:
                    quads = piece  # a subset's N-Quads file takes the same lines
                stream.write((kind.separator if self._graphs else kind.start) + piece)
            self._graphs += 1
            part = self._subset(subset)
            if part is not None:
                part.nq.write(quads if quads is not None else as_nquads(graph_iri, ntriples))
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc.strerror})") from None
        self.add_union(ntriples if union is None else union, subset)

    def add_union(self, ntriples: bytes, subset: str | None = None) -> None:
        """Add triples to the default graph's files (the union: N-Triples and Turtle, whole
        and of ``subset``), without a named graph of their own.

        :param ntriples: canonical N-Triples (duplicates are removed when the union is sorted).
        :raises StoreError: when a file cannot be written.
        """
        if not ntriples:
            return
        try:
            self._union.write(ntriples)
            part = self._subset(subset)
            if part is not None:
                part.nt.write(ntriples)
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc.strerror})") from None

    def _subset(self, name: str | None) -> "_Subset | None":
        """The files of subset ``name`` (opened at its first graph), or None."""
        if name is None:
            return None
        part = self._subsets.get(name)
        if part is None:
            part = self._subsets[name] = _Subset(self._tmp, name)
            self._closers.append(part.close)
        return part

    def add_quads(self, nquads: bytes) -> None:
        """Append quads (N-Quads, each in a named graph), e.g. a curated RDF file read by
        :func:`~clusterkg.graph.read.rdf.read_extra`. Blank node labels are kept as given, as the store keeps
        them: they must not be shared with other calls' (``read_extra`` gives each file
        labels of its own).

        :raises StoreError: when a file cannot be written, ``nquads`` is not N-Quads or a
            quad is in the default graph.
        """
        try:
            quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
        except SyntaxError as exc:
            raise StoreError(f"cannot dump quads: {exc}") from None
        by_graph: dict[str, list[ox.Triple]] = collections.defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise StoreError(f"cannot dump a quad outside a named graph: {q}")
            by_graph[q.graph_name.value].append(q.triple)
        for name, triples in sorted(by_graph.items()):
            self.add_graph(name, canonical_ntriples(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""))

    def finish(self, subsets: set[str] | None = None, workers: int = 2, index: Path | None = None,
               turtle_index: Path | None = None) -> "Dumps":
        """Close the stream and write every file, ``workers`` at a time (Oxigraph's
        serialisers, zlib and ``sort`` run outside Python's lock).

        :param subsets: the subsets to write; the others' files are dropped (the build
            reuses the previous snapshot's copies). None: all.
        :param index: where to write this snapshot's chunk index (JSON: file name ->
            ``[[sha1, offset, length], ...]``), also listing the ``reuse`` files that are
            in this folder unchanged (hard-linked there by the build).
        :param turtle_index: where to write the index of the union Turtle's chunks (JSON:
            ``key``, ``file``, ``chunks``: see :func:`~.turtle.read_turtle_reuse`).
        :return: the files written, with their digests and the VoID figures (:class:`Dumps`).
        :raises StoreError: when a file cannot be written or ``sort`` fails.
        """
        try:
            for kind, stream in self._streams:
                stream.write(kind.end if self._graphs else kind.empty, end=True)
            self._union.close()
            for part in self._subsets.values():
                part.close()
            done = Dumps({}, {}, {}, {})
            self._table: dict[str, list] = {}
            self._entries: list[list] = []
            # chains of steps run in one pool; the single step they hand off (the sort of
            # the objects) in another, so a chain never waits on a step queued behind
            # itself (each gzip stream has a writer thread of its own)
            with concurrent.futures.ThreadPoolExecutor(workers) as chains, \
                    concurrent.futures.ThreadPoolExecutor(workers) as steps:
                whole = chains.submit(self._union_outputs, steps, done)
                wanted = {k: v for k, v in self._subsets.items() if subsets is None or k in subsets}
                parts = {name: chains.submit(self._subset_outputs, name, part, done)
                         for name, part in sorted(wanted.items())}
                for _kind, stream in self._streams:  # the members still being compressed
                    done.digests.update(stream.close())
                    self._table[stream.gz.name] = stream.members
                    done.files.update({stream.path.name: stream.path, stream.gz.name: stream.gz})
                done.files.update((p.name, p) for p in whole.result())
                done.subsets.update((name, sorted(job.result())) for name, job in parts.items())
            self._write_indexes(index, turtle_index)
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc})") from exc
        except SyntaxError as exc:
            raise StoreError(f"cannot write the dumps: {exc}") from exc
        finally:
            self.abort()
        return done

    def _union_outputs(self, steps: concurrent.futures.Executor, done: "Dumps") -> list[Path]:
        """The union of the named graphs: ``sort -u``, then its ``.gz``, Turtle and VoID
        figures in one pass (:func:`~.turtle.union_files`)."""
        nt, ttl = self.folder / dump_name(formats.N_TRIPLES), self.folder / dump_name(formats.TURTLE)
        _sort_unique(self._tmp / "union.nt.unsorted", nt, self._tmp)
        (self._tmp / "union.nt.unsorted").unlink()
        self.union_sorted.set()
        objects = steps.submit(_distinct_objects, nt, self._tmp)
        figures, entries, members, sums = union_files(nt, ttl, self.prefixes, self.reuse, self.turtle_reuse)
        self._table.update(members)
        done.digests.update(sums)
        self._entries.extend(entries)
        done.stats.update(figures, distinct_objects=objects.result())
        return [nt, nt.with_name(nt.name + ".gz"), ttl, ttl.with_name(ttl.name + ".gz")]

    def _subset_outputs(self, name: str, part: "_Subset", done: "Dumps") -> list[Path]:
        """One subset's Turtle and N-Quads, and their ``.gz``."""
        sorted_nt = self._tmp / f"{name}.nt"
        _sort_unique(part.nt_path, sorted_nt, self._tmp)
        part.nt_path.unlink()
        sub_ttl, sub_nq = self.folder / dump_name(formats.TURTLE, name), self.folder / dump_name(formats.N_QUADS, name)
        turtle_file(sorted_nt, sub_ttl, self.prefixes)
        sorted_nt.unlink()
        os.replace(part.nq_path, sub_nq)
        out = [sub_ttl, sub_nq]
        for path in (sub_ttl, sub_nq):
            gz, members, sums = gzip_members(path, reuse=self.reuse)
            self._table[gz.name] = members
            done.digests.update(sums)
            out.append(gz)
        return [out[0], out[2], out[1], out[3]]

    def _write_indexes(self, index: Path | None, turtle_index: Path | None) -> None:
        """The chunk index of the ``.gz`` files and the union Turtle's index."""
        if index is not None:
            _write_index(index, self._table, self.reuse, self.folder)
        if turtle_index is not None:
            turtle_index.parent.mkdir(parents=True, exist_ok=True)
            turtle_index.write_text(json.dumps({"key": turtle_key(self.prefixes), "file": dump_name(formats.TURTLE),
                                                "chunks": self._entries}, separators=(",", ":")), encoding="utf-8")

    def abort(self) -> None:
        """Close and remove the temporary files (the dumps folder goes with its snapshot)."""
        for close in self._closers:
            close()
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)


def _write_index(index: Path, table: dict[str, list], reuse: Reuse, folder: Path) -> None:
    """Write the chunk index: this snapshot's members, plus the reused snapshot's members
    of ``.gz`` files that are in ``folder`` without having been written again."""
    carried: dict[str, list] = collections.defaultdict(list)
    for digest, (src, at, length) in reuse.items():
        if src.name not in table and (folder / src.name).is_file():
            carried[src.name].append([digest, at, length])
    table.update((name, sorted(members, key=lambda m: m[1])) for name, members in carried.items())
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(json.dumps(table, sort_keys=True, separators=(",", ":")), encoding="utf-8")


def _distinct_objects(nt: Path, tmp: Path) -> int:
    """How many distinct objects the N-Triples file ``nt`` has (``sort -u`` on the third
    field to the end of the line: canonical N-Triples separate terms by one space)."""
    out = tmp / "objects"
    _sort_unique(nt, out, tmp, ["-t", " ", "-k3"])
    n = 0
    with open(out, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            n += chunk.count(b"\n")
    out.unlink()
    return n
