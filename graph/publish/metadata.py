"""The publish step of a build: dumps, DCAT-AP catalogue, VoID and state, into the new snapshot.

A build opens a :class:`~.dumps.DumpWriter` with :func:`open_dumps` (which reads what the
previous snapshot recorded, so unchanged chunks and files are copied, not made again),
feeds it every graph it loads, then calls :func:`write_metadata` once: it finishes the
dumps (whole and per country), and writes the catalogue in each application profile, the
VoID description, the dump digests and the profiles' states into the snapshot's
``meta/`` folder, before the snapshot is published.

Files in ``meta/`` (read back by the next build and by the service): ``catalog-{profile}.ttl``,
``void.ttl``, :data:`DIGESTS`, :data:`CHUNK_INDEX`, :data:`TURTLE_INDEX`, ``state.json`` and
``feed.jsonl`` (:mod:`.feed`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from clusterkg.graph.map.facts import first_founded
from clusterkg.graph.map.vocab import PREFIXES, Uris
from clusterkg.graph.publish.catalog import PROFILES, DatasetFacts, DumpFile, Publishing, describe_catalog
from clusterkg.graph import formats
from clusterkg.graph.publish.dumps import DUMP_STEM, DumpWriter, Dumps, dump_name
from clusterkg.graph.publish.gzipped import file_digests, read_reuse
from clusterkg.graph.publish.feed import FeedState
from clusterkg.graph.publish.graphs import turtle
from clusterkg.graph.publish.turtle import read_turtle_reuse
from clusterkg.graph.publish.void import describe_void
from clusterkg.graph.read.names import country_name

__all__ = ["PublishedProfile", "open_dumps", "write_metadata", "read_dump_digests", "subset_name", "CHUNK_INDEX",
           "TURTLE_INDEX", "DIGESTS", "VOID_FILE", "catalog_file"]

#: The chunk index of a snapshot's ``.gz`` dumps, in its ``meta/`` (see :mod:`.gzipped`).
CHUNK_INDEX = "gz-chunks.json"
#: The chunk index of a snapshot's union Turtle, with each chunk's VoID figures.
TURTLE_INDEX = "ttl-chunks.json"
#: The digests, sizes and times of a snapshot's dump files, in its ``meta/``.
DIGESTS = "dump-digests.json"
#: The VoID description, in a snapshot's ``meta/``.
VOID_FILE = "void.ttl"


def catalog_file(profile: str) -> str:
    """The file of the catalogue in an application profile (:data:`~.catalog.PROFILES`),
    in a snapshot's ``meta/``: ``catalog-dcat-ap-3.0.ttl``."""
    return f"catalog-{profile}.ttl"

_KEYWORDS = ["cluster organisations", "industrial clusters", "innovation clusters", "linked data",
             "European Cluster Collaboration Platform"]


@dataclass(frozen=True)
class PublishedProfile:
    """What the catalogue needs of one published profile.

    :param id: the profile id.
    :param cluster: the cluster's IRI.
    :param country: EU country code, or None.
    :param content_hash: the hash of its graph (:func:`~clusterkg.graph.map.canonical.content_hash`).
    :param founded: the earliest founding date (``YYYY-MM-DD``), or None.
    :param kind: its kind of source (``profile``, ``label-register``, ...); ``cluster`` is
        a cluster's IRI for a profile or republication, else the graph's primary topic.
    """

    id: str
    cluster: str
    country: str | None
    content_hash: str
    founded: str | None
    kind: str = "profile"


def subset_name(country: str) -> str:
    """The base name of a country's dump files (``clusterkg-srb``)."""
    return f"{DUMP_STEM}-{country.lower()}"


def _sealed(files: dict[str, list]) -> str:
    """The record of the dump digests as written: the entries and the SHA-256 of their
    canonical JSON, so a record damaged since (a changed digest) is not trusted."""
    body = json.dumps(files, sort_keys=True)
    return json.dumps({"files": files, "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}, sort_keys=True)


def read_dump_digests(meta: Path) -> dict[str, list]:
    """The dump digests a snapshot recorded in its ``meta/`` folder: file name ->
    ``[sha256, sha1, size, mtime_ns, inode]``; empty when there is no record.

    :raises ValueError: for a record that cannot be read or does not match its seal.
    """
    path = meta / DIGESTS
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        files = record["files"]
        seal = hashlib.sha256(json.dumps(files, sort_keys=True).encode("utf-8")).hexdigest()
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{path}: damaged ({exc})") from None
    if record.get("sha256") != seal or not isinstance(files, dict):
        raise ValueError(f"{path}: damaged (the digests do not match their seal)")
    return files


def _known_digests(previous: Path | None, notes: list[str] | None = None) -> dict[str, list]:
    """The dump digests an earlier snapshot recorded (see :func:`_dump_file`); empty when
    there are none, or they cannot be trusted (then the files are hashed again, and a line
    in ``notes`` says so)."""
    try:
        return read_dump_digests(previous / "meta") if previous is not None else {}
    except ValueError as exc:
        if notes is not None:
            notes.append(f"{exc}; the dumps' checksums are computed again")
        return {}


def open_dumps(dumps_dir: Path, previous: Path | None,
               notes: list[str] | None = None) -> tuple[DumpWriter, dict[str, list]]:
    """A :class:`DumpWriter` for a new snapshot's ``dumps/`` folder, with what the previous
    snapshot (its folder, or None) holds to copy what did not change; ``notes`` gets a
    line for a record of the previous snapshot that cannot be trusted.

    :return: the writer, and the previous snapshot's recorded dump digests (for
        :func:`write_metadata`).
    :raises StoreError: when the folder cannot be written or ``sort`` is missing.
    """
    known = _known_digests(previous, notes)
    reuse = turtle_reuse = None
    if previous is not None:
        recorded = {name: d[0] for name, d in known.items() if isinstance(d, list) and d}
        reuse = read_reuse(previous / "meta" / CHUNK_INDEX, previous / "dumps", recorded)
        turtle_reuse = read_turtle_reuse(previous / "meta" / TURTLE_INDEX, previous / "dumps", PREFIXES)
    return DumpWriter(dumps_dir, PREFIXES, reuse=reuse, turtle_reuse=turtle_reuse), known


def _dump_file(path: Path, digests: tuple[str, str] | None, known: dict[str, list]) -> DumpFile:
    """The catalogue's facts of one dump file; ``digests`` (SHA-256, SHA-1) when the dump
    writer took them already, else those the previous snapshot recorded in ``known``
    (name -> ``[sha256, sha1, size, mtime_ns, inode]``) for the same file (a dump
    hard-linked from there: same inode, size and time), else the file is read. The file's
    entry in ``known`` is set to what is returned."""
    gz = path.name.endswith(".gz")
    inner = Path(path.name[:-3]) if gz else Path(path.name)
    st = path.stat()
    stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
    before = known.get(path.name)
    if (digests is None and isinstance(before, list) and len(before) == 5 and before[2:] == stamp
            and all(isinstance(d, str) for d in before[:2])):
        digests = before[0], before[1]
    sha256, sha1 = digests or file_digests(path)
    known[path.name] = [sha256, sha1, *stamp]
    return DumpFile(path.name, st.st_size, sha256, inner.suffix, gz, sha1)


def _finish_dumps(dumps: DumpWriter, by_country: dict[str, list[PublishedProfile]], prev: FeedState,
                  reuse_dumps: Callable[[list[str]], list[Path] | None],
                  meta: Path) -> tuple[Dumps, dict[str, list[Path]]]:
    """Finish the dumps; a country's files are hard-linked from the previous snapshot
    (``reuse_dumps``) when it has the same profiles, with the same content, as then.

    :return: what the dump writer wrote, and country -> reused paths.
    """
    reused: dict[str, list[Path]] = {}
    for code in sorted(by_country):
        before = {pid: p.hash for pid, p in prev.profiles.items() if p.country == code}
        if before == {p.id: p.content_hash for p in by_country[code]}:
            names = [dump_name(fmt, subset_name(code)) for fmt in (formats.TURTLE, formats.N_QUADS)]
            paths = reuse_dumps([n + gz for n in names for gz in ("", ".gz")])
            if paths is not None:
                reused[code] = paths
    done = dumps.finish({subset_name(c) for c in by_country if c not in reused}, index=meta / CHUNK_INDEX,
                        turtle_index=meta / TURTLE_INDEX)
    return done, reused


def write_metadata(dumps: DumpWriter, known: dict[str, list], profiles: list[PublishedProfile],
                   state: FeedState, prev: FeedState, *, meta: Path, uris: Uris, publishing: Publishing,
                   started: _dt.datetime, reuse_dumps: Callable[[list[str]], list[Path] | None]) -> None:
    """Finish the dumps and write the catalogue, VoID, the dump digests and the state.

    :param dumps: the writer every graph of the snapshot went through.
    :param known: the previous snapshot's dump digests (from :func:`open_dumps`).
    :param profiles: the published profiles.
    :param state: the profiles' states as of this build (written as ``state.json``).
    :param prev: the previous build's state (decides which country dumps are reused).
    :param meta: the new snapshot's ``meta/`` folder.
    :param uris: the base URI's minter.
    :param publishing: publisher, contact and licence for the catalogue.
    :param started: the build's start (UTC): the catalogue's modification time.
    :param reuse_dumps: links files of the previous snapshot's dumps into the new one
        (:meth:`~clusterkg.graph.store.StoreWriter.reuse_dumps`).
    :raises StoreError: when a file cannot be written.
    """
    by_country: dict[str, list[PublishedProfile]] = {}
    for p in profiles:
        if p.country:
            by_country.setdefault(p.country, []).append(p)
    meta.mkdir(parents=True, exist_ok=True)
    done, reused = _finish_dumps(dumps, by_country, prev, reuse_dumps, meta)
    all_dumps = [_dump_file(p, done.digests.get(p.name), known) for _name, p in sorted(done.files.items())]

    def facts(key: str, members: list[PublishedProfile], country: str | None, files: list[DumpFile]) -> DatasetFacts:
        states = [state.profiles[p.id] for p in members]
        name = country_name(country) if country else None
        return DatasetFacts(
            key=key, country=country, country_name=name, profiles=sum(p.kind == "profile" for p in members),
            clusters=len({p.cluster for p in members if p.kind in ("profile", "republication")}),
            other_sources=sum(p.kind != "profile" for p in members),
            first_founded=first_founded([p.founded for p in members]),
            issued=state.issued.setdefault(key, min(s.issued for s in states)),
            modified=max(s.modified for s in states), keywords=_KEYWORDS + ([name] if name else []), dumps=files)

    datasets = [facts("all", profiles, None, all_dumps)]
    for code in sorted(by_country):
        paths = reused.get(code) or done.subsets[subset_name(code)]
        datasets.append(facts(code.lower(), by_country[code], code,
                              [_dump_file(p, done.digests.get(p.name), known) for p in sorted(paths)]))
    catalog_issued = state.issued.setdefault("catalog", started.isoformat())
    activity = uris.build(started.strftime("%Y%m%dT%H%M%SZ"))
    for profile in PROFILES:
        catalog = describe_catalog(uris, publishing, datasets, started, catalog_issued, profile, activity)
        (meta / catalog_file(profile)).write_bytes(turtle(catalog))
    (meta / VOID_FILE).write_bytes(turtle(describe_void(uris, done.stats, all_dumps, started)))
    (meta / DIGESTS).write_text(_sealed({f.name: known[f.name] for ds in datasets for f in ds.dumps}),
                                encoding="utf-8")
    state.save_state(meta)
