"""Shapes conform to SHACL-SHACL; violations reject a profile and name file and field."""

from pathlib import Path

import pyshacl
from rdflib import Graph

from clusterkg.graph.build import build, process
from clusterkg.graph.read.manifest import ProfileSource
from clusterkg.graph.store import open_store
from clusterkg.graph.validate import shapes_graph

BASE = "http://localhost:8000/"


def test_shapes_conform_to_shacl_shacl(shared):
    shacl_shacl = Graph().parse(shared / "testsuites" / "w3c-data-shapes" / "shacl" / "shacl-shacl.ttl")
    conforms, _g, text = pyshacl.validate(shapes_graph(), shacl_graph=shacl_shacl)
    assert conforms, text


def test_every_bundled_profile_is_publishable(sources, uris, vocab):
    for src in sources.values():
        out = process(src, uris, vocab)
        assert out.report.publishable, out.report.text()


def _broken(tmp_path: Path, data_dir: Path) -> Path:
    text = (data_dir / "ict-net.txt").read_text(encoding="utf-8")
    text = text.replace("Monday, 12 July, 2010", "Tuesday, 31 February, 2011")
    text = text.replace("Total number of members:\u00a0\n", "Total number of members:\u00a0\n-5\n")
    f = tmp_path / "broken.txt"
    f.write_text(text, encoding="utf-8")
    return f


def test_broken_profile_is_rejected_naming_file_and_field(tmp_path, data_dir, uris, vocab):
    f = _broken(tmp_path, data_dir)
    out = process(ProfileSource(f, "broken", "broken", name="Broken"), uris, vocab)
    assert out.status == "rejected"
    v = out.report.violations
    assert [(r.line, r.field_label) for r in v] == [
        (4, "The date when the cluster organisation was established"),
        (26, "Total number of members"),
    ]
    text = out.report.text()
    assert f"{f}:4: Violation: field 'The date when the cluster organisation was established'" in text
    assert 'value "Tuesday, 31 February, 2011"' in text
    assert f"{f}:26: Violation: field 'Total number of members'" in text and 'value "-5"' in text
    # the RDF report carries the same, with our source annotations
    rg = out.report.graph
    q = rg.query("""PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX ckg: <https://w3id.org/clusterkg/ns#>
        SELECT ?line ?label WHERE { ?r a sh:ValidationResult ; sh:resultSeverity sh:Violation ;
        ckg:sourceLine ?line ; ckg:sourceLabel ?label ; ckg:sourceFile ?f } ORDER BY ?line""")
    assert [(int(r.line), str(r.label)) for r in q] == [
        (4, "The date when the cluster organisation was established"), (26, "Total number of members")]


def test_warnings_do_not_stop_publication(sources, uris, vocab):
    out = process(sources["klaster-innowacyjna-medycyna"], uris, vocab)
    assert out.status == "valid"
    assert [r.message for r in out.report.warnings] == [
        "A member organisation has no name (only its type was printed)"] * 2


def test_build_publishes_the_others_and_reports_the_rejected(tmp_path, data_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    _broken(folder, data_dir)
    (folder / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    summary = build([folder], tmp_path / "store", BASE)
    assert [(o.source.id, o.status) for o in summary.outcomes] == [("broken", "rejected"), ("ict-net", "published")]
    assert not summary.ok
    assert "published: 1, rejected: 1" in summary.text()
    graphs = open_store(tmp_path / "store").named_graphs()
    assert BASE + "graph/profile/ict-net" in graphs and BASE + "graph/profile/broken" not in graphs
