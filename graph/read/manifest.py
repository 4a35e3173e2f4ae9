"""The manifest: what a profile page's text lacks, one CSV row per file.

Columns (header row required; only ``file`` is mandatory):

============ ==========================================================================
file         file name, relative to the manifest's folder (``ict-net.txt``)
id           profile id, used in the named graph IRI (default: the file name's slug)
cluster      cluster id, used in the cluster IRI (default: ``id``, or the cluster of an
             earlier row with the same ``source_url``); give two profiles of the same
             cluster (e.g. an old and a 2021 page) the same ``cluster``
name         the cluster's name, used when the page text does not hold it
source_url   the page the text was copied from
retrieved    the date it was copied (ISO 8601, ``2026-11-30``)
country      the cluster's country: an English name or ISO code (``Serbia``, ``RS``)
============ ==========================================================================

Files of a folder that the manifest does not list are still read, with defaults, and the
build reports them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from clusterkg.graph.errors import ManifestError
from clusterkg.graph.read import SUFFIXES
from clusterkg.graph.read.names import country_code
from clusterkg.graph.read.names import slugify

__all__ = ["ProfileSource", "read_manifest", "read_manifest_with_notes", "collect_sources", "network_files",
           "MANIFEST_NAME", "NETWORKS_NAME", "PROFILE_SUFFIXES", "COLUMNS"]

MANIFEST_NAME = "manifest.csv"
#: A folder's own network alias table (same format as ``data/networks.csv``).
NETWORKS_NAME = "networks.csv"
#: Suffixes of profile files (those the readers take).
PROFILE_SUFFIXES = SUFFIXES
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Characters RFC 3987 does not allow in an IRI.
_BAD_IRI = re.compile(r'[\s<>"{}|\\^`]')

#: The manifest's columns.
COLUMNS = ("file", "id", "cluster", "name", "source_url", "retrieved", "country")


@dataclass(frozen=True, slots=True)
class ProfileSource:
    """One profile file and what the manifest says of it.

    :param path: the file.
    :param id: profile id (slug), unique within a build.
    :param cluster_id: cluster id (slug); several profiles may share one.
    :param name: the cluster's name from the manifest, or None.
    :param source_url: the page URL, or None.
    :param retrieved: the date the page was copied, or None.
    :param country: EU authority country code (``SRB``), or None.
    :param in_manifest: False when the file had no manifest row (defaults used).
    """

    path: Path
    id: str
    cluster_id: str
    name: str | None = None
    source_url: str | None = None
    retrieved: _dt.date | None = None
    country: str | None = None
    in_manifest: bool = True

    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _slug_id(value: str, where: str, line: int, column: str) -> str:
    value = value.strip()
    if not _ID_RE.match(value):
        raise ManifestError(f"column {column!r}: {value!r} is not a slug (a-z, 0-9, '-')",
                            where, line)
    return value


def read_manifest(path: str | Path) -> dict[str, ProfileSource]:
    """Read a manifest CSV.

    :param path: the manifest file; ``file`` entries are relative to its folder.
    :return: file name -> :class:`ProfileSource`, in file order.
    :raises ManifestError: naming the file and line: missing ``file`` column, a
        duplicated file or id, a bad date, an unknown country, an id that is not a slug.
    """
    return read_manifest_with_notes(path)[0]


def read_manifest_with_notes(path: str | Path) -> tuple[dict[str, ProfileSource], list[str]]:
    """:func:`read_manifest`, plus notes on what was ignored (unknown columns).

    :raises ManifestError: as :func:`read_manifest`.
    """
    path = Path(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    header, notes = _header(reader, path)
    out: dict[str, ProfileSource] = {}
    ids: set[str] = set()
    pages: dict[str, str] = {}  # source URL -> the cluster its first row names
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ManifestError(f"not valid CSV ({exc})", str(path), reader.line_num) from None
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        if len(cells) > len(header):
            raise ManifestError(f"{len(cells)} cells, but the header has {len(header)} columns "
                                "(a quote left open, or a comma inside a value without quotes?)",
                                str(path), line)
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        src = _source(row, path, line)
        if not row.get("cluster") and src.source_url in pages:  # another copy of a page listed before
            src = dataclasses.replace(src, cluster_id=pages[src.source_url])
        if src.source_url:
            pages.setdefault(src.source_url, src.cluster_id)
        if src.path.name in out:
            raise ManifestError(f"file {src.path.name!r} listed twice", str(path), line)
        if src.id in ids:
            raise ManifestError(f"id {src.id!r} used twice", str(path), line)
        ids.add(src.id)
        out[src.path.name] = src
    return out, notes


def _text(path: Path) -> str:
    """The manifest's text (UTF-8, with or without BOM).

    :raises ManifestError: when it cannot be read or is not UTF-8 (naming the line).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest ({exc.strerror})", str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ManifestError("not UTF-8 text; save the manifest as UTF-8 CSV", str(path), line) from None


def _header(reader, path: Path) -> tuple[list[str], list[str]]:
    """The header row's column names (lower case) and notes on unknown columns.

    :raises ManifestError: no header, no ``file`` column, a column given twice.
    """
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ManifestError("the manifest is empty (no header row)", str(path), 1) from None
    except csv.Error as exc:
        raise ManifestError(f"not a CSV file ({exc})", str(path), 1) from None
    if "file" not in header:
        raise ManifestError(f"no 'file' column in the header row (columns: {', '.join(COLUMNS)})", str(path), 1)
    dup = sorted({h for h in header if header.count(h) > 1 and h})
    if dup:
        raise ManifestError(f"column(s) {', '.join(dup)} given twice in the header row", str(path), 1)
    unknown = [h for h in header if h not in COLUMNS]
    notes = [f"{path}:1: column(s) {', '.join(map(repr, unknown))} ignored (known: {', '.join(COLUMNS)})"] \
        if unknown else []
    return header, notes


def _source(row: dict[str, str], path: Path, line: int) -> ProfileSource:
    """The :class:`ProfileSource` of one manifest row.

    :raises ManifestError: naming the column whose value cannot be used.
    """
    where = str(path)
    fname = row.get("file", "")
    if not fname:
        raise ManifestError("empty 'file'", where, line)
    if "/" in fname or "\\" in fname or fname in (".", "..") or Path(fname).suffix not in PROFILE_SUFFIXES:
        raise ManifestError(f"column 'file': {fname!r} must be the name of a "
                            f"{'/'.join(PROFILE_SUFFIXES)} file in the manifest's folder", where, line)
    pid = _slug_id(row["id"], where, line, "id") if row.get("id") else slugify(Path(fname).stem)
    cid = _slug_id(row["cluster"], where, line, "cluster") if row.get("cluster") else pid
    retrieved = _retrieved(row.get("retrieved", ""), where, line)
    country = None
    if row.get("country"):
        country = country_code(row["country"])
        if country is None:
            raise ManifestError(f"column 'country': {row['country']!r} is not a country name or ISO code", where, line)
    url = row.get("source_url") or None
    if url and (not url.startswith(("http://", "https://")) or _BAD_IRI.search(url)):
        raise ManifestError(f"column 'source_url': {url!r} is not an http(s) URL "
                            "(no spaces or <>\"{}|\\^` allowed; percent-encode them)", where, line)
    return ProfileSource(path.parent / fname, pid, cid, row.get("name") or None, url, retrieved, country)


def _retrieved(value: str, where: str, line: int) -> _dt.date | None:
    """The ``retrieved`` column: a date written YYYY-MM-DD, not in the future; None when empty.

    :raises ManifestError: otherwise.
    """
    if not value:
        return None
    try:
        if not _DATE_RE.match(value):
            raise ValueError
        retrieved = _dt.date.fromisoformat(value)
    except ValueError:
        raise ManifestError(f"column 'retrieved': {value!r} is not a date written YYYY-MM-DD", where, line) from None
    if retrieved > _dt.date.today() + _dt.timedelta(days=1):
        raise ManifestError(f"column 'retrieved': {value} is in the future", where, line)
    return retrieved


def _is_file(entry: os.DirEntry) -> bool:
    """Whether a folder entry is a file, following links (as ``Path.is_file``: a link
    that loops or cannot be followed is not one)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def collect_sources(paths: list[str | Path]) -> tuple[list[ProfileSource], list[str]]:
    """Turn command-line paths (files and folders) into profile sources.

    A folder contributes every ``*.txt`` file in it (not recursive) and its
    ``manifest.csv`` if present; a file contributes itself, with the row of the
    ``manifest.csv`` beside it if there is one.

    :return: ``(sources sorted by id, notes)``; notes name files without manifest rows.
    :raises ManifestError: a bad manifest, a path that does not exist, or two files with
        the same id.
    """
    sources: dict[Path, ProfileSource] = {}
    notes: list[str] = []
    manifests: dict[Path, dict[str, ProfileSource]] = {}

    def manifest_for(folder: Path) -> dict[str, ProfileSource]:
        if folder not in manifests:
            m = folder / MANIFEST_NAME
            if m.is_file():
                manifests[folder], more = read_manifest_with_notes(m)
                notes.extend(more)
            else:
                manifests[folder] = {}
        return manifests[folder]

    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            # one listing; scandir's entries know their type without a stat per file
            with os.scandir(p) as listing:
                entries = {e.name: _is_file(e) for e in listing}
            files.extend(sorted(p / name for name, is_file in entries.items()
                                if is_file and os.path.splitext(name)[1] in PROFILE_SUFFIXES))
            for fname, src in manifest_for(p).items():
                seen = src.path.parent == p and entries.get(src.path.name, False)  # a file, not a dangling link
                if not seen and not src.path.exists():
                    raise ManifestError(f"lists {fname!r}, which does not exist", str(p / MANIFEST_NAME))
        elif p.is_file():
            files.append(p)
        else:
            raise ManifestError("no such file or folder", str(p))
    for f in files:
        m = manifest_for(f.parent)
        listed = m.get(f.name)
        if listed is None:
            pid = slugify(f.stem)
            src = ProfileSource(f, pid, pid, in_manifest=False)
            notes.append(f"{f}: not in a manifest; id {pid!r}, no source URL, country or retrieval date")
        else:
            src = listed
        sources[Path(os.path.abspath(f))] = src  # the same file named twice counts once
    by_id: dict[str, ProfileSource] = {}
    for src in sources.values():
        if src.id in by_id:
            raise ManifestError(f"two files have profile id {src.id!r}: {by_id[src.id].path} "
                                f"and {src.path}", str(src.path))
        by_id[src.id] = src
    return [by_id[k] for k in sorted(by_id)], notes


def network_files(paths: list[str | Path]) -> list[Path]:
    """The ``networks.csv`` alias tables found in the given folders (or beside the files)."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        folder = p if p.is_dir() else p.parent
        f = folder / NETWORKS_NAME
        if f.is_file() and f not in found:
            found.append(f)
    return found
