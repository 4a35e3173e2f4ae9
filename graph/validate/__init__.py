"""Validate a mapped profile with the SHACL shapes (pyshacl), and report for people.

Each result names the source file, the line and field label the value came from (via
the mapping's ledger), the focus node, the path, the value and the shape's message.
Results of severity ``sh:Violation`` stop the profile from being published; warnings
and infos do not (SHACL 1.0 §2.1.4 defines the severities; §3.6 the report vocabulary).

The shapes graph is parsed once per process, and the shapes pyshacl harvests from it
(its ``ShapesGraph``) are reused for every profile: about 3x faster per profile than
``pyshacl.validate``, which harvests them again on each call.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from importlib.resources import files
from pathlib import Path

import threading

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from clusterkg.graph.map.mapping import Mapped
from clusterkg.graph.map.vocab import bind_prefixes
from clusterkg.graph.map.vocab import CKG, RDF, SH, XSD

__all__ = ["ValidationResult", "ValidationReport", "validate_mapped", "shapes_graph", "shapes_file"]


def shapes_file() -> Path:
    """Path of the shipped shapes (``shapes/clusterkg.ttl``)."""
    return Path(str(files("clusterkg.shapes"))) / "clusterkg.ttl"


@functools.lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The shipped shapes as an rdflib Graph, parsed once per process."""
    return Graph().parse(shapes_file(), format="turtle")


class _ShapesValidator:
    """One pyshacl :class:`~pyshacl.Validator` kept across calls, so the shapes are
    harvested from the shapes graph once (pyshacl's ``ShapesGraph`` caches them) and
    only the data graph changes. Options as ``pyshacl.validate(inference="none",
    advanced=False, allow_warnings=True)``: nothing is cloned or inferred, the data
    graph is only read. A lock keeps calls from different threads apart."""

    def __init__(self, shapes: Graph):
        self._shapes = shapes
        self._validator: Any = None  # a pyshacl Validator, made at the first call
        self._lock = threading.Lock()

    def run(self, data: Graph) -> Graph:
        """Validate ``data``; return pyshacl's report graph (``sh:ValidationReport``)."""
        # pyshacl (and rdflib's SPARQL engine under it) take ~0.2 s to import: only a build
        # that validates a profile pays for them, not one that finds every file unchanged
        from pyshacl import Validator
        from pyshacl.graph_abstraction import DataGraph

        dg = DataGraph.from_rdflib(data)
        with self._lock:
            v = self._validator
            if v is None:
                v = self._validator = Validator(dg, shacl_graph=self._shapes, options={
                    "inference": "none", "advanced": False, "allow_warnings": True})
            else:
                v.data_graph, v.data_graph_is_multigraph, v._target_graph = dg, dg.is_multigraph(), None
            _conforms, report, _text = v.run()
        return report


@functools.lru_cache(maxsize=1)
def _shapes_validator() -> _ShapesValidator:
    return _ShapesValidator(shapes_graph())


_SEVERITY: dict[Node, str] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, tied back to the source.

    :param severity: ``"Violation"``, ``"Warning"`` or ``"Info"``.
    :param focus_node: the node that failed (an IRI).
    :param path: the property path, or None for node-level constraints.
    :param value: the offending value, or None (e.g. for a missing value).
    :param message: the shape's ``sh:message`` (or pyshacl's own text).
    :param source: the profile file.
    :param line: 1-based line the value came from, or None when it came from no line.
    :param field_label: label of the field the value was printed under, or None.
    """

    severity: str
    focus_node: Node
    path: Node | None
    value: Node | None
    message: str
    source: str
    line: int | None = None
    field_label: str | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        parts = [f"{where}: {self.severity}"]
        if self.field_label:
            parts.append(f"field {self.field_label!r}")
        parts.append(self.message)
        detail = f"focus node <{self.focus_node}>"
        if self.path is not None:
            detail += f", path <{self.path}>"
        if self.value is not None:
            detail += f", value {_show(self.value)}"
        return ": ".join(parts) + f" ({detail})"


def _show(node: Node) -> str:
    if isinstance(node, Literal):
        dt = f"^^<{node.datatype}>" if node.datatype else ""
        return f'"{node}"{dt}'
    return f"<{node}>"


@dataclass
class ValidationReport:
    """The validation of one profile.

    :param source: the profile file.
    :param results: all results, violations first.
    :param graph: the SHACL report as RDF (``sh:ValidationReport``), each result
        annotated with ``ckg:sourceFile``, ``ckg:sourceLine`` and ``ckg:sourceLabel``.
    """

    source: str
    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity != "Violation"]

    @property
    def publishable(self) -> bool:
        """True when there is no violation (warnings allowed)."""
        return not self.violations

    def text(self) -> str:
        """The report for a person: one line per result, or one line saying it conforms."""
        if not self.results:
            return f"{self.source}: conforms"
        return "\n".join(str(r) for r in self.results)


def _locate(mapped: Mapped, focus: Node, path: Node | None, value: Node | None) -> int | None:
    """The source line whose value produced (focus, path, value), if any."""
    best = None
    for line, triples in mapped.ledger.items():
        for s, p, o in triples:
            if s == focus and (path is None or p == path) and (value is None or o == value):
                if best is None or line < best:
                    best = line
    if best is None and value is not None:
        for line, triples in mapped.ledger.items():  # the value was the subject's link
            for _s, _p, o in triples:
                if o == focus:
                    best = line if best is None else min(best, line)
    return best


def validate_mapped(mapped: Mapped, source: str) -> ValidationReport:
    """Validate one mapped profile against the shipped shapes.

    :param mapped: the output of :func:`clusterkg.graph.map.mapping.map_profile`.
    :param source: the profile file, named in every result.
    :return: the :class:`ValidationReport` (check ``publishable``).
    """
    rg = _shapes_validator().run(mapped.graph)
    report = ValidationReport(source, graph=bind_prefixes(rg))
    results: list[ValidationResult] = []
    for res in rg.subjects(RDF.type, SH.ValidationResult):
        focus = rg.value(res, SH.focusNode)
        if focus is None:  # every SHACL result has a focus node (SHACL §3.6.2)
            continue
        path = rg.value(res, SH.resultPath)
        value = rg.value(res, SH.value)
        sev = _SEVERITY.get(rg.value(res, SH.resultSeverity) or SH.Violation, "Violation")
        msgs = [str(m) for m in rg.objects(res, SH.resultMessage)]
        message = msgs[0] if msgs else "constraint not met"
        line = _locate(mapped, focus, path if isinstance(path, URIRef) else None, value)
        label = mapped.line_labels.get(line) if line is not None else None
        rg.add((res, CKG.sourceFile, Literal(source)))
        if line is not None:
            rg.add((res, CKG.sourceLine, Literal(line, datatype=XSD.positiveInteger)))
        if label:
            rg.add((res, CKG.sourceLabel, Literal(label)))
        results.append(ValidationResult(sev, focus, path if isinstance(path, URIRef) else None,
                                        value, message, source, line, label))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda r: (order[r.severity], r.line or 0, str(r.focus_node), r.message))
    report.results = results
    return report
