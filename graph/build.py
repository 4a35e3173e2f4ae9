"""The pipeline: read -> map -> validate -> store, with a summary for people.

:func:`process` runs the first three stages for one file (``convert`` and ``validate``
use it); :func:`build` runs them for every file and loads what passes into a new store
snapshot, published atomically at the end. A profile that cannot be read or has SHACL
violations is reported and left out; the others are still published.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import hashlib
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rdflib import Graph, Literal

from .. import __version__
from .concepts import Vocabulary, ontology_graph
from .errors import ClusterkgError, ProfileReadError
from .manifest import ProfileSource, collect_sources, network_files
from .mapping import PREFIXES, Mapped, map_profile
from .profile import Profile, ReadIssue
from .rdfio import find_extra, read_extra
from .readers import read_profile_file
from .store import open_writer, previous_meta
from .store.remote import RemoteEndpoint, read_record, sync_graphs
from .validation import ValidationReport, validate_mapped
from .catalog import PROFILES, DatasetFacts, DumpFile, Publishing, describe_catalog, describe_void
from .feed import FeedMember, FeedState, ProfileState, content_hash, load_state, version_iri, version_triples
from .places import country_name as pycountry_name
from .vocab import CKG, DCTERMS, PROV, RDF, RDFS, SCHEMA, XSD, Uris

__all__ = ["Outcome", "BuildSummary", "NothingToPublish", "process", "build", "build_time", "load_vocabulary"]


class NothingToPublish(ClusterkgError):
    """A build in which no profile could be published; nothing is written.

    :param summary: the :class:`BuildSummary` saying why each profile failed.
    """

    def __init__(self, message: str, summary: "BuildSummary"):
        self.summary = summary
        super().__init__(message)


@dataclass
class Outcome:
    """What happened to one profile file.

    :param source: the file and its manifest row.
    :param status: ``"published"`` (or ``"valid"`` outside a build), ``"rejected"``
        (SHACL violations) or ``"unreadable"`` (a :class:`ProfileReadError`).
    :param profile: what the reader read (None when unreadable).
    :param mapped: the mapping result (None when unreadable).
    :param report: the validation report (None when unreadable).
    :param error: the read error, for unreadable files.
    :param content_hash: SHA-256 of the published graph's sorted N-Triples (see
        :func:`~clusterkg.graph.feed.content_hash`), set when the build loads it.
    """

    source: ProfileSource
    status: str
    profile: Profile | None = None
    mapped: Mapped | None = None
    report: ValidationReport | None = None
    error: ProfileReadError | None = None
    content_hash: str | None = None

    @property
    def issues(self) -> list[ReadIssue]:
        return self.profile.issues if self.profile else []


def load_vocabulary(paths: list[str | Path]) -> Vocabulary:
    """The shipped vocabulary plus the ``networks.csv`` alias tables of the input folders.

    :raises ManifestError: a bad alias table (naming its file and line).
    """
    return Vocabulary.load().with_networks(network_files(paths))


def process(source: ProfileSource, uris: Uris, vocab: Vocabulary | None = None) -> Outcome:
    """Read, map and validate one profile file.

    :return: an :class:`Outcome` with status ``valid``, ``rejected`` or ``unreadable``.
        Never raises for bad input: a :class:`ProfileReadError` is kept on the outcome.
    """
    vocab = vocab or Vocabulary.load()
    try:
        profile = read_profile_file(source.path)
        checksum = source.sha256()
    except ProfileReadError as exc:
        return Outcome(source, "unreadable", error=exc)
    mapped = map_profile(profile, source, uris, vocab, checksum)
    report = validate_mapped(mapped, str(source.path))
    return Outcome(source, "valid" if report.publishable else "rejected", profile, mapped, report)


#: Below this many profiles the build runs in-process (starting workers costs ~1 s).
PARALLEL_FROM = 64

_WORKER_STATE: dict = {}


def _init_worker(base_uri: str, vocab: Vocabulary, parent: int) -> None:
    _WORKER_STATE["uris"] = Uris(base_uri)
    _WORKER_STATE["vocab"] = vocab
    if os.getppid() != parent:  # the build died while this worker was starting
        os._exit(0)

    def watch_parent() -> None:  # a killed build must not leave its workers behind
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch_parent, daemon=True, name="parent-watch").start()


def _process_in_worker(source: ProfileSource) -> Outcome:
    out = process(source, _WORKER_STATE["uris"], _WORKER_STATE["vocab"])
    if out.mapped is not None:  # what the parent does not need stays here (less to pickle)
        out.mapped.ledger = {}
        out.mapped.line_labels = {}
    if out.report is not None:
        out.report.graph = Graph()
    return out


def _processed(sources: list[ProfileSource], uris: Uris, vocab: Vocabulary,
               progress: Callable[[Iterable], Iterable] | None, workers: int | None) -> Iterable[Outcome]:
    """Outcomes in source order: in-process for small builds, else in worker processes
    (one per core), which both cores use for the SHACL validation that dominates."""
    n = workers if workers is not None else (os.cpu_count() or 1) if len(sources) > PARALLEL_FROM else 1
    wrap = progress or (lambda items: items)
    if n <= 1:
        for src in wrap(sources):
            yield process(src, uris, vocab)
        return
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                                                initargs=(uris.base, vocab, os.getpid())) as pool:
        yield from wrap(pool.map(_process_in_worker, sources, chunksize=8))


def build_time() -> _dt.datetime:
    """The build's timestamp: now (UTC), or ``SOURCE_DATE_EPOCH`` when set (the
    reproducible-builds convention), so a build can be made bit-for-bit repeatable."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


@dataclass
class BuildSummary:
    """The outcome of a build, for the terminal and for tests.

    :param outcomes: one per profile file, sorted by profile id.
    :param notes: remarks on the input (files missing from the manifest, ...).
    :param generation: the published store snapshot's name.
    :param started: build start (UTC); ``ended``: end.
    """

    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generation: str | None = None
    started: _dt.datetime | None = None
    ended: _dt.datetime | None = None
    triples: int = 0
    changed: int = 0
    extra: list = field(default_factory=list)
    extra_errors: list = field(default_factory=list)
    remote: object = None

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def unmapped(self) -> int:
        return sum(len(o.mapped.unmapped) for o in self.outcomes if o.mapped)

    @property
    def ok(self) -> bool:
        """True when every profile was published and every curated RDF file loaded."""
        return all(o.status == "published" for o in self.outcomes) and not self.extra_errors

    def text(self, verbose: bool = True) -> str:
        """The build report: per-file problems, unmapped values, then the totals."""
        lines: list[str] = list(self.notes)
        for o in self.outcomes:
            if o.status == "unreadable":
                lines.append(f"UNREADABLE {o.error}")
                continue
            if o.status == "rejected":
                lines.append(f"REJECTED {o.source.path}:")
                lines.extend("  " + str(r) for r in o.report.violations)
            if verbose:
                lines.extend(f"  note {i}" for i in sorted(o.issues, key=lambda i: i.line or 0))
                for u in o.mapped.unmapped:
                    lines.append(f"  unmapped {o.source.path}:{u.line}: [{u.label}] {u.text[:100]!r}")
                for c in o.mapped.new_concepts:
                    lines.append(f"  new concept {o.source.path}:{c.line}: {c.scheme}: {c.label!r}")
                for n in o.mapped.new_networks:
                    lines.append(f"  new network {o.source.path}: {n!r} (in no networks.csv alias table)")
                if o.report:
                    lines.extend("  " + str(r) for r in o.report.warnings)
        lines.extend(f"UNREADABLE {e}" for e in self.extra_errors)
        lines.extend(f"  loaded {x.path} into <{x.iri}> ({x.quads} quads)" for x in self.extra if verbose)
        lines.append(
            f"profiles read: {len(self.outcomes) - len(self.of('unreadable'))} of {len(self.outcomes)}, "
            f"published: {len(self.of('published'))}, rejected: {len(self.of('rejected'))}, "
            f"unreadable: {len(self.of('unreadable'))}, values unmapped: {self.unmapped}, "
            f"changed since the last build: {self.changed}, triples: {self.triples}"
            + (f", snapshot: {self.generation}" if self.generation else "")
        )
        if self.remote is not None:
            lines.append(f"SPARQL server: {len(self.remote.put)} graphs replaced, {len(self.remote.deleted)} "
                         f"deleted, {self.remote.kept} unchanged")
        return "\n".join(lines)


def _nt(g: Graph) -> bytes:
    return g.serialize(format="nt", encoding="utf-8")


def build(paths: Iterable[str | Path], store_root: str | Path, base_uri: str,
          progress: Callable[[Iterable], Iterable] | None = None,
          publishing: Publishing | None = None, workers: int | None = None,
          remote: RemoteEndpoint | None = None) -> BuildSummary:
    """Read, map, validate every profile under ``paths`` and publish a new store snapshot.

    :param paths: profile files and folders (see :func:`collect_sources`).
    :param store_root: the store folder (created if missing).
    :param base_uri: base of minted IRIs (``CLUSTERKG_BASE_URI``).
    :param progress: wraps the list of sources (e.g. ``tqdm``) to show progress.
    :param publishing: publisher, contact and licence for the DCAT-AP catalogue.
    :param workers: processes reading, mapping and validating profiles (default: one per
        core when there are more than :data:`PARALLEL_FROM` profiles, else in-process).
    :param remote: a SPARQL server to put the named graphs on (Graph Store HTTP Protocol),
        only those that changed since the last build; the local snapshot is published
        after the server has them all.
    :return: the :class:`BuildSummary`; the snapshot is published even when some
        profiles were rejected (check ``summary.ok``).
    :raises ManifestError: a bad manifest (nothing is written).
    :raises NothingToPublish: when no profile passed (the previous snapshot stays); it
        carries the summary.
    :raises StoreError: the store cannot be written, or another build holds it (the
        previous snapshot stays).
    """
    uris = Uris(base_uri)
    paths = list(paths)
    sources, notes = collect_sources(paths)
    summary = BuildSummary(notes=notes, started=build_time())
    vocab = load_vocabulary(paths)
    writer = open_writer(store_root)
    try:
        voc_nt = _nt(ontology_graph())
        writer.add_graph(str(uris.vocabulary_graph), voc_nt)
        summary.triples += len(ontology_graph())
        record = Graph()
        activity = uris.build(summary.started.strftime("%Y%m%dT%H%M%SZ"))
        for outcome in _processed(sources, uris, vocab, progress, workers):
            if outcome.status == "valid":
                nt = _nt(outcome.mapped.graph)  # serialised once: loaded, and hashed for the feed
                writer.add_graph(str(outcome.mapped.graph_iri), nt)
                outcome.content_hash = content_hash(nt)
                summary.triples += len(outcome.mapped.graph)
                outcome.status = "published"
                record.add((outcome.mapped.graph_iri, PROV.wasGeneratedBy, activity))
                record.add((outcome.mapped.graph_iri, PROV.generatedAtTime,
                            Literal(summary.started.isoformat(), datatype=XSD.dateTime)))
                record.add((activity, PROV.generated, outcome.mapped.graph_iri))
            summary.outcomes.append(outcome)
        for path in find_extra(paths):
            try:
                extra = read_extra(path, uris)
            except ProfileReadError as exc:
                summary.extra_errors.append(exc)
                continue
            writer.add_quads(extra.nquads)
            summary.extra.append(extra)
            summary.triples += extra.quads
        summary.ended = build_time()
        record.add((activity, RDF.type, PROV.Activity))
        record.add((activity, RDFS.label, Literal(f"clusterkg {__version__} build")))
        record.add((activity, PROV.startedAtTime, Literal(summary.started.isoformat(), datatype=XSD.dateTime)))
        record.add((activity, PROV.endedAtTime, Literal(summary.ended.isoformat(), datatype=XSD.dateTime)))
        record.add((activity, DCTERMS.description, Literal(
            f"{len(summary.of('published'))} profiles published, {len(summary.of('rejected'))} rejected, "
            f"{len(summary.of('unreadable'))} unreadable")))
        if not summary.of("published"):
            raise NothingToPublish(
                f"no profile could be published ({len(summary.outcomes)} read"
                + (f", {len(summary.of('rejected'))} rejected, {len(summary.of('unreadable'))} unreadable"
                   if summary.outcomes else "")
                + "); the previous snapshot keeps serving", summary)
        writer.add_graph(str(uris.build_graph), _nt(record))
        summary.triples += len(record)
        _publish_metadata(writer, summary, uris, publishing or Publishing(), previous_meta(store_root))
        if remote is not None:
            summary.remote = sync_graphs(remote, writer.graph_ntriples(),
                                         read_record(previous_meta(store_root), remote), writer.meta_dir)
        summary.generation = writer.commit()
    except BaseException:
        writer.abort()
        raise
    return summary


_KEYWORDS = ["cluster organisations", "industrial clusters", "innovation clusters", "linked data",
             "European Cluster Collaboration Platform"]


def _digests(path: Path) -> tuple[str, str]:
    h256, h1 = hashlib.sha256(), hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h256.update(chunk)
            h1.update(chunk)
    return h256.hexdigest(), h1.hexdigest()


def _dump_file(path: Path) -> DumpFile:
    gz = path.name.endswith(".gz")
    inner = Path(path.name[:-3]) if gz else Path(path.name)
    sha256, sha1 = _digests(path)
    return DumpFile(path.name, path.stat().st_size, sha256, inner.suffix, gz, sha1)


def _first_founded(graphs: list[Graph]) -> str | None:
    dates = []
    for g in graphs:
        for d in g.objects(None, SCHEMA.foundingDate):
            lex = str(d)
            if len(lex) == 4 and lex.isdigit():
                lex += "-01-01"
            elif len(lex) == 7:
                lex += "-01"
            if len(lex) == 10:
                dates.append(lex)
    return min(dates) if dates else None


def _publish_metadata(writer, summary: BuildSummary, uris: Uris, pub: Publishing, prev_meta: Path | None) -> None:
    """Versions and feed members, dumps (whole and per country), the DCAT-AP catalogue
    and VoID, all written into the new snapshot before it is published."""
    now = summary.started.isoformat()
    stamp = summary.started.strftime("%Y%m%dT%H%M%SZ")
    prev = load_state(prev_meta)
    state = FeedState(members=list(prev.members), issued=dict(prev.issued))
    published = summary.of("published")
    by_country: dict[str, list[Outcome]] = {}
    for o in published:
        g, cluster = o.mapped.graph, o.mapped.cluster
        country_iri = g.value(cluster, CKG.country)
        country = str(country_iri).rsplit("/", 1)[-1] if country_iri is not None else None
        h = o.content_hash
        old = prev.profiles.get(o.source.id)
        if old is not None and old.hash == h:
            modified, issued = old.modified, old.issued
        else:
            modified, issued = now, (old.issued if old else now)
            version = version_iri(uris, o.source.id, stamp)
            vg = version_triples(g, cluster, version, now)
            state.members.append(FeedMember(o.source.id, str(version), str(cluster), now,
                                            vg.serialize(format="nt", encoding="utf-8").decode("utf-8")))
        state.profiles[o.source.id] = ProfileState(h, modified, issued, str(cluster), country)
        if country:
            by_country.setdefault(country, []).append(o)
    summary.changed = sum(1 for m in state.members[len(prev.members):])

    files = writer.write_dumps(PREFIXES)
    all_dumps = [_dump_file(p) for name, p in sorted(files.items())]

    def facts(key: str, outcomes: list[Outcome], country: str | None, dumps: list[DumpFile]) -> DatasetFacts:
        states = [state.profiles[o.source.id] for o in outcomes]
        name = pycountry_name(country) if country else None
        return DatasetFacts(
            key=key, country=country, country_name=name, profiles=len(outcomes),
            clusters=len({o.mapped.cluster for o in outcomes}),
            first_founded=_first_founded([o.mapped.graph for o in outcomes]),
            issued=state.issued.setdefault(key, min(s.issued for s in states)),
            modified=max(s.modified for s in states),
            keywords=_KEYWORDS + ([name] if name else []), dumps=dumps)

    datasets = [facts("all", published, None, all_dumps)]
    for code in sorted(by_country):
        paths = writer.write_subset_dumps(f"clusterkg-{code.lower()}",
                                          [str(o.mapped.graph_iri) for o in by_country[code]], PREFIXES)
        datasets.append(facts(code.lower(), by_country[code], code, [_dump_file(p) for p in sorted(paths)]))
    catalog_issued = state.issued.setdefault("catalog", now)
    meta = writer.meta_dir
    meta.mkdir(parents=True, exist_ok=True)
    for profile in PROFILES:
        catalog = describe_catalog(uris, pub, datasets, summary.started, catalog_issued, profile,
                                   uris.build(stamp))
        (meta / f"catalog-{profile}.ttl").write_bytes(catalog.serialize(format="turtle", encoding="utf-8"))
    void = describe_void(uris, writer.stats(), all_dumps, summary.started)
    (meta / "void.ttl").write_bytes(void.serialize(format="turtle", encoding="utf-8"))
    state.save(meta)
