"""Profile versions across builds: what changed, and the change feed (LDES) members.

Each build computes a content hash per published profile (SHA-256 of the profile graph's
sorted N-Triples: no blank nodes, so equal content gives equal hashes). Against the
previous snapshot's state it decides which profiles are new or changed; each of those
gets one feed member, a *version object* of the cluster (Linked Data Event Streams,
https://w3id.org/ldes/specification, §"Version materialisation" via ``dct:isVersionOf``),
holding the cluster's own triples from that profile under a version IRI. A build that
changes nothing adds no member.

A profile that is gone (its file removed, or now rejected) gets a *tombstone* member, an
Activity Streams ``as:Delete`` of its named graph (and of its cluster when no other profile
describes it), and its earlier members are dropped from the feed: nothing it said is served
any more.

State files (JSON, in the generation's ``meta/`` folder, carried to the next build):
``state.json`` (profile id -> hash, modified time, cluster, country) and ``feed.jsonl``
(one member per line: profile, version IRI, time, N-Triples).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from clusterkg.graph.map.vocab import AS, DCTERMS, RDF, XSD
from clusterkg.graph.publish.digests import record_digest, recorded_digest

#: The files of the feed and the states in a snapshot's ``meta/`` folder.
FEED_FILE = "feed.jsonl"
STATE_FILE = "state.json"

__all__ = ["FEED_FILE", "STATE_FILE", "ProfileState", "FeedMember", "FeedState", "FeedLog",
           "load_state", "read_member",
           "version_ntriples",
           "tombstone_ntriples"]


@dataclass
class ProfileState:
    """One source file's graph as of a build: content ``hash``, ``modified`` (ISO 8601 UTC,
    when its content last changed), ``issued`` (first published), ``cluster`` IRI (its
    primary topic), ``country`` code, and its named ``graph`` (empty in the state of an
    earlier version: ``graph/profile/{id}``)."""

    hash: str
    modified: str
    issued: str
    cluster: str
    country: str | None = None
    graph: str = ""


@dataclass
class FeedMember:
    """A version of a cluster, as one profile described it at ``time`` (ISO 8601 UTC)."""

    profile: str
    version: str
    cluster: str
    time: str
    nt: str


@dataclass
class FeedState:
    """Profiles' states as of a build (the feed's members are in ``feed.jsonl``, written
    by :class:`FeedLog`)."""

    profiles: dict[str, ProfileState] = field(default_factory=dict)
    #: dataset key (``catalog``, ``all``, country code) -> first issued (ISO 8601)
    issued: dict[str, str] = field(default_factory=dict)

    def save_state(self, folder: Path) -> None:
        """Write ``state.json`` (profiles and issued dates, not the members) into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / STATE_FILE).write_text(json.dumps(
            {"profiles": {k: dict(vars(v)) for k, v in sorted(self.profiles.items())},
             "issued": dict(sorted(self.issued.items()))}, separators=(",", ":")), encoding="utf-8")


class FeedLog:
    """``feed.jsonl`` written as a stream, so a build need not hold the members in memory:
    new members are appended to a file of their own while the build runs; :meth:`finish`
    then writes ``feed.jsonl``: the earlier file's members, then the new ones.

    A line of the earlier file that is not a member (damaged, cut short) is not copied, and
    a note says so; nor are the members of profiles that are gone (``finish(removed)``):
    only their tombstones (:func:`tombstone_ntriples`) stay.

    :param folder: where ``feed.jsonl`` is written (created if missing).
    :param earlier: the previous build's ``feed.jsonl``, or None.
    :raises OSError: when a file cannot be read or written.
    """

    def __init__(self, folder: Path, earlier: Path | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.path, self.earlier = folder / FEED_FILE, earlier
        self._new_path = folder / ".feed.new.jsonl"
        self._fh = open(self._new_path, "w", encoding="utf-8")
        self.added = 0
        #: what was wrong with the earlier file, for the build report
        self.notes: list[str] = []

    def append(self, member: FeedMember) -> None:
        """Add one member at the end."""
        self._fh.write(json.dumps(vars(member), ensure_ascii=False) + "\n")
        self.added += 1

    def finish(self, removed: frozenset[str] = frozenset()) -> None:
        """Write ``feed.jsonl``: the earlier members but those of ``removed`` profiles (and
        damaged lines), then the members appended; and its SHA-256 beside it
        (``feed.jsonl.sha256``).

        When no profile is gone and the earlier file still has the SHA-256 its build
        recorded, it is copied as bytes: its lines were checked when it was written. Else
        each line is read as a member (a rebuild of 30,000 profiles spent 0.5 s so; the file
        grows with the feed's history).

        :raises OSError: when a file cannot be read or written.
        """
        self._fh.close()
        digest = hashlib.sha256()
        with open(self.path, "wb") as out:
            if self.earlier is not None and self.earlier.is_file():
                if removed or not self._copy_bytes(self.earlier, out, digest):
                    out.seek(0)
                    out.truncate()
                    digest = hashlib.sha256()
                    self._copy(self.earlier, removed, out, digest)
            with open(self._new_path, "rb") as new:
                for block in iter(lambda: new.read(1 << 20), b""):
                    out.write(block)
                    digest.update(block)
        record_digest(self.path, digest.hexdigest())
        self._new_path.unlink()

    @staticmethod
    def _copy_bytes(earlier: Path, out: BinaryIO, digest: "hashlib._Hash") -> bool:
        """Copy ``earlier`` into ``out`` as it is, hashing it; return whether it has the
        SHA-256 recorded beside it and ends a line (False: no record, another digest, or a
        last line not ended)."""
        recorded = recorded_digest(earlier)
        if recorded is None:
            return False
        last = b"\n"
        with open(earlier, "rb") as old:
            for block in iter(lambda: old.read(1 << 20), b""):
                out.write(block)
                digest.update(block)
                last = block[-1:]
        return digest.hexdigest() == recorded and last == b"\n"  # else the next member would join its last line

    def _copy(self, earlier: Path, removed: frozenset[str], out: BinaryIO, digest: "hashlib._Hash") -> None:
        bad: list[int] = []
        with open(earlier, encoding="utf-8", errors="replace") as old:
            for number, line in enumerate(old, start=1):
                member = read_member(line)
                if member is None:
                    if line.strip():
                        bad.append(number)
                elif member.profile not in removed:
                    data = (line if line.endswith("\n") else line + "\n").encode("utf-8")
                    out.write(data)
                    digest.update(data)
        if bad:
            self.notes.append(f"{earlier}:{bad[0]}: {len(bad)} damaged line(s) of the change feed dropped "
                              f"(lines {', '.join(map(str, bad[:10]))}{', ...' if len(bad) > 10 else ''})")

    def close(self) -> None:
        """Close the file of new members (an aborted build: ``feed.jsonl`` is not written)."""
        self._fh.close()


def read_member(line: str) -> FeedMember | None:
    """One line of ``feed.jsonl`` as a member, or None when it is not one (damaged).

    >>> read_member('{"profile": "p", "version": "v", "cluster": "c", "time": "t", "nt": ""}').profile
    'p'
    >>> read_member('{"profile": "p"') is None
    True
    """
    try:
        raw = json.loads(line)
        member = FeedMember(**raw)
    except (ValueError, TypeError):
        return None
    return member if all(isinstance(v, str) for v in vars(member).values()) else None


def load_state(folder: Path | None, notes: list[str] | None = None) -> FeedState:
    """The profiles' states a previous build left in ``folder`` (its ``meta/``), or an
    empty state when there is none or it is damaged (then a line in ``notes`` says so, and
    every profile counts as new: the feed gets a member for each).
    """
    state = FeedState()
    path = folder / STATE_FILE if folder is not None else None
    if path is None or not path.is_file():
        return state
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        state.profiles = {k: ProfileState(**v) for k, v in raw.get("profiles", {}).items()}
        state.issued = {k: v for k, v in raw.get("issued", {}).items() if isinstance(v, str)}
        for s in state.profiles.values():
            if not (isinstance(s.hash, str) and isinstance(s.modified, str) and isinstance(s.issued, str)):
                raise TypeError(f"bad state of a profile: {s}")
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        if notes is not None:
            notes.append(f"{path}: damaged ({str(exc)[:100]}); the profiles' states start again: every profile "
                         "is counted as changed")
        return FeedState()
    return state


def tombstone_ntriples(member: str, profile_graph: str, cluster: str | None, time: str) -> str:
    """The feed member saying that a profile is gone: an Activity Streams ``as:Delete``
    (LDES tombstone) whose objects are the profile's named graph and, when no other
    profile describes it any more, its cluster; with ``dct:modified`` the time (one triple
    per line, lines sorted).
    """
    lines = {f"<{member}> <{RDF.type}> <{AS.Delete}> .", f"<{member}> <{AS.object}> <{profile_graph}> .",
             f'<{member}> <{DCTERMS.modified}> "{time}"^^<{XSD.dateTime}> .',
             f'<{member}> <{AS.published}> "{time}"^^<{XSD.dateTime}> .'}
    if cluster is not None:
        lines.add(f"<{member}> <{AS.object}> <{cluster}> .")
    return "".join(line + "\n" for line in sorted(lines))


def version_ntriples(cluster_nt: str, cluster: str, version: str, time: str) -> str:
    """A version of a cluster as N-Triples: ``cluster_nt`` holds the cluster's own triples
    (subject ``<cluster>``); the result has ``<version>`` as subject instead,
    plus ``dct:isVersionOf`` and ``dct:modified``, one triple per line, lines sorted."""
    subject = f"<{cluster}> "
    lines = {f"<{version}> " + line[len(subject):] for line in cluster_nt.splitlines()
             if line.startswith(subject)}
    lines.add(f"<{version}> <{DCTERMS.isVersionOf}> <{cluster}> .")
    lines.add(f'<{version}> <{DCTERMS.modified}> "{time}"^^<{XSD.dateTime}> .')
    return "".join(line + "\n" for line in sorted(lines))
