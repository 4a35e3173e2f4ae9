"""The few facts about a published profile that the build's metadata needs.

A profile's graph is loaded into the store as N-Triples and then dropped, so the build
keeps (and the cache stores) only these: its country, its earliest founding date, the
number of triples, the content hash and the cluster's own triples (for the change feed).
They are worked out where the profile is processed (in a worker process, in parallel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rdflib import Graph, URIRef

from clusterkg.graph.map.canonical import content_hash
from clusterkg.graph.map.vocab import CKG, SCHEMA

__all__ = ["ProfileFacts", "profile_facts", "first_founded"]


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """What the catalogue, VoID and the feed need of one published profile graph.

    :param triples: number of triples in the graph.
    :param content_hash: see :func:`~clusterkg.graph.map.canonical.content_hash`.
    :param country: EU country code of the cluster (``SRB``), or None.
    :param founded: the earliest founding date as ``YYYY-MM-DD``, or None.
    :param cluster_nt: the cluster's own triples (subject: the cluster) as N-Triples.
    """

    triples: int
    content_hash: str
    country: str | None
    founded: str | None
    cluster_nt: str


def first_founded(dates: Sequence[str | None]) -> str | None:
    """The earliest of ``YYYY-MM-DD`` dates, Nones ignored; None when there is none."""
    known = [d for d in dates if d]
    return min(known) if known else None


def _founded(g: Graph) -> str | None:
    dates = []
    for d in g.objects(None, SCHEMA.foundingDate):
        lex = str(d)
        if len(lex) == 4 and lex.isdigit():
            lex += "-01-01"
        elif len(lex) == 7:
            lex += "-01"
        if len(lex) == 10:
            dates.append(lex)
    return first_founded(dates)


def profile_facts(g: Graph, cluster: URIRef, ntriples: bytes) -> ProfileFacts:
    """The facts of profile graph ``g``, whose N-Triples are ``ntriples``.

    :param g: the profile's named graph.
    :param cluster: the cluster's IRI.
    :param ntriples: ``g`` serialised as N-Triples by rdflib (hashed, not parsed again;
        its lines about the cluster are the cluster's own triples, literals as mapped:
        ``xsd:nonNegativeInteger`` counts stay so, where the store's canonical form would
        give ``xsd:integer``).
    """
    country_iri = g.value(cluster, CKG.country)
    country = str(country_iri).rsplit("/", 1)[-1] if country_iri is not None else None
    subject = f"<{cluster}> ".encode("utf-8")
    own = b"".join(sorted(line + b"\n" for line in ntriples.splitlines() if line.startswith(subject)))
    return ProfileFacts(len(g), content_hash(ntriples), country, _founded(g), own.decode("utf-8"))
