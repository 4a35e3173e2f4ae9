"""The HTML pages: their Jinja2 templates (``service/templates/``), and the view logic of
the resource page (labels instead of raw IRIs, triples grouped into one table per subject,
links to related resources and to each RDF variant of the document).

The templates get plain data and escape everything they print (autoescaping is on); no
HTML is written in Python. The pages hold no script and only inline styles, as the
Content-Security-Policy of :mod:`clusterkg.service.middleware` allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from starlette.templating import Jinja2Templates

from clusterkg.graph.map.places import authority_label
from clusterkg.graph.map.vocab import CKG, PREFIXES, SCHEMA
from clusterkg.graph.publish import urls

__all__ = ["TEMPLATES", "render_html", "sections", "label_of", "Section", "Group", "GROUPS", "Row", "Value",
           "LABEL_PROPERTIES", "STANDARD_LABELS", "site_links", "STATIC_DIR", "YASGUI", "schema_org"]

#: The folder of static files (``/static/``): the stylesheet, the editor's script, vendored assets.
STATIC_DIR = Path(__file__).with_name("static")

#: The vendored query editor's folder under :data:`STATIC_DIR` (its version pinned in the name).
YASGUI = "vendor/yasgui-4.6.2"

#: The page templates (autoescaped; block tags leave no blank lines behind).
TEMPLATES = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
    trim_blocks=True, lstrip_blocks=True))

_ORG_MEMBER = URIRef("http://www.w3.org/ns/org#member")

#: Properties read, in this order, for a resource's label.
LABEL_PROPERTIES = [SKOS.prefLabel, SCHEMA.name, RDFS.label, URIRef("http://www.w3.org/ns/locn#geographicName"),
                    SCHEMA.contactType]

#: Labels of the reused W3C / schema.org terms (their vocabularies are not in the store).
STANDARD_LABELS = {
    str(RDF.type): "type", str(RDFS.label): "label", str(RDFS.comment): "comment", str(RDF.value): "value",
    str(SKOS.prefLabel): "preferred label", str(SKOS.altLabel): "alternative label",
    str(SKOS.inScheme): "in scheme", str(SKOS.definition): "definition", str(SKOS.notation): "notation",
    "http://www.w3.org/ns/org#memberOf": "member of", "http://www.w3.org/ns/org#hasMember": "has member",
    "http://www.w3.org/ns/org#Membership": "Membership", "http://www.w3.org/ns/org#member": "member",
    "http://www.w3.org/ns/org#organization": "organisation", "http://www.w3.org/ns/org#role": "role",
    "http://www.w3.org/ns/org#Organization": "Organisation",
    "http://www.w3.org/ns/org#OrganizationalCollaboration": "Organisational collaboration",
    str(SCHEMA.name): "name", str(SCHEMA.alternateName): "native name", str(SCHEMA.foundingDate): "founding date",
    str(SCHEMA.contactPoint): "contact point", str(SCHEMA.ContactPoint): "Contact point",
    str(SCHEMA.contactType): "role", str(SCHEMA.telephone): "telephone", str(SCHEMA.email): "e-mail",
    str(SCHEMA.url): "website", str(SCHEMA.numberOfEmployees): "management team size",
    str(SCHEMA.minValue): "at least", str(SCHEMA.maxValue): "at most", str(SCHEMA.description): "as printed",
    str(SCHEMA.QuantitativeValue): "Quantity", str(SCHEMA.knowsLanguage): "language spoken",
    "http://purl.org/dc/terms/description": "description", "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/source": "source", "http://purl.org/dc/terms/identifier": "identifier",
    "http://purl.org/dc/terms/Location": "Location", "http://www.w3.org/ns/locn#geographicName": "name",
    "http://xmlns.com/foaf/0.1/primaryTopic": "about", "http://www.w3.org/ns/prov#wasDerivedFrom": "derived from",
    str(SKOS.broader): "part of (broader)", str(SKOS.exactMatch): "same as (exact match)",
    str(SKOS.closeMatch): "close match", str(SKOS.narrower): "narrower", str(SKOS.related): "related",
    str(SCHEMA.issuedBy): "issued by", str(SCHEMA.validFrom): "valid from",
    "http://www.w3.org/ns/prov#wasRevisionOf": "a newer version of",
    "http://www.w3.org/ns/prov#generatedAtTime": "made at", "http://www.w3.org/ns/prov#wasGeneratedBy": "made by",
    "http://www.w3.org/ns/dcat#dataset": "dataset", "http://www.w3.org/ns/dcat#distribution": "distribution",
    "http://www.w3.org/ns/dcat#downloadURL": "download", "http://www.w3.org/ns/dcat#accessURL": "access",
    "http://www.w3.org/ns/dcat#mediaType": "media type", "http://www.w3.org/ns/dcat#byteSize": "size (bytes)",
    "http://www.w3.org/ns/dcat#Dataset": "Dataset", "http://www.w3.org/ns/dcat#Catalog": "Catalogue",
    "http://www.w3.org/ns/dcat#Distribution": "Distribution", "http://www.w3.org/ns/dcat#contactPoint": "contact",
    "http://www.w3.org/ns/dcat#keyword": "keyword", "http://www.w3.org/ns/dcat#theme": "theme",
    "http://www.w3.org/ns/dcat#landingPage": "landing page", "http://purl.org/dc/terms/modified": "modified",
    "http://purl.org/dc/terms/issued": "issued", "http://purl.org/dc/terms/publisher": "publisher",
    "http://purl.org/dc/terms/license": "licence", "http://purl.org/dc/terms/spatial": "place",
    "http://purl.org/dc/terms/language": "language", "http://purl.org/dc/terms/format": "format",
    "http://purl.org/dc/terms/conformsTo": "conforms to", "http://xmlns.com/foaf/0.1/Document": "Document",
    "http://xmlns.com/foaf/0.1/homepage": "home page", "http://xmlns.com/foaf/0.1/page": "page",
    "http://spdx.org/rdf/terms#checksum": "checksum", "http://spdx.org/rdf/terms#checksumValue": "checksum value",
    "http://spdx.org/rdf/terms#algorithm": "algorithm",
}


#: The prefixes, longest namespace first (the most specific one wins), sorted once.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _qname(iri: str) -> str:
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def label_of(g: Graph, node, labels: dict[str, str]) -> str:
    """The best label for ``node``: from ``labels`` (looked up in the store), the graph
    (:data:`LABEL_PROPERTIES`), the labels of reused standard terms, the EU country and
    language tables, or a prefixed name.

    :param g: the graph the node is described in.
    :param node: an IRI (or any term: its string form is looked up).
    :param labels: IRI -> label, for resources outside ``g``.
    :return: the label.

    >>> label_of(Graph(), RDF.type, {})
    'type'
    """
    iri = str(node)
    if iri in labels:
        return labels[iri]
    for p in LABEL_PROPERTIES:
        for o in g.objects(node, p):
            if isinstance(o, Literal):
                return str(o)
    if iri in STANDARD_LABELS:
        return STANDARD_LABELS[iri]
    member = g.value(node, _ORG_MEMBER)  # a membership (org:Membership): named by its member
    if member is not None and member != node:
        return "membership of " + label_of(g, member, labels)
    return authority_label(iri) or _qname(iri)


@dataclass(frozen=True)
class Value:
    """One value in a row: a literal's ``text`` (with its ``lang``; ``multiline`` when it
    holds line breaks), a resource's label with its ``href``, or a ``blank`` node."""

    text: str = ""
    href: str | None = None
    lang: str | None = None
    multiline: bool = False
    blank: bool = False


@dataclass(frozen=True)
class Row:
    """One property of a subject: its IRI, its label, its values, and ``href`` the page of
    the property on this server when it is a term of our vocabulary (else None)."""

    predicate: str
    label: str
    values: list[Value]
    href: str | None = None


@dataclass(frozen=True)
class Group:
    """Rows of one kind under a ``heading`` (None: the section's only group)."""

    heading: str | None
    rows: list[Row]


@dataclass(frozen=True)
class Section:
    """One subject's table; ``heading`` None for the page's only subject (then neither
    ``anchor`` nor ``iri`` are shown), ``iri`` None for the focus resource; its rows in
    :class:`Group` s (see :data:`GROUPS`)."""

    heading: str | None
    anchor: str
    iri: str | None
    rows: list[Row]
    groups: list[Group]


_C, _S, _O = str(CKG), str(SCHEMA), "http://www.w3.org/ns/org#"
#: How a resource's properties are grouped on its page: heading -> properties, in page
#: order; what no group names goes under "Other". A section whose rows all fall in one
#: group shows no group headings.
GROUPS: dict[str, tuple[str, ...]] = {
    "Identity": (str(RDF.type), _S + "name", str(RDFS.label), _S + "alternateName", str(SKOS.altLabel),
                 str(SKOS.prefLabel), "http://purl.org/dc/terms/identifier", _S + "foundingDate", _C + "country",
                 _C + "region", _C + "organisationType", _S + "url", _S + "contactPoint", _S + "telephone",
                 _S + "email", "http://purl.org/dc/terms/description", _S + "description"),
    "Focus": (_C + "mission", _C + "goal", _C + "strategy", _C + "sectoralIndustry", _C + "emergingIndustry",
              _C + "technologyField", _C + "s3PriorityArea", _C + "otherSpecialisation", _C + "comparativePortfolio",
              _C + "providesService", _C + "supportServiceDetails", _C + "upskillingService"),
    "Composition": (_C + "totalMembers", _C + "smeMembers", _C + "startupMembers", _C + "largeCompanyMembers",
                    _C + "researchMembers", _C + "civilSocietyMembers", _C + "otherEcosystemMembers",
                    _S + "numberOfEmployees", _O + "hasMember", _O + "member", _O + "organization", _O + "role"),
    "Labels": (_C + "excellenceLabel", _C + "noExcellenceLabel", _C + "labelLevel", _C + "awardedTo",
               _S + "validFrom", _C + "validUntil", _S + "issuedBy"),
    "Network and cooperation": (_O + "memberOf", _C + "internationalActivity", _C + "transnationalActivity",
                                _C + "targetCountry"),
    "Provenance": ("http://www.w3.org/ns/prov#wasDerivedFrom", "http://www.w3.org/ns/prov#wasRevisionOf",
                   "http://purl.org/dc/terms/source", _C + "sourceFile", _C + "sourceLine", _C + "sourceLabel",
                   _C + "readerLayout", _C + "derivedProperty", _C + "unmapped"),
}
_GROUP_OF = {p: heading for heading, props in GROUPS.items() for p in props}


def _groups(rows: list[Row]) -> list[Group]:
    """``rows`` in :data:`GROUPS` order (rows keep their order within a group)."""
    by: dict[str, list[Row]] = {}
    for row in rows:
        by.setdefault(_GROUP_OF.get(row.predicate, "Other"), []).append(row)
    order = [h for h in [*GROUPS, "Other"] if h in by]
    if len(order) <= 1:
        return [Group(None, rows)]
    return [Group(h, by[h]) for h in order]


def _same(iri: str) -> str:
    return iri


def _value(g: Graph, o, labels: dict[str, str], link: Callable[[str], str]) -> Value:
    if isinstance(o, Literal):
        text = str(o)
        return Value(text, lang=o.language, multiline="\n" in text)
    if isinstance(o, URIRef):
        return Value(label_of(g, o, labels), href=link(str(o)))
    return Value(blank=True)


def _rows(g: Graph, s, labels: dict[str, str], link: Callable[[str], str]) -> list[Row]:
    preds = sorted(set(g.predicates(s)), key=lambda p: (p != RDF.type, label_of(g, p, labels)))
    return [Row(str(p), label_of(g, p, labels),
                [_value(g, o, labels, link) for o in sorted(g.objects(s, p), key=str)],
                href=link(str(p)) if link(str(p)) != str(p) else None)
            for p in preds]


def _anchor(iri: str, document: str | None) -> str:
    """A section's ``id``: the fragment of a hash IRI of the page's own document (so that
    ``ns#ClusterOrganisation`` lands on its section), else the prefixed name."""
    if document and iri.startswith(document + "#"):
        return iri[len(document) + 1:]
    return _qname(iri)


def sections(g: Graph, focus: URIRef | None, labels: dict[str, str], link: Callable[[str], str] = _same,
             document: str | None = None) -> list[Section]:
    """The page's content: one :class:`Section` per subject of ``g`` that is not a blank
    node, the focus first, then by IRI; properties ordered type first, then by label;
    values by their text.

    :param g: the description.
    :param focus: the resource the page is about, or None.
    :param labels: IRI -> label, for resources outside ``g``.
    :param link: IRI -> the URL a link to it points at (vocabulary IRIs to this server:
        :meth:`clusterkg.graph.publish.urls.Urls.local`).
    :param document: the IRI of the document whose hash IRIs the page describes (``ns``):
        their sections are anchored by fragment.
    :return: the sections, in page order.
    """
    subjects = sorted({s for s in g.subjects() if not isinstance(s, BNode)}, key=lambda s: (s != focus, str(s)))
    out = []
    for s in subjects:
        heading = None
        if s != focus or len(subjects) > 1:
            heading = label_of(g, s, labels) if s != focus else "Description"
        rows = _rows(g, s, labels, link)
        out.append(Section(heading, _anchor(str(s), document), None if s == focus else str(s), rows,
                           _groups(rows) if s == focus else [Group(None, rows)]))
    return out


def render_html(g: Graph, focus: URIRef | None, title: str, alternates: dict[str, str],
                labels: dict[str, str], pages: dict[str, str] | None = None, link: Callable[[str], str] = _same,
                document: str | None = None) -> bytes:
    """Render ``g`` as an HTML page (the ``resource.html`` template).

    :param g: the description (the focus resource's triples and its parts').
    :param focus: the resource the page is about (shown first), or None.
    :param title: the page title.
    :param alternates: media type -> URL of each RDF variant (``<link rel="alternate">``).
    :param labels: IRI -> label, for resources outside ``g``.
    :param pages: for one page of a longer description: URL of this page (``self``) and
        of the ``first``, ``prev``, ``next`` and ``last`` pages (those that exist).
    :param link: IRI -> the URL links point at (see :func:`sections`).
    :param document: the document whose hash IRIs get anchors by fragment (see :func:`sections`).
    :return: UTF-8 bytes of an HTML5 document.
    """
    footer = {"sparql": "/" + urls.SPARQL, "dumps": "/" + urls.DUMPS, "vocabulary": "/" + urls.ONTOLOGY}
    page = TEMPLATES.get_template("resource.html").render(
        title=title, focus=None if focus is None else str(focus), footer=footer,
        jsonld=None if focus is None else schema_org(g, focus),
        alternates=[{"media": m, "url": u} for m, u in alternates.items()],
        sections=sections(g, focus, labels, link, document), pages=pages)
    return page.encode("utf-8")


def site_links(site: urls.Urls) -> dict[str, str]:
    """The URLs every page's header and footer link to (the landing page, lists, charts,
    search, the SPARQL endpoint, the dumps, the harvest documents, the vocabulary, and the
    folder of static files), absolute under the base URI.

    :param site: the server's URL map.
    :return: name -> URL.
    """
    base = site.base
    return {"home": base, "clusters": base + urls.CLUSTERS, "charts": base + urls.CHARTS,
            "search": base + urls.SEARCH, "sparql": base + urls.SPARQL, "dumps": base + urls.DUMPS,
            "catalog": base + urls.CATALOG, "void": base + urls.VOID, "feed": base + urls.FEED,
            "ontology": base + urls.ONTOLOGY, "static": base + urls.STATIC}


def schema_org(g: Graph, focus: URIRef) -> str | None:
    """A cluster's page's schema.org description for search engines (an ``Organization``:
    name, other names, founding date, country, mission), as JSON to embed in a
    ``<script type="application/ld+json">`` block (``</`` escaped, so no text can close
    the block); None for a resource that is not a cluster organisation.

    >>> g = Graph(); c = URIRef("http://x/id/cluster/a")
    >>> _ = g.add((c, RDF.type, CKG.ClusterOrganisation)); _ = g.add((c, SCHEMA.name, Literal("A </script>")))
    >>> print(schema_org(g, c))
    {"@context": "https://schema.org", "@type": "Organization", "@id": "http://x/id/cluster/a", "name": "A <\\/script>"}
    """
    import json

    if (focus, RDF.type, CKG.ClusterOrganisation) not in g:
        return None
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "Organization", "@id": str(focus)}
    name = g.value(focus, SCHEMA.name)
    if name is not None:
        data["name"] = str(name)
    others = sorted(str(o) for o in g.objects(focus, SCHEMA.alternateName))
    if others:
        data["alternateName"] = others
    founded = g.value(focus, SCHEMA.foundingDate)
    if founded is not None:
        data["foundingDate"] = str(founded)
    country = g.value(focus, CKG.country)
    if country is not None:
        data["address"] = {"@type": "PostalAddress", "addressCountry": str(country).rsplit("/", 1)[-1]}
    mission = g.value(focus, CKG.mission)
    if mission is not None:
        data["description"] = str(mission)
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
