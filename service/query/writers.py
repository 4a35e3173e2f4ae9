"""Streaming writers for query results, with row and size limits and explicit markers.

Results are written in chunks as the engine produces them, so memory stays bounded
whatever the result's size. When a limit cuts the results, the output says so in-band,
in a way the format allows, never by silent truncation:

========================================= =================================================
format                                    marker when cut
========================================= =================================================
SPARQL JSON (SPARQL 1.1 Query Results     a top-level member
JSON §3)                                  ``"clusterkg:truncated": {"reason", "rows"}``
SPARQL XML (§2 of the XML format)         ``<!-- clusterkg:truncated reason=... rows=N -->``
CSV / TSV (SPARQL 1.1 CSV and TSV)        a last line ``# clusterkg:truncated ...``
N-Triples / Turtle (streamed as N-Triples) a comment line ``# clusterkg:truncated ...``
========================================= =================================================

JSON-LD and RDF/XML graph results are not streamed: they are built whole, up to the size
limit, and refused beyond it (:class:`~clusterkg.service.errors.ResultTooLarge`).

Formats are named by media type; which writer serves which is looked up in
:mod:`clusterkg.graph.formats`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Callable, Iterable
from xml.sax.saxutils import escape as _xml_escape

import pyoxigraph as ox

from clusterkg.graph import formats
from clusterkg.service.errors import NotSerializable, ResultTooLarge
from clusterkg.service.query.wire import CHUNK_BYTES

__all__ = ["Cut", "write_solutions", "write_boolean", "write_triples"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CHUNK = CHUNK_BYTES  # what the worker sends in one message: a flush never splits into two
#: Graph results written in a stream (a stream of N-Triples lines is valid Turtle).
_STREAMED_GRAPHS = (formats.N_TRIPLES, formats.TURTLE)

_NCNAME_END = re.compile(r"[A-Za-z_][\w.\-]*$")


@dataclass
class Cut:
    """How a write ended: ``rows`` written, and ``reason`` (``row-limit``, ``size-limit``)
    when a limit cut the results, else None."""

    rows: int = 0
    reason: str | None = None

    def check(self, out: "_Out", max_rows: int, deadline: float | None) -> bool:
        """Decide, before writing one more row, whether a limit cuts here (sets ``reason``)."""
        if self.rows >= max_rows:
            self.reason = "row-limit"
        elif out.full:
            self.reason = "size-limit"
        elif deadline is not None and time.monotonic() > deadline:
            self.reason = "time-limit"
        return self.reason is not None

    def fits(self, out: "_Out", row: bytes) -> bool:
        """Decide, with one row in hand, whether it fits in what is left of the size
        limit; a row that does not is never written (sets ``reason`` to ``size-limit``),
        so no answer goes past the limit, whatever the size of one row."""
        if out.total + len(row) > out.max_bytes:
            self.reason = "size-limit"
            return False
        return True


class _Out:
    def __init__(self, emit: Callable[[bytes], None], max_bytes: int):
        self.emit, self.max_bytes = emit, max_bytes
        self.buf: list[bytes] = []
        self.size = 0
        self.total = 0

    def write(self, data: bytes) -> None:
        if self.buf and self.size + len(data) > _CHUNK:  # flush before the chunk would go past a message
            self.flush()
        self.buf.append(data)
        self.size += len(data)
        self.total += len(data)
        if self.size >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.emit(b"".join(self.buf))
            self.buf, self.size = [], 0

    @property
    def full(self) -> bool:
        return self.total >= self.max_bytes


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": str(t)}


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_escape_text(v: str) -> str:
    """Escape for XML 1.0; characters it cannot carry at all become U+FFFD."""
    return _xml_escape(_XML_BAD.sub("\ufffd", v))


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{_xml_escape_text(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{_xml_escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        v = _xml_escape_text(t.value)
        if t.language:
            return f'<literal xml:lang="{_xml_escape(t.language)}">{v}</literal>'
        if t.datatype.value != _XSD_STRING:
            return f'<literal datatype="{_xml_escape(t.datatype.value)}">{v}</literal>'
        return f"<literal>{v}</literal>"
    return f"<literal>{_xml_escape_text(str(t))}</literal>"


def _csv_term(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        v = "_:" + t.value
    else:
        v = t.value if isinstance(t, (ox.NamedNode, ox.Literal)) else str(t)
    if any(c in v for c in '",\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def _tsv_term(t) -> str:
    return "" if t is None else str(t)


def _json_solutions(names: list[str], rows: Iterable, out: _Out, cut: Cut, stop: Callable[[], bool]) -> None:
    out.write(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
    encoded = (json.dumps({n: _json_term(sol[i]) for i, n in enumerate(names) if sol[i] is not None},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8") for sol in rows)
    _write_rows((b"," + data if i else data for i, data in enumerate(encoded)), out, cut, stop)
    out.write(b"]}")
    if cut.reason:
        out.write(b',"clusterkg:truncated":' + json.dumps({"reason": cut.reason, "rows": cut.rows}).encode())
    out.write(b"}")


def _write_rows(encoded: Iterable[bytes], out: _Out, cut: Cut, stop: Callable[[], bool]) -> None:
    """Write each encoded row while ``stop()`` says go on and the row fits the size limit
    (:meth:`Cut.fits`), counting them in ``cut.rows``: one loop for every format."""
    for data in encoded:
        if stop() or not cut.fits(out, data):
            break
        out.write(data)
        cut.rows += 1


def _xml_solutions(names: list[str], rows: Iterable, out: _Out, cut: Cut, stop: Callable[[], bool]) -> None:
    out.write(b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
              + "".join(f'<variable name="{_xml_escape(n)}"/>' for n in names).encode() + b"</head><results>")
    encoded = (("<result>" + "".join(f'<binding name="{_xml_escape(n)}">{_xml_term(sol[i])}</binding>'
                                     for i, n in enumerate(names) if sol[i] is not None) + "</result>").encode("utf-8")
               for sol in rows)
    _write_rows(encoded, out, cut, stop)
    if cut.reason:
        out.write(f"<!-- clusterkg:truncated reason={cut.reason} rows={cut.rows} -->".encode())
    out.write(b"</results></sparql>\n")


def _text_solutions(csv: bool, names: list[str], rows: Iterable, out: _Out, cut: Cut,
                    stop: Callable[[], bool]) -> None:
    term, sep, eol = (_csv_term, ",", "\r\n") if csv else (_tsv_term, "\t", "\n")
    out.write((sep.join(names if csv else ["?" + n for n in names]) + eol).encode("utf-8"))
    _write_rows(((sep.join(term(sol[i]) for i in range(len(names))) + eol).encode("utf-8") for sol in rows),
                out, cut, stop)
    if cut.reason:
        out.write(f"# clusterkg:truncated reason={cut.reason} rows={cut.rows}{eol}".encode())


def _results_format(media: str) -> formats.Format:
    fmt = formats.by_media_type(media, formats.RESULTS)
    if fmt is None:
        raise ValueError(f"{media} is not a SPARQL results format")
    return fmt


def write_solutions(solutions, media: str, emit: Callable[[bytes], None], max_rows: int,
                    max_bytes: int, deadline: float | None = None) -> Cut:
    """Write SELECT results (SPARQL 1.1 Query Results JSON, XML, CSV and TSV Formats).

    :param solutions: a pyoxigraph ``QuerySolutions`` (an iterator).
    :param media: one of the four SPARQL results media types (:data:`~clusterkg.graph.formats.RESULTS`).
    :param emit: called with each chunk of bytes (about 64 KiB).
    :param max_rows: at most this many rows; more are cut (with a marker).
    :param max_bytes: the most bytes written (then the marker): a row that would go past
        them is not written, however long it is.
    :param deadline: a ``time.monotonic()`` value; rows after it are cut (reason
        ``time-limit``).
    :return: the :class:`Cut`.
    :raises ValueError: for any other media type.
    """
    fmt = _results_format(media)
    names = [v.value for v in solutions.variables]
    out = _Out(emit, max_bytes)
    cut = Cut()

    def stop() -> bool:
        return cut.check(out, max_rows, deadline)

    if fmt == formats.SPARQL_JSON:
        _json_solutions(names, solutions, out, cut, stop)
    elif fmt == formats.SPARQL_XML:
        _xml_solutions(names, solutions, out, cut, stop)
    else:
        _text_solutions(fmt == formats.CSV, names, solutions, out, cut, stop)
    out.flush()
    return cut


def write_boolean(value: bool, media: str, emit: Callable[[bytes], None]) -> None:
    """Write an ASK result in one of the SPARQL results formats.

    :param value: the answer.
    :param media: one of the four SPARQL results media types.
    :param emit: called once, with the whole document.
    :raises ValueError: for any other media type.

    >>> write_boolean(True, "text/csv", print)
    b'_askResult\\r\\ntrue\\r\\n'
    """
    fmt = _results_format(media)
    word = b"true" if value else b"false"
    if fmt == formats.SPARQL_JSON:
        emit(b'{"head":{},"boolean":' + word + b"}")
    elif fmt == formats.SPARQL_XML:
        emit(b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
             b"<boolean>" + word + b"</boolean></sparql>\n")
    elif fmt == formats.CSV:
        emit(b"_askResult\r\n" + word + b"\r\n")
    else:
        emit(b"?_askResult\n" + word + b"\n")


def _stream_triples(triples: Iterable, out: _Out, cut: Cut, max_rows: int, deadline: float | None) -> None:
    _write_rows((f"{t} .\n".encode("utf-8") for t in triples), out, cut, lambda: cut.check(out, max_rows, deadline))
    if cut.reason:
        out.write(f"# clusterkg:truncated reason={cut.reason} triples={cut.rows}\n".encode())
    out.flush()


def _check_rdf_xml(t) -> None:
    """Refuse a triple RDF/XML cannot write (RDF 1.1 XML Syntax §2.1: a predicate is an
    element name, so its IRI must end in an XML name; XML 1.0 §2.2 characters)."""
    if not _NCNAME_END.search(t.predicate.value):
        raise NotSerializable(f"the predicate <{t.predicate.value}> cannot be written in RDF/XML (its IRI "
                              "does not end in an XML name); ask for Turtle, N-Triples or JSON-LD")
    if any(_XML_BAD.search(getattr(term, "value", "")) for term in (t.subject, t.object)):
        raise NotSerializable("a value holds characters XML 1.0 cannot carry, so the result cannot be "
                              "written in RDF/XML; ask for Turtle, N-Triples or JSON-LD")


def write_triples(triples: Iterable, media: str, emit: Callable[[bytes], None], max_rows: int,
                  max_bytes: int, deadline: float | None = None) -> Cut:
    """Write CONSTRUCT/DESCRIBE results: N-Triples and Turtle streamed (a stream of
    N-Triples lines is valid Turtle), JSON-LD and RDF/XML built whole.

    :param triples: pyoxigraph ``QueryTriples`` (an iterator of triples).
    :param media: one of :data:`~clusterkg.graph.formats.GRAPH_RESULTS`' media types.
    :param emit: called with each chunk of bytes.
    :param max_rows: at most this many triples.
    :param max_bytes: at most about this many bytes.
    :param deadline: a ``time.monotonic()`` value; triples after it are cut (streamed formats).
    :return: the :class:`Cut` (a streamed result over a limit is cut, with a marker).
    :raises ResultTooLarge: a JSON-LD or RDF/XML result over ``max_rows`` or ``max_bytes``.
    :raises NotSerializable: a triple RDF/XML cannot express.
    :raises ValueError: for any other media type.
    """
    cut = Cut()
    fmt = formats.by_media_type(media, formats.GRAPH_RESULTS)
    if fmt is None:
        raise ValueError(f"{media} is not an RDF format for graph results")
    if fmt in _STREAMED_GRAPHS:
        _stream_triples(triples, _Out(emit, max_bytes), cut, max_rows, deadline)
        return cut
    store = ox.Store()
    size = 0
    for t in triples:
        if fmt == formats.RDF_XML:
            _check_rdf_xml(t)
        cut.rows += 1
        size += len(str(t)) + 3
        if cut.rows > max_rows or size > max_bytes:
            raise ResultTooLarge(f"the result is over the limit for {media} ({max_rows:,} triples or "
                                 f"{max_bytes:,} bytes), which is not streamed; ask for application/n-triples "
                                 "or text/turtle (streamed), or add a LIMIT")
        store.add(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
    assert isinstance(fmt.oxigraph, ox.RdfFormat)  # GRAPH_RESULTS are RDF formats
    emit(store.dump(format=fmt.oxigraph, from_graph=ox.DefaultGraph()) or b"")
    return cut
