"""The other sources' graphs after reconciliation: their IRIs settled, their share of the
current view.

A source's named graph keeps what it said, under the cluster IRIs the reconcile stage
settled (:func:`rewrite`: a provisional IRI and the IRIs of its parts, such as its awards,
become the cluster's). Its share of the default graph (the current view) follows one rule
for the properties a cluster has one value of (:data:`FUNCTIONAL`: name, label, country,
website, founding date, region, staff, "no label"): the cluster's profile says them, and
for a cluster known only from other sources the first source that says them does (in the
order republication, register, network page, news); the others' names become
``skos:altLabel``, their other such values stay in their own graphs only. Everything else
a source says (awards, memberships, portfolios, its own record) joins the current view.

The work is done on canonical N-Triples lines, as in :mod:`.versions`.
"""

from __future__ import annotations

from collections.abc import Iterable

from clusterkg.graph.map.mentions import FUNCTIONAL

__all__ = ["FUNCTIONAL", "NAMES", "rewrite", "view_owners", "share", "links_ntriples", "SKOS_ALT_LABEL"]

SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
#: The names of a cluster: another source's become ``skos:altLabel`` in the current view.
NAMES = frozenset({"https://schema.org/name", "http://www.w3.org/2000/01/rdf-schema#label"})


def _terms(line: bytes) -> tuple[bytes, bytes, bytes]:
    s, p, rest = line.split(b" ", 2)
    return s, p, rest[:-2] if rest.endswith(b" .") else rest


def _settled(term: bytes, iris: dict[bytes, bytes]) -> bytes:
    """``term`` (an N-Triples term) with a provisional IRI, or the IRI of one of its parts
    (``<old/award/...>``), replaced."""
    if not term.startswith(b"<") or not iris:
        return term
    iri = term[1:-1]
    cut = len(iri)
    while cut > 0:
        new = iris.get(iri[:cut])
        if new is not None:
            return b"<" + new + iri[cut:] + b">"
        cut = iri.rfind(b"/", 0, cut)
    return term


def rewrite(ntriples: bytes, iris: dict[str, str]) -> bytes:
    """A graph's canonical N-Triples with the IRIs of ``iris`` (old -> new) replaced,
    where they are subjects or objects, and so are the IRIs under them (``old/...``);
    lines sorted, each once.

    >>> rewrite(b'<http://x/c/a/award/1> <http://p> <http://x/c/a> .\\n', {"http://x/c/a": "http://x/c/b"})
    b'<http://x/c/b/award/1> <http://p> <http://x/c/b> .\\n'
    """
    if not iris:
        return ntriples
    table = {k.encode(): v.encode() for k, v in iris.items()}
    out = set()
    for line in ntriples.splitlines():
        if not line:
            continue
        s, p, o = _terms(line)
        out.add(b" ".join((_settled(s, table), p, _settled(o, table))) + b" .\n")
    return b"".join(sorted(out))


def view_owners(graphs: Iterable[tuple[str, bytes]], clusters: set[str],
                stated: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """Who says each :data:`FUNCTIONAL` property of each cluster in the current view.

    :param graphs: (source id, settled N-Triples) of the other sources' graphs, in the
        order they count (republications first ... news last).
    :param clusters: the cluster IRIs.
    :param stated: cluster IRI -> the properties its profile states (those its profile owns).
    :return: (cluster IRI, property IRI) -> the owner: ``"profile"`` or a source id.
    """
    owners: dict[tuple[str, str], str] = {}
    for cluster, props in stated.items():
        for prop in props & FUNCTIONAL:
            owners[(cluster, prop)] = "profile"
    for source, nt in graphs:
        for line in nt.splitlines():
            if not line:
                continue
            subject, predicate, _o = _terms(line)
            key = (subject[1:-1].decode(), predicate[1:-1].decode())
            if key[1] in FUNCTIONAL and key[0] in clusters:
                owners.setdefault(key, source)
    return owners


def share(ntriples: bytes, source: str, owners: dict[tuple[str, str], str], names: dict[str, set[str]]) -> bytes:
    """What a source's settled graph adds to the current view (see the module docstring).

    :param ntriples: the graph, settled (:func:`rewrite`), canonical N-Triples.
    :param source: its source id.
    :param owners: from :func:`view_owners`.
    :param names: cluster IRI -> the names its owner gives it (N-Triples literals), which
        are not repeated as alternative labels.
    :return: the lines it contributes, sorted, each once.
    """
    out = set()
    for line in ntriples.splitlines():
        if not line:
            continue
        s, p, o = _terms(line)
        key = (s[1:-1].decode(), p[1:-1].decode())
        owner = owners.get(key)
        if owner is None or owner == source:
            out.add(line + b"\n")
        elif key[1] in NAMES and o not in names.get(key[0], set()):
            out.add(b" ".join((s, b"<" + SKOS_ALT_LABEL.encode() + b">", o)) + b" .\n")
    return b"".join(sorted(out))


def links_ntriples(links: list[tuple[str, str, str]]) -> bytes:
    """Links between IRIs as canonical N-Triples, sorted, each once."""
    return b"".join(sorted({f"<{s}> <{p}> <{o}> .\n".encode() for s, p, o in links}))
