"""Gzip files made of content-defined members, so a rebuild recompresses only what changed.

A ``.gz`` dump is a series of gzip members (RFC 1952 §2.2: any gzip reader reads them as
one stream), one per content-defined chunk (:mod:`.chunking`). A snapshot records each
member's chunk digest, offset and length in its chunk index; the next build copies the
member of a chunk it still has instead of compressing it again (:func:`read_reuse`), after
checking the member's trailer against the chunk (:func:`_member`). No timestamp or name is
written in the member headers: equal content, equal bytes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gzip
import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from clusterkg.graph.publish import chunking
from clusterkg.graph.publish.chunking import chunks, read_at

__all__ = ["Reuse", "Digests", "GzipStream", "gzip_members", "gzip_file", "read_reuse", "file_digests"]


#: A chunk's reuse entry: its SHA-1 -> (a previous ``.gz`` file, offset, length of the member).
Reuse = dict[str, tuple[Path, int, int]]

#: A file's (SHA-256, SHA-1), hex.
Digests = tuple[str, str]

#: Chunks handed to a stream's writer thread and not yet written, at most (bounds the
#: memory held: each is at most eight times :data:`~.chunking.CHUNK_BYTES`).
_AHEAD = 4


class GzipStream:
    """A file written a piece at a time, and its ``.gz`` beside it as a series of gzip
    members (RFC 1952 §2.2: any gzip reader reads them as one stream), one per
    content-defined chunk. A chunk whose SHA-1 is in ``reuse`` is copied, compressed, from
    an earlier file; the others are compressed. No timestamp or name in the member
    headers: equal content, equal bytes. SHA-256 and SHA-1 of both files are taken as they
    pass.

    The caller's thread only gathers pieces into chunks. Each chunk then goes to the
    stream's own writer thread, which in chunk order hashes it, copies or compresses its
    member, and writes and hashes both files (hashlib, zlib and file writes run outside
    Python's lock): a rebuild, whose members are mostly copied, hashes and writes on
    another core than the one reading the graphs.

    :param path: the file; its ``.gz`` is ``path`` + ``.gz``.
    :param plain: write ``path`` too (False: it exists already, only its ``.gz`` is made).
    :raises OSError: when a file cannot be opened.
    """

    def __init__(self, path: Path, reuse: Reuse | None = None, level: int = 6, plain: bool = True):
        self.path, self.gz = path, path.with_name(path.name + ".gz")
        self._reuse, self._level = reuse or {}, level
        self._sources: dict[Path, Any] = {}
        self._plain = open(path, "wb") if plain else None
        try:
            self._out = open(self.gz, "wb")
        except OSError:
            if self._plain is not None:
                self._plain.close()
            raise
        self._hashes = {name: (hashlib.sha256(), hashlib.sha1()) for name in (path.name, self.gz.name)}
        self._buf: list[bytes] = []
        self._size = 0
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="dumps-gzip")
        self._queue: collections.deque[concurrent.futures.Future] = collections.deque()
        self._error: BaseException | None = None  # the writer thread's first failure
        self.members: list[list] = []  # [sha1 of the chunk, offset, length] of each member
        self.written = 0  # bytes of the plain file so far
        self._offset = 0

    def write(self, piece: bytes, end: bool | None = None) -> str | None:
        """Append ``piece`` (whole lines). ``end``: whether a member ends after it; None:
        when the piece's CRC-32 (as a fraction of 2**32) is below its share of
        :data:`~.chunking.CHUNK_BYTES`, or the member reached eight times that.

        :return: with ``end=True``, the SHA-1 (hex) of the chunk ended here (None when
            nothing was pending); else None.
        :raises OSError: when an earlier chunk could not be written (then again at every
            later call).
        """
        if self._error is not None:
            raise self._error
        if not piece:
            return self._cut(True) if end else None
        self._buf.append(piece)
        self._size += len(piece)
        self.written += len(piece)
        if end:
            return self._cut(True)
        if end is None and (zlib.crc32(piece) * chunking.CHUNK_BYTES < len(piece) << 32
                            or self._size >= 8 * chunking.CHUNK_BYTES):
            self._cut(False)
        return None

    def _cut(self, digest_here: bool) -> str | None:
        """End the pending chunk and hand it to the writer thread (its SHA-1 taken here
        when the caller wants it)."""
        if not self._buf:
            return None
        chunk = b"".join(self._buf) if len(self._buf) > 1 else self._buf[0]
        self._buf, self._size = [], 0
        digest = hashlib.sha1(chunk).hexdigest() if digest_here else None
        self._queue.append(self._thread.submit(self._emit, chunk, digest))
        while len(self._queue) > _AHEAD:
            self._queue.popleft().result()
        return digest

    def _emit(self, chunk: bytes, digest: str | None) -> None:
        """In the writer thread, chunks in order: the chunk's member (copied or compressed),
        both files written and hashed. After a failure nothing more is written: the error
        stays, raised by every later :meth:`write` and by :meth:`close`."""
        if self._error is not None:
            raise self._error
        try:
            self._emit_chunk(chunk, digest)
        except BaseException as exc:
            self._error = exc
            raise

    def _emit_chunk(self, chunk: bytes, digest: str | None) -> None:
        digest = digest or hashlib.sha1(chunk).hexdigest()
        member = _member(chunk, self._reused(digest), self._level)
        if self._plain is not None:
            self._plain.write(chunk)
        for h in self._hashes[self.path.name]:
            h.update(chunk)
        self._out.write(member)
        for h in self._hashes[self.gz.name]:
            h.update(member)
        self.members.append([digest, self._offset, len(member)])
        self._offset += len(member)

    def _reused(self, digest: str) -> bytes | None:
        if digest not in self._reuse:
            return None
        src, at, length = self._reuse[digest]
        return read_at(self._sources, src, at, length)

    def close(self) -> dict[str, Digests]:
        """End the last member, write what is pending, close the files.

        :return: the digests of both files (file name -> (SHA-256, SHA-1)).
        :raises OSError: when a file cannot be written.
        """
        try:
            self._cut(False)
            while self._queue:
                self._queue.popleft().result()
            if self._error is not None:  # raised to a write() already, and caught there
                raise self._error
        finally:
            self.abort()
        return {name: (h256.hexdigest(), h1.hexdigest()) for name, (h256, h1) in self._hashes.items()}

    def abort(self) -> None:
        """Stop the writer thread and close the files (what is pending is dropped)."""
        self._thread.shutdown(wait=True, cancel_futures=True)
        for fh in (self._plain, self._out, *self._sources.values()):
            if fh is not None:
                fh.close()


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
    about :data:`~.chunking.CHUNK_BYTES` (:func:`~.chunking.chunks`), so a rebuild recompresses only the chunks
    that changed (see :class:`GzipStream`: chunks found in ``reuse`` are copied).

    :param level: zlib level (6: about twice as fast as 9 for 3% more bytes).
    :return: the ``.gz`` path, ``[sha1, offset, length]`` of each member in it, and the
        digests of both files (file name -> (SHA-256, SHA-1)), taken as they pass.
    :raises OSError: when a file cannot be read or written.
    """
    stream = GzipStream(path, reuse, level=level, plain=False)
    try:
        for chunk in chunks(path):
            stream.write(chunk, end=True)
    except BaseException:
        stream.abort()
        raise
    return stream.gz, stream.members, stream.close()


def gzip_file(path: Path, level: int = 6) -> Path:
    """Write ``path.gz`` beside ``path`` (see :func:`gzip_members`).

    :return: the ``.gz`` path.
    :raises OSError: when a file cannot be read or written.
    """
    return gzip_members(path, level)[0]


def read_reuse(index: Path | None, dumps: Path | None, digests: dict[str, str] | None = None) -> Reuse:
    """The chunks of an earlier snapshot's ``.gz`` files (in its ``dumps`` folder), from
    its chunk ``index`` (written by :meth:`~.dumps.DumpWriter.finish`); empty when there is none
    or it cannot be read.

    :param digests: file name -> SHA-256 (hex) the earlier snapshot recorded for its files:
        only files that still have it are copied from (a file damaged since is not; the
        compressed files are small, hashing them costs little). None: no such check.
    """
    if index is None or dumps is None:
        return {}
    try:
        table = json.loads(index.read_text(encoding="utf-8"))
        files = {name for name in table if isinstance(name, str) and (
            digests is None or (isinstance(digests.get(name), str) and _sha256(dumps / name) == digests[name]))}
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
