"""The example queries (``docs/queries/*.rq``, installed as ``clusterkg.queries``) for the
landing page and the query editor's tabs, and the SPARQL queries behind the charts.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass

from clusterkg.graph.publish.site import FACETS

__all__ = ["Example", "examples", "CHART_QUERIES", "list_query"]

#: Titles of the example queries (file stem -> title); a file not named here is titled
#: from its name.
_TITLES = {
    "clusters-per-country": "Clusters per country",
    "clusters-per-nuts2-region": "Clusters per NUTS 2 region",
    "clusters-per-sector-and-country": "Clusters per sector and country",
    "clusters-sharing-a-network": "Clusters that share a network, with their label",
    "clusters-by-technology-and-label": "Clusters by technology field and label",
    "members-shared-between-clusters": "Member organisations shared between clusters",
    "cluster-history": "The history of one cluster across its page versions",
    "clusters-with-a-valid-label-on-a-date": "Clusters with a valid Gold or Silver label on a date",
}


@dataclass(frozen=True)
class Example:
    """An example query: ``name`` (the file's stem), ``title``, ``query`` (its text), and
    ``data``: what it was written for when that is more than the bundled profiles (its
    ``# data:`` line; empty answers are expected on the bundled data alone)."""

    name: str
    title: str
    query: str
    data: str = ""


@functools.lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    """The example queries, in the order of :data:`_TITLES` (then by name); a query's
    leading ``#`` comment lines (notes for the tests) are left out."""
    folder = importlib.resources.files("clusterkg.queries")
    found = {p.name[:-3]: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".rq")}
    order = [n for n in _TITLES if n in found] + sorted(set(found) - set(_TITLES))
    out = []
    for name in order:
        lines = found[name].splitlines()
        text = "\n".join(line for line in lines if not line.startswith("#")).strip() + "\n"
        data = next((line[len("# data:"):].strip() for line in lines if line.startswith("# data:")), "")
        extra = data if data.split() != ["data/"] else ""
        out.append(Example(name, _TITLES.get(name) or name.replace("-", " ").capitalize(), text, extra))
    return tuple(out)


_PREFIXES = """PREFIX ckg: <https://w3id.org/clusterkg/ns#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _per(kind: str) -> str:
    return (_PREFIXES + f"SELECT ?value (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?c) AS ?clusters) WHERE {{\n"
            f"  ?c a ckg:ClusterOrganisation ; {FACETS[kind][1]} ?value .\n"
            f"  OPTIONAL {{ ?value skos:prefLabel ?l }}\n}} GROUP BY ?value ORDER BY DESC(?clusters) ?label\n")


#: The SPARQL query whose answer each chart of :data:`clusterkg.service.site.CHARTS` shows.
CHART_QUERIES = {
    "country": _per("country"),
    "sector": _per("sector"),
    "label": _per("label"),
    "founded": _PREFIXES + """SELECT ?year (COUNT(DISTINCT ?c) AS ?clusters) WHERE {
  ?c a ckg:ClusterOrganisation ; schema:foundingDate ?founded .
  BIND(YEAR(?founded) AS ?year)
} GROUP BY ?year ORDER BY ?year
""",
}


def list_query(filters: dict[str, list[str]]) -> str:
    """The SPARQL query that gives the clusters of a faceted list (``/clusters``): those
    holding every facet kind's value (any of a kind's values), by name.

    :param filters: facet kind -> value IRIs (checked by the site index before).

    >>> print(list_query({"country": ["http://x/SRB"]}).splitlines()[-2])
      VALUES ?v1 { <http://x/SRB> } ?c ckg:country ?v1 .
    """
    lines = [_PREFIXES.rstrip(), "SELECT ?c ?name ?founded WHERE {",
             "  ?c a ckg:ClusterOrganisation .",
             "  OPTIONAL { ?c schema:name ?name } OPTIONAL { ?c schema:foundingDate ?founded }"]
    for i, (kind, values) in enumerate(sorted(filters.items()), 1):
        lines.append(f"  VALUES ?v{i} {{ {' '.join(f'<{v}>' for v in values)} }} ?c {FACETS[kind][1]} ?v{i} .")
    lines.append("} ORDER BY LCASE(STR(?name)) ?c")
    return "\n".join(lines) + "\n"
