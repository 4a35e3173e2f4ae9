"""What every mapping shares: the graph it builds, its ledger, the catch-all, concepts,
regions, label awards, bodies and the provenance of its named graph.

:class:`GraphBuilder` is the base of the profile mapping (:mod:`.mapping`) and of the
mappings of the other kinds of source (:mod:`.sources`). Every triple goes through
:meth:`GraphBuilder.add`, which records the source line that produced it (the *ledger*),
so that nothing is lost and a validation result names its line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from clusterkg.graph.map.bodies import AWARDING_DEFAULT, Body, find_body
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.mentions import Mention, record_key
from clusterkg.graph.map.places import NUTS_SCHEME, NutsTable, NutsUnit
from clusterkg.graph.map.validity import validity
from clusterkg.graph.map.vocab import (
    CKG, CKG_ONTOLOGY, CONCEPT, DCAT, DCTERMS, EU_COUNTRY, FOAF, LOCN, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, SPDX, XSD,
    Uris, bind_prefixes,
)
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.read.namekeys import match_tokens, name_variants, web_domain
from clusterkg.graph.read.names import slugify
from clusterkg.graph.read.profile import Record, Value
from clusterkg.graph.read.values import parse_date

__all__ = ["Mapped", "Unmapped", "NewConcept", "Triple", "GraphBuilder", "Award"]

#: A triple as rdflib terms (subject, predicate, object).
Triple = tuple[Node, Node, Node]


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A value kept under the catch-all property: its line, field label and text."""

    line: int
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class NewConcept:
    """A value that fit no concept of its scheme and became a new concept."""

    scheme: str
    label: str
    line: int
    iri: URIRef


@dataclass(slots=True)
class Mapped:
    """The result of mapping one source file.

    :param graph: the triples of the file's named graph (an rdflib Graph).
    :param graph_iri: the named graph's IRI.
    :param cluster: the graph's primary topic: the cluster of a profile, else the network
        of a network page, or the record itself (a register, an article).
    :param ledger: source line (1-based) -> triples that line's value produced.
    :param line_labels: source line -> label of the field it was printed under.
    :param unmapped: values kept under the catch-all, for the build report.
    :param new_concepts: values that became new concepts of a scheme.
    :param new_networks: network names the alias table did not know.
    :param unresolved_regions: regions no NUTS unit was found for (kept as printed).
    :param mentions: the clusters and organisations the file names (see
        :mod:`.mentions`), for the reconcile stage.
    :param kind: the file's kind of source (``profile``, ``label-register``, ...).
    """

    graph: Graph
    graph_iri: URIRef
    cluster: URIRef
    ledger: dict[int, list[Triple]] = field(default_factory=lambda: defaultdict(list))
    line_labels: dict[int, str] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    new_concepts: list[NewConcept] = field(default_factory=list)
    new_networks: list[str] = field(default_factory=list)
    unresolved_regions: list[Unmapped] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    kind: str = "profile"

    @property
    def deferred(self) -> bool:
        """True when the graph names clusters whose IRIs are provisional: it is loaded
        after the reconcile stage has settled them."""
        return any(m.kind == "cluster" and not m.anchor for m in self.mentions)


@dataclass(frozen=True)
class Award:
    """One label award as a record states it, for :meth:`GraphBuilder.award`.

    :param level: the level as printed ("Silver Label", "Bronze").
    :param label: the field label it was printed under.
    :param valid_from: / :param valid_until: the validity as printed, or None.
    :param period: the period of the assessment as printed, or None.
    :param published: the day the record was published, as printed, or None.
    :param body: the awarding body as printed, or None (ESCA).
    """

    level: Value
    label: str
    valid_from: Value | None = None
    valid_until: Value | None = None
    period: Value | None = None
    published: Value | None = None
    body: str | None = None


class GraphBuilder:
    """Builds one file's named graph.

    :param record: what the reader read.
    :param source: the file and its manifest row.
    :param uris: the IRI minter.
    :param vocab: the concept schemes and network aliases.
    :param checksum: hex SHA-256 of the file's bytes.
    :param topic: the graph's primary topic (catch-all values hang on it).
    :param graph_iri: the named graph's IRI.
    """

    def __init__(self, record: Record, source: ProfileSource, uris: Uris, vocab: Vocabulary, checksum: str,
                 topic: URIRef, graph_iri: URIRef):
        self.rec, self.src, self.uris, self.vocab, self.checksum = record, source, uris, vocab, checksum
        # no rdflib default prefixes (binding them costs more than mapping a short page);
        # rdflib's store without named graphs (the default one keeps a context per triple):
        # adding a triple costs less than half as much
        self.g = bind_prefixes(Graph(store="SimpleMemory", bind_namespaces="none"))
        self.g.bind("rdf", RDF)
        self.c, self.gi = topic, graph_iri
        self.out = Mapped(self.g, self.gi, self.c, kind=record.kind)
        self.country: str | None = source.country
        self._unmapped_at: dict[int, int] = {}

    # -- helpers
    def add(self, s: Node, p: Node, o: Node, v: Value | None = None, label: str | None = None) -> None:
        """Add a triple; with ``v``, record that its line produced it (under ``label``)."""
        self.g.add((s, p, o))
        if v is not None:
            self.out.ledger[v.line].append((s, p, o))
            if label is not None:
                self.out.line_labels.setdefault(v.line, label)

    def unmapped(self, v: Value, label: str, k: int = 0, subject: URIRef | None = None) -> URIRef:
        """Keep ``v`` under the catch-all property (of ``subject``, default the topic); return its node."""
        k = k or self._unmapped_at.get(v.line, 0)  # several values of one line: -1, -2, ...
        self._unmapped_at[v.line] = k + 1
        node = self.uris.unmapped(self.src.id, v.line, k)
        self.add(subject or self.c, CKG.unmapped, node, v, label)
        self.add(node, RDF.type, CKG.UnmappedValue)
        self.add(node, CKG.sourceLabel, Literal(label))
        self.add(node, RDF.value, Literal(v.text), v, label)
        self.add(node, CKG.sourceLine, Literal(v.line, datatype=XSD.positiveInteger))
        self.out.unmapped.append(Unmapped(v.line, label, v.text))
        return node

    def concept(self, scheme: str, v: Value, label: str, subject: URIRef | None = None) -> URIRef | None:
        """The concept of ``scheme`` a value names. A value outside a closed scheme is kept
        under the catch-all, marked ``ckg:outsideScheme`` (the shapes report it), and None is
        returned; outside an open scheme it becomes a concept of the scheme found in the
        data, in English, ``skos:closeMatch`` the shipped concepts whose labels share its
        words."""
        found = self.vocab.concept(scheme, v.text)
        if found is not None:
            return found
        if scheme in self.vocab.closed:
            node = self.unmapped(v, label, subject=subject)
            self.add(node, CKG.outsideScheme, CONCEPT[scheme])
            return None
        iri = self.uris.new_concept(scheme, v.text)
        self.add(iri, RDF.type, SKOS.Concept)
        self.add(iri, SKOS.inScheme, CONCEPT[scheme])
        self.add(iri, SKOS.topConceptOf, CONCEPT[scheme])
        self.add(iri, SKOS.prefLabel, Literal(v.text, lang="en"), v, label)
        self.add(iri, CKG.fromData, Literal(True))
        self.add(iri, DCTERMS.source, self.gi)
        for near in self.vocab.close_matches(scheme, v.text):
            self.add(iri, SKOS.closeMatch, near)
        self.out.new_concepts.append(NewConcept(scheme, v.text, v.line, iri))
        return iri

    def region_of(self, v: Value, label: str, subject: URIRef, country: str | None) -> str | None:
        """``subject`` ``ckg:region`` the region ``v`` names: its NUTS unit's region resource
        (:class:`~.places.NutsTable`) whatever the form printed, else a region kept as
        printed (and reported). Return the country the NUTS unit lies in, or None."""
        unit = NutsTable.load().resolve(v.text, country)
        if unit is None:
            r = self.uris.region(v.text, country)
            self.out.unresolved_regions.append(Unmapped(v.line, label, v.text))
            self.add(r, RDFS.label, Literal(v.text))
        else:
            r = self.uris.nuts_region(unit.code)
            self._nuts(r, unit)
            country = country or unit.country
        self.add(subject, CKG.region, r, v, label)
        self.add(r, RDF.type, CKG.Region)
        self.add(r, RDF.type, DCTERMS.Location)
        self.add(r, LOCN.geographicName, Literal(v.text), v, label)
        if country:
            self.add(r, CKG.country, EU_COUNTRY[country])
        return unit.country if unit is not None else None

    def _nuts(self, region: URIRef, unit: NutsUnit) -> None:
        """The region's NUTS links, and the NUTS units it lies in with their codes, levels
        and official names (so queries can count by NUTS level)."""
        self.add(region, RDFS.label, Literal(unit.name))
        self.add(region, SKOS.exactMatch, URIRef(unit.iri))
        self.add(region, SKOS.notation, Literal(unit.code))
        self.add(region, CKG.nutsLevel, Literal(unit.level, datatype=XSD.nonNegativeInteger))
        table = NutsTable.load()
        chain = [unit] + [table.units[c] for c in unit.parents if c in table.units]
        for below, above in zip(chain, [*chain[1:], None], strict=True):
            node = URIRef(below.iri)
            self.add(node, SKOS.notation, Literal(below.code))
            self.add(node, SKOS.prefLabel, Literal(below.name))
            self.add(node, CKG.nutsLevel, Literal(below.level, datatype=XSD.nonNegativeInteger))
            self.add(node, SKOS.inScheme, URIRef(NUTS_SCHEME))
            if above is not None:
                self.add(node, SKOS.broader, URIRef(above.iri))
                self.add(region, SKOS.broader, URIRef(above.iri))

    def network(self, v: Value, label: str) -> URIRef:
        """The network a value names: one IRI per network whatever the spelling (the alias
        tables, ``networks.csv``), its canonical name, the spelling as an ``skos:altLabel``;
        a name no table knows is reported."""
        net = self.vocab.network(v.text)
        iri = self.uris.network(net.slug if net else slugify(v.text))
        if net is None:
            self.out.new_networks.append(v.text)
        self.add(iri, RDF.type, CKG.ClusterNetwork)
        self.add(iri, RDF.type, ORG.OrganizationalCollaboration)
        name = net.name if net else v.text
        self.add(iri, SCHEMA.name, Literal(name))
        self.add(iri, RDFS.label, Literal(name))
        if slugify(name) != slugify(v.text):
            self.add(iri, SKOS.altLabel, Literal(v.text), v, label)
        else:
            self.out.ledger[v.line].append((iri, SCHEMA.name, Literal(name)))
        return iri

    def body(self, body: Body) -> URIRef:
        """The resource of an awarding body or publisher (``{base}id/body/{slug}``)."""
        iri = self.uris.body(body.slug)
        self.add(iri, RDF.type, ORG.Organization)
        self.add(iri, SCHEMA.name, Literal(body.name))
        self.add(iri, RDFS.label, Literal(body.name))
        if body.url:
            self.add(iri, SCHEMA.url, Literal(body.url, datatype=XSD.anyURI))
        return iri

    def award(self, cluster: URIRef, a: Award) -> URIRef | None:
        """One label award of ``cluster`` (``{cluster}/award/{file id}/{level}[-{last day}]``):
        its level (a concept of the closed label-level scheme; another value is kept under
        the catch-all and None returned), the awarding body (the one named, else ESCA),
        its validity (``schema:validFrom``, ``ckg:validUntil``: printed, or derived and
        listed under ``ckg:derivedProperty`` with a ``skos:note``), its source graph."""
        level = self.concept("label-level", a.level, a.label, subject=cluster)
        if level is None:
            return None
        span = validity(*(v.text if v is not None else None for v in (a.valid_from, a.valid_until, a.period,
                                                                        a.published)))
        key = slugify(self.vocab.pref.get(level, a.level.text))
        if span.valid_until is not None:
            key += f"-{span.valid_until.isoformat()}"
        award = URIRef(f"{cluster}/award/{self.src.id}/{key}")
        self.add(cluster, CKG.excellenceLabel, award, a.level, a.label)
        self.add(award, RDF.type, CKG.ExcellenceLabel)
        self.add(award, CKG.awardedTo, cluster)
        self.add(award, CKG.labelLevel, level, a.level, a.label)
        self.add(award, RDFS.label, Literal(a.level.text), a.level, a.label)
        self.add(award, SCHEMA.issuedBy, self.body(find_body(a.body) if a.body else AWARDING_DEFAULT))
        self.add(award, DCTERMS.source, self.gi)
        dated = {"valid_from": (SCHEMA.validFrom, span.valid_from, a.valid_from),
                 "valid_until": (CKG.validUntil, span.valid_until, a.valid_until)}
        for name, (prop, day, printed) in dated.items():
            if day is None:
                continue
            self.add(award, prop, Literal(day.isoformat(), datatype=XSD.date), printed or a.period or a.published,
                     a.label)
            if name in span.derived:
                self.add(award, CKG.derivedProperty, prop)
        if span.note:
            self.add(award, SKOS.note, Literal(span.note, lang="en"))
        for printed in (a.valid_from, a.valid_until):  # "expired", "-": kept as printed, reported
            if printed is not None and parse_date(printed.text) is None:
                self.unmapped(printed, f"{a.label} (validity)", subject=award)
        return award

    def mention(self, kind: str, iri: URIRef, names: list[str], line: int | None, *, anchor: bool = False,
                country: str | None = None, website: str | None = None, member_of: URIRef | None = None,
                key: str | None = None, stated: tuple[str, ...] = ()) -> None:
        """Record a cluster or organisation this file names (:class:`~.mentions.Mention`)."""
        variants: list[str] = []
        acronyms: list[str] = []
        for name in names:
            v = name_variants(name)
            variants += [n for n in v.names if n not in variants]
            acronyms += [x for x in v.acronyms if x not in acronyms]
        self.out.mentions.append(Mention(
            kind, str(iri), tuple(variants), tuple(acronyms), country, web_domain(website), anchor, self.src.id,
            self.rec.kind, self.src.source_url or self.src.path.name, line,
            key or record_key(self.src.id, slugify(names[0])), str(member_of) if member_of else None, stated,
            tuple(" ".join(sorted(set(match_tokens(n)))) for n in variants)))

    def provenance_of(self, graph_class: URIRef, title: str, published: Value | None = None,
                      publisher: Body | None = None, record: URIRef | None = None) -> None:
        """The named graph's provenance: its class, title, file, checksum, reader layout
        and kind, truncation; the source (the manifest's URL, else ``record``, the
        resource of the record the graph is about, else ``{graph}#source``) with its
        publisher and publication day; the retrieval date."""
        gi, src, rec = self.gi, self.src, self.rec
        self.add(gi, RDF.type, graph_class)
        self.add(gi, RDF.type, DCAT.Dataset)
        self.add(gi, RDF.type, PROV.Entity)
        self.add(gi, DCTERMS.title, Literal(title, lang="en"))
        self.add(gi, DCTERMS.identifier, Literal(src.id))
        self.add(gi, FOAF.primaryTopic, self.c)
        self.add(gi, DCTERMS.conformsTo, CKG_ONTOLOGY)
        self.add(gi, CKG.sourceFile, Literal(src.path.name))
        self.add(gi, CKG.readerLayout, Literal(rec.layout))
        self.add(gi, CKG.sourceKind, Literal(rec.kind))
        self.add(gi, CKG.truncated, Literal(rec.truncated))
        ck = URIRef(str(gi) + "#sha256")
        self.add(gi, SPDX.checksum, ck)
        self.add(ck, RDF.type, SPDX.Checksum)
        self.add(ck, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        self.add(ck, SPDX.checksumValue, Literal(self.checksum, datatype=XSD.hexBinary))
        page = URIRef(src.source_url) if src.source_url else None
        if page is not None:
            self.add(gi, DCTERMS.source, page)
        if page is not None or published is not None or publisher is not None or record is not None:
            node = record or page or URIRef(str(gi) + "#source")
            self.add(gi, PROV.wasDerivedFrom, node)
            self.add(node, RDF.type, PROV.Entity)
            if publisher is not None:
                self.add(node, DCTERMS.publisher, self.body(publisher))
            if published is not None:
                self._published(node, published)
        if src.retrieved:
            self.add(gi, CKG.retrievedOn, Literal(src.retrieved.isoformat(), datatype=XSD.date))

    def _published(self, node: URIRef, published: Value) -> None:
        day = parse_date(published.text)
        lit = Literal(day.lexical, datatype=XSD[day.xsd_type]) if day else Literal(published.text)
        self.add(node, DCTERMS.issued, lit, published, "Published")
