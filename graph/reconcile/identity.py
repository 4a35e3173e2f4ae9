"""One cluster, one IRI: the records of all sources matched to each other.

Input: every mention the mappings listed (:class:`~clusterkg.graph.map.mentions.Mention`)
and the curators' decisions. Output: a :class:`Resolution`.

**Clusters.** The profiles' clusters (anchors) come first, one entity per cluster IRI
(the page versions of one cluster share it). The clusters the other sources name are
then taken in a fixed order (republications, registers, network pages, news; then by
file and line), each *record* once (the rows of one register that name one cluster are
one record: a renewed label is a second award of the same cluster):

1. a curator's "same" decision joins it to the entity of the record it names, whatever
   the score; "not same" keeps it from that entity;
2. otherwise it is scored (:func:`~.matching.score`) against the entities sharing a
   blocking key with it; at or above the merge score it joins the best one;
3. otherwise it becomes a cluster of its own (its provisional IRI, made unique), and
   when the best score reached the review score, the pair goes to the review file.

**Organisations.** Members with the same identity key in the same country already share
an IRI (the mapping scopes them by country). Here each member is compared with the
clusters (a member that is itself a cluster gets ``owl:sameAs`` that cluster) and with
the members of other IRIs (another country, another spelling): a merge gives
``owl:sameAs`` between the two; the review band and the decisions work as for clusters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from clusterkg.graph.map.mentions import Mention
from clusterkg.graph.read.decisions import Decision
from clusterkg.graph.read.namekeys import match_tokens as _match_tokens
from clusterkg.graph.reconcile.matching import Candidate, Match, MatchPolicy, blocking_keys, score

__all__ = ["Entity", "ReviewPair", "KindReport", "Resolution", "reconcile", "KIND_ORDER", "OWL_SAME_AS"]

#: The order the clusters of the other kinds of source are taken in.
KIND_ORDER = {"profile": 0, "republication": 1, "label-register": 2, "network-page": 3, "award-news": 4}
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
#: Blocks larger than this are not compared pairwise (a word half the names share says nothing).
_BLOCK_LIMIT = 64


@dataclass
class Entity:
    """A cluster (or an organisation IRI) as the records matched so far describe it."""

    iri: str
    anchor: bool
    names: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    country: str | None = None
    website: str | None = None
    keys: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def candidate(self) -> Candidate:
        """What the entity offers for comparison (:class:`~.matching.Candidate`)."""
        return Candidate(tuple(self.names), tuple(self.acronyms), self.country, self.website)

    def take(self, m: Mention) -> None:
        """Add what a record says (its names, acronyms, country, website, key)."""
        self.names += [n for n in m.names if n not in self.names]
        self.words += [w for w in m.words if w not in self.words]
        self.acronyms += [a for a in m.acronyms if a not in self.acronyms]
        self.country = self.country or m.country
        self.website = self.website or m.website
        if m.key not in self.keys:
            self.keys.append(m.key)
        if m.source_label not in self.sources:
            self.sources.append(m.source_label)
        self.mentions.append(m)


@dataclass(frozen=True)
class ReviewPair:
    """A pair the reconcile stage is unsure of: ``kind`` (``cluster`` or
    ``organisation``), each side's name, source and key, the score and its reasons."""

    kind: str
    left_name: str
    left_source: str
    left_key: str
    right_name: str
    right_source: str
    right_key: str
    score: float
    reasons: tuple[str, ...]


@dataclass
class KindReport:
    """What the reconcile stage made of one kind of source: records read (files), the
    clusters they name, how many were matched to a cluster already known, created, and
    sent to review."""

    files: int = 0
    records: int = 0
    matched: int = 0
    created: int = 0
    review: int = 0


@dataclass
class Resolution:
    """The outcome of :func:`reconcile`.

    :param iris: (file id, IRI as mapped) -> the cluster's IRI, for each record whose
        IRI changes.
    :param links: (subject, predicate, object) IRIs the reconcile stage asserts
        (``owl:sameAs`` between a member and the cluster or member it is).
    :param review: the pairs for the review file.
    :param report: source kind -> :class:`KindReport`.
    :param merged: (file id, name, cluster IRI, score or None for a decision) of each
        record joined to a cluster already known, for the build report.
    :param clusters: cluster IRI -> :class:`Entity`, every cluster after reconciliation.
    """

    iris: dict[tuple[str, str], str] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    review: list[ReviewPair] = field(default_factory=list)
    report: dict[str, KindReport] = field(default_factory=dict)
    merged: list[tuple[str, str, str, float | None]] = field(default_factory=list)
    clusters: dict[str, Entity] = field(default_factory=dict)


class _Decisions:
    """The curators' decisions as groups of keys said to be the same (union-find) and
    pairs said not to be."""

    def __init__(self, decisions: list[Decision]):
        self.parent: dict[str, str] = {}
        self.apart: set[frozenset[str]] = set()
        self.decided: set[str] = set()  # every key a "same" decision names
        for d in decisions:
            if d.same:
                self.decided.update((d.left, d.right))
                a, b = self.root(d.left), self.root(d.right)
                if a != b:
                    self.parent[max(a, b)] = min(a, b)
            else:
                self.apart.add(frozenset((d.left, d.right)))

    def root(self, key: str) -> str:
        while self.parent.get(key, key) != key:
            key = self.parent[key]
        return key

    def same(self, a: str, b: str) -> bool:
        return a != b and self.root(a) == self.root(b)

    def kept_apart(self, keys_a: list[str], keys_b: list[str]) -> bool:
        return any(frozenset((a, b)) in self.apart for a in keys_a for b in keys_b)


class _Index:
    """Entities by blocking key."""

    def __init__(self) -> None:
        self.blocks: dict[str, list[Entity]] = defaultdict(list)

    def add(self, e: Entity, c: Candidate) -> None:
        """Index ``e`` under the blocking keys of ``c`` (:func:`~.matching.blocking_keys`)."""
        for k in blocking_keys(c):
            if e not in self.blocks[k]:
                self.blocks[k].append(e)

    def near(self, c: Candidate) -> list[Entity]:
        """The entities sharing a blocking key with ``c`` (keys shared by too many skipped), by IRI."""
        seen: dict[str, Entity] = {}
        for k in sorted(blocking_keys(c)):
            block = self.blocks.get(k, [])
            if len(block) <= _BLOCK_LIMIT:
                for e in block:
                    seen.setdefault(e.iri, e)
        return [seen[i] for i in sorted(seen)]


def _best(c: Candidate, keys: list[str], index: _Index, decisions: _Decisions,
          skip: str | None = None) -> tuple[Match, Entity] | None:
    """The best-scoring entity near ``c`` that no decision keeps apart from it."""
    best: tuple[Match, Entity] | None = None
    for e in index.near(c):
        if e.iri == skip or decisions.kept_apart(keys, e.keys):
            continue
        m = score(c, e.candidate())
        if best is None or m.score > best[0].score:
            best = (m, e)
    return best


def _pair(kind: str, m: Mention, e: Entity, match: Match) -> ReviewPair:
    return ReviewPair(kind, m.names[0], m.source_label, m.key, e.names[0] if e.names else e.iri,
                      e.sources[0] if e.sources else "", e.keys[0] if e.keys else e.iri, match.score, match.reasons)


def _unique(iri: str, taken: dict[str, Entity]) -> str:
    if iri not in taken:
        return iri
    n = 2
    while f"{iri}-{n}" in taken:
        n += 1
    return f"{iri}-{n}"


def _clusters(mentions: list[Mention], decisions: _Decisions, policy: MatchPolicy, out: Resolution) -> None:
    entities = out.clusters
    index = _Index()
    by_root: dict[str, Entity] = {}  # the root of a "same" group -> the entity its first record joined
    profiles = out.report.setdefault("profile", KindReport())
    for m in sorted((m for m in mentions if m.kind == "cluster" and m.anchor), key=lambda m: (m.iri, m.source)):
        profiles.records += 1
        profiles.created += m.iri not in entities
        profiles.matched += m.iri in entities  # another version of a cluster already read
        e = entities.setdefault(m.iri, Entity(m.iri, True))
        e.take(m)
        if m.key in decisions.decided:
            by_root.setdefault(decisions.root(m.key), e)
    records: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.kind == "cluster" and not m.anchor:
            records[(m.source, m.iri)].append(m)
    for e in entities.values() if records else ():  # no other source: nothing to compare the profiles with
        index.add(e, e.candidate())
    order = sorted(records.values(), key=lambda ms: (KIND_ORDER.get(ms[0].source_kind, 9), ms[0].source,
                                                     ms[0].line or 0, ms[0].iri))
    for group in order:
        first = group[0]
        report = out.report.setdefault(first.source_kind, KindReport())
        report.records += 1
        c = Candidate(tuple(n for m in group for n in m.names), tuple(a for m in group for a in m.acronyms),
                      first.country, first.website)
        keys = list(dict.fromkeys(m.key for m in group))
        forced = next((by_root[decisions.root(k)] for k in keys if decisions.root(k) in by_root), None)
        found = None if forced else _best(c, keys, index, decisions)
        if forced is not None:
            target = forced
            report.matched += 1
            out.merged.append((first.source, first.names[0], target.iri, None))
        elif found is not None and found[0].score >= policy.merge:
            target = found[1]
            report.matched += 1
            out.merged.append((first.source, first.names[0], target.iri, found[0].score))
        else:
            if found is not None and found[0].score >= policy.review:
                out.review.append(_pair("cluster", first, found[1], found[0]))
                report.review += 1
            target = Entity(_unique(first.iri, entities), False)
            entities[target.iri] = target
            report.created += 1
        for m in group:
            target.take(m)
            if m.key in decisions.decided:
                by_root.setdefault(decisions.root(m.key), target)
            if m.iri != target.iri:
                out.iris[(m.source, m.iri)] = target.iri
        index.add(target, target.candidate())


def _exact_keys(e: Entity) -> set[str]:
    """The keys members are compared under: the words of a name (all of them, generic
    words and legal form aside: :attr:`Mention.words`), an acronym, a website host.
    Members are many, so only records that agree on one of these are scored."""
    keys = {"t:" + w for w in e.words} if e.words else \
        {"t:" + " ".join(sorted(set(_match_tokens(n)))) for n in e.names}
    keys.update("t:" + a.casefold() for a in e.acronyms)
    if e.website:
        keys.add("s:" + e.website)
    return keys


def _organisations(mentions: list[Mention], decisions: _Decisions, policy: MatchPolicy, out: Resolution) -> None:
    orgs: dict[str, Entity] = {}
    for m in sorted((m for m in mentions if m.kind == "organisation"), key=lambda m: (m.iri, m.source, m.line or 0)):
        orgs.setdefault(m.iri, Entity(m.iri, False)).take(m)
    if not orgs:
        return
    report = out.report.setdefault("organisation", KindReport())
    report.files = len({m.source for e in orgs.values() for m in e.mentions})
    by_key: dict[str, list[Entity]] = defaultdict(list)  # clusters, then the members seen so far
    for e in sorted(out.clusters.values(), key=lambda x: x.iri):
        for k in _exact_keys(e):
            by_key[k].append(e)
    for iri in sorted(orgs):
        e = orgs[iri]
        report.records += 1
        c = e.candidate()
        near: dict[str, Entity] = {}
        for k in sorted(_exact_keys(e)):
            for other in by_key.get(k, [])[:_BLOCK_LIMIT]:
                near.setdefault(other.iri, other)
        decided = [k for k in e.keys if k in decisions.decided]
        if decided:  # a curator joined it to a cluster or member: linked whatever the scores
            for other in [*out.clusters.values(), *orgs.values()]:
                if other.iri != iri and any(decisions.same(a, b) for a in decided for b in other.keys):
                    near[other.iri] = other
        linked = False
        for other in (near[i] for i in sorted(near)):
            if decisions.kept_apart(e.keys, other.keys):
                continue
            forced = bool(decided) and any(decisions.same(a, b) for a in decided for b in other.keys)
            match = score(c, other.candidate())
            kind = "cluster" if other.iri in out.clusters else "organisation"
            if forced or match.score >= policy.merge:
                if kind == "cluster" or other.iri < iri:
                    out.links.append((iri, OWL_SAME_AS, other.iri))
                linked = True
            elif match.score >= policy.review and (kind == "cluster" or other.iri < iri):
                out.review.append(_pair("organisation", e.mentions[0], other, match))
                report.review += 1
        report.matched += linked
        report.created += not linked
        for k in _exact_keys(e):
            by_key[k].append(e)


def reconcile(mentions: list[Mention], decisions: list[Decision] | None = None,
              policy: MatchPolicy | None = None) -> Resolution:
    """Reconcile every record of a build (see the module docstring).

    :param mentions: the mentions of all files mapped (anchors and the others).
    :param decisions: the curators' decisions (they win over the scores).
    :param policy: the merge and review scores (default :class:`~.matching.MatchPolicy`).
    :return: the :class:`Resolution`: the IRIs that change, the links, the review pairs,
        the report per kind of source. The same input gives the same output.
    """
    out = Resolution()
    known = _Decisions(decisions or [])
    policy = policy or MatchPolicy()
    files: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        if m.kind == "cluster":
            files[m.source_kind].add(m.source)
    _clusters(mentions, known, policy, out)
    _organisations(mentions, known, policy, out)
    for kind, ids in files.items():
        out.report.setdefault(kind, KindReport()).files = len(ids)
    out.links.sort()
    return out
