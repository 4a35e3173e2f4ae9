"""Stage 3, validate: check a mapped profile with the SHACL shapes (pyshacl); reports for people.

Each result names the source file, the line and field label the value came from (via
the mapping's ledger), the focus node, the path, the value and the shape's message.
Results of severity ``sh:Violation`` stop the profile from being published; warnings
and infos do not (SHACL 1.0 §2.1.4 defines the severities; §3.6 the report vocabulary).

The shapes graph is parsed once per process, and so is each SHACL engine of
:mod:`.engines` (pyshacl, the reference; pyshacl-turbo, which builds use by default).
"""

from __future__ import annotations

import datetime as _dt

import functools
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from clusterkg.graph.map.mapping import Mapped
from clusterkg.graph.validate.checks import Finding, findings
from clusterkg.graph.validate.engines import REFERENCE_ENGINE, engine as _engine
from clusterkg.graph.map.vocab import CKG, RDF, SH, XSD

__all__ = ["ValidationResult", "ValidationReport", "validate_mapped", "shapes_graph", "shapes_file"]


def shapes_file() -> Path:
    """Path of the shipped shapes (``shapes/clusterkg.ttl``)."""
    return Path(str(files("clusterkg.shapes"))) / "clusterkg.ttl"


@functools.lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The shipped shapes as an rdflib Graph, parsed once per process."""
    # the file's prefixes only: an engine binds them on every report it makes
    return Graph(bind_namespaces="none").parse(shapes_file(), format="turtle")


_SEVERITY: dict[Node, str] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True, slots=True)
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


@dataclass(slots=True)
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
    """The source line a result is about: the line whose value produced (focus, path,
    value); else, for a missing or unlinked value, the first line that produced a triple
    about the focus node, or linking to it. None when no line did (a value the manifest
    gave, or that the page lacks altogether)."""
    exact = [line for line, triples in mapped.ledger.items()
             if any(s == focus and (path is None or p == path) and (value is None or o == value)
                    for s, p, o in triples)]
    if exact:
        return min(exact)
    about = [line for line, triples in mapped.ledger.items() if any(s == focus or o == focus for s, _p, o in triples)]
    return min(about) if about else None


def _result(rg: Graph, res: Node, mapped: Mapped, source: str) -> ValidationResult | None:
    """One SHACL result of pyshacl's report ``rg`` as a :class:`ValidationResult`, its
    source line and field label added to ``rg`` too; None for a result without a focus
    node (SHACL 1.0 §3.6.2 gives every result one)."""
    focus = rg.value(res, SH.focusNode)
    if focus is None:
        return None
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
    return ValidationResult(sev, focus, path if isinstance(path, URIRef) else None, value, message, source, line,
                            label)


def _add_finding(rg: Graph, f: Finding, n: int) -> BNode:
    """A finding of :mod:`.checks` as an ``sh:ValidationResult`` of the report ``rg``."""
    res = BNode(f"check{n}")
    report = next(iter(rg.subjects(RDF.type, SH.ValidationReport)), None)
    if report is not None:
        rg.add((report, SH.result, res))
        if f.severity == "Violation":
            rg.set((report, SH.conforms, Literal(False)))
    rg.add((res, RDF.type, SH.ValidationResult))
    rg.add((res, SH.focusNode, f.focus))
    rg.add((res, SH.resultPath, f.path))
    if f.value is not None:
        rg.add((res, SH.value, f.value))
    rg.add((res, SH.resultSeverity, SH.Violation if f.severity == "Violation" else SH.Warning))
    rg.add((res, SH.resultMessage, Literal(f.message, lang="en")))
    rg.add((res, SH.sourceShape, f.shape))
    return res


def validate_mapped(mapped: Mapped, source: str, today: _dt.date | None = None,
                    engine: str = REFERENCE_ENGINE) -> ValidationReport:
    """Validate one mapped profile against the shipped shapes, and the checks of
    :mod:`.checks` (a composition's sum; with ``today``, founding dates after the build).

    :param mapped: the output of :func:`clusterkg.graph.map.mapping.map_profile`.
    :param source: the profile file, named in every result.
    :param today: the day of the build; None: founding dates are not compared with it.
    :param engine: the SHACL engine, a name of :data:`.engines.ENGINES` (default pyshacl,
        the reference; builds use ``turbo``).
    :return: the :class:`ValidationReport` (check ``publishable``).
    :raises KeyError: an unknown engine name.
    """
    rg = _engine(engine, shapes_graph()).run(mapped.graph)
    for n, finding in enumerate(findings(mapped.graph, today)):
        _add_finding(rg, finding, n)
    report = ValidationReport(source, graph=rg)  # prefixes bound where a report is written (a build drops it)
    results = [r for res in rg.subjects(RDF.type, SH.ValidationResult)
               if (r := _result(rg, res, mapped, source)) is not None]
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda r: (order[r.severity], r.line or 0, str(r.focus_node), r.message))
    report.results = results
    return report
