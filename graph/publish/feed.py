"""Profile versions across builds: what changed, and the change feed (LDES) members.

Each build computes a content hash per published profile (SHA-256 of the profile graph's
sorted N-Triples: no blank nodes, so equal content gives equal hashes). Against the
previous snapshot's state it decides which profiles are new or changed; each of those
gets one feed member, a *version object* of the cluster (Linked Data Event Streams,
https://w3id.org/ldes/specification, §"Version materialisation" via ``dct:isVersionOf``),
holding the cluster's own triples from that profile under a version IRI. A build that
changes nothing adds no member.

State files (JSON, in the generation's ``meta/`` folder, carried to the next build):
``state.json`` (profile id -> hash, modified time, cluster, country) and ``feed.jsonl``
(one member per line: profile, version IRI, time, N-Triples).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from clusterkg.graph.map.vocab import DCTERMS, XSD

__all__ = ["ProfileState", "FeedMember", "FeedState", "FeedLog", "load_state", "version_ntriples"]


@dataclass
class ProfileState:
    """One profile as of a build: content ``hash``, ``modified`` (ISO 8601 UTC, when its
    content last changed), ``issued`` (first published), ``cluster`` IRI, ``country`` code."""

    hash: str
    modified: str
    issued: str
    cluster: str
    country: str | None = None


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
        (folder / "state.json").write_text(json.dumps(
            {"profiles": {k: dict(vars(v)) for k, v in sorted(self.profiles.items())},
             "issued": dict(sorted(self.issued.items()))}, separators=(",", ":")), encoding="utf-8")


class FeedLog:
    """``feed.jsonl`` written as a stream, so a build need not hold the members in memory:
    the members of an earlier feed file are copied first, new ones appended one by one.

    :param folder: where ``feed.jsonl`` is written (created if missing).
    :param earlier: the previous build's ``feed.jsonl``, or None.
    :raises OSError: when a file cannot be read or written.
    """

    def __init__(self, folder: Path, earlier: Path | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self._fh = open(folder / "feed.jsonl", "w", encoding="utf-8")
        self.added = 0
        if earlier is not None and earlier.is_file():
            with open(earlier, encoding="utf-8") as old:
                shutil.copyfileobj(old, self._fh, 1 << 20)

    def append(self, member: FeedMember) -> None:
        """Add one member at the end."""
        self._fh.write(json.dumps(vars(member), ensure_ascii=False) + "\n")
        self.added += 1

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "FeedLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_state(folder: Path | None) -> FeedState:
    """The profiles' states a previous build left in ``folder`` (its ``meta/``), or an
    empty state when there is none."""
    state = FeedState()
    if folder is None or not (folder / "state.json").is_file():
        return state
    raw = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    state.profiles = {k: ProfileState(**v) for k, v in raw.get("profiles", {}).items()}
    state.issued = dict(raw.get("issued", {}))
    return state


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
