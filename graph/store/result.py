"""The answer to a query, as every backend returns it: pyoxigraph result objects.

Both backends hand back pyoxigraph's own results (the remote one parses the server's
answer into them), so the service's result writers and the command line serialise every
answer the same way whatever holds the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clusterkg.graph import formats
from clusterkg.graph.errors import QueryEvaluationError

__all__ = ["QueryResult"]


@dataclass
class QueryResult:
    """The answer to a query, not yet serialised.

    :param kind: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT / DESCRIBE).
    :param raw: the pyoxigraph result (``QuerySolutions``, ``QueryBoolean`` or
        ``QueryTriples``); it is evaluated lazily and may not cross threads.
    """

    kind: str
    raw: Any

    def serialize(self, media_type: str) -> bytes:
        """Serialise in a format named by its media type.

        :param media_type: one of :data:`~clusterkg.graph.formats.RESULTS` (SELECT, ASK) or
            of :data:`~clusterkg.graph.formats.GRAPH_RESULTS` (CONSTRUCT, DESCRIBE).
        :raises ValueError: when the format does not fit the query form.
        :raises QueryEvaluationError: when the query fails while it is evaluated.
        """
        if self.kind in ("select", "ask"):
            fmt = formats.by_media_type(media_type, formats.RESULTS)
            if fmt is None:
                raise ValueError(f"{media_type} is not a SPARQL results format")
        else:
            fmt = formats.by_media_type(media_type, formats.GRAPH_RESULTS)
            if fmt is None:
                raise ValueError(f"{media_type} is not an RDF format this store writes")
        try:
            return self.raw.serialize(format=fmt.oxigraph)
        except (OSError, RuntimeError) as exc:  # evaluation is lazy: errors surface here
            message = str(exc)
        self.raw = None  # drop the solutions in this thread (they may not cross threads)
        raise QueryEvaluationError(f"the query failed while it was evaluated: {message}")

    @property
    def boolean(self) -> bool:
        """The answer of an ASK query."""
        return bool(self.raw)

    def rows(self) -> list[dict[str, str]]:
        """SELECT solutions as dicts of variable -> lexical value (unbound left out)."""
        out = []
        variables = [v.value for v in self.raw.variables]
        for sol in self.raw:
            row = {}
            for name in variables:
                term = sol[name]
                if term is not None:
                    row[name] = term.value
            out.append(row)
        return out
