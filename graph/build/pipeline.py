"""The build: read -> map -> validate -> reconcile -> store -> publish, for every input file, in named steps.

:func:`build` runs the first three stages for every source file (as a stream, on every
core, with a cache: :mod:`.process`), loads the profiles that pass into a new store
snapshot, reconciles what the other sources name with them and loads those sources
(:mod:`.sources`), loads the curated RDF files, records the build, has the publish stage
write the dumps and the metadata, and publishes the snapshot atomically at the end. A file
that cannot be read or has SHACL violations is reported and left out; the others are
still published.

Builds are incremental by default: a file whose bytes, manifest row and the code that
processes it are unchanged is not processed again (:mod:`.cache`), the new snapshot
starts as a checkpoint of the previous one and only the graphs whose content changed are
replaced, and per-country dumps whose profiles are all unchanged are hard-linked.

This module only orchestrates: each step calls the stage that does the work.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime as _dt
from pathlib import Path
from typing import Callable, Iterable

from rdflib import Graph, Literal

from clusterkg import __version__
from clusterkg.graph.build.cache import ProfileCache, fingerprint
from clusterkg.graph.build.memory import return_large_blocks
from clusterkg.graph.build.process import Outcome, graph_data
from clusterkg.graph.build.record import ACTIVITIES_FILE, activity_heads
from clusterkg.graph.build.stream import processed
from clusterkg.graph.build.summary import REPORT_FILE, BuildSummary, NothingToPublish
from clusterkg.graph.errors import ProfileReadError, StoreError
from clusterkg.graph.map.canonical import canonical_ntriples
from clusterkg.graph.map.concepts import Vocabulary, ontology_graph
from clusterkg.graph.map.facts import ProfileFacts
from clusterkg.graph.map.mapping import Mapped
from clusterkg.graph.map.vocab import DCTERMS, PROV, RDF, RDFS, XSD, Uris
from clusterkg.graph import formats
from clusterkg.graph.publish.catalog import Publishing
from clusterkg.graph.publish.dumps import DumpWriter, dump_name
from clusterkg.graph.publish.feed import (
    FEED_FILE, FeedLog, FeedMember, FeedState, ProfileState, load_state, tombstone_ntriples, version_ntriples,
)
from clusterkg.graph.publish.metadata import PublishedProfile, open_dumps, subset_name, write_metadata
from clusterkg.graph.publish.site import SITE_FILE, write_site_index
from clusterkg.graph.publish.urls import Urls
from clusterkg.graph.build.sources import settle
from clusterkg.graph.map.mentions import Mention
from clusterkg.graph.read.decisions import Decision, decision_files, read_decisions
from clusterkg.graph.read.manifest import collect_sources, network_files
from clusterkg.graph.read.rdf import find_extra, read_extra
from clusterkg.graph.reconcile import (
    REVIEW_FILE, KindReport, MatchPolicy, Version, current_view, links_ntriples, ordered, review_csv, revision_lines,
)
from clusterkg.graph.store import Backend, RemoteEndpoint, StoreWriter, open_backend
from clusterkg.graph.store.snapshot import BuiltFor, previous_meta
from clusterkg.graph.validate.engines import DEFAULT_ENGINE

__all__ = ["build", "build_time", "load_vocabulary"]


def load_vocabulary(paths: list[str | Path]) -> Vocabulary:
    """The shipped vocabulary plus the ``networks.csv`` alias tables of the input folders.

    :raises ManifestError: a bad alias table (naming its file and line).
    """
    return Vocabulary.load().with_networks(network_files(paths))


def build_time(epoch: int | None = None) -> _dt.datetime:
    """The build's timestamp: now (UTC, whole seconds), or ``epoch`` (seconds since
    1970, the reproducible-builds ``SOURCE_DATE_EPOCH`` convention) when given, so a build
    can be made bit-for-bit repeatable."""
    if epoch is not None:
        return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def _valid(o: Outcome) -> tuple[Mapped, ProfileFacts]:
    """The mapping and the facts of a valid outcome (both are set for every valid one)."""
    if o.mapped is None or o.facts is None:
        raise ValueError(f"{o.source.path}: a valid outcome without its graph's facts")
    return o.mapped, o.facts


class _Build:
    """One build's state, shared by its steps (see :func:`build`)."""

    def __init__(self, paths: list[str | Path], backend: Backend, uris: Uris, incremental: bool,
                 epoch: int | None, policy: MatchPolicy):
        self.paths, self.backend, self.uris, self.incremental, self.epoch = paths, backend, uris, incremental, epoch
        sources, notes = collect_sources(paths)
        self.sources = sources
        self.started_at = build_time(epoch)
        self.summary = BuildSummary(notes=notes, started=self.started_at)
        self.vocab = load_vocabulary(paths)
        self.policy = policy
        self.decisions: list[Decision] = [d for f in decision_files(paths) for d in read_decisions(f)]
        self.mentions: list[Mention] = []  # what every valid file names, for the reconcile stage
        self.held: list[Outcome] = []  # valid outcomes whose graphs wait for the reconcile stage
        self.loaded_graphs: set[str] = set()
        self.stamp = self.started_at.strftime("%Y%m%dT%H%M%SZ")
        self.started = self.started_at.isoformat()
        self.writer: StoreWriter = backend.writer(incremental)
        self.cache: ProfileCache | None = None
        self._aborts: list[Callable[[], object]] = [self.writer.abort]  # what abort() undoes, in order
        self.record: list[bytes] = []  # the build record's lines about each published graph
        #: the earlier builds the record names, each the last to change a graph published now:
        #: start time (the feed state's) -> (activity IRI, the time as the store writes it)
        self.activities: dict[str, tuple[str, str]] = {}
        counts = collections.Counter(s.cluster_id for s in self.sources)
        #: cluster id -> its published versions (and their subsets), for clusters several files describe
        self.versions: dict[str, list[tuple[Version, str | None]]] = {c: [] for c, n in counts.items() if n > 1}
        self.published: list[PublishedProfile] = []

    # -- steps, in order
    def open(self) -> None:
        """Open the dump writer, the previous state, the change feed and the cache; drop
        from the checkpoint every graph that is not a profile graph of the previous state."""
        writer = self.writer
        self.dumps: DumpWriter
        self.dumps, self.known = open_dumps(writer.dumps_dir, writer.previous, self.summary.notes)
        self._aborts.insert(0, self.dumps.abort)
        prev_meta = self.prev_meta = previous_meta(self.backend.root)  # read under the writer's lock
        self.prev = load_state(prev_meta, self.summary.notes)
        self.state = FeedState(issued=dict(self.prev.issued))
        self.log = FeedLog(writer.meta_dir, prev_meta / FEED_FILE if prev_meta else None)
        self._aborts.insert(0, self.log.close)
        try:  # a full build fills it too; one that cannot be made only makes this build slower
            cache = self.cache = ProfileCache(self.backend.root / "cache")
            self._aborts.append(lambda: cache.close(prune=False))
        except StoreError as exc:
            self.summary.notes.append(f"{exc}; this build runs without it, processing every file")
        candidates = {old.graph or str(self.uris.profile_graph(pid)) for pid, old in self.prev.profiles.items()}
        self.kept: set[str] = set()
        if writer.previous is not None:
            record = str(self.uris.build_graph)  # updated by its changed lines (build_record)
            for g in writer.named_graphs():
                if g in candidates:
                    self.kept.add(g)
                elif g != record:
                    writer.remove_graph(g)

    def add_graph(self, graph_iri: str, ntriples: bytes, subset: str | None = None,
                  jsonld: bytes | None = None, replace: bool = False) -> None:
        """Load one graph into the snapshot and its dumps (``replace``: a graph the
        checkpoint holds, changed by the lines that differ, :meth:`StoreWriter.replace_graph`)."""
        (self.writer.replace_graph if replace else self.writer.add_graph)(graph_iri, ntriples)
        self.dumps.add_graph(graph_iri, ntriples, subset, jsonld)
        self.summary.triples += ntriples.count(b"\n")

    def vocabulary(self) -> None:
        """The vocabulary and the concept schemes, as ``graph/vocabulary``."""
        self.add_graph(str(self.uris.vocabulary_graph),  # canonical N-Triples, lines sorted
                       canonical_ntriples(ontology_graph().serialize(format="nt", encoding="utf-8")))

    def profiles(self, progress: Callable[[Iterable], Iterable] | None, workers: int | None,
                 engine: str = DEFAULT_ENGINE) -> None:
        """Read, map and validate every source file; load each valid profile (unless the
        checkpoint holds it unchanged), note its version for the feed; hold back the other
        sources. graphs, whose clusters the reconcile stage settles first (:meth:`reconcile`)."""
        s = self.summary
        fp = fingerprint(self.uris.base, network_files(self.paths)) if self.cache is not None else ""
        for outcome in processed(self.sources, self.uris, self.vocab, progress, workers, self.cache, fp,
                                 self.started_at.date(), engine, reuse=self.incremental):
            s.processed += not outcome.reused
            if outcome.status == "valid":
                mapped, facts = _valid(outcome)
                self.mentions.extend(mapped.mentions)
                deferred = mapped.deferred
                # moved, not copied: dropped with self.mentions once reconciled (a build of
                # 100,000 profiles would otherwise hold about 3 KB of them per profile to the end)
                mapped.mentions = []
                if deferred:
                    self.held.append(outcome)  # its bytes are kept until it is loaded
                    s.outcomes.append(outcome)
                    continue
                outcome.content_hash = facts.content_hash
                nt, jsonld = graph_data(outcome, self.cache, self.uris, self.vocab)
                subset = subset_name(facts.country) if facts.country else None
                held = self.versions.get(outcome.source.cluster_id) if mapped.kind == "profile" else None
                if held is not None:  # one of several versions of a cluster: its share of the default
                    profile = outcome.profile  # graph is known once all are read (current_views)
                    held.append((Version(outcome.source.id, str(mapped.graph_iri), profile.layout if profile else "",
                                         outcome.source.retrieved.isoformat() if outcome.source.retrieved else None,
                                         nt), subset))
                self._publish(outcome, nt, jsonld, b"" if held is not None else None)
            outcome.nt = outcome.jsonld = None  # loaded: the bytes are not needed any more
            s.outcomes.append(outcome)

    def reconcile(self) -> None:
        """The reconcile stage over every file read: the held graphs of the other sources
        get their settled cluster IRIs and are loaded with their share of the current view;
        the links found go into ``graph/reconciliation``; the pairs left for a curator into
        ``meta/review.csv``. Then the graphs of files gone are removed, with their tombstones."""
        s = self.summary
        resolution, settled = settle(self.held, self.mentions, self.decisions, self.policy, self.cache, self.uris,
                                     self.vocab)
        for item in settled:
            self._publish(item.outcome, item.ntriples, item.jsonld, item.union)
            item.outcome.nt = item.outcome.jsonld = None
        if resolution.links:
            self.add_graph(str(self.uris.reconciliation_graph), links_ntriples(resolution.links))
        self.writer.meta_dir.mkdir(parents=True, exist_ok=True)
        (self.writer.meta_dir / REVIEW_FILE).write_text(review_csv(resolution.review), encoding="utf-8")
        for kind, n in collections.Counter(o.profile.kind for o in s.outcomes if o.profile is not None).items():
            resolution.report.setdefault(kind, KindReport()).files = n
        s.reconciled, s.review_file = resolution, self.backend.root / "current" / "meta" / REVIEW_FILE
        self.mentions, self.held = [], []
        for gone in sorted(self.kept - self.loaded_graphs):  # removed files, or files now rejected
            self.writer.remove_graph(gone)
        removed = self._tombstones()
        self.log.finish(removed)
        s.notes.extend(self.log.notes)
        s.changed = self.log.added

    def _publish(self, outcome: Outcome, nt: bytes, jsonld: bytes, union: bytes | None) -> None:
        """Load one valid file's graph (unless the checkpoint holds it unchanged) and its
        dumps (``union``: its share of the current view, when not all of it), note its
        version for the feed and the build record."""
        mapped, facts = _valid(outcome)
        graph_iri = str(mapped.graph_iri)
        outcome.content_hash = facts.content_hash
        old = self.prev.profiles.get(outcome.source.id)
        if not (graph_iri in self.kept and old is not None and old.hash == outcome.content_hash):
            if graph_iri in self.kept:
                self.writer.remove_graph(graph_iri)
            self.writer.add_graph(graph_iri, nt)
            self.summary.loaded += 1
        subset = subset_name(facts.country) if facts.country else None
        self.dumps.add_graph(graph_iri, nt, subset, jsonld, union=union)
        self.loaded_graphs.add(graph_iri)
        self._note_version(outcome)
        self.summary.triples += facts.triples
        outcome.status = "published"
        self.record.append(self._record_lines(graph_iri, self.state.profiles[outcome.source.id].modified))

    def _tombstones(self) -> frozenset[str]:
        """A tombstone in the feed for each profile published before and not now (its file
        removed, or rejected now); return their ids."""
        now = {o.source.id for o in self.summary.outcomes if o.status == "published"}
        clusters = {p.cluster for p in self.published}
        removed = frozenset(pid for pid in self.prev.profiles if pid not in now)
        for pid in sorted(removed):
            old = self.prev.profiles[pid]
            member = str(Urls(self.uris.base).feed_member(pid, self.stamp))
            cluster = old.cluster if old.cluster not in clusters else None
            graph = old.graph or str(self.uris.profile_graph(pid))
            self.log.append(FeedMember(pid, member, old.cluster, self.started,
                                       tombstone_ntriples(member, graph, cluster, self.started)))
        return removed

    def current_views(self) -> None:
        """The default graph's share of each cluster several published versions describe
        (:mod:`clusterkg.graph.reconcile`), their ``prov:wasRevisionOf`` links, a report line each."""
        for cluster_id, held in sorted(self.versions.items()):
            if not held:
                continue
            subsets = {v.profile_id: subset for v, subset in held}
            versions = ordered([v for v, _subset in held])
            shares = current_view(str(self.uris.cluster(cluster_id)), str(self.uris.base) + "graph/", versions) \
                if len(versions) > 1 else [versions[0].ntriples]
            for version, share in zip(versions, shares, strict=True):
                self.dumps.add_union(share, subsets[version.profile_id])
            if len(versions) > 1:
                self.record.append(revision_lines(versions))
                self.summary.folded.append((str(self.uris.cluster(cluster_id)), [v.profile_id for v in versions]))

    def default_graph(self) -> None:
        """Load the default graph (the sorted union the publish step wrote) into the store."""
        previous = self.writer.previous
        before = previous / "dumps" / dump_name(formats.N_TRIPLES) if previous is not None else None
        self.view_changes = self.writer.set_default_graph(
            self.writer.dumps_dir / dump_name(formats.N_TRIPLES),
            before if before is not None and before.is_file() else None, str(self.uris.current_graph))

    def curated(self) -> None:
        """Load the curated RDF files of the input folders; a file that cannot be read, or
        writes into a graph another one wrote, is reported and left out."""
        graphs: dict[str, Path] = {}
        for path in find_extra(self.paths):
            try:
                extra = read_extra(path, str(self.uris.extra_graph(path.stem)), self.uris.base,
                                   self.uris.is_build_graph)
                shared = sorted(g for g in extra.graphs if g in graphs)
                if shared:
                    raise ProfileReadError(f"writes into <{shared[0]}>, as {graphs[shared[0]]} does; "
                                           "rename one of the files or its graphs", str(path))
            except ProfileReadError as exc:
                self.summary.extra_errors.append(exc)
                continue
            graphs.update((g, path) for g in extra.graphs)
            self.writer.add_quads(extra.nquads)
            self.dumps.add_quads(extra.nquads)
            self.summary.extra.append(extra)
            self.summary.triples += extra.quads

    def build_record(self) -> None:
        """The build record (``graph/build``): the build as a ``prov:Activity``, each
        published graph with the build that last changed it (``prov:wasGeneratedBy``,
        ``prov:generatedAtTime``), and those earlier builds as activities too (their
        descriptions carried from build to build in ``meta/``:data:`ACTIVITIES_FILE`). A
        graph that did not change keeps its provenance, so a rebuild changes the record
        only where a graph changed (PROV-O §3.1: generation is the completion of the
        production of an entity; keeping an unchanged graph produces nothing).

        :raises NothingToPublish: when no profile passed.
        """
        s = self.summary
        s.ended = build_time(self.epoch)
        head, act = Graph(), self.uris.build(self.stamp)
        head.add((act, RDF.type, PROV.Activity))
        head.add((act, RDFS.label, Literal(f"clusterkg {__version__} build")))
        head.add((act, PROV.startedAtTime, Literal(self.started, datatype=XSD.dateTime)))
        head.add((act, PROV.endedAtTime, Literal(s.ended.isoformat(), datatype=XSD.dateTime)))
        head.add((act, DCTERMS.description, Literal(
            f"{len(s.of('published'))} profiles published, {len(s.of('rejected'))} rejected, "
            f"{len(s.of('unreadable'))} unreadable")))
        if not s.of("published"):
            raise NothingToPublish(
                f"no profile could be published ({len(s.outcomes)} read"
                + (f", {len(s.of('rejected'))} rejected, {len(s.of('unreadable'))} unreadable" if s.outcomes else "")
                + "); the previous snapshot keeps serving", s)
        heads = {str(act): head.serialize(format="nt", encoding="utf-8")}
        earlier = activity_heads(self.prev_meta, str(self.uris.build("")))
        for iri, when in sorted(self.activities.values()):
            if iri not in heads:  # an earlier build's description (a store made before they were kept: its start)
                heads[iri] = earlier.get(iri) or (f"<{iri}> <{RDF.type}> <{PROV.Activity}> .\n"
                                                  f"<{iri}> <{PROV.startedAtTime}> {when} .\n").encode("utf-8")
        described = canonical_ntriples(b"".join(heads.values()))
        self.writer.meta_dir.mkdir(parents=True, exist_ok=True)
        (self.writer.meta_dir / ACTIVITIES_FILE).write_bytes(described)
        lines = described.splitlines(keepends=True)
        for block in self.record:  # canonical already: sorted as lines, not read again (a store would hold them all)
            lines.extend(block.splitlines(keepends=True))
        self.record = []
        # the previous record's unchanged lines stay (kept from the checkpoint by open())
        self.add_graph(str(self.uris.build_graph), b"".join(sorted(set(lines))), replace=True)

    def publish(self, publishing: Publishing) -> None:
        """The publish stage: dumps, catalogue, VoID and state, into the new snapshot."""
        write_metadata(self.dumps, self.known, self.published, self.state, self.prev, meta=self.writer.meta_dir,
                       uris=self.uris, publishing=publishing, started=self.started_at,
                       reuse_dumps=self.writer.reuse_dumps)
        BuiltFor(str(self.uris.base), tuple(str(Path(p).resolve()) for p in self.paths)).write(self.writer.meta_dir)

    def publish_and_load(self, publishing: Publishing) -> None:
        """:meth:`publish` in a thread; here, once it has sorted the union, :meth:`default_graph`
        then :meth:`site_index` (zlib, ``sort``, Oxigraph, SQLite run outside Python's lock).

        :raises StoreError, OSError: from either side, once both have stopped."""
        sorted_union = self.dumps.union_sorted
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="publish") as pool:
            job = pool.submit(self.publish, publishing)
            job.add_done_callback(lambda _job: sorted_union.set())  # also when it failed first
            sorted_union.wait()
            if job.done():
                job.result()  # its error, before anything reads the union
            try:
                self.default_graph()
                self.site_index()
            except BaseException as exc:
                if job.exception() is not None:  # waits for it to stop
                    exc.add_note(f"the publish step failed too: {job.exception()}")
                raise
            job.result()

    def site_index(self) -> None:
        """The pages' index (search, facets, figures) from the current view, into ``meta/``:
        the previous snapshot's, updated where the current view changed, when it can be."""
        start = self.writer.previous  # the snapshot the changes are counted from
        previous = start / "meta" / SITE_FILE if start is not None else None
        _figures, self.summary.site_updated = write_site_index(
            self.writer.select, self.writer.meta_dir, self.started_at.isoformat(timespec="seconds"), previous,
            self.view_changes)

    def commit(self) -> None:
        """Publish the snapshot (and, with a SPARQL server, put the changed graphs there first)."""
        (self.writer.meta_dir / REPORT_FILE).write_text(self.summary.text() + "\n", encoding="utf-8")
        self.summary.generation = self.writer.commit(self.summary.triples)
        self.summary.remote = getattr(self.writer, "sync", None)  # what a remote backend did on the server
        if self.cache is not None:
            self.cache.close()
            self.summary.notes.extend(self.cache.notes)

    def abort(self) -> None:
        """Drop everything this build wrote; the previous snapshot stays. Every step is
        undone even when one fails (a full disk may fail the clean-up too)."""
        for undo in self._aborts:
            try:
                undo()
            except (OSError, StoreError):
                pass

    # -- helpers
    def _record_lines(self, graph_iri: str, modified: str) -> bytes:
        """The build record's triples about one published graph, as N-Triples: the build
        that last changed it, which started at ``modified`` (ISO 8601, the feed state's time)."""
        found = self.activities.get(modified)
        if found is None:  # once per build named: its IRI (by its stamp), and the time as the store writes it
            stamp = _dt.datetime.fromisoformat(modified).astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            line = canonical_ntriples(f'<{PROV.generatedAtTime}> <{PROV.generatedAtTime}> '
                                      f'"{modified}"^^<{XSD.dateTime}> .\n'.encode("utf-8"))
            found = self.activities[modified] = (str(self.uris.build(stamp)),
                                                 line.decode("utf-8").split(" ", 2)[2][:-3])
        activity, when = found
        # canonical N-Triples as written (the time made so above), sorted with the rest at the end
        return (f"<{graph_iri}> <{PROV.wasGeneratedBy}> <{activity}> .\n"
                f"<{graph_iri}> <{PROV.generatedAtTime}> {when} .\n"
                f"<{activity}> <{PROV.generated}> <{graph_iri}> .\n").encode("utf-8")

    def _note_version(self, o: Outcome) -> None:
        """Record a published profile's state; when it is new or its content changed since
        the previous build, append a version of its cluster to the feed. The cluster's
        triples are then dropped from the outcome (they can be many, over 100,000 profiles)."""
        mapped, facts = _valid(o)
        cluster, h, now = str(mapped.cluster), facts.content_hash, self.started
        old = self.prev.profiles.get(o.source.id)
        if old is not None and old.hash == h:
            modified, issued = old.modified, old.issued
        else:
            modified, issued = now, (old.issued if old else now)
            version = str(Urls(self.uris.base).feed_member(o.source.id, self.stamp))
            self.log.append(FeedMember(o.source.id, version, cluster, now,
                                       version_ntriples(facts.cluster_nt, cluster, version, now)))
        self.state.profiles[o.source.id] = ProfileState(h, modified, issued, cluster, facts.country,
                                                        str(mapped.graph_iri))
        self.published.append(PublishedProfile(o.source.id, cluster, facts.country, h, facts.founded, mapped.kind))
        o.facts = dataclasses.replace(facts, cluster_nt="")


def build(paths: Iterable[str | Path], store: str | Path | Backend, base_uri: str,
          progress: Callable[[Iterable], Iterable] | None = None,
          publishing: Publishing | None = None, workers: int | None = None,
          remote: RemoteEndpoint | None = None, incremental: bool = True,
          source_date_epoch: int | None = None, policy: MatchPolicy | None = None,
          shacl_engine: str = DEFAULT_ENGINE) -> BuildSummary:
    """Read, map, validate every profile under ``paths`` and publish a new store snapshot.

    :param paths: profile files and folders (see :func:`~clusterkg.graph.read.manifest.collect_sources`).
    :param store: the store folder (created if missing), or the :class:`~clusterkg.graph.store.Backend`.
    :param base_uri: base of minted IRIs (``CLUSTERKG_BASE_URI``).
    :param progress: wraps the stream of outcomes (e.g. ``tqdm``) to show progress.
    :param publishing: publisher, contact and licence for the DCAT-AP catalogue.
    :param workers: processes reading, mapping and validating profiles (default: one per
        core when more than :data:`~.stream.PARALLEL_FROM` files need processing, else in-process).
    :param remote: with a store folder: a SPARQL server to put the named graphs on
        (Graph Store HTTP Protocol), only those that changed since the last build; the
        local snapshot is published after the server has them all.
    :param incremental: reuse what earlier builds made: outcomes of unchanged files
        (the cache in ``STORE/cache/``), and the previous snapshot's graphs and
        per-country dumps that did not change (the new snapshot starts as a checkpoint
        of it). The result is the same as a full build's, except for build times. A
        full build (False) processes every file and fills the cache for the next one.
    :param source_date_epoch: the build's time, seconds since 1970 (``SOURCE_DATE_EPOCH``),
        for a repeatable build; default: now.
    :param policy: the scores at which the reconcile stage merges two records, and from
        which it sends a pair to review (``CLUSTERKG_MERGE_SCORE``, ``CLUSTERKG_REVIEW_SCORE``).
    :param shacl_engine: the SHACL engine that validates the profiles, a name of
        :data:`~clusterkg.graph.validate.engines.ENGINES` (``CLUSTERKG_SHACL_ENGINE``).
    :return: the :class:`BuildSummary`; the snapshot is published even when some
        profiles were rejected (check ``summary.ok``).
    :raises ManifestError: a bad manifest, alias table or decisions file (nothing is written).
    :raises NothingToPublish: when no profile passed (the previous snapshot stays); it
        carries the summary.
    :raises StoreError: the store cannot be written, or another build holds it (the
        previous snapshot stays).
    """
    return_large_blocks()  # the build's large buffers go back to the system when freed (see .memory)
    backend = store if isinstance(store, Backend) else open_backend(store=store, remote=remote)
    run = _Build(list(paths), backend, Uris(base_uri), incremental, source_date_epoch, policy or MatchPolicy())
    try:
        run.open()
        run.vocabulary()
        run.profiles(progress, workers, shacl_engine)
        run.reconcile()
        run.current_views()
        run.curated()
        run.build_record()
        run.publish_and_load(publishing or Publishing())
        run.commit()
    except OSError as exc:  # a full disk, a folder made read-only: one line, not a traceback
        run.abort()
        raise StoreError(f"{backend.root}: cannot write the new snapshot ({exc.strerror or exc}); "
                         "the previous snapshot keeps serving") from None
    except StoreError as exc:
        run.abort()
        exc.args = (f"{exc}; the previous snapshot keeps serving",)
        raise
    except BaseException:
        run.abort()
        raise
    return run.summary
