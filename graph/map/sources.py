"""Map the sources that are not a cluster's profile: label registers, network pages, award news.

Each is one named graph (``{base}graph/source/{id}``, a ``ckg:SourceGraph``) with its
provenance. The clusters a source names get provisional IRIs (``{base}id/cluster/
{country}/{slug}``) and are listed as mentions; the reconcile stage settles them (one
cluster, one IRI) before the graph is loaded. What each kind gives:

* a **label register** row: a cluster (name, country, website, comparative portfolio)
  and its label award (level from the row or the register's title, validity as printed,
  awarded by the body the register names, ESCA otherwise);
* a **network page**: the network (one IRI per network, ``networks.csv``), its
  description and contacts, and each founder a cluster with an ``org:Membership`` of the
  network in the role ``member-role/founder`` (plain members without a role);
* **award news**: the article (title, date, author, text), and for each cluster it names
  the award (level, validity printed or derived from the article's dates), its region
  (NUTS), aliases and details.

:func:`map_record` maps any record, a profile with :func:`~.mapping.map_profile`.
"""

from __future__ import annotations

from rdflib import Literal, URIRef

from clusterkg.graph.map.base import Award, GraphBuilder, Mapped
from clusterkg.graph.map.bodies import BODIES, find_body, known_body
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.map.mapping import map_profile
from clusterkg.graph.map.places import NutsTable
from clusterkg.graph.map.vocab import CKG, CONCEPT, DCTERMS, EU_COUNTRY, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, Uris
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.read.names import country_code, country_of_adjective, slugify
from clusterkg.graph.read.profile import Field, Profile, Record, Value
from clusterkg.graph.read.records import AwardNews, ClusterRef, LabelRegister, NetworkPage
from clusterkg.graph.read.values import is_url

__all__ = ["map_record", "map_source"]

_ECCP = next(b for b in BODIES if b.slug == "eccp")


class _SourceMapper(GraphBuilder):
    """What the mappers of the other kinds share: clusters named by a record."""

    def cluster(self, ref: ClusterRef, label: str, country: str | None = None) -> URIRef:
        """A cluster a record names: its provisional IRI, type, name, aliases, country,
        region (resolved to NUTS, which may give the country), website and details; and
        its mention for the reconcile stage."""
        own = country_code(ref.country.text) if ref.country else None
        country = own or country
        unit = NutsTable.load().resolve(ref.region.text, country) if ref.region else None
        country = country or (unit.country if unit else None)
        c = self.uris.cluster_in(ref.name.text, country)
        self.add(c, RDF.type, CKG.ClusterOrganisation)
        self.add(c, RDF.type, ORG.OrganizationalCollaboration)
        self.add(c, SCHEMA.name, Literal(ref.name.text), ref.name, label)
        self.add(c, RDFS.label, Literal(ref.name.text), ref.name, label)
        for alias in ref.aliases:
            self.add(c, SKOS.altLabel, Literal(alias.text), alias, label)
        if country:
            self.add(c, CKG.country, EU_COUNTRY[country], ref.country, "Country" if ref.country else None)
        elif ref.country is not None:
            self.unmapped(ref.country, "Country", subject=c)
        if ref.region is not None:
            self.region_of(ref.region, "Region", c, country)
        for detail in ref.details:
            if ref.region is None and NutsTable.load().resolve(detail.text, country) is not None:
                self.region_of(detail, "Region", c, country)
            else:
                self.add(c, CKG.otherSpecialisation, Literal(detail.text), detail, label)
        website = None
        if ref.website is not None:
            if is_url(ref.website.text) or "." in ref.website.text:
                website = ref.website.text if ref.website.text.startswith("http") else "http://" + ref.website.text
                self.add(c, SCHEMA.url, Literal(website, datatype=XSD.anyURI), ref.website, "Website")
            else:
                self.unmapped(ref.website, "Website", subject=c)
        self.mention("cluster", c, [ref.name.text, *(a.text for a in ref.aliases)], ref.name.line, country=country,
                     website=website)
        return c

    def text(self, subject: URIRef, fields: list[Field]) -> None:
        """A record's prose, kept as one ``dct:description``."""
        for f in fields:
            if f.values:
                t = (subject, DCTERMS.description, Literal(f.free_text))
                self.g.add(t)
                for v in f.values:
                    self.out.ledger[v.line].append(t)
                    self.out.line_labels.setdefault(v.line, f.label)

    def record_node(self, kind: URIRef, title: Value | None) -> None:
        """The record the graph is about (a register, an article): typed, titled, derived
        from the source page when the manifest names it."""
        self.add(self.c, RDF.type, kind)
        self.add(self.c, RDF.type, PROV.Entity)
        if title is not None:
            self.add(self.c, DCTERMS.title, Literal(title.text), title, "Title")
        if self.src.source_url:
            self.add(self.c, PROV.wasDerivedFrom, URIRef(self.src.source_url))


class _RegisterMapper(_SourceMapper):
    def run(self, reg: LabelRegister) -> Mapped:
        self.record_node(SCHEMA.Dataset, reg.title)
        body = find_body(reg.body) if reg.body else None
        level_label = "Label" if reg.level is None else "Label (the register's title)"
        for row in reg.rows:
            c = self.cluster(row.cluster, "Name", self.country)
            if row.portfolio is not None:
                self.add(c, CKG.comparativePortfolio, Literal(row.portfolio.text), row.portfolio,
                         "Comparative portfolio")
            level = row.level or reg.level
            if level is None:  # no level in the row nor the title: the validity is kept as printed
                for v in (row.valid_from, row.valid_until):
                    if v is not None:
                        self.unmapped(v, "Label valid until", subject=c)
                continue
            self.award(c, Award(level, level_label, row.valid_from, row.valid_until, body=reg.body))
        for v in reg.leftovers:
            self.unmapped(v, "(not a complete row)")
        self.text(self.c, reg.text)
        title = reg.title.text if reg.title else "label register"
        self.provenance_of(CKG.SourceGraph, f"{title} (label register)", None, body, record=self.c)
        return self.out


class _NetworkMapper(_SourceMapper):
    def run(self, page: NetworkPage) -> Mapped:
        assert page.name is not None  # the reader refuses a page without one
        n = self.c
        if page.acronym is not None:
            self.add(n, SCHEMA.alternateName, Literal(page.acronym.text), page.acronym, "Acronym")
        country = None
        if page.country is not None:
            country = country_of_adjective(page.country.text) or country_code(page.country.text)
            if country:
                self.add(n, CKG.country, EU_COUNTRY[country], page.country, "Country")
        for role, refs in (("founder", page.founders), (None, page.members)):
            for ref in refs:
                self.membership(n, ref, role, country)
        for contact in page.contacts:
            for v in contact.emails:
                self.add(n, SCHEMA.email, Literal(v.text), v, "email")
            for v in contact.phones:
                self.add(n, SCHEMA.telephone, Literal(v.text), v, "phone")
        self.text(n, page.description)
        self.provenance_of(CKG.SourceGraph, f"ECCP page of the network {page.name.text}", None, _ECCP)
        return self.out

    def membership(self, network: URIRef, ref: ClusterRef, role: str | None, country: str | None) -> None:
        """A member cluster of the network: ``org:memberOf`` both ways and an
        ``org:Membership`` (``{network}/membership/{slug}``), with the founder role for a founder."""
        label = "Founders" if role else "Members"
        c = self.cluster(ref, label, country)
        self.add(c, ORG.memberOf, network, ref.name, label)
        self.add(network, ORG.hasMember, c, ref.name, label)
        ms = URIRef(f"{network}/membership/{slugify(ref.name.text)}")
        self.add(ms, RDF.type, ORG.Membership, ref.name, label)
        self.add(ms, ORG.member, c)
        self.add(ms, ORG.organization, network)
        if role:
            self.add(ms, ORG.role, CONCEPT[f"member-role/{role}"], ref.name, label)


class _NewsMapper(_SourceMapper):
    def run(self, news: AwardNews) -> Mapped:
        self.record_node(SCHEMA.NewsArticle, news.title)
        if news.author is not None:
            self.add(self.c, SCHEMA.author, Literal(news.author.text), news.author, "Submitted by")
        country = self.country
        if news.country is not None:
            named = country_of_adjective(news.country.text) or country_code(news.country.text)
            if named:
                self.add(self.c, DCTERMS.spatial, EU_COUNTRY[named], news.country, "Country")
            country = country or named
        for item in news.awards:
            c = self.cluster(item.cluster, "Awarded", country)
            self.award(c, Award(item.level, "Awarded", item.valid_from, item.valid_until, item.period,
                                news.published, item.body))
        self.text(self.c, news.text)
        # who published the article: a body its byline names ("ECCP Team"; a person is an
        # author, not a publisher), else ECCP when the manifest says the page is theirs
        publisher = known_body(news.author.text) if news.author is not None else None
        if publisher is None and "clustercollaboration.eu" in (self.src.source_url or ""):
            publisher = _ECCP
        title = news.title.text if news.title else "news"
        self.provenance_of(CKG.SourceGraph, f"{title} (news of label awards)", news.published, publisher,
                           record=self.c)
        return self.out


def map_source(record: Record, source: ProfileSource, uris: Uris, vocab: Vocabulary, checksum: str) -> Mapped:
    """Map a label register, a network page or award news to the triples of its named
    graph (``{base}graph/source/{id}``).

    :param record: what the reader read (:class:`~clusterkg.graph.read.records.LabelRegister`,
        :class:`~clusterkg.graph.read.records.NetworkPage` or :class:`~clusterkg.graph.read.records.AwardNews`).
    :param source: the file and its manifest row (its country applies to rows that give none).
    :param uris: the IRI minter.
    :param vocab: the concept schemes and network aliases.
    :param checksum: hex SHA-256 of the file's bytes.
    :return: the :class:`~.base.Mapped` graph, with the clusters it names as mentions.
    :raises TypeError: for a record of another kind.
    """
    gi = uris.source_graph(source.id)
    if isinstance(record, LabelRegister):
        return _RegisterMapper(record, source, uris, vocab, checksum, uris.record(source.id), gi).run(record)
    if isinstance(record, AwardNews):
        return _NewsMapper(record, source, uris, vocab, checksum, uris.record(source.id), gi).run(record)
    if isinstance(record, NetworkPage) and record.name is not None:
        net = vocab.network(record.name.text)
        topic = uris.network(net.slug if net else slugify(record.name.text))
        mapper = _NetworkMapper(record, source, uris, vocab, checksum, topic, gi)
        mapper.network(record.name, "Name")
        return mapper.run(record)
    raise TypeError(f"{source.path}: no mapping for a {type(record).__name__}")


def map_record(record: Record, source: ProfileSource, uris: Uris, vocab: Vocabulary, checksum: str) -> Mapped:
    """Map any record: a profile (or republication) with :func:`~.mapping.map_profile`,
    another kind with :func:`map_source`. Arguments and result as theirs."""
    if isinstance(record, Profile):
        return map_profile(record, source, uris, vocab, checksum)
    return map_source(record, source, uris, vocab, checksum)
