"""Regions resolve to NUTS units whatever form a page prints them in, with no manifest:
one region IRI per unit, linked to the EU's NUTS IRIs, and the cluster's country from it."""

import pytest
from rdflib import Literal, URIRef

from clusterkg.graph.build import process
from clusterkg.graph.map.vocab import CKG, EU_COUNTRY, SKOS, Uris
from clusterkg.graph.read.manifest import ProfileSource

B = "http://localhost:8000/"
NUTS = "http://data.europa.eu/nuts/code/"

PAGE = """Printer-friendly version
General Information
The date when the cluster organisation was established :
Monday, 12 July, 2010
Number of staff in the management team of the cluster organisation :
1-5
{region}
Cluster Excellence Label:
Bronze Label
"""


@pytest.mark.parametrize("printed, code, country, level", [
    ("South-West (Bulgaria)", "BG41", "BGR", 2),  # English, where NUTS has "Yugozapaden"
    ("Yugozapaden", "BG41", "BGR", 2),  # the official Latin name
    ("Region of Vojvodina", "RS12", "SRB", 2),  # a descriptive form
    ("Vojvodina", "RS12", "SRB", 2),
    ("Южен централен (Yuzhen tsentralen)", "BG42", "BGR", 2),  # native script, transliterated
    ("City of Belgrade", "RS110", "SRB", 3),  # a city that is a NUTS 3 unit (and 2: the finer wins)
    ("Bucharest", "RO321", "ROU", 3),
    ("Warsaw", "PL911", "POL", 3),
    ("Oberbayern", "DE21", "DEU", 2),  # NUTS 2 and NUTS 3 names alike
    ("Cluj", "RO113", "ROU", 3),
    ("Attica", "EL30", "GRC", 2),  # NUTS's EL is the EU's GRC
])
def test_a_region_printed_in_any_form_resolves_to_its_nuts_unit(tmp_path, printed, code, country, level):
    f = tmp_path / "page.txt"
    f.write_text(PAGE.format(region=printed), encoding="utf-8")
    out = process(ProfileSource(f, "page", "page", in_manifest=False), Uris(B))
    g, cluster = out.mapped.graph, URIRef(B + "id/cluster/page")
    region = g.value(cluster, CKG.region)
    assert region == URIRef(B + f"id/region/nuts/{code.lower()}")
    assert g.value(region, SKOS.exactMatch) == URIRef(NUTS + code)
    assert g.value(region, CKG.nutsLevel).toPython() == level
    assert g.value(cluster, CKG.country) == EU_COUNTRY[country]  # no manifest row gave it
    for n in range(len(code), 2, -1):  # the units it lies in, up to the country: RS110 < RS11 < RS1 < RS
        assert (URIRef(NUTS + code[:n]), SKOS.broader, URIRef(NUTS + code[:n - 1])) in g
    assert out.mapped.unresolved_regions == []


def test_an_unknown_region_is_kept_as_printed_and_reported(tmp_path):
    f = tmp_path / "page.txt"
    f.write_text(PAGE.format(region="Atlantis"), encoding="utf-8")
    out = process(ProfileSource(f, "page", "page", in_manifest=False), Uris(B))
    region = out.mapped.graph.value(URIRef(B + "id/cluster/page"), CKG.region)
    assert region == URIRef(B + "id/region/atlantis")
    assert [(r.line, r.text) for r in out.mapped.unresolved_regions] == [(7, "Atlantis")]
    assert out.mapped.graph.value(region, CKG.nutsLevel) is None
    assert (region, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Atlantis")) in out.mapped.graph
