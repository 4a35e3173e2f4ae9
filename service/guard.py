"""Checks on a query's text before it reaches the store: no updates, no ``SERVICE``.

The endpoint is read-only (updates are refused with 403), and a query must not make the
server fetch other URLs (``SERVICE``, SPARQL 1.1 Federated Query) unless the endpoint is
on the allow-list: that would make it an open proxy able to reach hosts only the server
can see (server-side request forgery). The check works on tokens
(:mod:`clusterkg.graph.sparql_text`), so words inside literals or comments do not count,
and it refuses whatever it cannot read (a ``SERVICE`` whose target it cannot find).
"""

from __future__ import annotations

from ..graph.sparql_text import keywords, service_targets

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


def check_query(sparql: str, service_allow: tuple[str, ...] = ()) -> None:
    """Refuse updates, and federated queries to endpoints not allowed.

    :param sparql: the request's query text.
    :param service_allow: endpoints ``SERVICE`` may call (exact IRIs); empty: none.
    :raises QueryRefused: ``reason="update"`` for a SPARQL Update, ``reason="service"`` for
        a ``SERVICE`` clause whose target is not allowed (or cannot be read).

    >>> check_query('SELECT * WHERE { ?s ?p "SERVICE" }')
    >>> check_query('PREFIX ex: <http://x/> DROP ALL')
    Traceback (most recent call last):
    ...
    clusterkg.service.guard.QueryRefused: this endpoint is read-only: SPARQL Update (DROP) is refused
    """
    words = keywords(sparql)
    first = next((w for w in words if w not in ("PREFIX", "BASE")), "")
    if first in UPDATE_KEYWORDS or any(w in ("INSERT", "DELETE", "DROP", "CLEAR", "LOAD") for w in words):
        shown = first if first in UPDATE_KEYWORDS else next(w for w in words if w in UPDATE_KEYWORDS)
        raise QueryRefused("update", f"this endpoint is read-only: SPARQL Update ({shown}) is refused")
    targets = service_targets(sparql)
    if "SERVICE" in words or targets:
        allowed = {f"<{iri}>" for iri in service_allow}
        bad = [t for t in targets if t not in allowed]
        if not targets or bad or words.count("SERVICE") != len(targets):
            shown = (bad[0] or "(unreadable target)") if bad else "(unreadable target)"
            raise QueryRefused("service", f"SERVICE {shown} is not allowed on this endpoint: it would make the "
                                          "server fetch other URLs (allowed: "
                                          + (", ".join(service_allow) or "none") + ")")
