"""The DCAT-AP 3.0 catalogue of what a build published.

Made at build time from the build's own figures (datasets, dumps with sizes and
SHA-256 checksums, triple counts), so harvesters (data.europa.eu and the national
portals) get a catalogue that matches the data exactly:

* a ``dcat:Catalog`` ``{base}catalog`` with publisher, title, description, homepage,
  licence, issued/modified, theme taxonomy;
* ``dcat:Dataset``s: the whole knowledge graph (``{base}catalog#all``) and one per country
  present (``{base}catalog#srb``), each with identifier, English title and description,
  keywords, EU data themes, ``dct:spatial`` (EU country table), ``dct:temporal``,
  ``dct:accessRights``, a vCard contact point, publisher, issued/modified, ``dct:conformsTo``
  the vocabulary, provenance;
* one ``dcat:Distribution`` per dump file (format from the EU file-type table, IANA media
  type, licence, rights, byte size, ``spdx:checksum``);
* a ``dcat:DataService`` for the SPARQL endpoint.

Specs: DCAT-AP 3.0.1 (SEMIC, 2024), DCAT 3 (W3C Recommendation 2024). The VoID
description is :mod:`.void`'s.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef

from clusterkg.graph import formats
from clusterkg.graph.map.vocab import (
    ADMS, CKG_ONTOLOGY, DCAT, DCTERMS, EU_ACCESS_RIGHT, EU_COUNTRY, EU_FILE_TYPE, EU_FREQUENCY, EU_LANGUAGE, EU_LICENCE,
    EU_THEME, FOAF, HYDRA, IANA, PREFIXES, PROV, RDF, RDFS, SKOS, SPDX, VCARD, VOID, XSD, Uris,
)
from clusterkg.graph.publish.graphs import Triples
from clusterkg.graph.publish.urls import Urls

__all__ = ["PROFILES", "Publishing", "DumpFile", "DatasetFacts", "describe_catalog", "lit", "with_prefixes"]


@dataclass(frozen=True)
class Publishing:
    """Who publishes the data, under which licence (configuration, see the settings).

    :param title: catalogue title (English).
    :param description: catalogue description (English).
    :param publisher_name: the publishing organisation's name.
    :param publisher_uri: its IRI, or None for ``{base}catalog#publisher``.
    :param contact_email: an e-mail address for questions about the data.
    :param license: IRI of the licence, from the EU licence table (default CC BY 4.0).
    """

    title: str = "Cluster organisations knowledge graph"
    description: str = ("Profiles of industrial and innovation cluster organisations (from the European "
                        "Cluster Collaboration Platform) as linked data: clusters, their members, labels, "
                        "sectors, technology fields, support services and networks.")
    publisher_name: str = "clusterkg publisher"
    publisher_uri: str | None = None
    contact_email: str = "data@example.org"
    license: str = str(EU_LICENCE["CC_BY_4_0"])


@dataclass(frozen=True)
class DumpFile:
    """A file of ``/dumps/``: name, size (bytes), SHA-256 (hex), and the suffix of the
    RDF format inside (``.ttl``...) and whether it is gzipped."""

    name: str
    size: int
    sha256: str
    suffix: str
    gzipped: bool
    sha1: str = ""


@dataclass
class DatasetFacts:
    """What one dataset holds: ``key`` (``all`` or a country code in lower case),
    ``country`` (EU code or None), counts, time span, change dates, keywords, dumps."""

    key: str
    country: str | None
    country_name: str | None
    profiles: int
    clusters: int
    first_founded: str | None
    issued: str
    modified: str
    keywords: list[str] = field(default_factory=list)
    dumps: list[DumpFile] = field(default_factory=list)
    other_sources: int = 0


def lit(text: str) -> Literal:
    """An English literal (``@en``)."""
    return Literal(text, lang="en")


#: Application profiles the catalogue is written in: DCAT-AP 3.0 (default) and 2.1.1 (what
#: data.europa.eu converts harvested metadata to): 2.1.1 wants ``dcat:byteSize`` as
#: ``xsd:decimal`` and SHA-1 checksums, 3.0 ``xsd:nonNegativeInteger`` and any algorithm.
PROFILES = {"dcat-ap-3.0": "https://semiceu.github.io/DCAT-AP/releases/3.0.1/",
            "dcat-ap-2.1.1": "https://joinup.ec.europa.eu/collection/semantic-interoperability-community-semic/solution/dcat-application-profile-data-portals-europe/release/211"}


def describe_catalog(uris: Uris, pub: Publishing, datasets: list[DatasetFacts], built: _dt.datetime,
                     issued: str, profile: str = "dcat-ap-3.0", activity: URIRef | None = None) -> Triples:
    """The DCAT-AP catalogue (see the module docstring), in one of :data:`PROFILES`.

    :param uris: the base URI's minter.
    :param pub: publisher, contact and licence.
    :param datasets: the datasets, the whole graph first.
    :param built: the build's time (UTC); the catalogue's ``dct:modified``.
    :param issued: when the catalogue was first published (ISO 8601 date-time).
    :param profile: ``dcat-ap-3.0`` (SHA-256 checksums) or ``dcat-ap-2.1.1`` (SHA-1).
    :param activity: the build (a ``prov:Activity`` in the store), the datasets' provenance.
    :return: the triples, with their prefixes (:func:`~.graphs.turtle` writes them).
    :raises ValueError: for an unknown profile.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown application profile {profile!r}; known: {', '.join(PROFILES)}")
    nodes = _Nodes(Urls(uris.base), pub, built, profile)
    g: set = set()  # the triples; many are stated once per dataset or file, so a set first
    _catalog(g, nodes, issued)
    _agents(g, nodes)
    _service(g, nodes)
    for ds in datasets:
        _dataset(g, nodes, ds, [k.country for k in datasets if k.country], activity)
        for f in ds.dumps:
            _distribution(g, nodes, ds, f)
    return with_prefixes(g, [("dcat", DCAT), ("vcard", VCARD), ("hydra", HYDRA), ("void", VOID), ("adms", ADMS)])


@dataclass(frozen=True)
class _Nodes:
    """The catalogue's shared nodes and settings."""

    urls: Urls
    pub: Publishing
    built: _dt.datetime
    profile: str

    @property
    def cat(self) -> URIRef:
        return self.urls.catalog()

    @property
    def publisher(self) -> URIRef:
        return URIRef(self.pub.publisher_uri or self.urls.catalog("publisher"))

    @property
    def contact(self) -> URIRef:
        return self.urls.catalog("contact")

    @property
    def rights(self) -> URIRef:
        return self.urls.catalog("rights")

    @property
    def licence(self) -> URIRef:
        return URIRef(self.pub.license)

    @property
    def service(self) -> URIRef:
        return self.urls.catalog("sparql")


_ENGLISH = EU_LANGUAGE["ENG"]
_THEMES = {"ECON": "Economy and finance", "TECH": "Science and technology", "REGI": "Regions and cities"}
_COMPLETED = URIRef("http://publications.europa.eu/resource/authority/distribution-status/COMPLETED")
_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


def _catalog(g: set, n: _Nodes, issued: str) -> None:
    """The ``dcat:Catalog`` node and the nodes only it points to."""
    cat, homepage, taxonomy = n.cat, n.urls.home, URIRef(str(EU_THEME).rstrip("/"))
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, lit(n.pub.title)))
    g.add((cat, DCTERMS.description, lit(n.pub.description)))
    g.add((cat, DCTERMS.publisher, n.publisher))
    g.add((cat, FOAF.homepage, homepage))
    g.add((homepage, RDF.type, FOAF.Document))
    g.add((cat, DCTERMS.license, n.licence))
    g.add((n.licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((cat, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime)))
    g.add((cat, DCTERMS.modified, Literal(n.built.isoformat(), datatype=XSD.dateTime)))
    g.add((cat, DCTERMS.language, _ENGLISH))
    g.add((_ENGLISH, RDF.type, DCTERMS.LinguisticSystem))
    g.add((cat, DCAT.themeTaxonomy, taxonomy))
    g.add((taxonomy, RDF.type, SKOS.ConceptScheme))
    g.add((taxonomy, DCTERMS.title, lit("Data theme")))
    g.add((cat, RDFS.seeAlso, n.urls.void()))
    g.add((cat, DCTERMS.conformsTo, URIRef(PROFILES[n.profile])))
    g.add((URIRef(PROFILES[n.profile]), RDF.type, DCTERMS.Standard))


def _agents(g: set, n: _Nodes) -> None:
    """Publisher, contact point, rights statement, the vocabulary as a standard."""
    pub, vocab_doc = n.pub, n.urls.ontology
    g.add((n.publisher, RDF.type, FOAF.Agent))
    g.add((n.publisher, RDF.type, FOAF.Organization))
    g.add((n.publisher, FOAF.name, lit(pub.publisher_name)))
    g.add((n.contact, RDF.type, VCARD.Organization))
    g.add((n.contact, RDF.type, VCARD.Kind))
    g.add((n.contact, VCARD.fn, Literal(pub.publisher_name)))
    g.add((n.contact, VCARD.hasEmail, URIRef("mailto:" + pub.contact_email)))
    g.add((n.rights, RDF.type, DCTERMS.RightsStatement))
    g.add((n.rights, RDFS.label, lit(f"Free to reuse under the licence <{pub.license}>, with attribution to "
                                     f"{pub.publisher_name} and to the European Cluster Collaboration Platform.")))
    g.add((vocab_doc, RDF.type, DCTERMS.Standard))
    g.add((vocab_doc, DCTERMS.title, lit("clusterkg vocabulary")))
    g.add((vocab_doc, RDFS.seeAlso, CKG_ONTOLOGY))
    g.add((EU_ACCESS_RIGHT["PUBLIC"], RDF.type, DCTERMS.RightsStatement))


def _service(g: set, n: _Nodes) -> None:
    """The ``dcat:DataService`` of the SPARQL endpoint."""
    service, endpoint = n.service, n.urls.sparql
    g.add((n.cat, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, lit("SPARQL 1.1 endpoint")))
    g.add((service, DCTERMS.description, lit("Read-only SPARQL 1.1 Protocol endpoint over the whole knowledge "
                                             "graph; the default graph is the current view (each cluster as "
                                             "reconciled from its sources), every source's graph a named graph.")))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.endpointDescription, endpoint))
    g.add((service, DCTERMS.conformsTo, _PROTOCOL))
    g.add((_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((service, DCTERMS.license, n.licence))
    g.add((service, DCTERMS.accessRights, EU_ACCESS_RIGHT["PUBLIC"]))
    g.add((service, DCTERMS.publisher, n.publisher))
    g.add((service, DCAT.contactPoint, n.contact))
    g.add((service, DCAT.landingPage, n.urls.home))


def _dataset(g: set, n: _Nodes, ds: DatasetFacts, countries: list[str], activity: URIRef | None) -> None:
    """One ``dcat:Dataset`` (the whole graph when ``ds.country`` is None: its
    ``dct:spatial`` is then every country of ``countries``)."""
    d = n.urls.catalog(ds.key)
    g.add((n.cat, DCAT.dataset, d))
    g.add((n.service, DCAT.servesDataset, d))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.identifier, Literal(str(d))))
    where = f" in {ds.country_name}" if ds.country_name else ""
    g.add((d, DCTERMS.title, lit(f"Cluster organisations{where}") if ds.country else lit(n.pub.title)))
    g.add((d, DCTERMS.description, lit(
        f"{ds.clusters} cluster organisation{'s' if ds.clusters != 1 else ''}{where}, from {ds.profiles} "
        f"profile page{'s' if ds.profiles != 1 else ''} of the European Cluster Collaboration Platform"
        + (f" and {ds.other_sources} other source{'s' if ds.other_sources != 1 else ''} (label registers, "
           "network pages, award news, republications)" if ds.other_sources else "") + ", "
        "as linked data (W3C ORG, schema.org, SKOS): founding date, excellence label, sectors, technology "
        "fields, member counts, support services, networks, with the provenance of every value.")))
    for kw in ds.keywords:
        g.add((d, DCAT.keyword, lit(kw)))
    for theme, label in _THEMES.items():
        g.add((d, DCAT.theme, EU_THEME[theme]))
        g.add((EU_THEME[theme], RDF.type, SKOS.Concept))
        g.add((EU_THEME[theme], SKOS.prefLabel, lit(label)))
    for code in [ds.country] if ds.country else countries:
        g.add((d, DCTERMS.spatial, EU_COUNTRY[code]))
        g.add((EU_COUNTRY[code], RDF.type, DCTERMS.Location))
    period = n.urls.catalog(f"{ds.key}-period")
    g.add((d, DCTERMS.temporal, period))
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    if ds.first_founded:
        g.add((period, DCAT.startDate, Literal(ds.first_founded, datatype=XSD.date)))
    g.add((period, DCAT.endDate, Literal(n.built.date().isoformat(), datatype=XSD.date)))
    g.add((d, DCTERMS.accessRights, EU_ACCESS_RIGHT["PUBLIC"]))
    g.add((d, DCAT.contactPoint, n.contact))
    g.add((d, DCTERMS.publisher, n.publisher))
    g.add((d, DCTERMS.issued, Literal(ds.issued, datatype=XSD.dateTime)))
    g.add((d, DCTERMS.modified, Literal(ds.modified, datatype=XSD.dateTime)))
    g.add((d, DCTERMS.conformsTo, n.urls.ontology))
    g.add((d, DCAT.landingPage, n.urls.home))
    g.add((d, DCTERMS.accrualPeriodicity, EU_FREQUENCY["IRREG"]))
    g.add((EU_FREQUENCY["IRREG"], RDF.type, DCTERMS.Frequency))
    prov_stmt = n.urls.catalog(f"{ds.key}-provenance")
    g.add((d, DCTERMS.provenance, prov_stmt))
    g.add((prov_stmt, RDF.type, DCTERMS.ProvenanceStatement))
    g.add((prov_stmt, RDFS.label, lit(
        "Read from profile pages saved from the European Cluster Collaboration Platform, mapped to RDF and "
        "validated with SHACL by clusterkg; each profile's named graph records its source page, file "
        "checksum, retrieval date and reader layout.")))
    if activity is not None:
        g.add((d, PROV.wasGeneratedBy, activity))
        g.add((activity, RDF.type, PROV.Activity))


def _distribution(g: set, n: _Nodes, ds: DatasetFacts, f: DumpFile) -> None:
    """One ``dcat:Distribution``: a dump file of dataset ``ds``."""
    dist = n.urls.catalog(f"dist-{f.name}")
    fmt = formats.by_suffix(f.suffix, formats.DUMPS)
    if fmt is None or fmt.eu_file_type is None:
        raise ValueError(f"{f.name}: not a dump format (known: {', '.join(x.suffix for x in formats.DUMPS)})")
    url = n.urls.dump(f.name)
    g.add((n.urls.catalog(ds.key), DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.title, lit(f"{fmt.label} dump{' (gzip)' if f.gzipped else ''}")))
    g.add((dist, DCTERMS.description, lit(
        f"The dataset as {fmt.label}{', gzip-compressed' if f.gzipped else ''}"
        + (" (graph names kept)." if fmt.dataset else " (the default graph: the current view, each cluster as "
                                                         "reconciled from its sources)."))))
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCTERMS.format, EU_FILE_TYPE[fmt.eu_file_type]))
    g.add((EU_FILE_TYPE[fmt.eu_file_type], RDF.type, DCTERMS.MediaTypeOrExtent))
    for media, prop in [(fmt.media_type, DCAT.mediaType)] + ([(formats.GZIP.media_type, DCAT.compressFormat)]
                                                             if f.gzipped else []):
        g.add((dist, prop, URIRef(IANA + media)))
        g.add((URIRef(IANA + media), RDF.type, DCTERMS.MediaType))
    g.add((dist, DCTERMS.license, n.licence))
    g.add((dist, DCTERMS.rights, n.rights))
    v2 = n.profile == "dcat-ap-2.1.1"
    g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.decimal if v2 else XSD.nonNegativeInteger)))
    algo, value = ("sha1", f.sha1) if v2 else ("sha256", f.sha256)
    if value:
        ck = n.urls.catalog(f"dist-{f.name}-{algo}")
        g.add((dist, SPDX.checksum, ck))
        g.add((ck, RDF.type, SPDX.Checksum))
        g.add((ck, SPDX.algorithm, SPDX["checksumAlgorithm_" + algo]))
        g.add((ck, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
    g.add((dist, DCTERMS.issued, Literal(ds.issued, datatype=XSD.dateTime)))
    g.add((dist, DCTERMS.modified, Literal(ds.modified, datatype=XSD.dateTime)))
    g.add((dist, DCTERMS.conformsTo, n.urls.ontology))
    g.add((dist, ADMS.status, _COMPLETED))
    g.add((_COMPLETED, RDF.type, SKOS.Concept))
    g.add((_COMPLETED, SKOS.prefLabel, lit("Completed")))


def with_prefixes(triples: set, prefixes: list[tuple[str, Any]]) -> Triples:
    """``triples`` with :data:`~clusterkg.graph.map.vocab.PREFIXES` and ``prefixes``."""
    return Triples(triples, {"rdf": str(RDF), **PREFIXES, **{prefix: str(ns) for prefix, ns in prefixes}})
