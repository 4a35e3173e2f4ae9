"""Map one :class:`Profile` to the RDF of its named graph; reads no files.

Every value of the profile ends up in the graph: mapped to a vocabulary term, or kept
under the catch-all ``ckg:unmapped`` (a ``ckg:UnmappedValue`` with ``ckg:sourceLabel``,
``rdf:value`` and ``ckg:sourceLine``). A value that fits no concept of its scheme becomes
a new ``skos:Concept`` of that scheme with ``ckg:fromData true``. The *ledger* records
which triples each source line produced, so a test can show nothing was lost and a
validation message can name the line and field a bad value came from.

The graph is a pure function of (profile, source, base URI): no clock, no randomness,
no blank nodes, so building twice gives the same triples.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.fields import (
    CONCEPT_FIELDS, COUNT_PROPERTIES, COUNTRY_FIELDS, LITERAL_FIELDS, TEXT_FIELDS, NO, YES, YES_NO_FIELDS,
)
from clusterkg.graph.map.places import NUTS_SCHEME, NutsTable, NutsUnit
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.read.names import country_code, language_code, slugify
from clusterkg.graph.read.profile import Field, Profile, Value
from clusterkg.graph.read.values import is_email, is_phone, is_url, parse_count, parse_date, parse_range
from clusterkg.graph.map.vocab import (
    CKG, CKG_ONTOLOGY, CONCEPT, DCAT, DCTERMS, EU_COUNTRY, EU_LANGUAGE, FOAF, LOCN, ORG,
    PROV, RDF, RDFS, SCHEMA, SKOS, SPDX, XSD, Uris, bind_prefixes,
)

__all__ = ["Mapped", "Unmapped", "NewConcept", "Triple", "map_profile"]

#: A triple as rdflib terms (subject, predicate, object).
Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Unmapped:
    """A value kept under the catch-all property: its line, field label and text."""

    line: int
    label: str
    text: str


@dataclass(frozen=True)
class NewConcept:
    """A value that fit no concept of its scheme and became a new concept."""

    scheme: str
    label: str
    line: int
    iri: URIRef


@dataclass
class Mapped:
    """The result of mapping one profile.

    :param graph: the triples of the profile's named graph (an rdflib Graph).
    :param graph_iri: the named graph's IRI.
    :param cluster: the cluster's IRI.
    :param ledger: source line (1-based) -> triples that line's value produced.
    :param line_labels: source line -> label of the field it was printed under.
    :param unmapped: values kept under the catch-all, for the build report.
    :param new_concepts: values that became new concepts of a scheme.
    :param new_networks: network names the alias table did not know.
    :param unresolved_regions: regions no NUTS unit was found for (kept as printed).
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


class _Mapper:
    def __init__(self, profile: Profile, source: ProfileSource, uris: Uris, vocab: Vocabulary,
                 checksum: str):
        self.p = profile
        self.src = source
        self.uris = uris
        self.vocab = vocab
        self.checksum = checksum
        self.g = bind_prefixes(Graph())
        self.c = uris.cluster(source.cluster_id)
        self.gi = uris.profile_graph(source.id)
        self.out = Mapped(self.g, self.gi, self.c)
        self.country: str | None = source.country

    # -- helpers
    def add(self, s: Node, p: Node, o: Node, v: Value | None = None, label: str | None = None) -> None:
        self.g.add((s, p, o))
        if v is not None:
            self.out.ledger[v.line].append((s, p, o))
            if label is not None:
                self.out.line_labels.setdefault(v.line, label)

    def unmapped(self, v: Value, label: str, k: int = 0) -> URIRef:
        """Keep ``v`` under the catch-all property; return its node."""
        node = self.uris.unmapped(self.src.id, v.line, k)
        self.add(self.c, CKG.unmapped, node, v, label)
        self.add(node, RDF.type, CKG.UnmappedValue)
        self.add(node, CKG.sourceLabel, Literal(label))
        self.add(node, RDF.value, Literal(v.text), v, label)
        self.add(node, CKG.sourceLine, Literal(v.line, datatype=XSD.positiveInteger))
        self.out.unmapped.append(Unmapped(v.line, label, v.text))
        return node

    def concept(self, scheme: str, v: Value, label: str) -> URIRef | None:
        """The concept of ``scheme`` a value names. A value outside a closed scheme is kept
        under the catch-all, marked ``ckg:outsideScheme`` (the shapes report it), and None is
        returned; outside an open scheme it becomes a concept of the scheme found in the
        data, in English, ``skos:closeMatch`` the shipped concepts whose labels share its
        words."""
        found = self.vocab.concept(scheme, v.text)
        if found is not None:
            return found
        if scheme in self.vocab.closed:
            node = self.unmapped(v, label)
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

    # -- the mapping
    def run(self) -> Mapped:
        p, c = self.p, self.c
        self.add(c, RDF.type, CKG.ClusterOrganisation)
        self.add(c, RDF.type, ORG.OrganizationalCollaboration)
        self.name()
        self.place()
        for f in p.fields:
            self.field(f)
        self.contacts()
        self.members()
        self.counts()
        self.provenance()
        return self.out

    def name(self) -> None:
        p, c = self.p, self.c
        name = p.name.text if p.name else self.src.name
        if name:
            self.add(c, SCHEMA.name, Literal(name), p.name, "Name")
            self.add(c, RDFS.label, Literal(name), p.name, "Name")
        if p.name and self.src.name and slugify(self.src.name) != slugify(p.name.text):
            self.add(c, SKOS.altLabel, Literal(self.src.name))
        if p.native_name:
            self.add(c, SCHEMA.alternateName, Literal(p.native_name.text), p.native_name, "Native name")

    def place(self) -> None:
        """Country first (the region's IRI needs it): from the page, else the manifest."""
        for v in self.p.values("country"):
            code = country_code(v.text)
            if code:
                self.country = code
                self.add(self.c, CKG.country, EU_COUNTRY[code], v, "Country")
            else:
                self.unmapped(v, "Country")
        if self.country and not self.p.values("country"):
            self.add(self.c, CKG.country, EU_COUNTRY[self.country])

    def field(self, f: Field) -> None:
        """Map one field with the handler of its key (:data:`_FIELD_HANDLERS`); a key
        without one (unknown labels, unrecognised text) is kept under the catch-all."""
        _FIELD_HANDLERS.get(f.key, _Mapper.unmapped_field)(self, f)

    # -- one handler per kind of field: (self, field) -> None
    def skip(self, f: Field) -> None:
        """A field mapped elsewhere (the country: see :meth:`place`)."""

    def completeness(self, f: Field) -> None:
        for v in f.values:
            n = parse_count(v.text)
            lit = Literal(n, datatype=XSD.integer) if n is not None else Literal(v.text)
            self.add(self.gi, CKG.profileCompleteness, lit, v, f.label)

    def region(self, f: Field) -> None:
        """A region resolved to its NUTS unit (:class:`~.places.NutsTable`) is that unit's
        region resource, whatever the form it was printed in; the cluster's country follows
        from it when nothing else gave one. Otherwise the region is kept as printed, and
        reported."""
        for v in f.values:
            unit = NutsTable.load().resolve(v.text, self.country)
            if unit is None:
                r = self.uris.region(v.text, self.country)
                self.out.unresolved_regions.append(Unmapped(v.line, f.label, v.text))
                self.add(r, RDFS.label, Literal(v.text))
            else:
                r = self.uris.nuts_region(unit.code)
                self._nuts(r, unit)
                if self.country is None and unit.country:
                    self.country = unit.country
                    self.add(self.c, CKG.country, EU_COUNTRY[unit.country], v, f.label)
            self.add(self.c, CKG.region, r, v, f.label)
            self.add(r, RDF.type, CKG.Region)
            self.add(r, RDF.type, DCTERMS.Location)
            self.add(r, LOCN.geographicName, Literal(v.text), v, f.label)
            if self.country:
                self.add(r, CKG.country, EU_COUNTRY[self.country])

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

    def founding_date(self, f: Field) -> None:
        for v in f.values:
            d = parse_date(v.text)
            lit = Literal(d.lexical, datatype=XSD[d.xsd_type]) if d else Literal(v.text)
            self.add(self.c, SCHEMA.foundingDate, lit, v, f.label)

    def staff(self, f: Field) -> None:
        for v in f.values:
            rng = parse_range(v.text)
            if rng is None:
                self.add(self.c, SCHEMA.numberOfEmployees, Literal(v.text), v, f.label)
                continue
            q = self.uris.cluster_part(self.src.cluster_id, "staff")
            self.add(self.c, SCHEMA.numberOfEmployees, q, v, f.label)
            self.add(q, RDF.type, SCHEMA.QuantitativeValue)
            self.add(q, SCHEMA.minValue, Literal(rng[0], datatype=XSD.integer), v, f.label)
            if rng[1] is not None:
                self.add(q, SCHEMA.maxValue, Literal(rng[1], datatype=XSD.integer), v, f.label)
            self.add(q, SCHEMA.description, Literal(v.text), v, f.label)

    def excellence_label(self, f: Field) -> None:
        for v in f.values:
            level = self.concept("label-level", v, f.label)
            if level is None:  # not a level of the closed scheme: kept under the catch-all
                continue
            lab = self.uris.cluster_part(self.src.cluster_id, "label", slugify(self.vocab.pref.get(level, v.text)))
            self.add(self.c, CKG.excellenceLabel, lab, v, f.label)
            self.add(lab, RDF.type, CKG.ExcellenceLabel)
            self.add(lab, CKG.labelLevel, level, v, f.label)
            self.add(lab, RDFS.label, Literal(v.text), v, f.label)

    def networks(self, f: Field) -> None:
        for v in f.values:
            net = self.vocab.network(v.text)
            iri = self.uris.network(net.slug if net else slugify(v.text))
            if net is None:
                self.out.new_networks.append(v.text)
            self.add(self.c, ORG.memberOf, iri, v, f.label)
            self.add(iri, ORG.hasMember, self.c)
            self.add(iri, RDF.type, CKG.ClusterNetwork)
            self.add(iri, RDF.type, ORG.OrganizationalCollaboration)
            name = net.name if net else v.text
            self.add(iri, SCHEMA.name, Literal(name))
            self.add(iri, RDFS.label, Literal(name))
            if slugify(name) != slugify(v.text):
                self.add(iri, SKOS.altLabel, Literal(v.text), v, f.label)
            else:
                self.out.ledger[v.line].append((iri, SCHEMA.name, Literal(name)))

    def languages(self, f: Field) -> None:
        for v in f.values:
            code = language_code(v.text)
            if code:
                self.add(self.c, SCHEMA.knowsLanguage, EU_LANGUAGE[code], v, f.label)
            else:
                self.unmapped(v, f.label)

    def concepts(self, f: Field) -> None:
        scheme, prop = CONCEPT_FIELDS[f.key]
        for v in f.values:
            concept = self.concept(scheme, v, f.label)
            if concept is not None:
                self.add(self.c, prop, concept, v, f.label)

    def literals(self, f: Field) -> None:
        for v in f.values:
            self.add(self.c, LITERAL_FIELDS[f.key], Literal(v.text), v, f.label)

    def text(self, f: Field) -> None:
        if f.values:
            t = (self.c, TEXT_FIELDS[f.key], Literal(f.free_text))
            self.g.add(t)
            for v in f.values:
                self.out.ledger[v.line].append(t)
                self.out.line_labels.setdefault(v.line, f.label)

    def yes_no(self, f: Field) -> None:
        for v in f.values:
            t = v.text.strip().lower().rstrip(".")
            lit = Literal(True) if t in YES else Literal(False) if t in NO else Literal(v.text)
            self.add(self.c, YES_NO_FIELDS[f.key], lit, v, f.label)

    def countries(self, f: Field) -> None:
        for v in f.values:
            code = country_code(v.text)
            if code:
                self.add(self.c, COUNTRY_FIELDS[f.key], EU_COUNTRY[code], v, f.label)
            else:
                self.unmapped(v, f.label)

    def contact_field(self, f: Field) -> None:
        """Website, e-mail, telephone: kept under the catch-all when not of their kind."""
        check = {"website": is_url, "email": is_email, "phone": is_phone}[f.key]
        for v in f.values:
            if not check(v.text):
                self.unmapped(v, f.label)
            elif f.key == "website":
                url = v.text if v.text.startswith("http") else "http://" + v.text
                self.add(self.c, SCHEMA.url, Literal(url, datatype=XSD.anyURI), v, f.label)
            else:
                self.add(self.c, SCHEMA.email if f.key == "email" else SCHEMA.telephone, Literal(v.text), v, f.label)

    def unmapped_field(self, f: Field) -> None:
        for v in f.values:
            self.unmapped(v, f.label)

    def contacts(self) -> None:
        for n, ct in enumerate(self.p.contacts, start=1):
            key = slugify(ct.role.text) if ct.role else slugify(ct.name.text) if ct.name else str(n)
            cp = self.uris.cluster_part(self.src.cluster_id, "contact", key)
            self.add(self.c, SCHEMA.contactPoint, cp)
            self.add(cp, RDF.type, SCHEMA.ContactPoint)
            label = "Cluster Management Team" if ct.role else "Contact"
            if ct.role:
                self.add(cp, SCHEMA.contactType, Literal(ct.role.text), ct.role, label)
                role = self.concept("management-role", ct.role, label)
                if role is not None:
                    self.add(cp, CKG.managementRole, role, ct.role, label)
            if ct.name:
                self.add(cp, SCHEMA.name, Literal(ct.name.text), ct.name, label)
            for v in ct.phones:
                self.add(cp, SCHEMA.telephone, Literal(v.text), v, label)
            for v in ct.emails:
                self.add(cp, SCHEMA.email, Literal(v.text), v, label)

    def members(self) -> None:
        unnamed: dict[str, int] = defaultdict(int)
        for m in self.p.members:
            label = "Name and link of major players" if m.table == "major-players" else \
                "Entrepreneurship and scale-up support facilities"
            role = CONCEPT["member-role/major-player" if m.table == "major-players"
                           else "member-role/support-facility"]
            if m.name:
                org = self.uris.organisation(m.name.text)
                key = slugify(m.name.text)
            else:
                tslug = slugify(m.org_type.text) if m.org_type else "member"
                unnamed[tslug] += 1
                key = f"unnamed-{tslug}-{unnamed[tslug]}"
                org = self.uris.cluster_part(self.src.cluster_id, "member", key)
            first = m.name or m.org_type
            self.add(self.c, ORG.hasMember, org, first, label)
            self.add(org, ORG.memberOf, self.c)
            self.add(org, RDF.type, ORG.Organization)
            if m.name:
                self.add(org, SCHEMA.name, Literal(m.name.text), m.name, label)
                self.add(org, RDFS.label, Literal(m.name.text))
            if m.org_type:
                kind = self.concept("organisation-type", m.org_type, label)
                if kind is not None:
                    self.add(org, CKG.organisationType, kind, m.org_type, label)
            if m.website:
                url = m.website.text if m.website.text.startswith("http") else "http://" + m.website.text
                self.add(org, SCHEMA.url, Literal(url, datatype=XSD.anyURI), m.website, label)
            ms = self.uris.cluster_part(self.src.cluster_id, "membership", key)
            self.add(ms, RDF.type, ORG.Membership)
            self.add(ms, ORG.member, org)
            self.add(ms, ORG.organization, self.c)
            self.add(ms, ORG.role, role)

    def counts(self) -> None:
        for n in self.p.counts:
            label = n.caption.text if n.caption else f"(caption lost: {n.key})"
            prop = COUNT_PROPERTIES.get(n.key)
            if prop is None:
                self.unmapped(n.number, label)
                continue
            num = parse_count(n.number.text)
            # a count is a non-negative integer (the ontology's range); anything else stays as
            # printed (a negative number as an integer) for the shapes to reject
            kind = XSD.nonNegativeInteger if num is not None and num >= 0 else XSD.integer
            lit = Literal(num, datatype=kind) if num is not None else Literal(n.number.text)
            self.add(self.c, prop, lit, n.number, label)

    def provenance(self) -> None:
        gi, src, p = self.gi, self.src, self.p
        self.add(gi, RDF.type, CKG.ProfileGraph)
        self.add(gi, RDF.type, DCAT.Dataset)
        self.add(gi, RDF.type, PROV.Entity)
        name = p.name.text if p.name else src.name or src.id
        self.add(gi, DCTERMS.title, Literal(f"ECCP profile of {name}", lang="en"))
        self.add(gi, DCTERMS.identifier, Literal(src.id))
        self.add(gi, FOAF.primaryTopic, self.c)
        self.add(gi, DCTERMS.conformsTo, CKG_ONTOLOGY)
        self.add(gi, CKG.sourceFile, Literal(src.path.name))
        self.add(gi, CKG.readerLayout, Literal(p.layout))
        self.add(gi, CKG.truncated, Literal(p.truncated))
        ck = URIRef(str(gi) + "#sha256")
        self.add(gi, SPDX.checksum, ck)
        self.add(ck, RDF.type, SPDX.Checksum)
        self.add(ck, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        self.add(ck, SPDX.checksumValue, Literal(self.checksum, datatype=XSD.hexBinary))
        if src.source_url:
            page = URIRef(src.source_url)
            self.add(gi, DCTERMS.source, page)
            self.add(gi, PROV.wasDerivedFrom, page)
            self.add(page, RDF.type, PROV.Entity)
        if src.retrieved:
            self.add(gi, CKG.retrievedOn, Literal(src.retrieved.isoformat(), datatype=XSD.date))


#: Field key -> the :class:`_Mapper` method that maps it; keys not here go under the catch-all.
_FIELD_HANDLERS: dict[str, Callable[[_Mapper, Field], None]] = {
    "country": _Mapper.skip, "completeness": _Mapper.completeness, "region": _Mapper.region,
    "founding_date": _Mapper.founding_date, "staff": _Mapper.staff, "excellence_label": _Mapper.excellence_label,
    "networks": _Mapper.networks, "languages": _Mapper.languages,
    "website": _Mapper.contact_field, "email": _Mapper.contact_field, "phone": _Mapper.contact_field,
    **{key: _Mapper.concepts for key in CONCEPT_FIELDS}, **{key: _Mapper.literals for key in LITERAL_FIELDS},
    **{key: _Mapper.text for key in TEXT_FIELDS}, **{key: _Mapper.yes_no for key in YES_NO_FIELDS},
    **{key: _Mapper.countries for key in COUNTRY_FIELDS},
}


def map_profile(profile: Profile, source: ProfileSource, uris: Uris, vocab: Vocabulary,
                checksum: str) -> Mapped:
    """Map a profile to the triples of its named graph.

    :param profile: what the reader read.
    :param source: the file and its manifest row (ids, name, URL, country, date).
    :param uris: the IRI minter for the configured base URI.
    :param vocab: the shipped concept schemes and network aliases (:meth:`Vocabulary.load`).
    :param checksum: hex SHA-256 of the source file's bytes (for provenance).
    :return: a :class:`Mapped` with the graph, the ledger and the build-report lists.
        Never raises on odd values: those are kept (as plain literals the shapes then
        reject, or under the catch-all), not dropped.
    """
    return _Mapper(profile, source, uris, vocab, checksum).run()
