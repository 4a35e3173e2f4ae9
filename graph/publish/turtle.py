"""The union of the named graphs as Turtle, chunk by chunk, with reuse across builds.

From the sorted union (canonical N-Triples, ``sort -u``), :func:`union_files` writes its
``.gz``, the Turtle file and its ``.gz``, and the VoID figures, in one pass cut into chunks
by subject (:func:`~.chunking.chunks`). The Turtle file is the ``@prefix`` header, then each
chunk's statements (a subject's triples grouped with ``;``). A chunk the previous snapshot
had takes its Turtle and figures from there (:func:`read_turtle_reuse`, checked by SHA-1);
only the chunks that changed are serialised and counted. :func:`turtle_file` writes a
whole (small) file at once, for the per-country dumps.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from clusterkg.graph.publish.chunking import chunks, read_at
from clusterkg.graph.publish.gzipped import Digests, GzipStream, Reuse
from clusterkg.graph.publish.void import LINK_TARGETS, chunk_stats, figures_fit, figures_ok, merged_stats

__all__ = ["TurtleReuse", "turtle_key", "read_turtle_reuse", "union_files", "turtle_file"]


#: A chunk of the sorted union's reuse entry: the SHA-1 of its N-Triples -> (a previous
#: ``clusterkg.ttl``, offset and length of the chunk's Turtle in it, that Turtle's SHA-1,
#: the chunk's VoID figures).
TurtleReuse = dict[str, tuple[Path, int, int, str, dict]]


def turtle_key(prefixes: dict[str, str]) -> str:
    """What a chunk's Turtle and figures depend on besides its triples."""
    return hashlib.sha1(json.dumps([sorted(prefixes.items()), ox.__version__, LINK_TARGETS, 1]).encode()).hexdigest()


def _turtle_header(prefixes: dict[str, str]) -> bytes:
    """The ``@prefix`` lines Oxigraph's Turtle serialiser starts a document with."""
    if not prefixes:
        return b""
    node = ox.NamedNode("urn:x:x")
    out = ox.serialize([ox.Triple(node, node, node)], format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    return b"".join(line for line in out.splitlines(keepends=True) if line.startswith(b"@prefix"))


def _turtle_body(chunk: bytes, prefixes: dict[str, str], header: bytes) -> bytes:
    """Sorted N-Triples ``chunk`` as Turtle statements (triples of a subject grouped with
    ``;``), without the ``header``."""
    out = ox.serialize(ox.parse(chunk, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                       prefixes=prefixes or None) or b""
    return out[len(header):] if header and out.startswith(header) else out


def read_turtle_reuse(index: Path | None, dumps: Path | None, prefixes: dict[str, str]) -> TurtleReuse:
    """The chunks of an earlier snapshot's union Turtle (in its ``dumps`` folder), from its
    Turtle ``index`` (written by :meth:`~.dumps.DumpWriter.finish`); empty when there is none, it
    cannot be read, or it was made with other prefixes or another Oxigraph."""
    if index is None or dumps is None:
        return {}
    try:
        table = json.loads(index.read_text(encoding="utf-8"))
        if table.get("key") != turtle_key(prefixes):
            return {}
        path = dumps / table["file"]
        return {nt: (path, int(at), int(length), ttl, stats) for nt, at, length, ttl, stats in table["chunks"]
                if isinstance(nt, str) and isinstance(ttl, str) and figures_ok(stats)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def union_files(nt: Path, ttl: Path, prefixes: dict[str, str], reuse: Reuse,
                turtle_reuse: TurtleReuse) -> tuple[dict, list[list], dict[str, list], dict[str, Digests]]:
    """From the sorted union ``nt``: its ``.gz``, the Turtle file ``ttl`` and its ``.gz``,
    and the VoID figures, in one pass over ``nt`` cut into chunks by subject
    (:func:`~.chunking.chunks`). A chunk seen in the previous snapshot (``turtle_reuse``) takes its
    Turtle and figures from there (checked by SHA-1); its gzip members come from
    ``reuse``. The Turtle file is the ``@prefix`` header, then each chunk's statements.

    :return: the figures (:func:`~.void.merged_stats`), the Turtle index's chunk entries
        (``[nt sha1, offset, length, Turtle sha1, figures]``), the gzip members of the two
        ``.gz`` files (file name -> ``[[sha1, offset, length], ...]``) and the digests of
        the four files (file name -> (SHA-256, SHA-1)).
    :raises OSError: when a file cannot be read or written.
    :raises SyntaxError: when ``nt`` is not N-Triples.
    """
    header = _turtle_header(prefixes)
    nt_gz = GzipStream(nt, reuse, plain=False)
    ttl_gz = GzipStream(ttl, reuse)
    entries: list[list] = []
    figures: list[dict] = []
    sources: dict[Path, Any] = {}
    try:
        for chunk in chunks(nt, by_subject=True):
            digest = nt_gz.write(chunk, end=True)
            body: bytes | None = None
            stats: dict = {}
            if digest in turtle_reuse:
                src, at, length, body_digest, stats = turtle_reuse[digest]
                body = read_at(sources, src, at, length)
                if body is not None and (hashlib.sha1(body).hexdigest() != body_digest
                                         or not figures_fit(stats, chunk)):
                    body = None
            if body is None:
                body, stats = _turtle_body(chunk, prefixes, header), chunk_stats(chunk)
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
    try:
        nt_sums = nt_gz.close()
    except BaseException:
        ttl_gz.abort()
        raise
    digests = {**nt_sums, **ttl_gz.close()}
    return merged_stats(figures), entries, {nt_gz.gz.name: nt_gz.members, ttl_gz.gz.name: ttl_gz.members}, digests


def turtle_file(nt: Path, ttl: Path, prefixes: dict[str, str]) -> None:
    """Turtle from sorted N-Triples (triples of a subject are adjacent, so the serialiser
    groups them with ``;``)."""
    ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), str(ttl), format=ox.RdfFormat.TURTLE,
                 prefixes=prefixes or None)
