"""The vocabulary as lookup tables: concept schemes by label, network aliases.

Loaded once per process from the package data (``ontology/``, ``data/networks.csv``) and
handed to the mapping, which reads no files itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from clusterkg.graph.map.vocab import CKG, CONCEPT, SKOS
from clusterkg.graph.read.networks import Network, read_network_aliases
from clusterkg.graph.read.names import slugify

__all__ = ["Vocabulary", "ontology_graph", "ontology_files", "SCHEMES", "label_words"]

#: Concept scheme keys shipped in ``ontology/schemes/``.
SCHEMES = (
    "sectoral-industry", "emerging-industry", "technology-field", "s3-priority-area",
    "support-service", "organisation-type", "management-role", "label-level",
    "cooperation-activity", "member-role",
)


def ontology_files() -> list[Path]:
    """The vocabulary's Turtle files: ``clusterkg.ttl`` then each concept scheme."""
    root = Path(str(files("clusterkg.ontology")))
    return [root / "clusterkg.ttl", *sorted((root / "schemes").glob("*.ttl"))]


@functools.lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The vocabulary and all shipped concept schemes as one rdflib Graph (cached)."""
    g = Graph()
    for path in ontology_files():
        g.parse(path, format="turtle")
    return g


#: Words that do not make two labels different.
_SMALL_WORDS = {"and", "or", "of", "the", "for", "in", "on", "a", "an", "to", "with", "other", "x"}


def label_words(text: str) -> frozenset[str]:
    """The words of a label that matter for a close match: slugified, small words out.

    >>> sorted(label_words("Automation, Robotics & Control Systems"))
    ['automation', 'control', 'robotics', 'systems']
    """
    return frozenset(w for w in slugify(text).split("-") if w and w not in _SMALL_WORDS)


@dataclass
class Vocabulary:
    """Label -> concept tables of the shipped schemes, and the network alias table.

    :param labels: scheme key -> {slug of a prefLabel or altLabel -> concept IRI}.
    :param pref: concept IRI -> preferred label.
    :param networks: slug of an alias -> :class:`Network`.
    :param closed: keys of the closed schemes (``ckg:closedScheme true``): a value outside
        them is not a concept.
    :param words: scheme key -> [(concept IRI, the words of one of its labels)], for
        :meth:`close_matches`.
    """

    labels: dict[str, dict[str, URIRef]] = field(default_factory=dict)
    pref: dict[URIRef, str] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    closed: frozenset[str] = frozenset()
    words: dict[str, list[tuple[URIRef, frozenset[str]]]] = field(default_factory=dict)

    @classmethod
    @functools.lru_cache(maxsize=1)
    def load(cls) -> "Vocabulary":
        """The shipped vocabulary (cached per process).

        :raises ManifestError: when ``data/networks.csv`` lacks a column.
        """
        vocab = cls()
        g = ontology_graph()
        for scheme in SCHEMES:
            table: dict[str, URIRef] = {}
            words: list[tuple[URIRef, frozenset[str]]] = []
            for concept in g.subjects(SKOS.inScheme, CONCEPT[scheme]):
                if not isinstance(concept, URIRef):
                    continue
                for prop in (SKOS.prefLabel, SKOS.altLabel):
                    for label in g.objects(concept, prop):
                        table.setdefault(slugify(str(label)), concept)
                        words.append((concept, label_words(str(label))))
                pl = g.value(concept, SKOS.prefLabel)
                if isinstance(pl, Literal):
                    vocab.pref[concept] = str(pl)
            vocab.labels[scheme] = table
            vocab.words[scheme] = sorted(words, key=lambda cw: str(cw[0]))
        vocab.closed = frozenset(s for s in SCHEMES if (CONCEPT[s], CKG.closedScheme, Literal(True)) in g)
        path = Path(str(files("clusterkg.data"))) / "networks.csv"
        vocab.networks = read_network_aliases(path)
        return vocab

    def concept(self, scheme: str, text: str) -> URIRef | None:
        """The shipped concept of ``scheme`` whose label matches ``text`` (case, spacing
        and punctuation ignored), or None."""
        return self.labels.get(scheme, {}).get(slugify(text))

    def with_networks(self, paths: list[Path]) -> "Vocabulary":
        """A copy whose alias table also holds the tables in ``paths`` (a folder's own
        ``networks.csv``); their rows win over the shipped ones.

        :raises ManifestError: naming the file and line of a bad table.
        """
        if not paths:
            return self
        networks = dict(self.networks)
        for p in paths:
            networks.update(read_network_aliases(Path(p)))
        return Vocabulary(self.labels, self.pref, networks, self.closed, self.words)

    def close_matches(self, scheme: str, text: str) -> list[URIRef]:
        """Concepts of ``scheme`` whose label's words contain all of the words of ``text``,
        or are all in it ("Robotics" and "Automation, Robotics, Control Systems"): close,
        not the same (SKOS ``closeMatch``). Case, accents, punctuation and small words
        ("and", "of") do not count. Sorted by IRI, each once.
        """
        mine = label_words(text)
        if not mine:
            return []
        found = {c for c, theirs in self.words.get(scheme, []) if theirs and (mine <= theirs or theirs <= mine)}
        return sorted(found, key=str)

    def labels_by_concept(self, concept: URIRef) -> list[tuple[str, URIRef]]:
        """(label slug, concept) pairs of one concept, across all schemes."""
        return [(k, v) for table in self.labels.values() for k, v in table.items() if v == concept]

    def network(self, text: str) -> Network | None:
        """The network an alias names, or None when the alias table does not know it."""
        return self.networks.get(slugify(text))
