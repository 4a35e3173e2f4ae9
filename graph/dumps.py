"""The dump files of a snapshot and its VoID figures, written as a stream.

The build hands every graph it publishes to a :class:`DumpWriter` as canonical
N-Triples (see :func:`canonical_ntriples`), in a fixed order, while it loads the store.
The writer appends them to the dataset's N-Quads and JSON-LD files and to an unsorted
file of all triples; :meth:`DumpWriter.finish` then makes the rest:

* ``clusterkg.nq``: every named graph, graph names kept (N-Quads 1.1), graph after
  graph in the order given, each graph's triples sorted;
* ``clusterkg.jsonld``: the same dataset as JSON-LD 1.1, one graph object per named
  graph (:func:`jsonld_fragment`, made in the build's workers) joined into one array;
* ``clusterkg.nt``: the union of the named graphs, each triple once, lines sorted
  (``sort -u`` with ``LC_ALL=C``: byte order, bounded memory, spilling to disk);
* ``clusterkg.ttl``: that union as Turtle, grouped by subject;
* per subset (one per country): ``{name}.nq`` and ``{name}.ttl`` made the same way;
* a gzipped copy of each, as content-defined gzip members that a rebuild copies when
  their chunk did not change (:func:`gzip_members`); SHA-256 and SHA-1 of every file are
  taken while it is read for compression.

Canonical N-Triples (one triple per line, every line ending in `` .\\n``, literals in
their canonical form: RDF 1.1 N-Triples §4) make equal triples equal lines, so the
union is a line-level ``sort -u`` and a graph's quads are its lines with the graph
name inserted. Nothing is held in memory but a batch of lines: a build of 100,000
profiles writes its dumps in the same memory as one of 100.

The VoID figures (VoID §4.6) come from one pass over the sorted union (a triple per
line, subjects adjacent) plus one ``sort -u`` of the objects.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import StoreError

__all__ = ["DumpWriter", "Dumps", "as_nquads", "canonical_ntriples", "jsonld_fragment", "gzip_file",
           "gzip_members", "read_reuse"]

#: Memory ``sort`` may use per run (it spills sorted runs to disk beyond it).
SORT_BUFFER = "128M"

_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
#: EU authority tables counted as VoID linksets (VoID §5).
LINK_TARGETS = ("http://publications.europa.eu/resource/authority/country/",
                "http://publications.europa.eu/resource/authority/language/")


def canonical_ntriples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> bytes:
    """RDF as the store gives it back: N-Triples (RDF 1.1 N-Triples §4: one triple per
    line, no ``^^xsd:string``, lower-case language tags) after a trip through an
    in-memory Oxigraph store, which keeps XSD literals by value (``"+00:00"`` times come
    back as ``"Z"``, ``"01"^^xsd:integer`` as ``"1"``), so the dumps hold exactly the
    triples SPARQL answers with; lines sorted, each triple once.

    :param data: the triples, in ``fmt`` (N-Triples by default).
    :return: UTF-8 bytes; every line ends in `` .\\n``.
    :raises SyntaxError: when ``data`` is not valid ``fmt``.
    """
    store = ox.Store()
    store.load(data, format=fmt)
    out = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    return b"".join(sorted(set(out.splitlines(keepends=True))))


def as_nquads(graph_iri: str, ntriples: bytes) -> bytes:
    """Canonical N-Triples as N-Quads of named graph ``graph_iri``: each line's final
    `` .`` gets the graph name before it (in canonical N-Triples a line break only ends a
    triple, so this is a plain byte replacement).
    """
    return ntriples.replace(b" .\n", b" <" + graph_iri.encode("utf-8") + b"> .\n")


def jsonld_fragment(graph_iri: str, ntriples: bytes) -> bytes:
    """Named graph ``graph_iri`` as one JSON-LD 1.1 graph object (``{"@id": ..., "@graph":
    [...]}``, JSON-LD 1.1 §4.9), as Oxigraph's serialiser writes it inside the dataset's
    top-level array; the dataset's JSON-LD is these objects joined by commas. Made where
    the graph is made (in the build's worker processes), so the dump is only joined.

    :param ntriples: the graph's triples, N-Triples.
    :return: UTF-8 bytes; empty for an empty graph.
    :raises SyntaxError: when ``ntriples`` is not N-Triples.
    """
    graph = ox.NamedNode(graph_iri)
    out = ox.serialize((ox.Quad(t.subject, t.predicate, t.object, graph)
                        for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)), format=ox.RdfFormat.JSON_LD)
    out = (out or b"").strip()
    return out[1:-1].strip() if out.startswith(b"[") and out.endswith(b"]") else out


#: Average uncompressed size of a gzip member (see :func:`gzip_members`); members are at most
#: eight times that.
CHUNK_BYTES = 1 << 20

#: A chunk's reuse entry: its SHA-1 -> (a previous ``.gz`` file, offset, length of the member).
Reuse = dict[str, tuple[Path, int, int]]


def _chunks(path: Path):
    """The bytes of ``path`` in chunks that end at line ends chosen by content: a line ends
    a chunk when its CRC-32 (as a fraction of 2**32) is below its share of
    :data:`CHUNK_BYTES`, so chunks average that size whatever the line length, and an
    edit moves no boundary but those of its own chunk."""
    buf: list[bytes] = []
    size = 0
    with open(path, "rb") as fh:
        for line in fh:
            buf.append(line)
            size += len(line)
            if zlib.crc32(line) * CHUNK_BYTES < len(line) << 32 or size >= 8 * CHUNK_BYTES:
                yield b"".join(buf)
                buf, size = [], 0
    if buf:
        yield b"".join(buf)


#: A file's (SHA-256, SHA-1), hex.
Digests = tuple[str, str]


def gzip_members(path: Path, level: int = 6, reuse: Reuse | None = None) -> tuple[Path, list[list],
                                                                                  dict[str, Digests]]:
    """Write ``path.gz`` as a series of gzip members (RFC 1952 §2.2: any gzip reader reads
    them as one stream), one per content-defined chunk of about :data:`CHUNK_BYTES`
    (:func:`_chunks`). A chunk whose SHA-1 is in ``reuse`` is copied, compressed, from an
    earlier file instead of compressed again, so a rebuild recompresses only the chunks
    that changed. No timestamp or name in the headers: equal content, equal bytes.

    :param level: zlib level (6: about twice as fast as 9 for 3% more bytes).
    :return: the ``.gz`` path, ``[sha1, offset, length]`` of each member in it, and the
        digests of both files (file name -> (SHA-256, SHA-1)), taken as they pass.
    :raises OSError: when a file cannot be read or written.
    """
    gz = path.with_name(path.name + ".gz")
    hashes = {name: (hashlib.sha256(), hashlib.sha1()) for name in (path.name, gz.name)}
    members: list[list] = []
    sources: dict[Path, object] = {}
    offset = 0
    try:
        with open(gz, "wb") as out:
            for chunk in _chunks(path):
                for h in hashes[path.name]:
                    h.update(chunk)
                digest = hashlib.sha1(chunk).hexdigest()
                member = None
                if reuse and digest in reuse:
                    src, at, length = reuse[digest]
                    try:
                        fh = sources.get(src) or sources.setdefault(src, open(src, "rb"))
                        fh.seek(at)  # type: ignore[attr-defined]
                        member = fh.read(length)  # type: ignore[attr-defined]
                    except OSError:
                        member = None
                    if member is not None and (len(member) != length or member[:2] != b"\x1f\x8b"):
                        member = None
                if member is None:
                    member = gzip.compress(chunk, compresslevel=level, mtime=0)
                out.write(member)
                for h in hashes[gz.name]:
                    h.update(member)
                members.append([digest, offset, len(member)])
                offset += len(member)
    finally:
        for fh in sources.values():
            fh.close()  # type: ignore[attr-defined]
    return gz, members, {name: (h256.hexdigest(), h1.hexdigest()) for name, (h256, h1) in hashes.items()}


def gzip_file(path: Path, level: int = 6) -> Path:
    """Write ``path.gz`` beside ``path`` (see :func:`gzip_members`).

    :return: the ``.gz`` path.
    :raises OSError: when a file cannot be read or written.
    """
    return gzip_members(path, level)[0]


def read_reuse(index: Path | None, dumps: Path | None) -> Reuse:
    """The chunks of an earlier snapshot's ``.gz`` files (in its ``dumps`` folder), from
    its chunk ``index`` (written by :meth:`DumpWriter.finish`); empty when there is none
    or it cannot be read."""
    if index is None or dumps is None:
        return {}
    try:
        table = json.loads(index.read_text(encoding="utf-8"))
        return {digest: (dumps / name, int(at), int(length))
                for name, members in table.items() for digest, at, length in members}
    except (OSError, ValueError, TypeError):
        return {}


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
    :param stats: the VoID figures (:func:`union_stats`, plus ``distinct_objects``).
    :param digests: file name -> (SHA-256, SHA-1) of every file written.
    """

    files: dict[str, Path]
    subsets: dict[str, list[Path]]
    stats: dict
    digests: dict[str, Digests]


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
    :raises StoreError: when the folder cannot be written.
    """

    def __init__(self, folder: Path, prefixes: dict[str, str] | None = None):
        self.folder = Path(folder)
        self.prefixes = dict(prefixes or {})
        if shutil.which("sort") is None:  # before any work, not after the whole load
            raise StoreError("cannot find 'sort' to write the dumps; a POSIX 'sort' must be on the PATH")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._tmp = Path(tempfile.mkdtemp(prefix=".dumps-", dir=self.folder))
            self._nq = open(self.folder / "clusterkg.nq", "wb")
            self._jsonld = open(self.folder / "clusterkg.jsonld", "wb")
            self._union = open(self._tmp / "union.nt.unsorted", "wb")
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc.strerror})") from None
        self._subsets: dict[str, _Subset] = {}
        self._graphs = 0

    def add_graph(self, graph_iri: str, ntriples: bytes, subset: str | None = None,
                  jsonld: bytes | None = None) -> None:
        """Append named graph ``graph_iri``.

        :param ntriples: its triples as canonical N-Triples (:func:`canonical_ntriples`).
        :param subset: also append it to this subset (e.g. ``clusterkg-srb``).
        :param jsonld: its :func:`jsonld_fragment`, when already made.
        :raises StoreError: when a file cannot be written.
        """
        if not ntriples:
            return
        quads = as_nquads(graph_iri, ntriples)
        if jsonld is None:
            jsonld = jsonld_fragment(graph_iri, ntriples)
        try:
            self._nq.write(quads)
            self._jsonld.write((b",\n" if self._graphs else b"[") + jsonld)
            self._graphs += 1
            self._union.write(ntriples)
            if subset is not None:
                part = self._subsets.get(subset)
                if part is None:
                    part = self._subsets[subset] = _Subset(self._tmp, subset)
                part.nq.write(quads)
                part.nt.write(ntriples)
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc.strerror})") from None

    def add_quads(self, nquads: bytes) -> None:
        """Append quads (N-Quads, each in a named graph), e.g. a curated RDF file.

        :raises StoreError: when a file cannot be written, ``nquads`` is not N-Quads or a
            quad is in the default graph.
        """
        try:  # blank node labels are scoped to their document (RDF 1.1 N-Quads §2.1): renamed
            quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=True))
        except SyntaxError as exc:
            raise StoreError(f"cannot dump quads: {exc}") from None
        by_graph: dict[str, list[ox.Triple]] = collections.defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise StoreError(f"cannot dump a quad outside a named graph: {q}")
            by_graph[q.graph_name.value].append(q.triple)
        for name, triples in sorted(by_graph.items()):
            self.add_graph(name, canonical_ntriples(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""))

    def finish(self, subsets: set[str] | None = None, workers: int = 2, reuse: Reuse | None = None,
               index: Path | None = None) -> "Dumps":
        """Close the stream and write every file, ``workers`` at a time (Oxigraph's
        serialisers, zlib and ``sort`` run outside Python's lock).

        :param subsets: the subsets to write; the others' files are dropped (the build
            reuses the previous snapshot's copies). None: all.
        :param reuse: the previous snapshot's gzip members (:func:`read_reuse`): chunks
            found there are copied, not compressed again (:func:`gzip_members`).
        :param index: where to write this snapshot's chunk index (JSON: file name ->
            ``[[sha1, offset, length], ...]``), also listing the ``reuse`` files that are
            in this folder unchanged (hard-linked there by the build).
        :return: the files written, with their digests and the VoID figures (:class:`Dumps`).
        :raises StoreError: when a file cannot be written or ``sort`` fails.
        """
        try:
            self._nq.close()
            self._jsonld.write(b"]\n" if self._graphs else b"[]\n")
            self._jsonld.close()
            self._union.close()
            for part in self._subsets.values():
                part.close()
            nq = self.folder / "clusterkg.nq"
            nt, ttl, jsonld = (self.folder / n for n in ("clusterkg.nt", "clusterkg.ttl", "clusterkg.jsonld"))
            stats: dict = {}
            table: dict[str, list] = {}
            digests: dict[str, Digests] = {}

            def compress(path: Path) -> Path:
                gz, members, sums = gzip_members(path, reuse=reuse)
                table[gz.name] = members
                digests.update(sums)
                return gz

            # chains of steps run in one pool; the single steps they hand off (gzip, the
            # sort of the objects) in another, so a chain never waits on a step queued
            # behind itself
            with concurrent.futures.ThreadPoolExecutor(workers) as chains, \
                    concurrent.futures.ThreadPoolExecutor(workers) as steps:
                def union_files() -> list[Path]:
                    _sort_unique(self._tmp / "union.nt.unsorted", nt, self._tmp)
                    (self._tmp / "union.nt.unsorted").unlink()
                    objects = steps.submit(_distinct_objects, nt, self._tmp)
                    gz_nt = steps.submit(compress, nt)
                    _turtle(nt, ttl, self.prefixes)
                    gz_ttl = steps.submit(compress, ttl)
                    stats.update(union_stats(nt))
                    stats["distinct_objects"] = objects.result()
                    return [nt, gz_nt.result(), ttl, gz_ttl.result()]

                def dataset_files() -> list[Path]:
                    gz_nq = steps.submit(compress, nq)
                    return [nq, gz_nq.result(), jsonld, compress(jsonld)]

                def subset_files(name: str, part: _Subset) -> list[Path]:
                    sorted_nt = self._tmp / f"{name}.nt"
                    _sort_unique(part.nt_path, sorted_nt, self._tmp)
                    part.nt_path.unlink()
                    sub_ttl, sub_nq = self.folder / f"{name}.ttl", self.folder / f"{name}.nq"
                    _turtle(sorted_nt, sub_ttl, self.prefixes)
                    sorted_nt.unlink()
                    os.replace(part.nq_path, sub_nq)
                    return [sub_ttl, compress(sub_ttl), sub_nq, compress(sub_nq)]

                whole = [chains.submit(union_files), chains.submit(dataset_files)]
                wanted = {k: v for k, v in self._subsets.items() if subsets is None or k in subsets}
                parts = {name: chains.submit(subset_files, name, part) for name, part in sorted(wanted.items())}
                files = {p.name: p for job in whole for p in job.result()}
                subset_paths = {name: sorted(job.result()) for name, job in parts.items()}
            if index is not None:
                _write_index(index, table, reuse or {}, self.folder)
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc})") from exc
        except SyntaxError as exc:
            raise StoreError(f"cannot write the dumps: {exc}") from exc
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return Dumps(files, subset_paths, stats, digests)

    def abort(self) -> None:
        """Close and remove the temporary files (the dumps folder goes with its snapshot)."""
        for fh in (self._nq, self._jsonld, self._union, *(f for p in self._subsets.values() for f in (p.nq, p.nt))):
            fh.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


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


def _turtle(nt: Path, ttl: Path, prefixes: dict[str, str]) -> None:
    """Turtle from sorted N-Triples (triples of a subject are adjacent, so the serialiser
    groups them with ``;``)."""
    ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), str(ttl), format=ox.RdfFormat.TURTLE,
                 prefixes=prefixes or None)


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


def union_stats(nt: Path) -> dict:
    """VoID figures (VoID §4.6) of the sorted, duplicate-free N-Triples file ``nt``.

    :return: ``triples``, ``entities`` (distinct IRI subjects), ``distinct_subjects``,
        ``properties``, ``classes``, ``class_partitions`` (class IRI -> distinct
        subjects typed with it), ``property_partitions`` (property IRI -> triples) and
        ``linksets`` (target namespace -> (the predicate used most to link into it, its
        triples)).
    :raises OSError: when the file cannot be read.
    """
    triples = subjects = entities = 0
    last = None
    predicates: collections.Counter = collections.Counter()
    classes: collections.Counter = collections.Counter()
    links = {t: collections.Counter() for t in LINK_TARGETS}
    marks = [(b"<" + t.encode(), t) for t in LINK_TARGETS]
    with open(nt, "rb") as fh:
        for line in fh:
            s, p, rest = line.split(b" ", 2)
            triples += 1
            if s != last:
                last = s
                subjects += 1
                entities += s[:1] == b"<"
            predicates[p] += 1
            if rest[:1] == b"<":
                if p == _RDF_TYPE:  # classes are IRIs (a literal or blank "class" is not counted)
                    classes[rest[:-3]] += 1
                for mark, target in marks:
                    if rest.startswith(mark):
                        links[target][p] += 1

    def iri(term: bytes) -> str:  # predicates and counted classes are IRIs: <...>
        return term[1:-1].decode("utf-8")

    linksets = {}
    for target, counter in links.items():
        if counter:
            best, n = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            linksets[target] = (iri(best), n)  # the linkset of that predicate (VoID §5.1)
    return {
        "triples": triples, "entities": entities, "distinct_subjects": subjects,
        "properties": len(predicates), "classes": len(classes),
        "class_partitions": {iri(k): n for k, n in classes.items()},
        "property_partitions": {iri(k): n for k, n in predicates.items()},
        "linksets": linksets,
    }
