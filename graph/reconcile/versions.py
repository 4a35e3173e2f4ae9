"""Page versions of one cluster: their order, and the cluster's current view.

Several profile pages may describe one cluster (an old and a 2021 page, or two copies of
one ECCP page): they share the cluster IRI. Each stays in its own named graph, as read.
The default graph takes, for such a cluster:

* the statements about the cluster, property by property, from the latest version that
  makes any statement with that property: the cluster's own triples (``<cluster> p o``),
  the triples that point at it (``s p <cluster>``, e.g. a member's ``org:memberOf``,
  keyed as the inverse property), and the triples of the cluster's parts (IRIs under the
  cluster's, such as its label or a membership) that such a kept statement links;
* everything else every version says (the members' and networks' own descriptions, the
  regions, the concepts, the provenance of each page's graph).

Versions are ordered by the date their page was retrieved when every one has a date,
else by the era of their layout (``eccp-2016`` < ``eccp-2019`` < ``eccp-2021``), then by
retrieval date, then by profile id. Newer versions are ``prov:wasRevisionOf`` older ones.

The work is done on canonical N-Triples lines (one triple per line, terms separated by
single spaces), so equal triples are equal lines.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Version", "LAYOUT_ERA", "ordered", "current_view", "revision_lines", "PROV_REVISION"]

#: The order of the page layouts, oldest first.
LAYOUT_ERA = {"eccp-2016": 0, "eccp-2019": 1, "eccp-2021": 2}
PROV_REVISION = "http://www.w3.org/ns/prov#wasRevisionOf"


@dataclass(frozen=True)
class Version:
    """One page version of a cluster.

    :param profile_id: the profile's id.
    :param graph_iri: its named graph.
    :param layout: the layout its page was read in.
    :param retrieved: the day its page was retrieved (``YYYY-MM-DD``), or None.
    :param ntriples: its graph, canonical N-Triples.
    """

    profile_id: str
    graph_iri: str
    layout: str
    retrieved: str | None
    ntriples: bytes


def ordered(versions: list[Version]) -> list[Version]:
    """The versions, oldest first (see the module docstring for the rule).

    >>> v = [Version("b", "g/b", "eccp-2021", None, b""), Version("a", "g/a", "eccp-2019", None, b"")]
    >>> [x.profile_id for x in ordered(v)]
    ['a', 'b']
    """
    by_date = all(v.retrieved for v in versions)

    def key(v: Version) -> tuple:
        era = LAYOUT_ERA.get(v.layout, -1)
        return (v.retrieved, era, v.profile_id) if by_date else (era, v.retrieved or "", v.profile_id)

    return sorted(versions, key=key)


def _terms(line: bytes) -> tuple[bytes, bytes, bytes]:
    """Subject, predicate and object of a canonical N-Triples line (the object without
    the final `` .``)."""
    s, p, rest = line.split(b" ", 2)
    return s, p, rest[:-2] if rest.endswith(b" .") else rest


def current_view(cluster: str, graph_prefix: str, versions: list[Version]) -> list[bytes]:
    """What each version contributes to the default graph, for a cluster several versions
    describe.

    :param cluster: the cluster's IRI.
    :param graph_prefix: the IRI prefix of named graphs (``{base}graph/``): triples about a
        page's graph are its provenance, never statements about the cluster.
    :param versions: the versions, oldest first (:func:`ordered`).
    :return: for each version, in the same order, its contributed lines (canonical
        N-Triples, sorted).
    """
    me, parts, graphs = b"<" + cluster.encode() + b">", b"<" + cluster.encode() + b"/", b"<" + graph_prefix.encode()
    keyed: list[dict[bytes, list[bytes]]] = []  # per version: statement key -> its lines
    other: list[list[bytes]] = []
    part_lines: list[dict[bytes, list[bytes]]] = []
    for v in versions:
        mine: dict[bytes, list[bytes]] = {}
        rest: list[bytes] = []
        of_parts: dict[bytes, list[bytes]] = {}
        for line in v.ntriples.splitlines(keepends=True):
            s, p, o = _terms(line.rstrip(b"\n"))
            if s == me:
                mine.setdefault(p, []).append(line)
            elif o == me and not s.startswith(graphs):
                mine.setdefault(b"^" + p, []).append(line)
            elif s.startswith(parts):
                of_parts.setdefault(s, []).append(line)
            else:
                rest.append(line)
        keyed.append(mine)
        other.append(rest)
        part_lines.append(of_parts)
    out: list[list[bytes]] = [list(rest) for rest in other]
    for key in sorted({k for mine in keyed for k in mine}):
        latest = max(i for i, mine in enumerate(keyed) if key in mine)
        for line in keyed[latest][key]:
            out[latest].append(line)
            s, _p, o = _terms(line.rstrip(b"\n"))
            linked = o if s == me else s
            out[latest].extend(part_lines[latest].get(linked, []))
    return [b"".join(sorted(set(lines))) for lines in out]


def revision_lines(versions: list[Version]) -> bytes:
    """``prov:wasRevisionOf`` from each version's graph to the one before it (N-Triples)."""
    return b"".join(f"<{new.graph_iri}> <{PROV_REVISION}> <{old.graph_iri}> .\n".encode()
                    for old, new in zip(versions, versions[1:], strict=False))
