"""The interface of a reader: what the registry in :mod:`clusterkg.graph.read` holds.

A reader turns the normalised lines of one input file (:mod:`.lines`) into a neutral
record (a :class:`~.profile.Profile`, or another :class:`~.profile.Record` of
:mod:`.records`), never into RDF. To teach clusterkg a new input layout: write a module
with a ``detect`` and a ``read`` function, give it a :class:`Reader` record (with the kind
of source it reads), and add that record to :data:`clusterkg.graph.read.READERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from clusterkg.graph.read.lines import Line
from clusterkg.graph.read.profile import Record

__all__ = ["Reader"]


@dataclass(frozen=True)
class Reader:
    """One reader.

    :param name: the reader's name, for messages.
    :param layouts: the layout names its profiles carry (``Profile.layout``).
    :param suffixes: file suffixes it reads (``.txt``).
    :param detect: ``(lines) -> bool``: whether the page has this reader's layout; may
        raise :class:`~clusterkg.graph.errors.ProfileReadError` for a page recognisably of
        another kind (naming it).
    :param read: ``(lines, source) -> Record``; never raises on odd content (oddities go
        to ``Record.issues``), but may raise
        :class:`~clusterkg.graph.errors.ProfileReadError` for a page of its kind that holds
        nothing to read.
    :param kind: the kind of source it reads (one of
        :data:`~clusterkg.graph.read.profile.SOURCE_KINDS`).
    """

    name: str
    layouts: tuple[str, ...]
    suffixes: tuple[str, ...]
    detect: Callable[[list[Line]], bool]
    read: Callable[[list[Line], str], Record]
    kind: str = "profile"
