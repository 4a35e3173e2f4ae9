"""The organisation and facility types ECCP's member tables print, as data.

The flattened tables put a member's name on one line and its type on the next; the
reader tells them apart by this list. It mirrors the labels of the ``organisation-type``
concept scheme (``ontology/schemes/organisation-type.ttl``); a test keeps the two in step.
"""

from __future__ import annotations

from clusterkg.graph.read.labels import norm_label

__all__ = ["ORGANISATION_TYPES", "is_organisation_type"]

ORGANISATION_TYPES = frozenset(
    norm_label(t)
    for t in [
        "SME", "Start-up", "Startup", "Larger Company", "Large Company", "Large Enterprise",
        "University", "Research Organisation", "Research Organization", "Research Centre",
        "Research Center", "Technology Center", "Technology Centre", "Business Incubator",
        "Incubator", "Accelerator", "Science Park", "Technology Park", "Public Authority",
        "Investor", "Other Ecosystem Actor", "Civil Society Organisation", "Fab Lab", "Fablab",
        "Living Lab", "Innovation Hub", "Digital Innovation Hub", "Cluster Organisation",
        "Chamber of Commerce", "Other",
    ]
)


def is_organisation_type(text: str) -> bool:
    """True when ``text`` is one of the organisation types ECCP tables print.

    >>> is_organisation_type("Larger Company"), is_organisation_type("Schneider Electric DMS NS")
    (True, False)
    """
    return norm_label(text) in ORGANISATION_TYPES
