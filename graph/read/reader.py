"""The interface of a reader: what the registry in :mod:`clusterkg.graph.read` holds.

A reader turns the normalised lines of one input file (:mod:`.lines`) into a neutral
record (:class:`~.profile.Profile`), never into RDF. To teach clusterkg a new input
layout: write a module with a ``detect`` and a ``read`` function, give it a
:class:`Reader` record, and add that record to :data:`clusterkg.graph.read.READERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from clusterkg.graph.read.lines import Line
from clusterkg.graph.read.profile import Profile

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
    :param read: ``(lines, source) -> Profile``; never raises on odd content (oddities go
        to ``Profile.issues``).
    """

    name: str
    layouts: tuple[str, ...]
    suffixes: tuple[str, ...]
    detect: Callable[[list[Line]], bool]
    read: Callable[[list[Line], str], Profile]
