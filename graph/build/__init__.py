"""The pipeline: read -> map -> validate -> store, with a summary for people.

:func:`process` runs the first three stages for one file (``convert`` and ``validate``
use it); :func:`build` runs them for every file and loads what passes into a new store
snapshot, published atomically at the end. A profile that cannot be read or has SHACL
violations is reported and left out; the others are still published.

Builds are incremental by default: a file whose bytes, manifest row and the code that
processes it are unchanged is not processed again (:mod:`.cache`), the new snapshot
starts as a checkpoint of the previous one and only the graphs whose content changed are
replaced, and per-country dumps whose profiles are all unchanged are hard-linked. The
stages themselves run as a stream (:mod:`.processing`), so memory stays bounded.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rdflib import Graph, Literal

from clusterkg import __version__
from clusterkg.graph.build.cache import ProfileCache, fingerprint
from clusterkg.graph.map.concepts import Vocabulary, ontology_graph
from clusterkg.graph.publish.dumps import DumpWriter, canonical_ntriples, file_digests, read_reuse, read_turtle_reuse
from clusterkg.graph.errors import ClusterkgError, ProfileReadError
from clusterkg.graph.map.facts import first_founded
from clusterkg.graph.read.manifest import collect_sources, network_files
from clusterkg.graph.map.mapping import PREFIXES
from clusterkg.graph.build.process import PARALLEL_FROM, Outcome, graph_data, process, processed
from clusterkg.graph.read.rdf import find_extra, read_extra
from clusterkg.graph.store import open_writer, previous_meta
from clusterkg.graph.store.remote import RemoteEndpoint, read_record, sync_graphs
from clusterkg.graph.publish.catalog import PROFILES, DatasetFacts, DumpFile, Publishing, describe_catalog, describe_void
from clusterkg.graph.publish.feed import FeedLog, FeedMember, FeedState, ProfileState, load_state, version_iri, version_ntriples
from clusterkg.graph.read.names import country_name as pycountry_name
from clusterkg.graph.publish.turtle import turtle
from clusterkg.graph.map.vocab import DCTERMS, PROV, RDF, RDFS, XSD, Uris

__all__ = ["Outcome", "BuildSummary", "NothingToPublish", "process", "build", "build_time", "load_vocabulary",
           "PARALLEL_FROM"]


class NothingToPublish(ClusterkgError):
    """A build in which no profile could be published; nothing is written.

    :param summary: the :class:`BuildSummary` saying why each profile failed.
    """

    def __init__(self, message: str, summary: "BuildSummary"):
        self.summary = summary
        super().__init__(message)


def load_vocabulary(paths: list[str | Path]) -> Vocabulary:
    """The shipped vocabulary plus the ``networks.csv`` alias tables of the input folders.

    :raises ManifestError: a bad alias table (naming its file and line).
    """
    return Vocabulary.load().with_networks(network_files(paths))


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
    :param triples: triples loaded, summed over the graphs (a triple in two graphs counts twice).
    :param changed: profiles new or changed since the previous snapshot (feed members added).
    :param processed: profile files read, mapped and validated by this build; the others
        were unchanged files whose outcome came from the build cache.
    :param loaded: profile graphs loaded into the new snapshot; the others were carried
        over, unchanged, from the previous snapshot.
    """

    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generation: str | None = None
    started: _dt.datetime | None = None
    ended: _dt.datetime | None = None
    triples: int = 0
    changed: int = 0
    processed: int = 0
    loaded: int = 0
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
            f"changed since the last build: {self.changed}, processed: {self.processed}, "
            f"graphs loaded: {self.loaded}, quads (triples in named graphs): {self.triples}"
            + (f", snapshot: {self.generation}" if self.generation else "")
        )
        if self.remote is not None:
            lines.append(f"SPARQL server: graphs replaced: {len(self.remote.put)}, deleted: "
                         f"{len(self.remote.deleted)}, unchanged: {self.remote.kept}")
        return "\n".join(lines)


def _nt(g: Graph) -> bytes:
    """``g`` as canonical N-Triples, lines sorted (what the store and the dumps take)."""
    return canonical_ntriples(g.serialize(format="nt", encoding="utf-8"))


def _record_lines(graph_iri: str, activity: str, started: str) -> bytes:
    """The build record's triples about one published graph, as N-Triples."""
    when = f'"{started}"^^<{XSD.dateTime}>'
    return (f"<{graph_iri}> <{PROV.wasGeneratedBy}> <{activity}> .\n"
            f"<{graph_iri}> <{PROV.generatedAtTime}> {when} .\n"
            f"<{activity}> <{PROV.generated}> <{graph_iri}> .\n").encode("utf-8")


def _carried_over(writer, uris: Uris, previous: FeedState) -> set[str]:
    """Drop from a checkpointed generation every graph except the profile graphs of the
    previous state (those may be kept); return the IRIs of the graphs kept."""
    candidates = {str(uris.profile_graph(pid)): pid for pid in previous.profiles}
    kept = set()
    for g in writer.named_graphs():
        if g in candidates:
            kept.add(g)
        else:
            writer.remove_graph(g)
    return kept


def build(paths: Iterable[str | Path], store_root: str | Path, base_uri: str,
          progress: Callable[[Iterable], Iterable] | None = None,
          publishing: Publishing | None = None, workers: int | None = None,
          remote: RemoteEndpoint | None = None, incremental: bool = True) -> BuildSummary:
    """Read, map, validate every profile under ``paths`` and publish a new store snapshot.

    :param paths: profile files and folders (see :func:`collect_sources`).
    :param store_root: the store folder (created if missing).
    :param base_uri: base of minted IRIs (``CLUSTERKG_BASE_URI``).
    :param progress: wraps the stream of outcomes (e.g. ``tqdm``) to show progress.
    :param publishing: publisher, contact and licence for the DCAT-AP catalogue.
    :param workers: processes reading, mapping and validating profiles (default: one per
        core when more than :data:`PARALLEL_FROM` files need processing, else in-process).
    :param remote: a SPARQL server to put the named graphs on (Graph Store HTTP Protocol),
        only those that changed since the last build; the local snapshot is published
        after the server has them all.
    :param incremental: reuse what earlier builds made: outcomes of unchanged files
        (the cache in ``STORE/cache/``), and the previous snapshot's graphs and
        per-country dumps that did not change (the new snapshot starts as a checkpoint
        of it). The result is the same as a full build's, except for build times.
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
    writer = open_writer(store_root, from_current=incremental)
    cache = log = dumps = None
    try:
        previous = writer.previous
        known = _known_digests(previous)
        dumps = DumpWriter(  # with what the previous snapshot's dumps hold, to copy what did not change
            writer.dumps_dir, PREFIXES,
            reuse=(read_reuse(previous / "meta" / CHUNK_INDEX, previous / "dumps",
                              {name: d[0] for name, d in known.items() if isinstance(d, list) and d})
                   if previous else None),
            turtle_reuse=(read_turtle_reuse(previous / "meta" / TURTLE_INDEX, previous / "dumps", PREFIXES)
                          if previous else None))
        prev_meta = previous_meta(store_root)  # read under the writer's lock
        prev = load_state(prev_meta, members=False)
        state = FeedState(issued=dict(prev.issued))
        log = FeedLog(writer.meta_dir, prev_meta / "feed.jsonl" if prev_meta else None)
        cache = ProfileCache(Path(store_root) / "cache") if incremental else None
        kept = _carried_over(writer, uris, prev) if writer.previous is not None else set()
        voc_nt = _nt(ontology_graph())
        writer.add_graph(str(uris.vocabulary_graph), voc_nt)
        dumps.add_graph(str(uris.vocabulary_graph), voc_nt)
        summary.triples += voc_nt.count(b"\n")
        started = summary.started.isoformat()
        stamp = summary.started.strftime("%Y%m%dT%H%M%SZ")
        activity = str(uris.build(stamp))
        record: list[bytes] = []
        published: set[str] = set()
        fp = fingerprint(uris.base, network_files(paths)) if cache is not None else ""
        for outcome in processed(sources, uris, vocab, progress, workers, cache, fp):
            summary.processed += not outcome.reused
            if outcome.status == "valid":
                graph_iri = str(outcome.mapped.graph_iri)
                outcome.content_hash = outcome.facts.content_hash
                old = prev.profiles.get(outcome.source.id)
                nt, jsonld = graph_data(outcome, cache, uris, vocab)
                if not (graph_iri in kept and old is not None and old.hash == outcome.content_hash):
                    if graph_iri in kept:
                        writer.remove_graph(graph_iri)
                    writer.add_graph(graph_iri, nt)
                    summary.loaded += 1
                country = outcome.facts.country
                dumps.add_graph(graph_iri, nt, _subset(country) if country else None, jsonld)
                published.add(graph_iri)
                _note_version(outcome, prev, state, log, uris, stamp, started)
                summary.triples += outcome.facts.triples
                outcome.status = "published"
                record.append(_record_lines(graph_iri, activity, started))
            outcome.nt = outcome.jsonld = None  # loaded: the bytes are not needed any more
            summary.outcomes.append(outcome)
        log.close()
        summary.changed = log.added
        for gone in sorted(kept - published):  # removed files, or profiles now rejected
            writer.remove_graph(gone)
        extra_graphs: dict[str, Path] = {}
        for path in find_extra(paths):
            try:
                extra = read_extra(path, uris)
                shared = sorted(g for g in extra.graphs if g in extra_graphs)
                if shared:
                    raise ProfileReadError(f"writes into <{shared[0]}>, as {extra_graphs[shared[0]]} does; "
                                           "rename one of the files or its graphs", str(path))
            except ProfileReadError as exc:
                summary.extra_errors.append(exc)
                continue
            extra_graphs.update((g, path) for g in extra.graphs)
            writer.add_quads(extra.nquads)
            dumps.add_quads(extra.nquads)
            summary.extra.append(extra)
            summary.triples += extra.quads
        summary.ended = build_time()
        head = Graph()
        act = uris.build(stamp)
        head.add((act, RDF.type, PROV.Activity))
        head.add((act, RDFS.label, Literal(f"clusterkg {__version__} build")))
        head.add((act, PROV.startedAtTime, Literal(started, datatype=XSD.dateTime)))
        head.add((act, PROV.endedAtTime, Literal(summary.ended.isoformat(), datatype=XSD.dateTime)))
        head.add((act, DCTERMS.description, Literal(
            f"{len(summary.of('published'))} profiles published, {len(summary.of('rejected'))} rejected, "
            f"{len(summary.of('unreadable'))} unreadable")))
        if not summary.of("published"):
            raise NothingToPublish(
                f"no profile could be published ({len(summary.outcomes)} read"
                + (f", {len(summary.of('rejected'))} rejected, {len(summary.of('unreadable'))} unreadable"
                   if summary.outcomes else "")
                + "); the previous snapshot keeps serving", summary)
        build_nt = canonical_ntriples(head.serialize(format="nt", encoding="utf-8") + b"".join(record))
        writer.add_graph(str(uris.build_graph), build_nt)
        dumps.add_graph(str(uris.build_graph), build_nt)
        summary.triples += build_nt.count(b"\n")
        _publish_metadata(writer, dumps, known, summary, uris, publishing or Publishing(), prev, state)
        if remote is not None:
            summary.remote = sync_graphs(remote, writer.graph_ntriples(), read_record(prev_meta, remote),
                                         writer.meta_dir)
        summary.generation = writer.commit(summary.triples)
    except BaseException:
        if log is not None:
            log.close()
        if dumps is not None:
            dumps.abort()
        writer.abort()
        if cache is not None:
            cache.close(prune=False)
        raise
    if cache is not None:
        cache.close()
    return summary


_KEYWORDS = ["cluster organisations", "industrial clusters", "innovation clusters", "linked data",
             "European Cluster Collaboration Platform"]


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


def _known_digests(previous: Path | None) -> dict[str, list]:
    """The dump digests an earlier snapshot recorded (see :func:`_dump_file`); empty when
    there are none or they cannot be read."""
    try:
        known = json.loads((previous / "meta" / DIGESTS).read_text(encoding="utf-8")) if previous else {}
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _note_version(o: Outcome, prev: FeedState, state: FeedState, log: FeedLog, uris: Uris, stamp: str,
                  now: str) -> None:
    """Record a published profile's state; when it is new or its content changed since the
    previous build, append a version of its cluster to the feed. The cluster's triples
    are then dropped from the outcome (they can be many, over 100,000 profiles)."""
    cluster, h = str(o.mapped.cluster), o.facts.content_hash
    old = prev.profiles.get(o.source.id)
    if old is not None and old.hash == h:
        modified, issued = old.modified, old.issued
    else:
        modified, issued = now, (old.issued if old else now)
        version = str(version_iri(uris, o.source.id, stamp))
        log.append(FeedMember(o.source.id, version, cluster, now,
                              version_ntriples(o.facts.cluster_nt, cluster, version, now)))
    state.profiles[o.source.id] = ProfileState(h, modified, issued, cluster, o.facts.country)
    o.facts = dataclasses.replace(o.facts, cluster_nt="")


#: The chunk index of a snapshot's ``.gz`` dumps, in its ``meta/`` (see :mod:`.dumps`).
CHUNK_INDEX = "gz-chunks.json"
#: The chunk index of a snapshot's union Turtle, with each chunk's VoID figures.
TURTLE_INDEX = "ttl-chunks.json"
#: The digests, sizes and times of a snapshot's dump files, in its ``meta/``.
DIGESTS = "dump-digests.json"


def _subset(country: str) -> str:
    """The base name of a country's dump files (``clusterkg-srb``)."""
    return f"clusterkg-{country.lower()}"


def _publish_metadata(writer, dumps: DumpWriter, known: dict[str, list], summary: BuildSummary, uris: Uris,
                      pub: Publishing, prev: FeedState, state: FeedState) -> None:
    """Dumps (whole and per country), the DCAT-AP catalogue, VoID and the profiles'
    states, all written into the new snapshot before it is published. A country's dumps
    are reused from the previous snapshot when it has the same profiles, with the same
    content, as then; ``known`` holds the previous snapshot's dump digests
    (:func:`_known_digests`)."""
    now = summary.started.isoformat()
    stamp = summary.started.strftime("%Y%m%dT%H%M%SZ")
    published = summary.of("published")
    by_country: dict[str, list[Outcome]] = {}
    for o in published:
        if o.facts.country:
            by_country.setdefault(o.facts.country, []).append(o)

    def same_as_before(code: str, outcomes: list[Outcome]) -> bool:
        before = {pid: p.hash for pid, p in prev.profiles.items() if p.country == code}
        return before == {o.source.id: o.content_hash for o in outcomes}

    reused: dict[str, list[Path]] = {}
    for code in sorted(by_country):
        if same_as_before(code, by_country[code]):
            paths = writer.reuse_dumps([f"{_subset(code)}{ext}" for ext in (".ttl", ".ttl.gz", ".nq", ".nq.gz")])
            if paths is not None:
                reused[code] = paths
    done = dumps.finish({_subset(c) for c in by_country if c not in reused}, index=writer.meta_dir / CHUNK_INDEX,
                        turtle_index=writer.meta_dir / TURTLE_INDEX)
    all_dumps = [_dump_file(p, done.digests.get(p.name), known) for name, p in sorted(done.files.items())]

    def facts(key: str, outcomes: list[Outcome], country: str | None, dumps: list[DumpFile]) -> DatasetFacts:
        states = [state.profiles[o.source.id] for o in outcomes]
        name = pycountry_name(country) if country else None
        return DatasetFacts(
            key=key, country=country, country_name=name, profiles=len(outcomes),
            clusters=len({o.mapped.cluster for o in outcomes}),
            first_founded=first_founded([o.facts.founded for o in outcomes]),
            issued=state.issued.setdefault(key, min(s.issued for s in states)),
            modified=max(s.modified for s in states),
            keywords=_KEYWORDS + ([name] if name else []), dumps=dumps)

    datasets = [facts("all", published, None, all_dumps)]
    for code in sorted(by_country):
        paths = reused.get(code) or done.subsets[_subset(code)]
        datasets.append(facts(code.lower(), by_country[code], code,
                              [_dump_file(p, done.digests.get(p.name), known) for p in sorted(paths)]))
    catalog_issued = state.issued.setdefault("catalog", now)
    meta = writer.meta_dir
    meta.mkdir(parents=True, exist_ok=True)
    for profile in PROFILES:
        catalog = describe_catalog(uris, pub, datasets, summary.started, catalog_issued, profile,
                                   uris.build(stamp))
        (meta / f"catalog-{profile}.ttl").write_bytes(turtle(catalog))
    void = describe_void(uris, done.stats, all_dumps, summary.started)
    (meta / "void.ttl").write_bytes(turtle(void))
    (meta / DIGESTS).write_text(json.dumps({f.name: known[f.name] for ds in datasets for f in ds.dumps},
                                           sort_keys=True), encoding="utf-8")
    state.save_state(meta)
