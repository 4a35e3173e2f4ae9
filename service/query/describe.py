"""One page of a resource's description, built in a query worker (worker side).

A resource document (``/doc/...``) shows the resource's own triples, its parts' (IRIs
under its own: label, contact points, memberships...) and the memberships that point at
it. A cluster with 50,000 members has 50,000 values of ``org:hasMember`` and 50,000
memberships: built whole, one page took 17 s and 57 MB of HTML. So a page holds at most
``size`` values of each property of the resource, and at most ``size`` of its parts and
memberships (each part with at most ``size`` values per property); page ``n`` holds the
``n``-th slice of each, and the values of a property that has no more than ``size`` of
them are on the first page only. The slices follow the store's own order, the same for
every request on one snapshot (sorting 50,000 values in the query took 1.5 s; a page
shows its values sorted). The pages are
built here, in a query worker, so the time limit, the killable worker and the memory
limit apply to them as to any query.

:func:`describe_page` gives the page's triples, the labels of the resources it links to
and the number of the last page; the worker then writes the page in the format asked for
(:func:`clusterkg.service.rendering.render_page`) and sends it like a query's answer
(:mod:`.wire`), so the web process only forwards bytes.
"""

from __future__ import annotations

import time
from math import ceil

import pyoxigraph as ox

from clusterkg.graph.errors import QueryTimeout
from clusterkg.service.errors import ResultTooLarge

__all__ = ["describe_page", "DocumentPage"]

_ORG = "http://www.w3.org/ns/org#"
#: The resource's parts (IRIs under its own, reached from it) and the memberships in it.
_RELATED = (f"""{{ ?r ?q ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), CONCAT(STR(?r), "/"))) }}
  UNION {{ ?s <{_ORG}organization> ?r }}""")
# (a variable bound by substitution must be in the projection: ?r, ?p; the default graph
# is the union of the named graphs, so a triple two pages give comes twice without DISTINCT)
_PROPERTY_COUNTS = "SELECT ?r ?p (COUNT(DISTINCT ?o) AS ?n) WHERE { ?r ?p ?o } GROUP BY ?r ?p"
_VALUES = "SELECT DISTINCT ?r ?p ?o WHERE { ?r ?p ?o } LIMIT %d OFFSET %d"
_ALL_VALUES = "SELECT DISTINCT ?r ?p ?o WHERE { ?r ?p ?o }"
_RELATED_COUNT = f"SELECT ?r (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_RELATED} }} GROUP BY ?r"
_RELATED_PAGE = f"SELECT DISTINCT ?r ?s WHERE {{ {_RELATED} }} LIMIT %d OFFSET %d"
_TRIPLES_OF = "SELECT DISTINCT ?s ?p ?o WHERE { VALUES ?s { %s } ?s ?p ?o } ORDER BY ?s ?p ?o"
_LABELS = """SELECT ?x (SAMPLE(?l) AS ?label) WHERE {
  VALUES ?x { %s }
  ?x <http://www.w3.org/2004/02/skos/core#prefLabel>|<https://schema.org/name>
     |<http://www.w3.org/2000/01/rdf-schema#label> ?l
  FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en"))
} GROUP BY ?x"""
#: Most IRIs whose labels one page looks up.
_MAX_LABELLED = 5000


class DocumentPage:
    """A page being built: its triples as N-Triples lines, and a byte budget.

    :param max_bytes: most bytes of N-Triples (then :class:`ResultTooLarge`).
    :param deadline: a ``time.monotonic()`` value (then :class:`QueryTimeout`).
    :param timeout: the limit, seconds (for the error's message).
    """

    def __init__(self, max_bytes: int, deadline: float, timeout: float):
        self.lines: list[str] = []
        self.size = 0
        self.max_bytes, self.deadline, self.timeout = max_bytes, deadline, timeout
        self.iris: set[str] = set()

    def add(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o) -> None:
        """Add one triple (and note the IRIs whose labels the page will show)."""
        line = f"{s} {p} {o} .\n"
        self.size += len(line)
        if self.size > self.max_bytes:
            raise ResultTooLarge(f"the description is over the size limit ({self.max_bytes:,} bytes)")
        self.lines.append(line)
        self.iris.add(p.value)
        if isinstance(o, ox.NamedNode):
            self.iris.add(o.value)

    def check_time(self) -> None:
        """:raises QueryTimeout: past the deadline."""
        if time.monotonic() > self.deadline:
            raise QueryTimeout(self.timeout)


def _rows(store, query: str, iri: str, **more: str) -> list:
    """The raw solutions of a SELECT with ``?r`` (and ``more``) bound to IRIs."""
    result = store.query(query, substitutions={"r": iri, **more})
    return list(result.raw)


def _own(store, iri: str, page: int, size: int, out: DocumentPage) -> int:
    """Add the page's slice of the resource's own triples; return how many pages they fill.
    When every property has at most ``size`` values, the first page takes them in one
    query; else each property's slice comes in a query of its own."""
    subject = ox.NamedNode(iri)
    counts = {row["p"]: int(row["n"].value) for row in _rows(store, _PROPERTY_COUNTS, iri)}
    if page == 1 and all(n <= size for n in counts.values()):  # the usual case: one page, one query
        for row in _rows(store, _ALL_VALUES, iri):
            out.add(subject, row["p"], row["o"])
        return 1 if counts else 0
    for p, n in counts.items():  # (a filter leaving long ones out would still read them all)
        if (page - 1) * size < n and (page == 1 or n > size):
            out.check_time()
            for value in _rows(store, _VALUES % (size, (page - 1) * size), iri, p=p.value):
                out.add(subject, p, value["o"])
    return max((ceil(n / size) for n in counts.values()), default=0)


def _related(store, iri: str, page: int, size: int, out: DocumentPage) -> int:
    """Add the page's slice of the parts and memberships, each with at most ``size``
    values per property; return how many pages they fill (counted only when they fill
    more than the first)."""
    subjects = [row["s"] for row in _rows(store, _RELATED_PAGE % (size + 1, (page - 1) * size), iri)]
    if page == 1 and len(subjects) <= size:
        total = len(subjects)
    else:
        count = _rows(store, _RELATED_COUNT, iri)
        total = int(count[0]["n"].value) if count else 0
    subjects = [s for s in subjects[:size] if isinstance(s, ox.NamedNode)]
    if subjects:
        out.check_time()
        kept: dict[tuple[str, str], int] = {}
        for row in store.query(_TRIPLES_OF % " ".join(str(s) for s in subjects)).raw:
            group = (row["s"].value, row["p"].value)
            kept[group] = kept.get(group, 0) + 1
            if kept[group] <= size:
                out.add(row["s"], row["p"], row["o"])
    return ceil(total / size)


def _labels(store, iris: set[str]) -> dict[str, str]:
    """IRI -> label (English or no language) of the IRIs the page links to."""
    nodes = []
    for iri in sorted(iris)[:_MAX_LABELLED]:
        try:
            nodes.append(str(ox.NamedNode(iri)))
        except ValueError:
            continue
    if not nodes:
        return {}
    rows = store.query(_LABELS % " ".join(nodes)).raw
    return {row["x"].value: row["label"].value for row in rows if row["label"] is not None}


def describe_page(store, iri: str, page: int, size: int, max_bytes: int, deadline: float,
                  timeout: float) -> dict:
    """Page ``page`` of the description of ``iri`` (see the module docstring).

    :param store: the open store (a :class:`~clusterkg.graph.store.Store`).
    :param iri: the resource.
    :param page: 1-based.
    :param size: values per property, and parts, on one page.
    :param max_bytes: most bytes of the page's N-Triples.
    :param deadline: ``time.monotonic()`` value the page must be built by.
    :param timeout: the time limit, seconds (for the error's message).
    :return: ``{"ntriples", "labels", "page", "last"}``.
    :raises QuerySyntaxError: ``iri`` is not an IRI.
    :raises QueryTimeout: past the deadline.
    :raises ResultTooLarge: a page over ``max_bytes``.
    """
    out = DocumentPage(max_bytes, deadline, timeout)
    last = max(_own(store, iri, page, size, out), _related(store, iri, page, size, out))
    out.check_time()
    labels = _labels(store, out.iris) if out.lines else {}
    return {"ntriples": "".join(out.lines), "labels": labels, "page": page, "last": last}
