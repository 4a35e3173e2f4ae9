"""SHA-256 digests recorded beside the files they vouch for (``FILE.sha256``).

A build starts from some files an earlier build wrote: the site index (SQLite keeps no
checksums, so damage inside a page's data would be carried from build to build) and the
change feed (copied as bytes, not read member by member). It trusts such a file only when
the file still has the digest recorded beside it when it was written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["DIGEST_SUFFIX", "file_sha256", "record_digest", "recorded_digest"]

#: The suffix of the file that holds another file's SHA-256 (hex, one line).
DIGEST_SUFFIX = ".sha256"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file at ``path``.

    :raises OSError: the file cannot be read.
    """
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def record_digest(path: Path, hexdigest: str | None = None) -> None:
    """Record the SHA-256 of the file at ``path`` beside it (write it last, after the file).

    :param hexdigest: the digest, when it was taken as the file was written (else the file
        is read).
    :raises OSError: the file cannot be read or the digest written.
    """
    path.with_name(path.name + DIGEST_SUFFIX).write_text((hexdigest or file_sha256(path)) + "\n",
                                                         encoding="ascii")


def recorded_digest(path: Path) -> str | None:
    """The digest recorded beside the file at ``path`` when it was written, or None."""
    try:
        return path.with_name(path.name + DIGEST_SUFFIX).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
