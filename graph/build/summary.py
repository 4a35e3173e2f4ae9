"""The outcome of a build, for the terminal and for tests."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from clusterkg.graph.build.process import Outcome
from clusterkg.graph.errors import ClusterkgError, ProfileReadError
from clusterkg.graph.read.profile import SOURCE_KINDS
from clusterkg.graph.read.rdf import ExtraGraph
from clusterkg.graph.reconcile import Resolution
from clusterkg.graph.store.sync import SyncReport

__all__ = ["BuildSummary", "NothingToPublish", "REPORT_FILE"]

#: The whole build report, in each snapshot's ``meta/`` (what ``clusterkg build`` prints
#: without ``-q``).
REPORT_FILE = "build-report.txt"


class NothingToPublish(ClusterkgError):
    """A build in which no profile could be published; nothing is written.

    :param summary: the :class:`BuildSummary` saying why each profile failed.
    """

    def __init__(self, message: str, summary: "BuildSummary"):
        self.summary = summary
        super().__init__(message)


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
    :param extra: the curated RDF files loaded; ``extra_errors``: those refused.
    :param remote: what the build did on the SPARQL server, with a remote store.
    :param folded: (cluster IRI, profile ids oldest first) of each cluster several published
        pages describe: the default graph shows it as the latest says it (its current view).
    :param reconciled: what the reconcile stage made of the records of every kind of
        source (clusters matched, created, sent to review; links found).
    :param review_file: where the build wrote the pairs left for a curator (CSV).
    :param site_updated: the clusters whose rows the site index read again, when it was
        updated from the previous snapshot's (None: made in full).
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
    extra: list[ExtraGraph] = field(default_factory=list)
    extra_errors: list[ProfileReadError] = field(default_factory=list)
    remote: SyncReport | None = None
    folded: list[tuple[str, list[str]]] = field(default_factory=list)
    reconciled: Resolution | None = None
    review_file: Path | None = None
    site_updated: int | None = None

    def _sources_text(self, verbose: bool) -> list[str]:
        """The reconcile stage's report: per kind of source, the files and records read, the
        clusters matched to one already known, created, sent to review; the review file."""
        r = self.reconciled
        if r is None:
            return []
        lines = []
        if verbose:
            lines += [f"  matched {source}: {name!r} is <{iri}> "
                      + (f"(score {score:.2f})" if score is not None else "(a curator's decision)")
                      for source, name, iri, score in r.merged]
            lines += [f"  linked <{s}> owl:sameAs <{o}>" for s, _p, o in r.links]
        for kind in (*SOURCE_KINDS, "organisation"):
            k = r.report.get(kind)
            if k is None or not (k.files or k.records) or (kind == "profile" and not k.records):
                continue  # profile pages that name no other cluster: nothing to say
            what = "named members" if kind == "organisation" else "clusters named"  # unnamed: none to match
            lines.append(f"{kind}: files read {k.files}, {what} {k.records}, matched {k.matched}, "
                         f"created {k.created}, sent to review {k.review}")
        if r.review:
            lines.append(f"review: {len(r.review)} pair(s) to decide in {self.review_file} (copy a row into a "
                         "decisions.csv beside the inputs and write 'same' or 'not same' in its 'decision' column)")
        return lines

    def of(self, status: str) -> list[Outcome]:
        """The outcomes with this status (``published``, ``rejected``, ``unreadable``)."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def unmapped(self) -> int:
        """Values kept under the catch-all property, over all profiles."""
        return sum(len(o.mapped.unmapped) for o in self.outcomes if o.mapped)

    @property
    def ok(self) -> bool:
        """True when every profile was published and every curated RDF file loaded."""
        return all(o.status == "published" for o in self.outcomes) and not self.extra_errors

    def text(self, verbose: bool = True) -> str:
        """The build report: notes on the input, per-file problems, unmapped values, then
        the totals. Quiet (``verbose`` False), per-file remarks that are not problems are
        counted instead of listed (files without a manifest row, folded pages), so the
        text stays a few lines for any number of files; rejected and unreadable files are
        always listed."""
        lines: list[str] = self._notes(verbose)
        for o in self.outcomes:
            if o.status == "unreadable":
                lines.append(f"UNREADABLE {o.error}")
                continue
            if o.status == "rejected" and o.report is not None:
                lines.append(f"REJECTED {o.source.path}:")
                lines.extend("  " + str(r) for r in o.report.violations)
            if verbose and o.mapped is not None:
                lines.extend(f"  note {i}" for i in sorted(o.issues, key=lambda i: i.line or 0))
                for u in o.mapped.unmapped:
                    lines.append(f"  unmapped {o.source.path}:{u.line}: [{u.label}] {u.text[:100]!r}")
                for c in o.mapped.new_concepts:
                    lines.append(f"  new concept {o.source.path}:{c.line}: {c.scheme}: {c.label!r}")
                for r in o.mapped.unresolved_regions:
                    lines.append(f"  region not in NUTS {o.source.path}:{r.line}: {r.text!r}")
                for n in o.mapped.new_networks:
                    lines.append(f"  new network {o.source.path}: {n!r} (in no networks.csv alias table)")
                if o.report:
                    lines.extend("  " + str(r) for r in o.report.warnings)
        lines.extend(f"UNREADABLE {e}" for e in self.extra_errors)
        if verbose:
            lines.extend(f"folded {', '.join(ids)} into <{cluster}> (current: {ids[-1]})"
                         for cluster, ids in self.folded)
        elif self.folded:
            lines.append(f"clusters described by several pages: {len(self.folded)}, each shown as its latest page "
                         f"says (the list: {REPORT_FILE} in the snapshot's meta/)")
        lines.extend(self._sources_text(verbose))
        lines.extend(f"  loaded {x.path} into <{x.iri}> ({x.quads} quads)" for x in self.extra if verbose)
        lines.append(
            f"profiles read: {len(self.outcomes) - len(self.of('unreadable'))} of {len(self.outcomes)}, "
            f"published: {len(self.of('published'))}, rejected: {len(self.of('rejected'))}, "
            f"unreadable: {len(self.of('unreadable'))}, values unmapped: {self.unmapped}, "
            f"changed since the last build: {self.changed}, processed: {self.processed}, "
            f"graphs loaded: {self.loaded}, quads (triples in named graphs): {self.triples}"
            + (f", site index updated for {self.site_updated} cluster(s)" if self.site_updated is not None else "")
            + (f", snapshot: {self.generation}" if self.generation else "")
        )
        if self.remote is not None:
            lines.append(f"SPARQL server: graphs replaced: {len(self.remote.put)}, deleted: "
                         f"{len(self.remote.deleted)}, unchanged: {self.remote.kept}")
        return "\n".join(lines)

    def _notes(self, verbose: bool) -> list[str]:
        """The notes on the input; quiet, those on files without a manifest row as one count."""
        unlisted = {str(o.source.path) for o in self.outcomes if not o.source.in_manifest}
        if verbose or not unlisted:
            return list(self.notes)
        kept = [n for n in self.notes if n.split(": not in a manifest;", 1)[0] not in unlisted]
        kept.append(f"files not in a manifest: {len(unlisted)}, ids from their file names, no source URL, country "
                    f"or retrieval date (the list: {REPORT_FILE} in the snapshot's meta/)")
        return kept
