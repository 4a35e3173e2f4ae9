"""Closed schemes do not grow, open ones grow in English with close matches, and the
validation catches impossible data: a founding date after the build, parts larger than the
total, a concept under a property whose scheme it is not in; every warning has its line."""

import datetime as _dt

from rdflib import Literal, URIRef

from clusterkg.graph.build import build, process
from clusterkg.graph.map.vocab import CKG, CONCEPT, RDF, SKOS, XSD, Uris
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.store import open_store

B = "http://localhost:8000/"
C = URIRef(B + "id/cluster/page")

PAGE = """Printer-friendly version
General Information
The date when the cluster organisation was established:
{founded}
Cluster Excellence Label:
{label}
Sectoral and Industrial Focus
Sectoral Industries:
Business Services
Technology fields:
{field}
Composition of the cluster
Total number of members:
{total}
Number of SME members:
40
Number of larger company members:
{large}
"""


def _page(tmp_path, founded="Monday, 12 July, 2010", label="Bronze Label", field="Computer Software",
          total="50", large="5", today=None):
    f = tmp_path / "page.txt"
    f.write_text(PAGE.format(founded=founded, label=label, field=field, total=total, large=large), encoding="utf-8")
    return process(ProfileSource(f, "page", "page", name="A cluster", in_manifest=False), Uris(B), today=today)


def test_a_value_outside_a_closed_scheme_is_reported_kept_and_never_added(tmp_path):
    out = _page(tmp_path, label="Platinum Label")
    g = out.mapped.graph
    assert out.report.publishable  # a warning, not a violation: the rest of the profile is published
    assert not list(g.subjects(SKOS.inScheme, CONCEPT["label-level"]))  # no new level
    assert g.value(C, CKG.excellenceLabel) is None
    node = g.value(C, CKG.unmapped)
    assert g.value(node, RDF.value) == Literal("Platinum Label")
    assert g.value(node, CKG.outsideScheme) == CONCEPT["label-level"]
    assert [u.text for u in out.mapped.unmapped] == ["Platinum Label"] and out.mapped.new_concepts == []
    warnings = [str(w) for w in out.report.warnings]
    assert any(w.startswith(f"{tmp_path / 'page.txt'}:6: Warning: field 'Cluster Excellence Label': The value is "
                            "not in its closed concept scheme") and '"Platinum Label"' in w for w in warnings)


def test_a_value_outside_an_open_scheme_is_an_english_top_concept_close_to_the_shipped_ones(tmp_path):
    out = _page(tmp_path, field="Robotics")
    g = out.mapped.graph
    concept = URIRef(B + "id/concept/technology-field/robotics")
    assert g.value(C, CKG.technologyField) == concept
    assert g.value(concept, SKOS.prefLabel) == Literal("Robotics", lang="en")
    assert g.value(concept, SKOS.topConceptOf) == CONCEPT["technology-field"]
    assert g.value(concept, SKOS.closeMatch) == CONCEPT["technology-field/automation-robotics-control-systems"]


def test_a_founding_date_after_the_build_is_a_violation_with_its_line(tmp_path):
    out = _page(tmp_path, founded="Monday, 12 July, 2099", today=_dt.date(2026, 12, 6))
    assert not out.report.publishable
    assert [str(v) for v in out.report.violations] == [
        f"{tmp_path / 'page.txt'}:4: Violation: field 'The date when the cluster organisation was established': "
        "The founding date lies after the day of the build (2026-12-06) (focus node <http://localhost:8000/id/cluster/"
        "page>, path <https://schema.org/foundingDate>, value \"2099-07-12\"^^<http://www.w3.org/2001/XMLSchema#date>)"]
    assert _page(tmp_path, founded="Monday, 12 July, 2099", today=_dt.date(2100, 1, 1)).report.publishable


def test_parts_larger_than_the_total_are_a_warning_with_its_line(tmp_path):
    out = _page(tmp_path, total="30", large="5")  # 40 SMEs + 5 larger companies > 30
    assert out.report.publishable
    found = [w for w in out.report.warnings if "add up to 45" in w.message]
    assert len(found) == 1 and found[0].line == 14 and found[0].field_label == "Total number of members"


def test_counts_are_non_negative_integers_and_a_negative_one_is_refused(tmp_path):
    g = _page(tmp_path).mapped.graph
    assert g.value(C, CKG.totalMembers) == Literal(50, datatype=XSD.nonNegativeInteger)
    out = _page(tmp_path, large="-3")
    assert [v.line for v in out.report.violations] == [18]


def test_a_concept_under_a_property_of_another_scheme_is_a_violation(tmp_path):
    out = _page(tmp_path)
    g = out.mapped.graph
    g.add((C, CKG.sectoralIndustry, CONCEPT["technology-field/computer-software"]))
    from clusterkg.graph.validate import validate_mapped

    report = validate_mapped(out.mapped, "page.txt")
    assert [v.message for v in report.violations] == [
        "A sectoral industry is not a concept of its scheme (sectoral-industry)"]


def test_every_warning_of_the_bundled_profiles_names_a_line(data_dir, tmp_path):
    summary = build([data_dir], tmp_path / "store", B)
    warnings = [w for o in summary.outcomes if o.report for w in o.report.warnings]
    assert len(warnings) == 2  # ict-net's two members printed with their type only
    assert [str(w) for w in warnings if w.line is None] == []
    assert {w.line for w in warnings} == {44, 45}


def test_a_cached_outcome_is_checked_again_when_a_founding_date_passes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.txt").write_text(PAGE.format(founded="2099", label="Gold Label", field="Computer Software",
                                                 total="50", large="5"), encoding="utf-8")
    (folder / "other.txt").write_text(PAGE.format(founded="2001", label="Gold Label", field="Computer Software",
                                                  total="50", large="5"), encoding="utf-8")
    first = build([folder], tmp_path / "s", B, source_date_epoch=int(_dt.datetime(2098, 6, 1).timestamp()))
    assert [(o.source.id, o.status) for o in first.outcomes] == [("other", "published"), ("page", "rejected")]
    again = build([folder], tmp_path / "s", B, source_date_epoch=int(_dt.datetime(2099, 6, 1).timestamp()))
    assert [(o.source.id, o.status, o.reused) for o in again.outcomes] == [
        ("other", "published", True), ("page", "published", False)]  # the cached rejection no longer holds
    assert open_store(tmp_path / "s").query(
        "ASK { ?c <https://schema.org/foundingDate> \"2099\"^^<http://www.w3.org/2001/XMLSchema#gYear> }").boolean
