"""The DCAT-AP 3.0 catalogue of what a build published, and its VoID description.

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

Specs: DCAT-AP 3.0.1 (SEMIC, 2024), DCAT 3 (W3C Recommendation 2024), VoID (W3C Interest
Group Note 2011).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from clusterkg.graph.read.names import COUNTRY_AUTHORITY
from clusterkg.graph.publish.turtle import Triples
from clusterkg.graph.map.vocab import (
    ADMS, CKG_ONTOLOGY, DCAT, DCTERMS, EU_ACCESS_RIGHT, EU_FILE_TYPE, EU_FREQUENCY, EU_LICENCE, EU_THEME, FOAF,
    HYDRA, IANA, PREFIXES, PROV, RDF, RDFS, SKOS, SPDX, VCARD, VOID, XSD, Uris,
)

__all__ = ["PROFILES", "Publishing", "DumpFile", "DatasetFacts", "describe_catalog", "describe_void", "FILE_TYPES"]


#: dump suffix -> (EU file type, IANA media type, label)
FILE_TYPES = {
    ".ttl": ("RDF_TURTLE", "text/turtle", "Turtle"),
    ".nt": ("RDF_N_TRIPLES", "application/n-triples", "N-Triples"),
    ".nq": ("RDF_N_QUADS", "application/n-quads", "N-Quads"),
    ".jsonld": ("JSON_LD", "application/ld+json", "JSON-LD"),
}


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


def _lit(text: str) -> Literal:
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
    :return: the triples, with their prefixes (:func:`~.turtle.turtle` writes them).
    :raises ValueError: for an unknown profile.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown application profile {profile!r}; known: {', '.join(PROFILES)}")
    v2 = profile == "dcat-ap-2.1.1"
    b = uris.base
    g: set = set()  # the triples; many are stated once per dataset or file, so a set first
    cat = URIRef(b + "catalog")
    publisher = URIRef(pub.publisher_uri or b + "catalog#publisher")
    contact = URIRef(b + "catalog#contact")
    licence = URIRef(pub.license)
    rights = URIRef(b + "catalog#rights")
    vocab_doc = URIRef(b + "ontology")
    homepage = URIRef(b)
    modified = Literal(built.isoformat(), datatype=XSD.dateTime)

    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, _lit(pub.title)))
    g.add((cat, DCTERMS.description, _lit(pub.description)))
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, FOAF.homepage, homepage))
    g.add((homepage, RDF.type, FOAF.Document))
    g.add((cat, DCTERMS.license, licence))
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((cat, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime)))
    g.add((cat, DCTERMS.modified, modified))
    g.add((cat, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/ENG")))
    g.add((URIRef("http://publications.europa.eu/resource/authority/language/ENG"), RDF.type, DCTERMS.LinguisticSystem))
    g.add((cat, DCAT.themeTaxonomy, URIRef(str(EU_THEME).rstrip("/"))))
    g.add((URIRef(str(EU_THEME).rstrip("/")), RDF.type, SKOS.ConceptScheme))
    g.add((URIRef(str(EU_THEME).rstrip("/")), DCTERMS.title, _lit("Data theme")))
    g.add((cat, RDFS.seeAlso, URIRef(b + ".well-known/void")))
    g.add((cat, DCTERMS.conformsTo, URIRef(PROFILES[profile])))
    g.add((URIRef(PROFILES[profile]), RDF.type, DCTERMS.Standard))

    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, _lit(pub.publisher_name)))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(pub.publisher_name)))
    g.add((contact, VCARD.hasEmail, URIRef("mailto:" + pub.contact_email)))
    g.add((rights, RDF.type, DCTERMS.RightsStatement))
    g.add((rights, RDFS.label, _lit(f"Free to reuse under the licence <{pub.license}>, with attribution to "
                                    f"{pub.publisher_name} and to the European Cluster Collaboration Platform.")))
    g.add((vocab_doc, RDF.type, DCTERMS.Standard))
    g.add((vocab_doc, DCTERMS.title, _lit("clusterkg vocabulary")))
    g.add((vocab_doc, RDFS.seeAlso, CKG_ONTOLOGY))
    public = EU_ACCESS_RIGHT["PUBLIC"]
    g.add((public, RDF.type, DCTERMS.RightsStatement))

    service = URIRef(b + "catalog#sparql")
    g.add((cat, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, _lit("SPARQL 1.1 endpoint")))
    g.add((service, DCTERMS.description, _lit("Read-only SPARQL 1.1 Protocol endpoint over the whole knowledge "
                                              "graph; the default graph is the union of the profile graphs.")))
    g.add((service, DCAT.endpointURL, URIRef(b + "sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(b + "sparql")))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((URIRef("https://www.w3.org/TR/sparql11-protocol/"), RDF.type, DCTERMS.Standard))
    g.add((service, DCTERMS.license, licence))
    g.add((service, DCTERMS.accessRights, public))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))
    g.add((service, DCAT.landingPage, homepage))

    for ds in datasets:
        d = URIRef(f"{b}catalog#{ds.key}")
        g.add((cat, DCAT.dataset, d))
        g.add((service, DCAT.servesDataset, d))
        g.add((d, RDF.type, DCAT.Dataset))
        g.add((d, DCTERMS.identifier, Literal(f"{b}catalog#{ds.key}")))
        where = f" in {ds.country_name}" if ds.country_name else ""
        g.add((d, DCTERMS.title, _lit(f"Cluster organisations{where}")
               if ds.country else _lit(pub.title)))
        g.add((d, DCTERMS.description, _lit(
            f"{ds.clusters} cluster organisation{'s' if ds.clusters != 1 else ''}{where}, from {ds.profiles} "
            f"profile page{'s' if ds.profiles != 1 else ''} of the European Cluster Collaboration Platform, "
            "as linked data (W3C ORG, schema.org, SKOS): founding date, excellence label, sectors, technology "
            "fields, member counts, support services, networks, with the provenance of every value.")))
        for kw in ds.keywords:
            g.add((d, DCAT.keyword, _lit(kw)))
        for theme in ("ECON", "TECH", "REGI"):
            g.add((d, DCAT.theme, EU_THEME[theme]))
            g.add((EU_THEME[theme], RDF.type, SKOS.Concept))
        g.add((EU_THEME["ECON"], SKOS.prefLabel, _lit("Economy and finance")))
        g.add((EU_THEME["TECH"], SKOS.prefLabel, _lit("Science and technology")))
        g.add((EU_THEME["REGI"], SKOS.prefLabel, _lit("Regions and cities")))
        spatial = [ds.country] if ds.country else [k.country for k in datasets if k.country]
        for code in spatial:
            place = URIRef(COUNTRY_AUTHORITY + code)
            g.add((d, DCTERMS.spatial, place))
            g.add((place, RDF.type, DCTERMS.Location))
        period = URIRef(f"{b}catalog#{ds.key}-period")
        g.add((d, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if ds.first_founded:
            g.add((period, DCAT.startDate, Literal(ds.first_founded, datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(built.date().isoformat(), datatype=XSD.date)))
        g.add((d, DCTERMS.accessRights, public))
        g.add((d, DCAT.contactPoint, contact))
        g.add((d, DCTERMS.publisher, publisher))
        g.add((d, DCTERMS.issued, Literal(ds.issued, datatype=XSD.dateTime)))
        g.add((d, DCTERMS.modified, Literal(ds.modified, datatype=XSD.dateTime)))
        g.add((d, DCTERMS.conformsTo, vocab_doc))
        g.add((d, DCAT.landingPage, homepage))
        g.add((d, DCTERMS.accrualPeriodicity, EU_FREQUENCY["IRREG"]))
        g.add((EU_FREQUENCY["IRREG"], RDF.type, DCTERMS.Frequency))
        prov_stmt = URIRef(f"{b}catalog#{ds.key}-provenance")
        g.add((d, DCTERMS.provenance, prov_stmt))
        g.add((prov_stmt, RDF.type, DCTERMS.ProvenanceStatement))
        g.add((prov_stmt, RDFS.label, _lit(
            "Read from profile pages saved from the European Cluster Collaboration Platform, mapped to RDF and "
            "validated with SHACL by clusterkg; each profile's named graph records its source page, file "
            "checksum, retrieval date and reader layout.")))
        if activity is not None:
            g.add((d, PROV.wasGeneratedBy, activity))
            g.add((activity, RDF.type, PROV.Activity))
        for f in ds.dumps:
            dist = URIRef(f"{b}catalog#dist-{f.name}")
            ftype, media, label = FILE_TYPES[f.suffix]
            url = URIRef(f"{b}dumps/{f.name}")
            g.add((d, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCTERMS.title, _lit(f"{label} dump{' (gzip)' if f.gzipped else ''}")))
            g.add((dist, DCTERMS.description, _lit(
                f"The dataset as {label}{', gzip-compressed' if f.gzipped else ''}"
                + (" (graph names kept)." if f.suffix in (".nq", ".jsonld") else
                   " (the union of the profile graphs)."))))
            g.add((dist, DCAT.accessURL, url))
            g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCTERMS.format, EU_FILE_TYPE[ftype]))
            g.add((EU_FILE_TYPE[ftype], RDF.type, DCTERMS.MediaTypeOrExtent))
            mt = URIRef(IANA + media)
            g.add((dist, DCAT.mediaType, mt))
            g.add((mt, RDF.type, DCTERMS.MediaType))
            if f.gzipped:
                gz = URIRef(IANA + "application/gzip")
                g.add((dist, DCAT.compressFormat, gz))
                g.add((gz, RDF.type, DCTERMS.MediaType))
            g.add((dist, DCTERMS.license, licence))
            g.add((dist, DCTERMS.rights, rights))
            g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.decimal if v2 else XSD.nonNegativeInteger)))
            algo, value = ("sha1", f.sha1) if v2 else ("sha256", f.sha256)
            if value:
                ck = URIRef(f"{b}catalog#dist-{f.name}-{algo}")
                g.add((dist, SPDX.checksum, ck))
                g.add((ck, RDF.type, SPDX.Checksum))
                g.add((ck, SPDX.algorithm, SPDX["checksumAlgorithm_" + algo]))
                g.add((ck, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
            g.add((dist, DCTERMS.issued, Literal(ds.issued, datatype=XSD.dateTime)))
            g.add((dist, DCTERMS.modified, Literal(ds.modified, datatype=XSD.dateTime)))
            g.add((dist, DCTERMS.conformsTo, vocab_doc))
            g.add((dist, ADMS.status, URIRef("http://publications.europa.eu/resource/authority/distribution-status/COMPLETED")))
            g.add((URIRef("http://publications.europa.eu/resource/authority/distribution-status/COMPLETED"),
                   RDF.type, SKOS.Concept))
            g.add((URIRef("http://publications.europa.eu/resource/authority/distribution-status/COMPLETED"),
                   SKOS.prefLabel, _lit("Completed")))
    return _graph(g, [("dcat", DCAT), ("vcard", VCARD), ("hydra", HYDRA), ("void", VOID), ("adms", ADMS)])


def describe_void(uris: Uris, stats: dict, dumps: list[DumpFile], built: _dt.datetime) -> Triples:
    """The VoID description of the whole graph (VoID §4 statistics, §5 linksets).

    :param stats: ``triples``, ``entities``, ``distinct_subjects``, ``distinct_objects``,
        ``properties``, ``classes`` (ints), ``class_partitions`` (class IRI -> entities),
        ``property_partitions`` (property IRI -> triples), ``linksets`` (target namespace ->
        (link predicate, triples)).
    :param dumps: the dump files (linked with ``void:dataDump``).
    :return: the triples, with their prefixes.
    """
    b = uris.base
    g: set = set()
    d = URIRef(b + ".well-known/void#dataset")
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.title, _lit("Cluster organisations knowledge graph")))
    g.add((d, DCTERMS.modified, Literal(built.isoformat(), datatype=XSD.dateTime)))
    g.add((d, FOAF.homepage, URIRef(b)))
    g.add((d, VOID.sparqlEndpoint, URIRef(b + "sparql")))
    g.add((d, VOID.uriSpace, Literal(b + "id/")))
    g.add((d, VOID.rootResource, URIRef(b + "catalog")))
    g.add((d, RDFS.seeAlso, URIRef(b + "catalog")))
    for ns in ("http://www.w3.org/ns/org#", "https://schema.org/", str(SKOS), str(DCTERMS), str(PROV),
               "https://w3id.org/clusterkg/ns#", "http://www.w3.org/ns/locn#"):
        g.add((d, VOID.vocabulary, URIRef(ns)))
    for f in dumps:
        g.add((d, VOID.dataDump, URIRef(f"{b}dumps/{f.name}")))
    for key, prop in (("triples", VOID.triples), ("entities", VOID.entities), ("distinct_subjects", VOID.distinctSubjects),
                      ("distinct_objects", VOID.distinctObjects), ("properties", VOID.properties),
                      ("classes", VOID.classes)):
        g.add((d, prop, Literal(int(stats[key]), datatype=XSD.integer)))
    for i, (cls, n) in enumerate(sorted(stats["class_partitions"].items())):
        part = URIRef(f"{b}.well-known/void#class-{i}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(int(n), datatype=XSD.integer)))
    for i, (prop, n) in enumerate(sorted(stats["property_partitions"].items())):
        part = URIRef(f"{b}.well-known/void#property-{i}")
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(int(n), datatype=XSD.integer)))
    for i, (target, (pred, n)) in enumerate(sorted(stats["linksets"].items())):
        ls = URIRef(f"{b}.well-known/void#linkset-{i}")
        tgt = URIRef(f"{b}.well-known/void#target-{i}")
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((d, VOID.subset, ls))
        g.add((ls, VOID.subjectsTarget, d))
        g.add((ls, VOID.objectsTarget, tgt))
        g.add((ls, VOID.linkPredicate, URIRef(pred)))
        g.add((ls, VOID.triples, Literal(int(n), datatype=XSD.integer)))
        g.add((tgt, RDF.type, VOID.Dataset))
        g.add((tgt, VOID.uriSpace, Literal(target)))
    return _graph(g, [("void", VOID)])


def _graph(triples: set, prefixes: list[tuple[str, URIRef]]) -> Triples:
    """``triples`` with :data:`~.vocab.PREFIXES` and ``prefixes``."""
    return Triples(triples, {"rdf": str(RDF), **PREFIXES, **{prefix: str(ns) for prefix, ns in prefixes}})
