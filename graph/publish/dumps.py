"""The dump files of a snapshot and its VoID figures, written as a stream.

The build hands every graph it publishes to a :class:`DumpWriter` as canonical
N-Triples (see :func:`canonical_ntriples`), in a fixed order, while it loads the store.
The writer appends them to the dataset's N-Quads and JSON-LD files (gzipping them as
they grow) and to an unsorted file of all triples; :meth:`DumpWriter.finish` then makes
the rest:

* ``clusterkg.nq``: every named graph, graph names kept (N-Quads 1.1), graph after
  graph in the order given, each graph's triples sorted;
* ``clusterkg.jsonld``: the same dataset as JSON-LD 1.1, one graph object per named
  graph (:func:`jsonld_fragment`, made in the build's workers) joined into one array;
* ``clusterkg.nt``: the union of the named graphs, each triple once, lines sorted
  (``sort -u`` with ``LC_ALL=C``: byte order, bounded memory, spilling to disk);
* ``clusterkg.ttl``: that union as Turtle, grouped by subject;
* per subset (one per country): ``{name}.nq`` and ``{name}.ttl`` made the same way;
* a gzipped copy of each, as content-defined gzip members (:class:`_GzipStream`);
  SHA-256 and SHA-1 of every file are taken as it is written or read for compression.

A rebuild redoes only what changed. The files are cut into chunks of about
:data:`CHUNK_BYTES` at boundaries chosen by content (:func:`_chunks`), so an edit moves
no boundary but those of its own chunk. A gzip member whose chunk the previous snapshot
had is copied from its ``.gz`` (its chunk index: ``{"file.gz": [[sha1, offset,
length], ...]}``). The sorted union is cut between subjects, and each chunk's Turtle and
VoID figures are copied from the previous ``clusterkg.ttl`` and its Turtle index when the
chunk is the same (:func:`read_turtle_reuse`); the figures of the whole are summed from
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

import bisect
import collections
import concurrent.futures
import gzip
import hashlib
import itertools
import json
import operator
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox

from clusterkg.graph.errors import StoreError

__all__ = ["DumpWriter", "Dumps", "as_nquads", "canonical_ntriples", "file_digests", "jsonld_fragment", "gzip_file",
           "gzip_members", "read_reuse", "read_turtle_reuse"]

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
    graph = ox.DefaultGraph()
    # extend, not load: load gives blank nodes new random labels, and the dumps would
    # change from build to build
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(data, format=fmt))
    out = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
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

#: Bytes read at a time when a file is cut into chunks.
_READ = 1 << 22

#: Members compressed ahead of the one being written, at most (bounds the memory held).
_AHEAD = 4


def _subject(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


def _ends(chosen: list[int], lines: list[bytes], following: bytes | None, pending: bool) -> tuple[list[int], bool]:
    """For sorted N-Triples: move each chosen chunk end ``chosen`` (line indexes) on to the
    last line of its subject. ``following`` is the line after ``lines`` (None at the end
    of the file); ``pending``: a chunk end chosen in the block before is still looking
    for its subject's last line. Returns the ends, and whether one is still pending."""
    ends: list[int] = []
    todo = ([0] if pending else []) + chosen
    for i in todo:
        if ends and i <= ends[-1]:
            continue
        subject = _subject(lines[i])
        while i + 1 < len(lines) and _subject(lines[i + 1]) == subject:
            i += 1
        if i + 1 == len(lines) and following is not None and _subject(following) == subject:
            return ends, True  # its subject goes on in the next block
        ends.append(i)
    return ends, False


def _chunks(path: Path, by_subject: bool = False) -> Iterator[bytes]:
    """The bytes of ``path`` in chunks that end at line ends chosen by content: a line ends
    a chunk when its CRC-32 (as a fraction of 2**32) is below its share of
    :data:`CHUNK_BYTES`, so chunks average that size whatever the line length, and an
    edit moves no boundary but those of its own chunk. A chunk that reaches eight times
    that size ends at the next line end whatever its content.

    :param by_subject: for sorted N-Triples: a chunk ends at the last line of the chosen
        line's subject, so a subject's triples stay in one chunk (but for a subject with
        more triples than the size limit).
    :raises OSError: when the file cannot be read.

    The lines are found, sized and hashed a block at a time with C-level calls (``split``,
    ``map``, ``zlib.crc32``); only the comparison runs per line in Python.
    """
    limit = 8 * CHUNK_BYTES
    head: list[bytes] = []  # the current chunk's bytes from earlier blocks
    size = 0  # their length
    rest = b""
    pending = False
    with open(path, "rb") as fh:
        while True:
            data = fh.read(_READ)
            block = rest + data
            if not block:
                break
            if data:  # more follows: keep back the unfinished line, and the last whole one
                cut = block.rfind(b"\n")  # (the line after a chosen one must be known)
                cut = block.rfind(b"\n", 0, cut) + 1 if cut > 0 else 0
                block, rest = block[:cut], block[cut:]
                if not block:
                    continue
            else:
                rest = b""
            lines = block.split(b"\n")
            last = lines.pop()  # b"" after a final line end; else the file's unended last line
            sizes = list(map((1).__add__, map(len, lines)))
            crcs = map(zlib.crc32, itertools.repeat(b"\n"), map(zlib.crc32, lines))
            marks = [i for i, c, n in zip(itertools.count(), crcs, sizes) if c * CHUNK_BYTES < n << 32]
            if last:
                lines.append(last)
                sizes.append(len(last))
            if by_subject:
                marks, pending = _ends(marks, lines, rest[:rest.find(b"\n")] if rest else None, pending)
            ends = list(itertools.accumulate(sizes))
            start, m = 0, 0
            while True:
                cap = bisect.bisect_left(ends, limit - size + start)
                while m < len(marks) and ends[marks[m]] <= start:
                    m += 1
                at = min(cap, marks[m] if m < len(marks) else len(ends))
                if at >= len(ends):
                    break
                end = ends[at]
                yield b"".join(head) + block[start:end] if head else block[start:end]
                head, size, start = [], 0, end
            if start < len(block):
                head.append(block[start:])
                size += len(block) - start
    if head:
        yield b"".join(head)


#: A file's (SHA-256, SHA-1), hex.
Digests = tuple[str, str]


class _GzipStream:
    """A file written a piece at a time, and its ``.gz`` beside it as a series of gzip
    members (RFC 1952 §2.2: any gzip reader reads them as one stream), one per
    content-defined chunk. A chunk whose SHA-1 is in ``reuse`` is copied, compressed, from
    an earlier file; the others are compressed in ``pool`` (zlib runs outside Python's
    lock; None: here), and written in order. No timestamp or name in the member headers:
    equal content, equal bytes. SHA-256 and SHA-1 of both files are taken as they pass.

    :param path: the file; its ``.gz`` is ``path`` + ``.gz``.
    :param plain: write ``path`` too (False: it exists already, only its ``.gz`` is made).
    :raises OSError: when a file cannot be opened.
    """

    def __init__(self, path: Path, reuse: Reuse | None = None,
                 pool: concurrent.futures.Executor | None = None, level: int = 6, plain: bool = True):
        self.path, self.gz = path, path.with_name(path.name + ".gz")
        self._reuse, self._pool, self._level = reuse or {}, pool, level
        self._sources: dict[Path, Any] = {}
        self._plain = open(path, "wb") if plain else None
        self._out = open(self.gz, "wb")
        self._hashes = {name: (hashlib.sha256(), hashlib.sha1()) for name in (path.name, self.gz.name)}
        self._buf: list[bytes] = []
        self._size = 0
        self._queue: collections.deque = collections.deque()
        self.members: list[list] = []  # [sha1 of the chunk, offset, length] of each member
        self.written = 0  # bytes of the plain file so far
        self._offset = 0

    def write(self, piece: bytes, end: bool | None = None) -> str | None:
        """Append ``piece`` (whole lines). ``end``: whether a member ends after it; None:
        when the piece's CRC-32 (as a fraction of 2**32) is below its share of
        :data:`CHUNK_BYTES`, or the member reached eight times that.

        :return: the SHA-1 of the chunk ended here, or None.
        """
        if not piece:
            return self._cut() if end else None
        if self._plain is not None:
            self._plain.write(piece)
        for h in self._hashes[self.path.name]:
            h.update(piece)
        self._buf.append(piece)
        self._size += len(piece)
        self.written += len(piece)
        if end is None:
            end = zlib.crc32(piece) * CHUNK_BYTES < len(piece) << 32 or self._size >= 8 * CHUNK_BYTES
        return self._cut() if end else None

    def _cut(self) -> str | None:
        if not self._buf:
            return None
        chunk = b"".join(self._buf) if len(self._buf) > 1 else self._buf[0]
        self._buf, self._size = [], 0
        digest = hashlib.sha1(chunk).hexdigest()
        member = self._reused(digest)
        if self._pool is not None:
            job = self._pool.submit(_member, chunk, member, self._level)
        else:
            job = concurrent.futures.Future()
            job.set_result(_member(chunk, member, self._level))
        self._queue.append((digest, job))
        self._drain(_AHEAD)
        return digest

    def _reused(self, digest: str) -> bytes | None:
        if digest not in self._reuse:
            return None
        src, at, length = self._reuse[digest]
        return _read_at(self._sources, src, at, length)

    def _drain(self, ahead: int) -> None:
        while self._queue and (len(self._queue) > ahead or self._queue[0][1].done()):
            digest, job = self._queue.popleft()
            member = job.result()
            self._out.write(member)
            for h in self._hashes[self.gz.name]:
                h.update(member)
            self.members.append([digest, self._offset, len(member)])
            self._offset += len(member)

    def close(self) -> dict[str, Digests]:
        """End the last member, write what is pending, close the files.

        :return: the digests of both files (file name -> (SHA-256, SHA-1)).
        :raises OSError: when a file cannot be written.
        """
        try:
            self._cut()
            self._drain(0)
        finally:
            self.abort()
        return {name: (h256.hexdigest(), h1.hexdigest()) for name, (h256, h1) in self._hashes.items()}

    def abort(self) -> None:
        """Close the files (what is pending is dropped)."""
        for fh in (self._plain, self._out, *self._sources.values()):
            if fh is not None:
                fh.close()


def _read_at(files: dict[Path, Any], path: Path, at: int, length: int) -> bytes | None:
    """``length`` bytes of an earlier file at offset ``at`` (``files`` keeps the files
    opened so far), or None when they cannot all be read."""
    try:
        fh = files.get(path) or files.setdefault(path, open(path, "rb"))
        fh.seek(at)
        data = fh.read(length)
    except OSError:
        return None
    return data if len(data) == length else None


def _member(chunk: bytes, earlier: bytes | None, level: int) -> bytes:
    """The gzip member of ``chunk``: ``earlier`` (a member copied from a previous file, see
    :func:`read_reuse`) when its header is gzip's and its trailer holds the CRC-32 and size
    of ``chunk`` (RFC 1952 §2.3.1), else ``chunk`` compressed."""
    if (earlier is not None and earlier[:3] == b"\x1f\x8b\x08"
            and earlier[-8:] == struct.pack("<II", zlib.crc32(chunk), len(chunk) & 0xFFFFFFFF)):
        return earlier
    return gzip.compress(chunk, compresslevel=level, mtime=0)


def gzip_members(path: Path, level: int = 6, reuse: Reuse | None = None) -> tuple[Path, list[list],
                                                                                  dict[str, Digests]]:
    """Write ``path.gz`` as a series of gzip members, one per content-defined chunk of
    about :data:`CHUNK_BYTES` (:func:`_chunks`), so a rebuild recompresses only the chunks
    that changed (see :class:`_GzipStream`: chunks found in ``reuse`` are copied).

    :param level: zlib level (6: about twice as fast as 9 for 3% more bytes).
    :return: the ``.gz`` path, ``[sha1, offset, length]`` of each member in it, and the
        digests of both files (file name -> (SHA-256, SHA-1)), taken as they pass.
    :raises OSError: when a file cannot be read or written.
    """
    stream = _GzipStream(path, reuse, level=level, plain=False)
    try:
        for chunk in _chunks(path):
            stream.write(chunk, end=True)
    except BaseException:
        stream.abort()
        raise
    return stream.gz, stream.members, stream.close()


#: A chunk of the sorted union's reuse entry: the SHA-1 of its N-Triples -> (a previous
#: ``clusterkg.ttl``, offset and length of the chunk's Turtle in it, that Turtle's SHA-1,
#: the chunk's VoID figures).
TurtleReuse = dict[str, tuple[Path, int, int, str, dict]]


def _turtle_key(prefixes: dict[str, str]) -> str:
    """What a chunk's Turtle and figures depend on besides its triples."""
    return hashlib.sha1(json.dumps([sorted(prefixes.items()), ox.__version__, LINK_TARGETS, 1]).encode()).hexdigest()


def _turtle_header(prefixes: dict[str, str]) -> bytes:
    """The ``@prefix`` lines Oxigraph's Turtle serialiser starts a document with."""
    if not prefixes:
        return b""
    node = ox.NamedNode("urn:x:x")
    out = ox.serialize([ox.Triple(node, node, node)], format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return b"".join(line for line in out.splitlines(keepends=True) if line.startswith(b"@prefix"))


def _turtle_body(chunk: bytes, prefixes: dict[str, str], header: bytes) -> bytes:
    """Sorted N-Triples ``chunk`` as Turtle statements (triples of a subject grouped with
    ``;``), without the ``header``."""
    out = ox.serialize(ox.parse(chunk, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                       prefixes=prefixes or None) or b""
    return out[len(header):] if header and out.startswith(header) else out


def _chunk_stats(chunk: bytes) -> dict:
    """The VoID figures of a chunk of the sorted, duplicate-free union (JSON-ready): triple,
    subject and entity counts, first and last subject, and counters by predicate, class
    and link target (see :func:`_merged_stats`)."""
    parts = [line.split(b" ", 2) for line in chunk.split(b"\n") if line]
    subjects = set(map(operator.itemgetter(0), parts))
    predicates = collections.Counter(map(operator.itemgetter(1), parts))
    # objects end in " ." (no line end here); classes are IRIs (a literal or blank "class" is not counted)
    classes = collections.Counter(o[:-2] for _, p, o in parts if p == _RDF_TYPE and o[:1] == b"<")
    links = {}
    for target in LINK_TARGETS:
        mark = b"<" + target.encode()
        counter = collections.Counter(p for _, p, o in parts if o.startswith(mark))
        if counter:
            links[target] = {_iri(p): n for p, n in counter.items()}
    return {
        "triples": len(parts), "subjects": len(subjects), "entities": sum(1 for s in subjects if s[:1] == b"<"),
        "first": parts[0][0].decode("utf-8") if parts else "", "last": parts[-1][0].decode("utf-8") if parts else "",
        "predicates": {_iri(p): n for p, n in predicates.items()},
        "classes": {_iri(c): n for c, n in classes.items()},
        "links": links,
    }


def _iri(term: bytes) -> str:
    return term[1:-1].decode("utf-8")  # <...>


def _merged_stats(chunks: list[dict]) -> dict:
    """VoID figures (VoID §4.6) of the sorted union from those of its chunks, in order.

    :return: ``triples``, ``entities`` (distinct IRI subjects), ``distinct_subjects``,
        ``properties``, ``classes``, ``class_partitions`` (class IRI -> distinct
        subjects typed with it), ``property_partitions`` (property IRI -> triples) and
        ``linksets`` (target namespace -> (the predicate used most to link into it, its
        triples)).
    """
    triples = subjects = entities = 0
    last = None
    predicates: collections.Counter = collections.Counter()
    classes: collections.Counter = collections.Counter()
    links: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for st in chunks:
        triples += st["triples"]
        subjects += st["subjects"]
        entities += st["entities"]
        if st["first"] == last:  # a subject with more triples than a chunk holds, counted twice
            subjects -= 1
            entities -= last.startswith("<")
        last = st["last"]
        predicates.update(st["predicates"])
        classes.update(st["classes"])
        for target, counts in st["links"].items():
            links[target].update(counts)
    linksets = {}
    for target, counter in sorted(links.items()):
        best, n = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        linksets[target] = (best, n)  # the linkset of that predicate (VoID §5.1)
    return {
        "triples": triples, "entities": entities, "distinct_subjects": subjects,
        "properties": len(predicates), "classes": len(classes),
        "class_partitions": dict(classes), "property_partitions": dict(predicates), "linksets": linksets,
    }


def read_turtle_reuse(index: Path | None, dumps: Path | None, prefixes: dict[str, str]) -> TurtleReuse:
    """The chunks of an earlier snapshot's union Turtle (in its ``dumps`` folder), from its
    Turtle ``index`` (written by :meth:`DumpWriter.finish`); empty when there is none, it
    cannot be read, or it was made with other prefixes or another Oxigraph."""
    if index is None or dumps is None:
        return {}
    try:
        table = json.loads(index.read_text(encoding="utf-8"))
        if table.get("key") != _turtle_key(prefixes):
            return {}
        path = dumps / table["file"]
        return {nt: (path, int(at), int(length), ttl, stats) for nt, at, length, ttl, stats in table["chunks"]
                if isinstance(nt, str) and isinstance(ttl, str) and _figures_ok(stats)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _figures_fit(stats: dict, chunk: bytes) -> bool:
    """Whether a chunk's recorded figures agree with the chunk where that is cheap to see:
    its line count and its first and last subjects (the rest of the index is trusted as
    the snapshot it belongs to is; ``clusterkg build --full`` makes everything again)."""
    first = chunk[:chunk.find(b" ")]
    last = chunk[chunk.rfind(b"\n", 0, len(chunk) - 1) + 1:]
    return (stats["triples"] == chunk.count(b"\n") and stats["first"] == first.decode("utf-8")
            and stats["last"] == _subject(last).decode("utf-8"))


def _figures_ok(stats: object) -> bool:
    """Whether ``stats`` has the shape :func:`_chunk_stats` gives (an index read from disk
    is checked, not trusted)."""
    def counts(d: object) -> bool:
        return isinstance(d, dict) and all(isinstance(k, str) and type(v) is int for k, v in d.items())

    return (isinstance(stats, dict) and all(type(stats.get(k)) is int for k in ("triples", "subjects", "entities"))
            and all(isinstance(stats.get(k), str) for k in ("first", "last"))
            and counts(stats.get("predicates")) and counts(stats.get("classes"))
            and isinstance(stats.get("links"), dict) and all(isinstance(t, str) and counts(c)
                                                             for t, c in stats["links"].items()))


def _union_files(nt: Path, ttl: Path, prefixes: dict[str, str], reuse: Reuse, turtle_reuse: TurtleReuse,
                 pool: concurrent.futures.Executor | None) -> tuple[dict, list[list], dict[str, list],
                                                                 dict[str, Digests]]:
    """From the sorted union ``nt``: its ``.gz``, the Turtle file ``ttl`` and its ``.gz``,
    and the VoID figures, in one pass over ``nt`` cut into chunks by subject
    (:func:`_chunks`). A chunk seen in the previous snapshot (``turtle_reuse``) takes its
    Turtle and figures from there (checked by SHA-1); its gzip members come from
    ``reuse``. The Turtle file is the ``@prefix`` header, then each chunk's statements.

    :return: the figures (:func:`_merged_stats`), the Turtle index's chunk entries
        (``[nt sha1, offset, length, Turtle sha1, figures]``), the gzip members of the two
        ``.gz`` files (file name -> ``[[sha1, offset, length], ...]``) and the digests of
        the four files (file name -> (SHA-256, SHA-1)).
    :raises OSError: when a file cannot be read or written.
    :raises SyntaxError: when ``nt`` is not N-Triples.
    """
    header = _turtle_header(prefixes)
    nt_gz = _GzipStream(nt, reuse, pool, plain=False)
    ttl_gz = _GzipStream(ttl, reuse, pool)
    entries: list[list] = []
    figures: list[dict] = []
    sources: dict[Path, Any] = {}
    try:
        for chunk in _chunks(nt, by_subject=True):
            digest = nt_gz.write(chunk, end=True)
            body = stats = None
            if digest in turtle_reuse:
                src, at, length, body_digest, stats = turtle_reuse[digest]
                body = _read_at(sources, src, at, length)
                if body is not None and (hashlib.sha1(body).hexdigest() != body_digest
                                         or not _figures_fit(stats, chunk)):
                    body = None
            if body is None:
                body, stats = _turtle_body(chunk, prefixes, header), _chunk_stats(chunk)
            if not entries:
                ttl_gz.write(header, end=True)
            offset = ttl_gz.written
            entries.append([digest, offset, len(body), ttl_gz.write(body, end=True), stats])
            figures.append(stats)
    except BaseException:
        nt_gz.abort()
        ttl_gz.abort()
        raise
    finally:
        for fh in sources.values():
            fh.close()
    digests = {**nt_gz.close(), **ttl_gz.close()}
    return _merged_stats(figures), entries, {nt_gz.gz.name: nt_gz.members, ttl_gz.gz.name: ttl_gz.members}, digests


def gzip_file(path: Path, level: int = 6) -> Path:
    """Write ``path.gz`` beside ``path`` (see :func:`gzip_members`).

    :return: the ``.gz`` path.
    :raises OSError: when a file cannot be read or written.
    """
    return gzip_members(path, level)[0]


def read_reuse(index: Path | None, dumps: Path | None, digests: dict[str, str] | None = None) -> Reuse:
    """The chunks of an earlier snapshot's ``.gz`` files (in its ``dumps`` folder), from
    its chunk ``index`` (written by :meth:`DumpWriter.finish`); empty when there is none
    or it cannot be read.

    :param digests: file name -> SHA-256 (hex) the earlier snapshot recorded for its files:
        only files that still have it are copied from (a file damaged since is not; the
        compressed files are small, hashing them costs little). None: no such check.
    """
    if index is None or dumps is None:
        return {}
    try:
        table = json.loads(index.read_text(encoding="utf-8"))
        files = {name for name in table if isinstance(name, str)
                 and (digests is None or (isinstance(digests.get(name), str) and _sha256(dumps / name) == digests[name]))}
        return {digest: (dumps / name, at, length)
                for name, members in table.items() if name in files for digest, at, length in members
                if isinstance(digest, str) and type(at) is int and type(length) is int}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def file_digests(path: Path) -> Digests:
    """SHA-256 and SHA-1 (hex) of a file, read once.

    :raises OSError: when the file cannot be read.
    """
    h256, h1 = hashlib.sha256(), hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h256.update(block)
            h1.update(block)
    return h256.hexdigest(), h1.hexdigest()


def _sha256(path: Path) -> str | None:
    try:
        return file_digests(path)[0]
    except OSError:
        return None


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
    :param stats: the VoID figures (:func:`_merged_stats`, plus ``distinct_objects``).
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
    :param reuse: the previous snapshot's gzip members (:func:`read_reuse`): chunks found
        there are copied, not compressed again.
    :param turtle_reuse: the previous snapshot's union Turtle chunks
        (:func:`read_turtle_reuse`): chunks of the union found there are not serialised
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
        # compresses the dataset files' members while the build goes on (zlib runs outside
        # Python's lock)
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="dumps-gzip")
        self._nq = self._jsonld = self._union = self._tmp = None
        self._subsets: dict[str, _Subset] = {}
        self._graphs = 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._tmp = Path(tempfile.mkdtemp(prefix=".dumps-", dir=self.folder))
            self._nq = _GzipStream(self.folder / "clusterkg.nq", self.reuse, self._pool)
            self._jsonld = _GzipStream(self.folder / "clusterkg.jsonld", self.reuse, self._pool)
            self._union = open(self._tmp / "union.nt.unsorted", "wb")
        except OSError as exc:
            self.abort()
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc.strerror})") from None

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
        """Append quads (N-Quads, each in a named graph), e.g. a curated RDF file read by
        :func:`~.rdfio.read_extra`. Blank node labels are kept as given, as the store keeps
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
            ``key``, ``file``, ``chunks``: see :func:`read_turtle_reuse`).
        :return: the files written, with their digests and the VoID figures (:class:`Dumps`).
        :raises StoreError: when a file cannot be written or ``sort`` fails.
        """
        try:
            self._jsonld.write(b"]\n" if self._graphs else b"[]\n", end=True)
            self._union.close()
            for part in self._subsets.values():
                part.close()
            nq, jsonld = self._nq.path, self._jsonld.path
            nt, ttl = self.folder / "clusterkg.nt", self.folder / "clusterkg.ttl"
            stats: dict = {}
            table: dict[str, list] = {}
            digests: dict[str, Digests] = {}
            entries: list[list] = []

            def compress(path: Path) -> Path:
                gz, members, sums = gzip_members(path, reuse=self.reuse)
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
                    figures, chunks, members, sums = _union_files(nt, ttl, self.prefixes, self.reuse,
                                                                  self.turtle_reuse, steps)
                    table.update(members)
                    digests.update(sums)
                    entries.extend(chunks)
                    stats.update(figures, distinct_objects=objects.result())
                    return [nt, nt.with_name(nt.name + ".gz"), ttl, ttl.with_name(ttl.name + ".gz")]

                def subset_files(name: str, part: _Subset) -> list[Path]:
                    sorted_nt = self._tmp / f"{name}.nt"
                    _sort_unique(part.nt_path, sorted_nt, self._tmp)
                    part.nt_path.unlink()
                    sub_ttl, sub_nq = self.folder / f"{name}.ttl", self.folder / f"{name}.nq"
                    _turtle(sorted_nt, sub_ttl, self.prefixes)
                    sorted_nt.unlink()
                    os.replace(part.nq_path, sub_nq)
                    return [sub_ttl, compress(sub_ttl), sub_nq, compress(sub_nq)]

                whole = chains.submit(union_files)
                wanted = {k: v for k, v in self._subsets.items() if subsets is None or k in subsets}
                parts = {name: chains.submit(subset_files, name, part) for name, part in sorted(wanted.items())}
                for stream in (self._nq, self._jsonld):  # the members still being compressed
                    digests.update(stream.close())
                    table[stream.gz.name] = stream.members
                files = {p.name: p for p in [nq, self._nq.gz, jsonld, self._jsonld.gz, *whole.result()]}
                subset_paths = {name: sorted(job.result()) for name, job in parts.items()}
            if index is not None:
                _write_index(index, table, self.reuse, self.folder)
            if turtle_index is not None:
                turtle_index.parent.mkdir(parents=True, exist_ok=True)
                turtle_index.write_text(json.dumps({"key": _turtle_key(self.prefixes), "file": ttl.name,
                                                    "chunks": entries}, separators=(",", ":")), encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the dumps ({exc})") from exc
        except SyntaxError as exc:
            raise StoreError(f"cannot write the dumps: {exc}") from exc
        finally:
            self.abort()
        return Dumps(files, subset_paths, stats, digests)

    def abort(self) -> None:
        """Close and remove the temporary files (the dumps folder goes with its snapshot)."""
        for stream in (self._nq, self._jsonld):
            if stream is not None:
                stream.abort()
        for fh in (self._union, *(f for p in self._subsets.values() for f in (p.nq, p.nt))):
            if fh is not None:
                fh.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._tmp is not None:
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
