"""Which queries look quick: the pool keeps a worker for them (see :mod:`.pool`).

A guess made from the query's text alone, for scheduling only: a wrong guess costs time,
never correctness. The time limit still applies, and so does the look-up lane's own
budget (``CLUSTERKG_LOOKUP_TIMEOUT``): a query that holds the lane's worker past it is
moved out, and its *shape* (:func:`shape_key`) is demoted, so that queries made to look
like look-ups cannot keep the lane.
"""

from __future__ import annotations

import hashlib
import re

from clusterkg.graph.store.sparql_text import keywords, masked, shape, where_body

__all__ = ["looks_quick", "shape_key"]

#: Words of queries that may take long: aggregates, sorting, text search, negation, unions.
_SLOW_WORDS = {"GROUP", "ORDER", "HAVING", "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT",
               "DISTINCT", "REDUCED", "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "LCASE", "UCASE", "SUBSTR",
               "REPLACE", "MINUS", "EXISTS", "UNION", "SERVICE", "FROM", "DESCRIBE"}
#: A triple pattern of three variables (blank nodes count as variables): it matches every
#: triple of the store, so a query holding one is not a look-up.
_ANY_TRIPLE = re.compile(r"(?:(?:[?$][\w\u00b7]+|_:[\w.\-]+|\[\s*\])\s*){3}")


def looks_quick(sparql: str) -> bool:
    """True for a query that looks like a look-up: its WHERE group names a resource by
    full IRI, and it has no aggregate, sorting, text search, negation, union, transitive
    path (SPARQL 1.1 Query §9.1, property paths ``*`` and ``+``) or triple pattern of three
    variables.

    :param sparql: the query text.
    :return: True when the query looks quick.

    >>> looks_quick('SELECT ?d WHERE { <http://x/c/1> <https://schema.org/foundingDate> ?d }')
    True
    >>> looks_quick('SELECT ?c WHERE { ?c a <http://x/C> } ORDER BY ?c')
    False
    >>> looks_quick('SELECT * WHERE { <http://x/c/1> <http://x/p>+ ?o }')
    False
    >>> looks_quick('SELECT * WHERE { <http://x/c/1> ?p ?o . ?a ?b ?c }')
    False
    """
    at = where_body(sparql)
    if at is None or "<" not in sparql[at:] or _SLOW_WORDS.intersection(keywords(sparql)):
        return False
    body = masked(sparql)[at:]  # operators inside IRIs, strings and comments do not count
    return "*" not in body and "+" not in body and _ANY_TRIPLE.search(body) is None


def shape_key(sparql: str) -> str:
    """A short digest of the query's shape (:func:`~clusterkg.graph.store.sparql_text.shape`:
    the text with its IRIs, names, literals, numbers and variable names left out), the same
    for two queries that differ only in those.

    >>> shape_key('SELECT ?x { <http://a/1> ?p ?x }') == shape_key('select ?y {<http://b/2> ?q ?y} # two')
    True
    """
    return hashlib.sha256(shape(sparql).encode("utf-8", "surrogatepass")).hexdigest()[:32]
