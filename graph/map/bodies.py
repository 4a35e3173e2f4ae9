"""The bodies that award labels and publish the sources: ESCA, EUCLES, ECCP, portals.

A record names them as it prints them ("ESCA", "ECCP Team", "BLACK SEA HORIZON"); each
known body is one resource (``{base}id/body/{slug}``) with its name and web site, and a
body no row knows gets a resource of its own, named as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clusterkg.graph.read.names import slugify

__all__ = ["Body", "BODIES", "find_body", "known_body", "AWARDING_DEFAULT"]


@dataclass(frozen=True)
class Body:
    """An awarding body or a publisher: ``slug`` (IRI key), ``name``, web site ``url``
    (or None), and the ``words`` a record may name it by (lower case)."""

    slug: str
    name: str
    url: str | None
    words: tuple[str, ...]


#: The bodies clusterkg knows.
BODIES = (
    Body("esca", "European Secretariat for Cluster Analysis (ESCA)", "https://www.cluster-analysis.org/",
         ("esca", "european secretariat for cluster analysis", "cluster-analysis.org")),
    Body("eucles", "European Clusters Labelling Excellence Structure (EUCLES)", "https://eucles.be/",
         ("eucles", "european clusters labelling excellence structure")),
    Body("eccp", "European Cluster Collaboration Platform (ECCP)", "https://clustercollaboration.eu/",
         ("eccp", "european cluster collaboration platform", "clustercollaboration.eu")),
    Body("black-sea-horizon", "Black Sea Horizon", "https://blacksea-horizon.eu/",
         ("black sea horizon", "blacksea-horizon")),
)
#: Who awards a cluster management excellence label when a record names no one: ESCA
#: (EUCLES has taken over since 2021; records that say so name it).
AWARDING_DEFAULT = BODIES[0]


def known_body(text: str) -> Body | None:
    """The known body (:data:`BODIES`) a text names ("ECCP Team" -> ECCP), or None.

    >>> known_body("Submitted by ECCP Team").slug, known_body("Alina D.")
    ('eccp', None)
    """
    lowered = text.lower()
    for body in BODIES:
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", lowered) for w in body.words):
            return body
    return None


def find_body(text: str) -> Body:
    """The body a record names ("ECCP Team" -> ECCP); an unknown name is a body of its own.

    >>> find_body("ECCP Team").slug, find_body("BLACK SEA HORIZON").slug, find_body("Cluster Excellence Denmark").slug
    ('eccp', 'black-sea-horizon', 'cluster-excellence-denmark')
    """
    known = known_body(text)
    if known is not None:
        return known
    name = re.sub(r"\s+", " ", text).strip()
    return Body(slugify(name), name, None, (name.lower(),))
