"""Checks on a query's text before it reaches the store: no updates, no ``SERVICE``.

The endpoint is read-only (updates are refused with 403), and a query must not make the
server fetch other URLs (``SERVICE``, SPARQL 1.1 Federated Query) unless the endpoint is
on the allow-list: that would make it an open proxy able to reach hosts only the server
can see (server-side request forgery).

The ``SERVICE`` check errs on the side of refusing. Code-point escapes are expanded first
(SPARQL 1.1 Query §19.2 applies them to the whole query text). A query in which the word
"service" does not occur cannot call a service. One in which it does is parsed with
rdflib's SPARQL 1.1 parser and every ``ServiceGraphPattern`` is checked; a query that
parser cannot read, or in which a token scan sees a ``SERVICE`` keyword the parse tree
does not have, is refused.
"""

from __future__ import annotations

import re

from ..graph.sparql_text import keywords, service_targets, without_literals

__all__ = ["check_query", "QueryRefused", "UPDATE_KEYWORDS"]

#: First keywords of a SPARQL 1.1 Update operation (SPARQL 1.1 Update §3).
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: variables and prefixed names, where "service" may legitimately occur
#: (``?service``, ``ckg:providesService``)
_NAMES = re.compile(r"[?$]\w+|[\w.-]*:[\w.-]*")


class QueryRefused(Exception):
    """The query uses something this endpoint does not allow.

    :param reason: ``"update"`` or ``"service"``.
    :param message: for the client.
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def _unescape(text: str) -> str:
    def one(m: re.Match) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)

    return _ESCAPE.sub(one, text)


def _parsed_service_targets(sparql: str) -> list[str] | None:
    """``SERVICE`` targets from rdflib's parse tree (IRIs as ``<iri>``, variables as
    ``?v``), or None when rdflib cannot parse the query."""
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef, Variable

    try:
        tree = parseQuery(sparql)
    except Exception:  # noqa: BLE001 - any failure means "cannot be checked"
        return None
    found: list[str] = []

    def walk(node, depth: int = 0) -> None:
        if depth > 500:
            raise RecursionError
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                found.append(f"<{term}>" if isinstance(term, URIRef) else
                             f"?{term}" if isinstance(term, Variable) else repr(term))
            for value in node.values():
                walk(value, depth + 1)
        elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
            for value in node:
                walk(value, depth + 1)

    try:
        walk(tree)
    except RecursionError:
        return None
    return found


def check_query(sparql: str, service_allow: tuple[str, ...] = ()) -> None:
    """Refuse updates, and federated queries to endpoints not allowed.

    :param sparql: the request's query text.
    :param service_allow: endpoints ``SERVICE`` may call (exact IRIs); empty: none.
    :raises QueryRefused: ``reason="update"`` for a SPARQL Update, ``reason="service"`` for
        a ``SERVICE`` clause whose target is not allowed, or a query mentioning "service"
        that cannot be checked.

    >>> check_query('SELECT * WHERE { ?s ?p "SERVICE" }')
    >>> check_query('PREFIX ex: <http://x/> DROP ALL')
    Traceback (most recent call last):
    ...
    clusterkg.service.guard.QueryRefused: this endpoint is read-only: SPARQL Update (DROP) is refused
    """
    text = _unescape(sparql)
    words = keywords(text)
    first = next((w for w in words if w not in ("PREFIX", "BASE")), "")
    if first in UPDATE_KEYWORDS or any(w in ("INSERT", "DELETE", "DROP", "CLEAR", "LOAD") for w in words):
        shown = first if first in UPDATE_KEYWORDS else next(w for w in words if w in UPDATE_KEYWORDS)
        raise QueryRefused("update", f"this endpoint is read-only: SPARQL Update ({shown}) is refused")
    if "service" not in text.lower():
        return
    allowed = {f"<{iri}>" for iri in service_allow}
    parsed = _parsed_service_targets(text)
    scanned = service_targets(text)
    bare = _NAMES.sub(" ", without_literals(text)).lower()
    if (parsed is None or len(scanned) > len(parsed) or words.count("SERVICE") > len(parsed)
            or bare.count("service") > len(parsed)):
        raise QueryRefused("service", "the query mentions SERVICE in a way this endpoint cannot check; "
                                      "federated queries are not allowed here (allowed endpoints: "
                                      + (", ".join(service_allow) or "none") + ")")
    bad = [t for t in parsed if t not in allowed]
    if bad:
        raise QueryRefused("service", f"SERVICE {bad[0]} is not allowed on this endpoint: it would make the "
                                      "server fetch other URLs (allowed: " + (", ".join(service_allow) or "none") + ")")
