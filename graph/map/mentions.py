"""What a mapped graph says about who is who: the clusters and organisations it names.

The mapping of one file cannot know whether the "Vojvodina ICT Cluster - VOICT" a network
page names is the cluster a profile describes: that takes every file of the build. So
each mapping lists its *mentions* (the IRI it minted for each cluster or organisation it
names, with the names, acronyms, country and website it states), and the reconcile stage
(:mod:`clusterkg.graph.reconcile`) decides, over all of them, which are one.

A profile's own cluster is an *anchor*: its IRI comes from the manifest and is settled.
A cluster another source names has a *provisional* IRI (``{base}id/cluster/{country}/
{slug}``, the IRI it gets when no other record describes it), which the reconcile stage
may replace by another cluster's.
"""

from __future__ import annotations

import sys
from dataclasses import astuple, dataclass

__all__ = ["Mention", "record_key", "FUNCTIONAL"]

#: The properties a cluster has one value of: in the current view its profile says them,
#: not the other sources (:mod:`clusterkg.graph.reconcile.view`); an anchor's mention lists
#: those its profile states.
FUNCTIONAL = frozenset({
    "https://schema.org/name", "http://www.w3.org/2000/01/rdf-schema#label", "https://w3id.org/clusterkg/ns#country",
    "https://schema.org/url", "https://schema.org/foundingDate", "https://w3id.org/clusterkg/ns#region",
    "https://schema.org/numberOfEmployees", "https://w3id.org/clusterkg/ns#noExcellenceLabel"})


def record_key(source_id: str, slug: str) -> str:
    """The key of a record naming a cluster or organisation, for review and decisions
    files: the file's id and the slug of the name ("network-serbian-cluster-association:ict-network").
    A profile's own cluster is keyed by its cluster id: ``cluster:ict-net``."""
    return f"{source_id}:{slug}"


@dataclass(frozen=True, slots=True)
class Mention:
    """One cluster or organisation as one file names it.

    :param kind: ``"cluster"`` or ``"organisation"``.
    :param iri: the IRI the mapping gave it (settled for an anchor, else provisional).
    :param names: its names as printed, the main one first, then their variants
        (without acronym, each side of a translation).
    :param acronyms: the acronyms the file gives it.
    :param country: its country's EU authority code, or None.
    :param website: the host of its website (``voict.rs``), or None.
    :param anchor: True for a profile's own cluster (its IRI is the manifest's).
    :param source: the id of the file that names it.
    :param source_kind: that file's kind of source (``profile``, ``label-register``, ...).
    :param source_label: that file, as a person knows it: its source URL, else its file name.
    :param line: the 1-based line that names it, or None.
    :param key: its record key (:func:`record_key`), for the review and decisions files.
    :param member_of: for an organisation, the IRI of the cluster that lists it as a member.
    :param stated: for an anchor, the :data:`FUNCTIONAL` predicates its profile states
        about it (what the other sources may not override in the current view).
    :param words: for each of ``names``, its comparison words
        (:func:`~clusterkg.graph.read.namekeys.match_tokens`) sorted and joined by spaces:
        worked out where the file is mapped (in parallel, and cached), not when all are compared.
    """

    kind: str
    iri: str
    names: tuple[str, ...]
    acronyms: tuple[str, ...] = ()
    country: str | None = None
    website: str | None = None
    anchor: bool = False
    source: str = ""
    source_kind: str = "profile"
    source_label: str = ""
    line: int | None = None
    key: str = ""
    member_of: str | None = None
    stated: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def __reduce__(self) -> tuple:
        """Pickled as its fields; unpickled through :func:`_unpickled`, which shares the
        strings many mentions repeat (a build holds every mention of 100,000 files at once)."""
        return _unpickled, astuple(self)


#: one copy of each ``stated`` tuple seen in this process
_STATED: dict[tuple[str, ...], tuple[str, ...]] = {}


def _unpickled(kind: str, iri: str, names: tuple[str, ...], acronyms: tuple[str, ...], country: str | None,
               website: str | None, anchor: bool, source: str, source_kind: str, source_label: str,
               line: int | None, key: str, member_of: str | None, stated: tuple[str, ...],
               words: tuple[str, ...]) -> Mention:
    """A :class:`Mention` read back from a pickle, its repeated strings shared (interned):
    its kinds, country, source, the cluster it is a member of, and the predicates stated."""
    def shared(s: str | None) -> str | None:
        return sys.intern(s) if s is not None else None

    stated = _STATED.setdefault(stated, tuple(sys.intern(p) for p in stated)) if stated else ()
    return Mention(sys.intern(kind), iri, names, acronyms, shared(country), website, anchor, sys.intern(source),
                   sys.intern(source_kind), sys.intern(source_label), line, key, shared(member_of), stated, words)
