"""Every format clusterkg reads, writes or serves, in one table.

Each :class:`Format` record holds what the rest of the code needs to know of a format: its
media type and file suffix, the pyoxigraph format that parses and writes it, the rdflib
plugin name, the EU file-type code the DCAT-AP catalogue gives it, its W3C format IRI (for
the SPARQL service description), and the charset rule of its ``Content-Type``. The media
type, suffix, label and W3C IRI come from pyoxigraph's :class:`pyoxigraph.RdfFormat` and
:class:`pyoxigraph.QueryResultsFormat` where it has the format.

Below the table, the *offers*: which formats each kind of document is served or written
in, preferred first (content negotiation picks from these). To serve a new media type, add
a record and put it in the offers where it belongs; nothing else spells media types.

This module is a base of the data side: every stage may import it, it imports no stage.

Specs: RFC 6838 (media types), RFC 9110 §8.3 (Content-Type), the W3C format registry
(https://www.w3.org/ns/formats/), the EU file-type authority table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

__all__ = [
    "Format", "TURTLE", "N_TRIPLES", "N_QUADS", "TRIG", "JSON_LD", "RDF_XML", "SPARQL_JSON", "SPARQL_XML",
    "CSV", "TSV", "JSON", "HTML", "GZIP", "ALL", "DOCUMENT", "METADATA", "GRAPH_RESULTS", "RESULTS",
    "CURATED_INPUT", "DUMPS", "by_media_type", "by_suffix", "content_type",
]


@dataclass(frozen=True)
class Format:
    """One format.

    :param key: short name, for the command line (``--format``) and messages.
    :param label: name for people (``Turtle``, ``SPARQL Results in JSON``).
    :param media_type: IANA media type, without parameters.
    :param suffix: file suffix with its dot (``.ttl``), or ``""``.
    :param oxigraph: the pyoxigraph format that parses and writes it, or None.
    :param rdflib: the rdflib plugin name, or None.
    :param eu_file_type: code in the EU file-type table (``RDF_TURTLE``), or None.
    :param w3c: its IRI in the W3C format registry, or None.
    :param dataset: True when it keeps graph names (N-Quads, TriG, JSON-LD).
    :param charset: True when its ``Content-Type`` names ``charset=utf-8``; False for XML
        (the document declares its own encoding) and binary formats.
    """

    key: str
    label: str
    media_type: str
    suffix: str = ""
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    rdflib: str | None = None
    eu_file_type: str | None = None
    w3c: str | None = None
    dataset: bool = False
    charset: bool = True

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value (RFC 9110 §8.3): the media type, with
        ``; charset=utf-8`` for text formats.

        >>> TURTLE.content_type, RDF_XML.content_type
        ('text/turtle; charset=utf-8', 'application/rdf+xml')
        """
        return self.media_type + ("; charset=utf-8" if self.charset else "")


def _rdf(fmt: ox.RdfFormat, key: str, rdflib: str, eu_file_type: str, w3c: str | None = None,
         charset: bool = True) -> Format:
    return Format(key, fmt.name, fmt.media_type, "." + fmt.file_extension, fmt, rdflib, eu_file_type,
                  w3c or fmt.iri, fmt.supports_datasets, charset)


def _results(fmt: ox.QueryResultsFormat, key: str, eu_file_type: str, charset: bool = True) -> Format:
    return Format(key, fmt.name, fmt.media_type.split(";")[0], "." + fmt.file_extension, fmt, None,
                  eu_file_type, fmt.iri, False, charset)


TURTLE = _rdf(ox.RdfFormat.TURTLE, "turtle", "turtle", "RDF_TURTLE")
N_TRIPLES = _rdf(ox.RdfFormat.N_TRIPLES, "nt", "nt", "RDF_N_TRIPLES")
N_QUADS = _rdf(ox.RdfFormat.N_QUADS, "nquads", "nquads", "RDF_N_QUADS")
TRIG = _rdf(ox.RdfFormat.TRIG, "trig", "trig", "RDF_TRIG")
JSON_LD = _rdf(ox.RdfFormat.JSON_LD, "json-ld", "json-ld", "JSON_LD", "http://www.w3.org/ns/formats/JSON-LD")
RDF_XML = _rdf(ox.RdfFormat.RDF_XML, "rdf-xml", "xml", "RDF_XML", charset=False)
SPARQL_JSON = _results(ox.QueryResultsFormat.JSON, "json", "JSON")
SPARQL_XML = _results(ox.QueryResultsFormat.XML, "xml", "XML", charset=False)
CSV = _results(ox.QueryResultsFormat.CSV, "csv", "CSV")
TSV = _results(ox.QueryResultsFormat.TSV, "tsv", "TSV")
#: Plain JSON: what many clients ask for when they want SPARQL JSON results.
JSON = Format("plain-json", "JSON", "application/json", ".json", eu_file_type="JSON")
HTML = Format("html", "HTML", "text/html", ".html", eu_file_type="HTML")
GZIP = Format("gzip", "gzip", "application/gzip", ".gz", charset=False)

#: Every format, for look-ups by media type or suffix.
ALL = (TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML, SPARQL_JSON, SPARQL_XML, CSV, TSV, JSON, HTML, GZIP)

# -- the offers: formats per kind of document, preferred first --
#: Resource documents (``/doc/...``), the vocabulary and the shapes.
DOCUMENT = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
#: What harvesters read: the catalogue, VoID, the change feed.
METADATA = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)
#: CONSTRUCT and DESCRIBE answers.
GRAPH_RESULTS = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
#: SELECT and ASK answers (SPARQL 1.1 Query Results JSON, XML, CSV and TSV Formats).
RESULTS = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: Curated RDF files a build loads beside the profiles.
CURATED_INPUT = (TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML)
#: The whole-dataset dumps: dataset formats keep the graph names, the others hold the
#: union of the named graphs (see :mod:`clusterkg.graph.publish.dumps`).
DUMPS = (N_QUADS, JSON_LD, N_TRIPLES, TURTLE)


def by_media_type(media_type: str, among: tuple[Format, ...] = ALL) -> Format | None:
    """The format of ``among`` with this media type (parameters and case ignored), or None.

    >>> by_media_type("text/CSV; charset=utf-8").key
    'csv'
    """
    bare = media_type.split(";")[0].strip().lower()
    return next((f for f in among if f.media_type == bare), None)


def by_suffix(suffix: str, among: tuple[Format, ...] = ALL) -> Format | None:
    """The format of ``among`` with this file suffix (``.ttl``), or None.

    >>> by_suffix(".jsonld").media_type
    'application/ld+json'
    """
    return next((f for f in among if f.suffix == suffix), None)


def content_type(media_type: str) -> str:
    """The ``Content-Type`` for a media type of the table (see :attr:`Format.content_type`);
    an unknown media type is returned as it is.

    >>> content_type("application/sparql-results+xml"), content_type("text/csv")
    ('application/sparql-results+xml', 'text/csv; charset=utf-8')
    """
    fmt = by_media_type(media_type)
    return fmt.content_type if fmt is not None else media_type
