"""Checks on a query's text before it reaches the store: no updates, no ``SERVICE``.

The endpoint is read-only (updates are refused with 403), and a query must not make the
server fetch other URLs (``SERVICE``, SPARQL 1.1 Federated Query): that would make it an
open proxy able to reach hosts only the server can see (server-side request forgery).
The check works on tokens (:mod:`clusterkg.graph.sparql_text`), so the word "service"
inside a literal or an IRI does not trip it.
"""

from __future__ import annotations

import re

from ..graph.sparql_text import keywords

__all__ = ["check_query", "QueryRefused", "UPDATE_KEYWORDS"]

#: First keywords of a SPARQL 1.1 Update operation (SPARQL 1.1 Update §3).
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class QueryRefused(Exception):
    """The query uses something this endpoint does not allow.

    :param reason: ``"update"`` or ``"service"``.
    :param message: for the client.
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


_SERVICE_IRI = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(<[^>]*>|[?$]\w+|\S+)", re.I)


def check_query(sparql: str, service_allow: tuple[str, ...] = ()) -> None:
    """Refuse updates and federated queries.

    :param sparql: the request's query text.
    :param service_allow: endpoints ``SERVICE`` may call (exact IRIs); empty: none.
    :raises QueryRefused: ``reason="update"`` for a SPARQL Update, ``reason="service"`` for
        a query with a ``SERVICE`` clause.

    >>> check_query('SELECT * WHERE { ?s ?p "SERVICE" }')
    >>> check_query('PREFIX ex: <http://x/> DROP ALL')
    Traceback (most recent call last):
    ...
    clusterkg.service.guard.QueryRefused: this endpoint is read-only: SPARQL Update (DROP) is refused
    """
    words = keywords(sparql)
    first = next((w for w in words if w not in ("PREFIX", "BASE")), "")
    if first in UPDATE_KEYWORDS:
        raise QueryRefused("update", f"this endpoint is read-only: SPARQL Update ({first}) is refused")
    if "SERVICE" in words:
        targets = [m.group(1) for m in _SERVICE_IRI.finditer(sparql)]
        allowed = {f"<{iri}>" for iri in service_allow}
        if not service_allow or not targets or any(t not in allowed for t in targets):
            bad = next((t for t in targets if t not in allowed), "")
            raise QueryRefused("service", f"SERVICE {bad} is not allowed on this endpoint: it would make the "
                                          "server fetch other URLs (allowed: "
                                          + (", ".join(service_allow) or "none") + ")")
