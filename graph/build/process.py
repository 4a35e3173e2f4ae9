"""Read, map and validate one profile file: the first three stages, and their outcome.

:func:`process` runs them for one file; :func:`slim` keeps what a build needs of the
outcome (the report, the notes, the few facts the build's metadata needs, and the graph's
canonical N-Triples and JSON-LD until the build has loaded them), so the rdflib graphs stay
in the process that made them. :mod:`.stream` runs this for many files, on every core.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass

from clusterkg.graph.build.cache import ProfileCache
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.canonical import canonical_ntriples, jsonld_fragment
from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.map.facts import ProfileFacts, profile_facts
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.map.mapping import Mapped
from clusterkg.graph.map.sources import map_record
from clusterkg.graph.read.profile import ReadIssue, Record
from clusterkg.graph.read import read_bytes, read_profile_bytes
from clusterkg.graph.validate import ValidationReport, validate_mapped
from clusterkg.graph.validate.engines import DEFAULT_ENGINE, REFERENCE_ENGINE
from clusterkg.graph.validate.checks import earliest_day
from clusterkg.graph.map.vocab import SCHEMA, Uris

__all__ = ["Outcome", "process", "slim", "graph_data", "pack", "still_valid_on"]


@dataclass(slots=True)
class Outcome:
    """What happened to one profile file.

    :param source: the file and its manifest row.
    :param status: ``"published"`` (or ``"valid"`` outside a build), ``"rejected"``
        (SHACL violations) or ``"unreadable"`` (a :class:`ProfileReadError`).
    :param profile: what the reader read (None when unreadable): a profile, or a record of
        another kind of source.
    :param mapped: the mapping result (None when unreadable).
    :param report: the validation report (None when unreadable).
    :param error: the read error, for unreadable files.
    :param content_hash: SHA-256 of the published graph's sorted N-Triples (see
        :func:`~clusterkg.graph.map.canonical.content_hash`), set when the build loads it.
    :param facts: what the build's metadata needs of a valid profile's graph.
    :param nt: a valid profile's graph as canonical N-Triples, lines sorted
        (:func:`~clusterkg.graph.map.canonical.canonical_ntriples`), until the build has loaded it (None
        for an outcome taken from the cache: see :func:`graph_data`).
    :param jsonld: the same graph as a JSON-LD named-graph object, for the dataset's
        JSON-LD dump (:func:`~clusterkg.graph.map.canonical.jsonld_fragment`); kept and dropped with ``nt``.
    :param reused: True when the build took this outcome from its cache instead of
        processing the file again.
    :param cache_key: the outcome's key in the build cache, when it has one.
    :param checked_on: the day (``YYYY-MM-DD``) its founding dates were checked against.
    :param founding_days: the first day of each founding date of its cluster, so a reused
        outcome can be checked against a later build's day (:func:`still_valid_on`).

    Outcomes of a build are *slim*: ``mapped.graph``, ``mapped.ledger``,
    ``mapped.line_labels`` and ``report.graph`` are dropped (None or empty), and
    ``profile`` keeps only its source, layout, kind, issues and ``truncated``
    (:meth:`~clusterkg.graph.read.profile.Record.slim`).
    """

    source: ProfileSource
    status: str
    profile: Record | None = None
    mapped: Mapped | None = None
    report: ValidationReport | None = None
    error: ProfileReadError | None = None
    content_hash: str | None = None
    facts: ProfileFacts | None = None
    nt: bytes | None = None
    jsonld: bytes | None = None
    reused: bool = False
    cache_key: str | None = None
    checked_on: str | None = None
    founding_days: tuple[str, ...] = ()

    @property
    def issues(self) -> list[ReadIssue]:
        return self.profile.issues if self.profile else []


def process(source: ProfileSource, uris: Uris, vocab: Vocabulary | None = None,
            data: bytes | None = None, today: _dt.date | None = None, engine: str = REFERENCE_ENGINE) -> Outcome:
    """Read, map and validate one profile file.

    :param source: the file and its manifest row.
    :param uris: the IRI minter.
    :param vocab: the vocabulary (default: the shipped one).
    :param data: the file's bytes, when the caller has read them already (each file is
        read once per build); else the file is read here.
    :param today: the day of the build, which founding dates may not lie after (default:
        today).
    :param engine: the SHACL engine (:data:`~clusterkg.graph.validate.engines.ENGINES`).
    :return: an :class:`Outcome` with status ``valid``, ``rejected`` or ``unreadable``.
        Never raises for bad input: a :class:`ProfileReadError` is kept on the outcome.
    """
    vocab = vocab or Vocabulary.load()
    try:
        if data is None:
            data = read_bytes(source.path)
        profile = read_profile_bytes(data, str(source.path))
    except ProfileReadError as exc:
        return Outcome(source, "unreadable", error=exc)
    mapped = map_record(profile, source, uris, vocab, hashlib.sha256(data).hexdigest())
    today = today or _dt.date.today()
    report = validate_mapped(mapped, str(source.path), today, engine)
    days = tuple(sorted(d.isoformat() for v in mapped.graph.objects(mapped.cluster, SCHEMA.foundingDate)
                        if (d := earliest_day(v)) is not None))
    return Outcome(source, "valid" if report.publishable else "rejected", profile, mapped, report,
                   checked_on=today.isoformat(), founding_days=days)


def still_valid_on(out: Outcome, today: _dt.date) -> bool:
    """Whether an outcome made on ``out.checked_on`` holds on ``today``: no founding date
    lies between the two days (one that did would now be allowed, or now refused)."""
    if out.checked_on is None:
        return not out.founding_days
    then, now = out.checked_on, today.isoformat()
    low, high = min(then, now), max(then, now)
    return not any(low < d <= high for d in out.founding_days)


def slim(out: Outcome) -> Outcome:
    """Keep what a build needs of ``out``: serialise a valid graph, work out its facts,
    drop the graph, the ledger and the report graph, trim the profile."""
    if out.mapped is not None:
        if out.status == "valid":
            nt = out.mapped.graph.serialize(format="nt", encoding="utf-8")
            out.nt = canonical_ntriples(nt)  # what the store and the dumps take
            out.facts = profile_facts(out.mapped.graph, out.mapped.cluster, nt)
            out.jsonld = jsonld_fragment(str(out.mapped.graph_iri), out.nt)
        out.mapped.graph = None  # type: ignore[assignment]
        out.mapped.ledger = {}
        out.mapped.line_labels = {}
    if out.report is not None:
        out.report.graph = None  # type: ignore[assignment]
    if out.profile is not None:
        p = out.profile
        out.profile = p.slim()
    return out


def pack(nt: bytes, jsonld: bytes) -> bytes:
    """A graph's two serialisations as one cache blob: N-Triples length, N-Triples, JSON-LD."""
    return len(nt).to_bytes(8, "big") + nt + jsonld


def _unpack(blob: bytes) -> tuple[bytes, bytes] | None:
    if len(blob) < 8:
        return None
    n = int.from_bytes(blob[:8], "big")
    return (blob[8:8 + n], blob[8 + n:]) if 8 + n <= len(blob) else None


def graph_data(out: Outcome, cache: ProfileCache | None, uris: Uris, vocab: Vocabulary) -> tuple[bytes, bytes]:
    """A valid outcome's graph as (canonical N-Triples, JSON-LD named-graph object): its
    own, else the cache's copy, else (a cache entry that cannot be read back) the file
    processed again: on the day the outcome was checked on (its founding dates were
    allowed as of that day), with the builds' SHACL engine (the graph does not depend on
    the engine, only the time taken does).

    :raises ValueError: when the file, processed again, is no longer valid.
    """
    if out.nt is not None and out.jsonld is not None:
        return out.nt, out.jsonld
    blob = cache.data(out.cache_key) if cache is not None and out.cache_key else None
    data = _unpack(blob) if blob is not None else None
    if data is None:
        day = _dt.date.fromisoformat(out.checked_on) if out.checked_on else None
        again = slim(process(out.source, uris, vocab, today=day, engine=DEFAULT_ENGINE))
        if again.nt is None or again.jsonld is None:
            raise ValueError(f"{out.source.path}: no longer valid; build again")
        data = again.nt, again.jsonld
    return data
