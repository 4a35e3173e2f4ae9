"""Which queries look quick: the pool keeps a worker for them (see :mod:`.pool`).

A guess made from the query's text alone, for scheduling only: a wrong guess costs time,
never correctness, and the time limit still applies.
"""

from __future__ import annotations

from clusterkg.graph.store.sparql_text import bare, keywords, where_body

__all__ = ["looks_quick"]

#: Words of queries that may take long: aggregates, sorting, text search, negation, unions.
_SLOW_WORDS = {"GROUP", "ORDER", "HAVING", "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT",
               "DISTINCT", "REDUCED", "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "LCASE", "UCASE", "SUBSTR",
               "REPLACE", "MINUS", "EXISTS", "UNION", "SERVICE", "FROM", "DESCRIBE"}


def looks_quick(sparql: str) -> bool:
    """True for a query that looks like a look-up: its WHERE group names a resource by
    full IRI, and it has no aggregate, sorting, text search, negation, union or
    transitive path (SPARQL 1.1 Query §9.1, property paths ``*`` and ``+``).

    :param sparql: the query text.
    :return: True when the query looks quick.

    >>> looks_quick('SELECT ?d WHERE { <http://x/c/1> <https://schema.org/foundingDate> ?d }')
    True
    >>> looks_quick('SELECT ?c WHERE { ?c a <http://x/C> } ORDER BY ?c')
    False
    >>> looks_quick('SELECT * WHERE { <http://x/c/1> <http://x/p>+ ?o }')
    False
    """
    at = where_body(sparql)
    if at is None or "<" not in sparql[at:] or _SLOW_WORDS.intersection(keywords(sparql)):
        return False
    body = bare(sparql[at:])  # operators inside IRIs, strings and comments do not count
    return "*" not in body and "+" not in body
