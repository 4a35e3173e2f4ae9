"""Metadata quality of a DCAT catalogue, by the data.europa.eu MQA indicators.

The Metadata Quality Assessment of data.europa.eu scores five dimensions, 405 points in
all; 351 or more is "Excellent", 221-350 "Good", 121-220 "Sufficient", below "Bad"
(data.europa.eu, "Metadata Quality Assessment methodology"). For each indicator the
points are weighted by the share of datasets (or distributions) that meet it:

================ ================================================== ======
dimension        indicator                                          points
================ ================================================== ======
findability      dcat:keyword / dcat:theme / dct:spatial /           30/30/20/20
                 dct:temporal on the dataset
accessibility    accessURL answers (HTTP 2xx/3xx) / downloadURL      50/20/30
                 given / downloadURL answers
interoperability dct:format / dcat:mediaType / both from their      20/10/10/20/20/30
                 vocabularies / non-proprietary / machine-readable /
                 DCAT-AP compliance (SHACL)
reusability      licence / licence from the EU table / access        20/10/10/5/20/10
                 rights / access rights from the EU table / contact
                 point / publisher
contextuality    dct:rights / dcat:byteSize / dct:issued /           5/5/5/5
                 dct:modified on the distribution
================ ================================================== ======
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from rdflib import Graph

from clusterkg.graph.map.vocab import EU_ACCESS_RIGHT, EU_FILE_TYPE, EU_LICENCE, IANA
from clusterkg.graph.map.vocab import DCAT, DCTERMS, RDF

__all__ = ["Score", "score_catalog", "RATINGS", "NON_PROPRIETARY", "MACHINE_READABLE"]

#: EU file types the MQA counts as non-proprietary / machine-readable (the RDF and open
#: formats among them).
NON_PROPRIETARY = {"RDF_TURTLE", "RDF_N_TRIPLES", "RDF_N_QUADS", "JSON_LD", "RDF_XML", "RDF_TRIG", "CSV",
                   "JSON", "XML", "TSV", "GEOJSON", "ODS", "HTML", "TXT"}
MACHINE_READABLE = {"RDF_TURTLE", "RDF_N_TRIPLES", "RDF_N_QUADS", "JSON_LD", "RDF_XML", "RDF_TRIG", "CSV",
                    "JSON", "XML", "TSV", "GEOJSON", "ODS"}

#: (lowest score, rating), best first.
RATINGS = [(351, "Excellent"), (221, "Good"), (121, "Sufficient"), (0, "Bad")]


@dataclass
class Score:
    """A catalogue's MQA score: ``points`` per indicator (dimension -> indicator -> float),
    the ``total`` (of 405) and the ``rating``; ``notes`` say what was missing."""

    points: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(v for d in self.points.values() for v in d.values()), 1)

    @property
    def rating(self) -> str:
        return next(r for floor, r in RATINGS if self.total >= floor)

    def text(self) -> str:
        lines = []
        maxima = {"findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75,
                  "contextuality": 20}
        for dim, inds in self.points.items():
            lines.append(f"{dim:17} {sum(inds.values()):6.1f} / {maxima[dim]}")
            for name, pts in inds.items():
                lines.append(f"  {name:40} {pts:6.1f}")
        lines.append(f"{'total':17} {self.total:6.1f} / 405  ({self.rating})")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _share(items: list, test: Callable) -> float:
    return sum(1 for i in items if test(i)) / len(items) if items else 0.0


def score_catalog(g: Graph, probe: Callable[[str], int | None], compliant: bool | None) -> Score:
    """Score a DCAT catalogue.

    :param g: the catalogue graph (all datasets and distributions).
    :param probe: URL -> HTTP status of a HEAD (or GET) request, None when unreachable.
    :param compliant: the result of validating ``g`` against the DCAT-AP shapes, or None
        when it was not checked (then the indicator scores 0 and a note says so).
    :return: the :class:`Score`.
    """
    datasets = sorted(set(g.subjects(RDF.type, DCAT.Dataset)), key=str)
    dists = sorted({d for ds in datasets for d in g.objects(ds, DCAT.distribution)}, key=str)
    s = Score()
    has = lambda p: (lambda n: g.value(n, p) is not None)  # noqa: E731
    s.points["findability"] = {
        "keywords": 30 * _share(datasets, has(DCAT.keyword)),
        "categories (dcat:theme)": 30 * _share(datasets, has(DCAT.theme)),
        "geo search (dct:spatial)": 20 * _share(datasets, has(DCTERMS.spatial)),
        "time-based search (dct:temporal)": 20 * _share(datasets, has(DCTERMS.temporal)),
    }
    status: dict[str, int | None] = {}

    def ok(url) -> bool:
        if url is None:
            return False
        if str(url) not in status:
            status[str(url)] = probe(str(url))
        code = status[str(url)]
        return code is not None and 200 <= code < 400

    s.points["accessibility"] = {
        "accessURL accessible": 50 * _share(dists, lambda d: ok(g.value(d, DCAT.accessURL))),
        "downloadURL given": 20 * _share(dists, has(DCAT.downloadURL)),
        "downloadURL accessible": 30 * _share(dists, lambda d: ok(g.value(d, DCAT.downloadURL))),
    }
    for url, code in sorted(status.items()):
        if code is None or not 200 <= code < 400:
            s.notes.append(f"{url} answered {code}")

    def ftype(d) -> str | None:
        f = g.value(d, DCTERMS.format)
        return str(f)[len(str(EU_FILE_TYPE)):] if f is not None and str(f).startswith(str(EU_FILE_TYPE)) else None

    s.points["interoperability"] = {
        "format (dct:format)": 20 * _share(dists, has(DCTERMS.format)),
        "media type (dcat:mediaType)": 10 * _share(dists, has(DCAT.mediaType)),
        "format and media type from vocabularies": 10 * _share(
            dists, lambda d: ftype(d) is not None and str(g.value(d, DCAT.mediaType) or "").startswith(IANA)),
        "non-proprietary": 20 * _share(dists, lambda d: ftype(d) in NON_PROPRIETARY),
        "machine-readable": 20 * _share(dists, lambda d: ftype(d) in MACHINE_READABLE),
        "DCAT-AP compliance": 30.0 if compliant else 0.0,
    }
    if compliant is None:
        s.notes.append("DCAT-AP compliance not checked (no DCAT-AP shapes given)")
    s.points["reusability"] = {
        "licence": 20 * _share(dists, has(DCTERMS.license)),
        "licence from the EU vocabulary": 10 * _share(
            dists, lambda d: str(g.value(d, DCTERMS.license) or "").startswith(str(EU_LICENCE))),
        "access restrictions (dct:accessRights)": 10 * _share(datasets, has(DCTERMS.accessRights)),
        "access restrictions from the EU vocabulary": 5 * _share(
            datasets, lambda ds: str(g.value(ds, DCTERMS.accessRights) or "").startswith(str(EU_ACCESS_RIGHT))),
        "contact point": 20 * _share(datasets, has(DCAT.contactPoint)),
        "publisher": 10 * _share(datasets, has(DCTERMS.publisher)),
    }
    s.points["contextuality"] = {
        "rights (dct:rights)": 5 * _share(dists, has(DCTERMS.rights)),
        "file size (dcat:byteSize)": 5 * _share(dists, has(DCAT.byteSize)),
        "date of issue (dct:issued)": 5 * _share(dists, has(DCTERMS.issued)),
        "modification date (dct:modified)": 5 * _share(dists, has(DCTERMS.modified)),
    }
    return s
