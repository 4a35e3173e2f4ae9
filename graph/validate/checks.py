"""Checks the shapes cannot express cheaply, reported like the shapes' results.

SHACL core compares a value with constants and with other values one by one; two rules of
ours need more: the parts of a cluster's composition must not add up to more than its
total (a sum), and a founding date may not lie after the day of the build (a date that
changes with every build, which a shapes file cannot hold). SHACL-SPARQL could say both,
but costs about five times the core validation of a profile (``shared/NOTES.md``), so they
run here, on the profile's graph, and their findings join the SHACL report as results of
the shapes named in :data:`SHAPES` (SHACL 1.0 §3.6: the same result vocabulary).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from clusterkg.graph.map.vocab import CKG, SCHEMA

__all__ = ["Finding", "SHAPES", "COMPOSITION_PARTS", "findings", "earliest_day"]

_CKGSH = Namespace("https://w3id.org/clusterkg/shapes#")
#: The shapes these checks stand for (named in the RDF report's ``sh:sourceShape``).
SHAPES = {"composition": _CKGSH.CompositionWithinTotal, "founded": _CKGSH.FoundedBeforeBuild}
#: The counts that together make up the members (start-ups are among the SMEs).
COMPOSITION_PARTS = (CKG.smeMembers, CKG.largeCompanyMembers, CKG.researchMembers, CKG.civilSocietyMembers,
                     CKG.otherEcosystemMembers)


@dataclass(frozen=True)
class Finding:
    """One result of a check: ``severity`` (``Violation``, ``Warning``), the ``focus``
    node, the ``path`` and ``value`` at fault, the ``message``, and the ``shape`` it stands for."""

    severity: str
    focus: Node
    path: URIRef
    value: Node | None
    message: str
    shape: URIRef


def earliest_day(value: Node) -> _dt.date | None:
    """The first day a date, year-month or year literal stands for (``"2099"`` -> 2099-01-01),
    or None for anything else.

    >>> earliest_day(Literal("2010-07"))
    datetime.date(2010, 7, 1)
    """
    if not isinstance(value, Literal):
        return None
    text = str(value)
    for pattern in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return _dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _count(g: Graph, node: Node, prop: URIRef) -> int | None:
    values = [v.toPython() for v in g.objects(node, prop) if isinstance(v, Literal)]
    numbers = [v for v in values if isinstance(v, int)]
    return numbers[0] if len(numbers) == 1 else None


def _composition(g: Graph, cluster: Node) -> list[Finding]:
    total = _count(g, cluster, CKG.totalMembers)
    parts = [(p, _count(g, cluster, p)) for p in COMPOSITION_PARTS]
    known = [n for _p, n in parts if n is not None]
    if total is None or not known or sum(known) <= total:
        return []
    return [Finding("Warning", cluster, CKG.totalMembers, g.value(cluster, CKG.totalMembers),
                    f"The parts of the composition (SMEs, larger companies, research, civil society, other "
                    f"actors) add up to {sum(known)}, more than the {total} members in all",
                    SHAPES["composition"])]


def _founding(g: Graph, cluster: Node, today: _dt.date) -> list[Finding]:
    out = []
    for value in g.objects(cluster, SCHEMA.foundingDate):
        day = earliest_day(value)
        if day is not None and day > today:
            out.append(Finding("Violation", cluster, SCHEMA.foundingDate, value,
                               f"The founding date lies after the day of the build ({today.isoformat()})",
                               SHAPES["founded"]))
    return out


def findings(g: Graph, today: _dt.date | None = None) -> list[Finding]:
    """Run the checks on a profile's graph.

    :param g: the graph (its clusters are the subjects typed ``ckg:ClusterOrganisation``).
    :param today: the day of the build; None: the founding dates are not checked.
    :return: the findings, in no particular order.
    """
    out: list[Finding] = []
    for cluster in g.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), CKG.ClusterOrganisation):
        out += _composition(g, cluster)
        if today is not None:
            out += _founding(g, cluster, today)
    return out
