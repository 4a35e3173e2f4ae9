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
from dataclasses import dataclass
from typing import Any

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
        """Pickled as its fields, by name; unpickled through :func:`_unpickled`, which shares
        the strings many mentions repeat (a build holds every mention of 100,000 files at once)."""
        return _unpickled, (tuple((name, getattr(self, name)) for name in self.__slots__),)


#: The fields whose strings many mentions repeat: kinds, country, source, the cluster a
#: member belongs to (each shared through ``sys.intern``).
_SHARED = frozenset({"kind", "country", "source", "source_kind", "source_label", "member_of"})
#: one copy of each ``stated`` tuple seen in this process
_STATED: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(value: Any) -> Any:
    # sys.intern takes plain str only (an rdflib term is a str subclass: kept as it is)
    return sys.intern(value) if type(value) is str else value


def _unpickled(fields: tuple[tuple[str, object], ...]) -> Mention:
    """A :class:`Mention` read back from a pickle (its fields by name), its repeated
    strings shared: those of :data:`_SHARED`, and the ``stated`` predicates (one tuple per
    distinct set)."""
    values = {name: _shared(value) if name in _SHARED else value for name, value in fields}
    stated = values.get("stated")
    if isinstance(stated, tuple) and stated:
        values["stated"] = _STATED.setdefault(stated, tuple(_shared(p) for p in stated))
    return Mention(**values)  # type: ignore[arg-type]
