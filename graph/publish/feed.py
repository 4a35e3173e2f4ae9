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

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from clusterkg.graph.map.vocab import DCTERMS, XSD, Uris

__all__ = ["ProfileState", "FeedMember", "FeedState", "FeedLog", "content_hash", "load_state", "version_triples",
           "version_ntriples", "version_iri"]


def content_hash(ntriples: bytes) -> str:
    """SHA-256 (hex) of a graph's N-Triples, lines sorted: equal triples, equal hash
    (the graphs have no blank nodes, so a triple always serialises the same way)."""
    lines = sorted(set(line for line in ntriples.splitlines() if line.strip()))
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


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
    """Profiles' states and the feed so far."""

    profiles: dict[str, ProfileState] = field(default_factory=dict)
    members: list[FeedMember] = field(default_factory=list)
    #: dataset key (``catalog``, ``all``, country code) -> first issued (ISO 8601)
    issued: dict[str, str] = field(default_factory=dict)

    def save(self, folder: Path) -> None:
        """Write ``state.json`` and ``feed.jsonl`` into ``folder``."""
        self.save_state(folder)
        with FeedLog(folder) as log:
            for m in self.members:
                log.append(m)

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


def load_state(folder: Path | None, members: bool = True) -> FeedState:
    """The state a previous build left in ``folder`` (its ``meta/``), or an empty one;
    with ``members=False`` the feed's members are not read (see :class:`FeedLog`)."""
    state = FeedState()
    if folder is None or not (folder / "state.json").is_file():
        return state
    raw = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    state.profiles = {k: ProfileState(**v) for k, v in raw.get("profiles", {}).items()}
    state.issued = dict(raw.get("issued", {}))
    feed = folder / "feed.jsonl"
    if members and feed.is_file():
        with open(feed, encoding="utf-8") as fh:
            state.members = [FeedMember(**json.loads(line)) for line in fh if line.strip()]
    return state


def version_triples(g: Graph, cluster: URIRef, version: URIRef, time: str) -> Graph:
    """The cluster's own triples from profile graph ``g``, with ``version`` as subject,
    plus ``dct:isVersionOf`` the cluster and ``dct:modified`` the time."""
    out = Graph()
    for _s, p, o in g.triples((cluster, None, None)):
        out.add((version, p, o))
    out.add((version, DCTERMS.isVersionOf, cluster))
    out.add((version, DCTERMS.modified, Literal(time, datatype=XSD.dateTime)))
    return out


def version_ntriples(cluster_nt: str, cluster: str, version: str, time: str) -> str:
    """:func:`version_triples` on text: ``cluster_nt`` holds the cluster's own triples as
    N-Triples (subject ``<cluster>``); the result has ``<version>`` as subject instead,
    plus ``dct:isVersionOf`` and ``dct:modified``, one triple per line, lines sorted."""
    subject = f"<{cluster}> "
    lines = {f"<{version}> " + line[len(subject):] for line in cluster_nt.splitlines()
             if line.startswith(subject)}
    lines.add(f"<{version}> <{DCTERMS.isVersionOf}> <{cluster}> .")
    lines.add(f'<{version}> <{DCTERMS.modified}> "{time}"^^<{XSD.dateTime}> .')
    return "".join(line + "\n" for line in sorted(lines))


def version_iri(uris: Uris, profile_id: str, stamp: str) -> URIRef:
    """``{base}feed/member/{profile}/{stamp}``: one version of one profile's cluster."""
    return URIRef(f"{uris.base}feed/member/{profile_id}/{stamp}")
