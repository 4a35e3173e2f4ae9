"""The build step between reading and loading the other sources: reconcile, then settle.

The graphs of registers, network pages, award news and republications name clusters by
provisional IRIs, so the build holds them back while the profiles stream in
(:meth:`~clusterkg.graph.map.base.Mapped.deferred`). Once every file is read,
:func:`settle` reconciles all mentions (:func:`~clusterkg.graph.reconcile.reconcile`),
gives each held graph its settled IRIs (:func:`~clusterkg.graph.reconcile.rewrite`) and
works out its share of the current view (:func:`~clusterkg.graph.reconcile.share`); the
pipeline then loads them like the profiles. This module only orchestrates.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rdflib import URIRef

from clusterkg.graph.build.cache import ProfileCache
from clusterkg.graph.build.process import Outcome, graph_data
from clusterkg.graph.map.canonical import content_hash, jsonld_fragment
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.mentions import Mention
from clusterkg.graph.map.vocab import Uris
from clusterkg.graph.read.decisions import Decision
from clusterkg.graph.reconcile import MatchPolicy, Resolution, reconcile, rewrite, share, view_owners
from clusterkg.graph.reconcile.identity import KIND_ORDER

__all__ = ["Settled", "settle"]


@dataclass
class Settled:
    """A held graph, settled: its ``outcome`` (mapping and facts updated to the settled
    IRIs), its canonical N-Triples and JSON-LD, and its share of the current view."""

    outcome: Outcome
    ntriples: bytes
    jsonld: bytes
    union: bytes


def _literal(text: str) -> str:
    """A plain literal as canonical N-Triples writes it."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def settle(held: list[Outcome], mentions: list[Mention], decisions: list[Decision], policy: MatchPolicy,
           cache: ProfileCache | None, uris: Uris, vocab: Vocabulary) -> tuple[Resolution, list[Settled]]:
    """Reconcile every mention of the build, then settle each held graph.

    :param held: the valid outcomes whose graphs were held back, any order.
    :param mentions: the mentions of every valid outcome (profiles' and held ones').
    :param decisions: the curators' decisions.
    :param policy: the merge and review scores.
    :param cache: the build cache (a held graph reused from it is read back from it).
    :param uris: the IRI minter; ``vocab``: the vocabulary (to process a file again when
        its cached graph cannot be read back).
    :return: the :class:`~clusterkg.graph.reconcile.Resolution` and the settled graphs, in
        the order they count for the current view (republications first, then registers,
        network pages, news; then by file id).
    """
    resolution = reconcile(mentions, decisions, policy)
    ordered = sorted(held, key=lambda o: (KIND_ORDER.get(o.mapped.kind if o.mapped else "", 9), o.source.id))
    graphs: list[tuple[Outcome, bytes, bytes, dict[str, str]]] = []
    for o in ordered:
        nt, jsonld = graph_data(o, cache, uris, vocab)
        iris = {old: new for (source, old), new in resolution.iris.items() if source == o.source.id}
        if iris:
            nt = rewrite(nt, iris)
            assert o.mapped is not None
            jsonld = jsonld_fragment(str(o.mapped.graph_iri), nt)
        graphs.append((o, nt, jsonld, iris))
    stated: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    for m in mentions:
        if m.kind == "cluster" and m.anchor:
            stated.setdefault(m.iri, set()).update(m.stated)
            names.setdefault(m.iri, set()).update(_literal(n) for n in m.names)
    owners = view_owners([(o.source.id, nt) for o, nt, _j, _i in graphs], set(resolution.clusters), stated)
    out = []
    for o, nt, jsonld, iris in graphs:
        assert o.mapped is not None and o.facts is not None
        topic = str(o.mapped.cluster)
        o.mapped.cluster = URIRef(iris.get(topic, topic))
        cluster_nt = rewrite(o.facts.cluster_nt.encode(), iris).decode() if iris else o.facts.cluster_nt
        o.facts = dataclasses.replace(o.facts, content_hash=content_hash(nt), cluster_nt=cluster_nt,
                                      triples=nt.count(b"\n"))
        out.append(Settled(o, nt, jsonld, share(nt, o.source.id, owners, names)))
    return resolution, out
