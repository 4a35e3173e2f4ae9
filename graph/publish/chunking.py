"""Content-defined chunks of a file, so a rebuild redoes only the parts that changed.

A file is cut at line ends chosen by content (:func:`chunks`): a line ends a chunk when
its CRC-32 (as a fraction of 2**32) is below its share of :data:`CHUNK_BYTES`, so chunks
average that size whatever the line length, and an edit moves no boundary but those of its
own chunk. The dumps (:mod:`.dumps`) compress, serialise and count per chunk, and copy
what an earlier snapshot made of a chunk it already had.
"""

from __future__ import annotations

import bisect
import itertools
import zlib
from pathlib import Path
from typing import Any, Iterator

__all__ = ["CHUNK_BYTES", "chunks", "read_at", "subject_of"]


#: Average uncompressed size of a gzip member (see :func:`~.gzipped.gzip_members`); members are at most
#: eight times that.
CHUNK_BYTES = 1 << 20

#: Bytes read at a time when a file is cut into chunks.
_READ = 1 << 22


def subject_of(line: bytes) -> bytes:
    """The subject of an N-Triples line (its first term)."""
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
        subject = subject_of(lines[i])
        while i + 1 < len(lines) and subject_of(lines[i + 1]) == subject:
            i += 1
        if i + 1 == len(lines) and following is not None and subject_of(following) == subject:
            return ends, True  # its subject goes on in the next block
        ends.append(i)
    return ends, False


def chunks(path: Path, by_subject: bool = False) -> Iterator[bytes]:
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


def read_at(files: dict[Path, Any], path: Path, at: int, length: int) -> bytes | None:
    """``length`` bytes of an earlier file at offset ``at`` (``files`` keeps the files
    opened so far), or None when they cannot all be read."""
    try:
        fh = files.get(path) or files.setdefault(path, open(path, "rb"))
        fh.seek(at)
        data = fh.read(length)
    except OSError:
        return None
    return data if len(data) == length else None
