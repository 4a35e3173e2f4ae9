"""Checks on a query's text before it reaches the store: no updates, no ``SERVICE``.

The endpoint is read-only (updates are refused with 403), and a query must not make the
server fetch other URLs (``SERVICE``, SPARQL 1.1 Federated Query): that would make it an
open proxy able to reach hosts only the server can see (server-side request forgery).
The check works on tokens (:mod:`clusterkg.graph.sparql_text`), so the word "service"
inside a literal or an IRI does not trip it.
"""

from __future__ import annotations

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


def check_query(sparql: str, service_allowed: bool = False) -> None:
    """Refuse updates and federated queries.

    :param sparql: the request's query text.
    :param service_allowed: when True, ``SERVICE`` is let through.
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
    if not service_allowed and "SERVICE" in words:
        raise QueryRefused("service", "SERVICE (federated query) is not allowed on this endpoint: "
                                      "it would make the server fetch other URLs")
