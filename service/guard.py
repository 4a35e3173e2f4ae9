"""Checks on a query's text before it reaches the store: no updates, no ``SERVICE``.

The endpoint is read-only (updates are refused with 403), and a query must not make the
server fetch other URLs (``SERVICE``, SPARQL 1.1 Federated Query) unless the endpoint is
on the allow-list: that would make it an open proxy able to reach hosts only the server
can see (server-side request forgery).

The ``SERVICE`` check errs on the side of refusing. A one-pass lexer
(:func:`clusterkg.graph.store.sparql_text.keyword_tokens`) counts the tokens the engine could
read as the keyword: words containing "service" (also glued to a number, ``1SERVICE``)
and prefixed names whose prefix contains it (Oxigraph reads ``SERVICE:p`` as the keyword
and ``:p``); strings, IRIs, comments (ending at CR or LF), variables and language tags
never count. The tokens are counted twice, in the text as sent and in the text with its
``\\uXXXX`` escapes decoded (SPARQL 1.1 Query §19.2 has a parser decode them before it
reads anything, so ``\\u0053ERVICE`` is the keyword to such an engine), and the larger count
holds. No such token: no service can be called. A token and no allow-list (the default):
refused at once, without parsing. With an allow-list, the query is parsed with rdflib's
SPARQL 1.1 parser and must show exactly as many ``SERVICE`` clauses, each to an allowed
endpoint; a query that parser cannot read is refused, and so is one longer than
:data:`PARSE_LIMIT`. That parse is not linear (seconds for some texts of a few kB), so
:mod:`clusterkg.service.textcheck` never runs it on the event loop (:func:`needs_parse`).

The lexical checks take time linear in the text's length
(:mod:`clusterkg.graph.store.sparql_text`), so any text up to the body limit is checked in
a fraction of a second.

This lexical check is best effort: the engine's PEG parser reads some texts differently
from any lexer (``FILTER(1<2)SERVICE:p#>`` is a comparison, then a SERVICE call). The
real control is that the query workers run without network access (see
:mod:`clusterkg.service.query`); where the system does not allow that, the check runs in
strict mode and refuses every query containing the word "service".
"""

from __future__ import annotations

from clusterkg.graph.store.sparql_text import keyword_tokens, keywords, unescape_codepoints
from clusterkg.service.errors import QueryRefused

__all__ = ["check_query", "needs_parse", "UPDATE_KEYWORDS", "PARSE_LIMIT"]

#: First keywords of a SPARQL 1.1 Update operation (SPARQL 1.1 Update §3).
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}

#: Longest query (characters) given to rdflib's parser to check its ``SERVICE`` clauses;
#: a longer one that may call a service is refused (the parse would take seconds).
PARSE_LIMIT = 32 * 1024


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


#: Text that calls a SPARQL server's own extensions (Virtuoso's built-in SQL functions can
#: run SQL, change data and fetch URLs with the rights of the querying account).
_VENDOR_MARKS = ("bif:", "sql:", "openlinksw.com/schemas/bif", "openlinksw.com/schemas/sql", "bif\\u", "sql\\u")


def needs_parse(sparql: str, service_allow: tuple[str, ...]) -> bool:
    """Whether :func:`check_query` may parse ``sparql`` (slow: not for the event loop):
    only with an allow-list, for a text that mentions "service" at all.

    >>> needs_parse("SELECT * { SERVICE <http://x/> {} }", ()), needs_parse("ASK {}", ("http://x/",))
    (False, False)
    """
    return bool(service_allow) and "service" in sparql.lower()


def check_query(sparql: str, service_allow: tuple[str, ...] = (), strict: bool = False) -> None:
    """Refuse updates, and federated queries to endpoints not allowed.

    :param sparql: the request's query text.
    :param service_allow: endpoints ``SERVICE`` may call (exact IRIs); empty: none.
    :param strict: for workers that have network access (no private network namespace):
        then no lexical check is trusted, and any query containing "service" is refused
        unless an allow-list is set.
    :raises ~clusterkg.service.errors.QueryRefused: ``reason="update"`` for a SPARQL Update, ``reason="service"`` for
        a ``SERVICE`` clause whose target is not allowed, or one that cannot be checked,
        ``reason="extension"`` for a server pragma (``DEFINE``) or a Virtuoso built-in
        function (``bif:``, ``sql:``), refused on every store.

    >>> check_query('SELECT * WHERE { ?s <http://example.org/service> "SERVICE" }')
    >>> check_query('PREFIX ex: <http://x/> DROP ALL')
    Traceback (most recent call last):
    ...
    clusterkg.service.errors.QueryRefused: this endpoint is read-only: SPARQL Update (DROP) is refused
    """
    words = keywords(sparql)
    first = next((w for w in words if w not in ("PREFIX", "BASE")), "")
    if first in UPDATE_KEYWORDS or any(w in ("INSERT", "DELETE", "DROP", "CLEAR", "LOAD") for w in words):
        shown = first if first in UPDATE_KEYWORDS else next(w for w in words if w in UPDATE_KEYWORDS)
        raise QueryRefused("update", f"this endpoint is read-only: SPARQL Update ({shown}) is refused")
    lowered = sparql.lower()
    if "DEFINE" in words or any(mark in lowered for mark in _VENDOR_MARKS):
        raise QueryRefused("extension", "server extensions are refused here: no DEFINE pragmas and no "
                                        "bif:/sql: functions (standard SPARQL 1.1 only)")
    if strict and not service_allow and "service" in lowered:  # see the module docstring
        raise QueryRefused("service", "this server cannot keep its query workers off the network, so queries "
                                      "containing the word 'service' are refused (no federated queries here)")
    occurrences = keyword_tokens(sparql, "service")
    decoded = unescape_codepoints(sparql)
    if decoded is not sparql:
        occurrences = max(occurrences, keyword_tokens(decoded, "service"))
    if occurrences == 0:
        return
    if not service_allow:  # nothing may be called: no need to find out what would be (no parse)
        raise QueryRefused("service", "federated queries (SERVICE) are not allowed on this endpoint: they would make "
                                      "the server fetch other URLs (allowed endpoints: none)")
    allowed = {f"<{iri}>" for iri in service_allow}
    parsed = _parsed_service_targets(sparql) if len(sparql) <= PARSE_LIMIT else None
    if parsed is None or len(parsed) != occurrences:
        raise QueryRefused("service", "the query uses SERVICE in a way this endpoint cannot check; federated "
                                      "queries are not allowed here (allowed endpoints: "
                                      + (", ".join(service_allow) or "none") + ")")
    bad = [t for t in parsed if t not in allowed]
    if bad:
        raise QueryRefused("service", f"SERVICE {bad[0]} is not allowed on this endpoint: it would make the "
                                      "server fetch other URLs (allowed: " + (", ".join(service_allow) or "none") + ")")
