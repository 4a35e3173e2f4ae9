"""Readers of cluster profile page text; the layout is detected from the text itself.

Layouts known (one module each):

========== ============================== =======================================
layout     module                         landmarks
========== ============================== =======================================
eccp-2016  :mod:`.eccp_printer`           "Printer-friendly version", ``Label:`` lines
eccp-2019  :mod:`.eccp_printer`           + breadcrumb, title, S3 areas, "Other Label"
eccp-2021  :mod:`.eccp_2021`              "NN% completed", "About us", "Established - "
========== ============================== =======================================

Readers never import rdflib: they fill a neutral :class:`~clusterkg.graph.profile.Profile`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ProfileReadError
from ..profile import Profile, ReadIssue
from .eccp_2021 import looks_like_2021, read_2021
from .eccp_printer import LABELS_OLD, detect_variant, read_printer
from .labels import norm_label
from .lines import split_lines

__all__ = ["read_profile", "read_profile_file", "decode", "LAYOUTS", "MAX_BYTES"]

LAYOUTS = ("eccp-2016", "eccp-2019", "eccp-2021")

#: Profiles larger than this (bytes) are refused: a real profile page is a few kB.
MAX_BYTES = 5 * 1024 * 1024


def decode(data: bytes, source: str) -> tuple[str, list[ReadIssue]]:
    """Decode a profile file's bytes: UTF-8 (with or without BOM), else Windows-1252.

    :param data: the file's bytes.
    :param source: file name, for messages.
    :return: ``(text, issues)``; issues say when a fallback encoding was used.
    :raises ProfileReadError: empty file, a file over :data:`MAX_BYTES`, or binary data
        (NUL bytes, or text that no encoding reads).
    """
    if not data.strip():
        raise ProfileReadError("the file is empty", source)
    if len(data) > MAX_BYTES:
        raise ProfileReadError(f"the file has {len(data):,} bytes; a profile page is at most "
                               f"{MAX_BYTES:,}", source)
    if b"\x00" in data:
        nul = data.index(b"\x00")
        line = data.count(b"\n", 0, nul) + 1
        raise ProfileReadError("binary data (NUL byte), not a text profile", source, line)
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ProfileReadError(f"not UTF-8 text ({exc.reason})", source, line) from None
        return text, [ReadIssue("encoding", source, line,
                                "not valid UTF-8; decoded as Windows-1252")]


def read_profile(text: str, source: str = "<text>") -> Profile:
    """Read one profile page's text, detecting its layout.

    :param text: the whole page text.
    :param source: where it came from (file path or URL), used in every message.
    :return: a :class:`Profile` with values, line numbers and ``issues``.
    :raises ProfileReadError: when the text has no known layout (or no text at all).

    >>> p = read_profile("Printer-friendly version\\nGeneral Information\\n"
    ...                  "Cluster Excellence Label:\\nBronze Label\\n", "x.txt")
    >>> p.layout, [v.text for v in p.values("excellence_label")]
    ('eccp-2016', ['Bronze Label'])
    """
    lines = split_lines(text)
    if not any(not ln.blank for ln in lines):
        raise ProfileReadError("the file holds no text", source)
    if looks_like_2021(lines):
        return read_2021(lines, source)
    known = sum(1 for ln in lines if norm_label(ln.text.partition(":")[0]) in LABELS_OLD)
    printer = any(norm_label(ln.text).startswith(("printer-friendly version", "home > cluster organisations >"))
                  for ln in lines)
    if printer or known >= 2:
        return read_printer(lines, source, detect_variant(lines))
    first = next(ln for ln in lines if not ln.blank)
    raise ProfileReadError("not an ECCP cluster profile: none of the known layouts "
                           f"({', '.join(LAYOUTS)}) matches", source, first.number)


def read_profile_file(path: str | Path) -> Profile:
    """Read a profile file (see :func:`read_profile`); decoding as in :func:`decode`.

    :raises ProfileReadError: unreadable, empty, binary or of no known layout.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileReadError(f"cannot read the file ({exc.strerror})", str(path)) from None
    text, issues = decode(data, str(path))
    profile = read_profile(text, str(path))
    profile.issues[:0] = issues
    return profile
