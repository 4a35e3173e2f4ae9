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
from typing import Callable

from rdflib import Literal

from clusterkg.graph.map.base import Award, GraphBuilder, Mapped, NewConcept, Triple, Unmapped
from clusterkg.graph.map.bodies import BODIES, find_body
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.mentions import FUNCTIONAL, record_key
from clusterkg.graph.map.fields import (
    CONCEPT_FIELDS, COUNT_PROPERTIES, COUNTRY_FIELDS, LITERAL_FIELDS, TEXT_FIELDS, NO, YES, YES_NO_FIELDS,
)
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.read.namekeys import identity_slug
from clusterkg.graph.read.names import country_code, language_code, slugify
from clusterkg.graph.read.profile import Field, Profile
from clusterkg.graph.read.values import is_email, is_phone, is_url, parse_count, parse_date, parse_range
from clusterkg.graph.map.vocab import CKG, CONCEPT, EU_COUNTRY, EU_LANGUAGE, ORG, RDF, RDFS, \
    SCHEMA, SKOS, XSD, Uris

__all__ = ["Mapped", "Unmapped", "NewConcept", "Triple", "map_profile", "NO_LABEL"]


#: Values that say a cluster holds no excellence label ("Cluster Excellence Label: No").
NO_LABEL = {"no", "none", "no label", "not labelled", "not labeled", "n/a", "-", "nie", "nu", "ne", "nein", "non"}


class _Mapper(GraphBuilder):
    """Maps a profile: a cluster's ECCP page (its cluster the manifest's, an anchor), or a
    portal's republication of one (its cluster provisional, reconciled at build time)."""

    def __init__(self, profile: Profile, source: ProfileSource, uris: Uris, vocab: Vocabulary, checksum: str):
        republished = profile.kind == "republication"
        country = source.country or next((c for v in profile.values("country") if (c := country_code(v.text))), None)
        name = profile.name.text if profile.name else source.name or source.id
        topic = uris.cluster_in(name, country) if republished else uris.cluster(source.cluster_id)
        graph = uris.source_graph(source.id) if republished else uris.profile_graph(source.id)
        super().__init__(profile, source, uris, vocab, checksum, topic, graph)
        self.p = profile
        self.republished = republished

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
        self.own_mention()
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

    def own_mention(self) -> None:
        """The profile's cluster, for the reconcile stage: an anchor (its IRI the
        manifest's), or, for a republication, a cluster to reconcile with the others."""
        p = self.p
        names = [v.text for v in (p.name, p.native_name) if v is not None] + ([self.src.name] if self.src.name else [])
        names += [v.text for v in p.values("acronym")]
        if not names:
            return
        website = next((v.text for v in p.values("website") if is_url(v.text)), None)
        stated = tuple(sorted({str(pr) for pr in self.g.predicates(self.c, None) if str(pr) in FUNCTIONAL})) \
            if not self.republished else ()
        key = record_key("cluster", self.src.cluster_id) if not self.republished else None
        self.mention("cluster", self.c, names, p.name.line if p.name else None, anchor=not self.republished,
                     country=self.country, website=website, key=key, stated=stated)

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
        """A region resolved to its NUTS unit is that unit's region resource, whatever the
        form it was printed in; the cluster's country follows from it when nothing else
        gave one. Otherwise the region is kept as printed, and reported."""
        for v in f.values:
            country = self.region_of(v, f.label, self.c, self.country)
            if self.country is None and country:
                self.country = country
                self.add(self.c, CKG.country, EU_COUNTRY[country], v, f.label)

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
        """Each level printed is an award (:meth:`~.base.GraphBuilder.award`), undated: a
        profile does not say when it was awarded. "No" (and the like) says the cluster
        holds no label: ``ckg:noExcellenceLabel true``."""
        for v in f.values:
            if v.text.strip().lower().rstrip(".") in NO_LABEL:
                self.add(self.c, CKG.noExcellenceLabel, Literal(True), v, f.label)
                continue
            self.award(self.c, Award(v, f.label, published=None))

    def networks(self, f: Field) -> None:
        for v in f.values:
            iri = self.network(v, f.label)
            self.add(self.c, ORG.memberOf, iri, v, f.label)
            self.add(iri, ORG.hasMember, self.c)

    def acronym(self, f: Field) -> None:
        """A republication's "Acronym:": another name of the cluster (when it is not its name)."""
        name = self.p.name.text if self.p.name else None
        for v in f.values:
            if name is None or slugify(v.text) != slugify(name):
                self.add(self.c, SCHEMA.alternateName, Literal(v.text), v, f.label)
            else:
                self.out.ledger[v.line].append((self.c, SCHEMA.name, Literal(name)))

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
        """Members and facilities: each an organisation (scoped by the cluster's country,
        see :meth:`~.vocab.Uris.organisation`) with a membership of its role. Unnamed ones
        are parts of the cluster."""
        unnamed: dict[str, int] = defaultdict(int)
        for m in self.p.members:
            label = "Name and link of major players" if m.table == "major-players" else \
                "Entrepreneurship and scale-up support facilities"
            role = CONCEPT["member-role/major-player" if m.table == "major-players"
                           else "member-role/support-facility"]
            if m.name:
                org = self.uris.organisation(identity_slug(m.name.text), self.country, self.src.cluster_id)
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
                self.mention("organisation", org, [m.name.text], m.name.line, country=self.country,
                             website=m.website.text if m.website else None, member_of=self.c)
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
        """The graph's provenance: an ECCP profile's (``ckg:ProfileGraph``, published by
        ECCP), or a republication's (``ckg:SourceGraph``, published by the portal)."""
        p, src = self.p, self.src
        name = p.name.text if p.name else src.name or src.id
        if self.republished:
            publisher = find_body(p.publisher) if p.publisher else None
            by = publisher.name if publisher else "a portal"
            self.provenance_of(CKG.SourceGraph, f"{name}, as republished by {by}", p.published, publisher)
        else:
            eccp = next(b for b in BODIES if b.slug == "eccp")
            self.provenance_of(CKG.ProfileGraph, f"ECCP profile of {name}", p.published, eccp)


#: Field key -> the :class:`_Mapper` method that maps it; keys not here go under the catch-all.
_FIELD_HANDLERS: dict[str, Callable[[_Mapper, Field], None]] = {
    "country": _Mapper.skip, "completeness": _Mapper.completeness, "region": _Mapper.region,
    "founding_date": _Mapper.founding_date, "staff": _Mapper.staff, "excellence_label": _Mapper.excellence_label,
    "networks": _Mapper.networks, "languages": _Mapper.languages, "acronym": _Mapper.acronym,
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
