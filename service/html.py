"""A readable HTML view of a small graph: labels instead of raw IRIs, links to related
resources and to each RDF variant of the document."""

from __future__ import annotations

from html import escape

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from clusterkg.graph.map.places import authority_label
from clusterkg.graph.map.vocab import PREFIXES
from clusterkg.graph.map.vocab import SCHEMA

__all__ = ["render_html", "LABEL_PROPERTIES"]

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
}

_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{vertical-align:top;text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee}
th{width:16rem;font-weight:600}code{font-size:.85em;color:#555}.alt a{margin-right:1rem}.iri{color:#666;font-size:.85em}
p.text{white-space:pre-wrap;margin:0}td div+div{margin-top:.45rem}"""


def _qname(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def label_of(g: Graph, node, labels: dict[str, str]) -> str:
    """The best label for ``node``: from ``labels`` (looked up in the store), the graph,
    the labels of reused standard terms, the EU country and language tables, or a
    prefixed name."""
    iri = str(node)
    if iri in labels:
        return labels[iri]
    for p in LABEL_PROPERTIES:
        for o in g.objects(node, p):
            if isinstance(o, Literal):
                return str(o)
    if iri in STANDARD_LABELS:
        return STANDARD_LABELS[iri]
    return authority_label(iri) or _qname(iri)


def render_html(g: Graph, focus: URIRef | None, title: str, alternates: dict[str, str],
                labels: dict[str, str]) -> bytes:
    """Render ``g`` as an HTML page.

    :param g: the description (the focus resource's triples and its parts').
    :param focus: the resource the page is about (shown first), or None.
    :param title: the page title.
    :param alternates: media type -> URL of each RDF variant.
    :param labels: IRI -> label, for resources outside ``g``.
    :return: UTF-8 bytes of an HTML5 document.
    """
    subjects = sorted({s for s in g.subjects() if not isinstance(s, BNode)}, key=lambda s: (s != focus, str(s)))
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>",
             f"<style>{_STYLE}</style>"]
    for media, url in alternates.items():
        parts.append(f'<link rel="alternate" type="{escape(media)}" href="{escape(url)}">')
    parts.append(f"</head><body><h1>{escape(title)}</h1>")
    if focus is not None:
        parts.append(f'<p class="iri"><code>{escape(str(focus))}</code></p>')
    parts.append('<p class="alt">Also as: ' + " ".join(
        f'<a href="{escape(u)}" type="{escape(m)}">{escape(m)}</a>' for m, u in alternates.items()) + "</p>")
    for s in subjects:
        if s != focus or len(subjects) > 1:
            heading = label_of(g, s, labels) if s != focus else "Description"
            parts.append(f'<h2 id="{escape(_qname(str(s)))}">{escape(heading)}</h2>')
            if s != focus:
                parts.append(f'<p class="iri"><code>{escape(str(s))}</code></p>')
        parts.append("<table>")
        preds = sorted(set(g.predicates(s)), key=lambda p: (p != RDF.type, label_of(g, p, labels)))
        for p in preds:
            values = sorted(g.objects(s, p), key=str)
            cells = []
            for o in values:
                if isinstance(o, Literal):
                    text = escape(str(o))
                    if "\n" in str(o):
                        cells.append(f'<p class="text">{text}</p>')
                    else:
                        lang = f' <code>@{escape(o.language)}</code>' if o.language else ""
                        cells.append(text + lang)
                elif isinstance(o, URIRef):
                    cells.append(f'<a href="{escape(str(o))}">{escape(label_of(g, o, labels))}</a>')
                else:
                    cells.append("(blank node)")
            parts.append(f'<tr><th title="{escape(str(p))}">{escape(label_of(g, p, labels))}</th>'
                         f'<td>{"".join(f"<div>{c}</div>" for c in cells)}</td></tr>')
        parts.append("</table>")
    parts.append('<p class="iri">Published by clusterkg. <a href="/sparql">SPARQL endpoint</a> · '
                 '<a href="/dumps/">dumps</a> · <a href="/ontology">vocabulary</a></p></body></html>')
    return "".join(parts).encode("utf-8")
