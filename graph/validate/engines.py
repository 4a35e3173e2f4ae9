"""The SHACL engines a profile can be validated with: pyshacl, the reference, and
pyshacl-turbo, a Rust engine with pyshacl's API that builds use by default.

Both take the shapes graph once per process and then one data graph per call, and give
the report as an rdflib graph in the SHACL report vocabulary (SHACL 1.0 §3.6:
``sh:ValidationReport``, ``sh:conforms``, ``sh:result``). Options as
``pyshacl.validate(inference="none", advanced=False, allow_warnings=True)``: nothing is
inferred, the data graph is only read, and warnings do not make a graph fail to conform
(SHACL 1.0 §3.6.1 leaves that to the processor; every engine here does the same).

``tests/unit/graph/test_shacl_engines.py`` holds them to the same conformance and the
same results (focus node, path, value, severity, source shape, constraint component,
and the message where the shape gives one) on every profile of ours and on the W3C
SHACL core test suite. A new engine is one more entry of :data:`ENGINES`.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Protocol

from rdflib import Graph, Literal

__all__ = ["Engine", "PyshaclEngine", "TurboEngine", "ENGINES", "DEFAULT_ENGINE", "REFERENCE_ENGINE", "engine"]


class Engine(Protocol):
    """A SHACL processor bound to one shapes graph."""

    def run(self, data: Graph) -> Graph:
        """Validate ``data`` (an rdflib graph, only read); return the report graph."""
        ...


class PyshaclEngine:
    """pyshacl's :class:`~pyshacl.Validator`, kept across calls so that the shapes are
    harvested from the shapes graph once (pyshacl's ``ShapesGraph`` caches them; about 3x
    faster per profile than ``pyshacl.validate``) and only the data graph changes. A lock
    keeps calls from different threads apart.

    :param shapes: the shapes graph.
    """

    def __init__(self, shapes: Graph):
        self._shapes = shapes
        self._validator: Any = None  # a pyshacl Validator, made at the first call
        self._lock = threading.Lock()

    def run(self, data: Graph) -> Graph:
        """Validate ``data``; return pyshacl's report graph."""
        # pyshacl (and rdflib's SPARQL engine under it) take ~0.2 s to import: only a build
        # that validates a profile pays for them, not one that finds every file unchanged
        from pyshacl import Validator
        from pyshacl.graph_abstraction import DataGraph

        dg = DataGraph.from_rdflib(_context_aware(data))
        with self._lock:
            v = self._validator
            if v is None:
                v = self._validator = Validator(dg, shacl_graph=self._shapes, options={
                    "inference": "none", "advanced": False, "allow_warnings": True})
            else:
                v.data_graph, v.data_graph_is_multigraph, v._target_graph = dg, dg.is_multigraph(), None
            _conforms, report, _text = v.run()
        return report


def _context_aware(data: Graph) -> Graph:
    """``data``, or a copy of it (triples and prefixes) in rdflib's default store when its
    store keeps no contexts (the mapper's ``SimpleMemory``): pyshacl reads a data graph
    through a ``ConjunctiveGraph``, which needs them."""
    if data.store.context_aware:
        return data
    copy = Graph(bind_namespaces="none")
    for prefix, namespace in data.namespaces():
        copy.bind(prefix, namespace, override=True)
    copy += data
    return copy


class TurboEngine:
    """pyshacl-turbo's :class:`~pyshacl_turbo.CompiledShapes`: the shapes compiled once,
    each data graph validated in Rust (``bench/build.py`` prints a whole build's time with
    each engine: with pyshacl it took 1.35-1.57 times as long in the runs of 2026-12-06).

    A data graph holding an ill-typed literal goes to ``fallback`` (pyshacl) instead:
    rdflib rewrites some ill-typed lexical forms when it parses them (``"none"^^xsd:boolean``
    becomes ``"false"``, marked only by ``Literal.ill_typed``), so an engine that reads the
    graph's triples, not rdflib's flags, would miss the ``sh:datatype`` violation (W3C
    SHACL test ``core/property/or-datatypes-001``). Our mapping makes no such literal.

    :param shapes: the shapes graph.
    :param fallback: the engine for graphs with an ill-typed literal (the process's
        reference engine, :func:`engine`, so its shapes are harvested once).
    """

    def __init__(self, shapes: Graph, fallback: Engine):
        from pyshacl_turbo import CompiledShapes

        self._compiled = CompiledShapes(shapes)
        self._fallback = fallback
        self._lock = threading.Lock()

    def run(self, data: Graph) -> Graph:
        """Validate ``data``; return the report graph."""
        if any(isinstance(o, Literal) and o.ill_typed for o in data.objects()):
            return self._fallback.run(data)
        with self._lock:
            _conforms, report, _text = self._compiled.validate(data, allow_warnings=True)
        return report


@functools.lru_cache(maxsize=None)
def engine(name: str, shapes: Graph) -> Engine:
    """The engine ``name`` of :data:`ENGINES` for ``shapes``, made once per process.

    :raises KeyError: an unknown engine name.
    """
    return ENGINES[name](shapes)


#: The engines by name: each makes an :class:`Engine` from a shapes graph.
ENGINES: dict[str, Callable[[Graph], Engine]] = {
    "pyshacl": PyshaclEngine,
    "turbo": lambda shapes: TurboEngine(shapes, engine(REFERENCE_ENGINE, shapes)),
}
#: The engine ``clusterkg validate`` uses unless told otherwise, and the one the others are
#: checked against.
REFERENCE_ENGINE = "pyshacl"
#: The engine builds use unless told otherwise (``CLUSTERKG_SHACL_ENGINE``).
DEFAULT_ENGINE = "turbo"
