"""The SHACL engine of builds (pyshacl-turbo) gives the reports of the reference (pyshacl):
the same conformance and the same report lines on every profile we can make (the bundled
ones, ../shared's, generated ones, and damaged copies of them all), and the same
conformance and results on the W3C SHACL core test suite (issue 17)."""

import random
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Namespace
from rdflib.term import Node

from clusterkg.graph.build import process
from clusterkg.graph.map.vocab import RDF, RDFS, SH
from clusterkg.graph.read.manifest import collect_sources
from clusterkg.graph.validate import shapes_graph
from clusterkg.graph.validate.engines import DEFAULT_ENGINE, ENGINES, REFERENCE_ENGINE, engine

ROOT = Path(__file__).resolve().parents[3]
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
#: What a result says, beside its message (SHACL 1.0 §3.6.2).
RESULT = (SH.focusNode, SH.resultPath, SH.value, SH.resultSeverity, SH.sourceShape, SH.sourceConstraintComponent)


def test_builds_use_turbo_and_validate_uses_pyshacl():
    assert (DEFAULT_ENGINE, REFERENCE_ENGINE) == ("turbo", "pyshacl")
    assert sorted(ENGINES) == ["pyshacl", "turbo"]


def test_every_constraint_of_ours_gives_its_own_message():
    """So a report line's message is the shape's, whichever engine made it (each engine
    words its own default messages differently)."""
    g = shapes_graph()
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.objects(None, SH.property))
    silent = [s for s in shapes if (s, SH.message, None) not in g
              and any(p not in (SH.path, SH.name, SH.description, SH.order, SH.group, SH.severity, SH.targetClass,
                                SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property, RDF.type,
                                SH.deactivated, RDFS.label)
                      for p in g.predicates(s, None))]
    assert silent == []


def _damaged(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        op = rng.choice(["delete", "duplicate", "swap", "corrupt"])
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(rng.randrange(len(lines)), lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "corrupt" and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + bytes([rng.randrange(256)]) + lines[i][k + 1:]
    return b"\n".join(lines)


@pytest.fixture(scope="module")
def profile_folders(tmp_path_factory, data_dir, shared_profiles_if_any) -> list[Path]:
    """Folders of profiles: the bundled ones, ../shared's when beside, 120 generated ones,
    and a damaged copy of each (seeded, so the same every run)."""
    out = tmp_path_factory.mktemp("profiles")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "120", str(out / "generated")],
                   check=True, capture_output=True)
    originals = [p for folder in (data_dir, out / "generated", *shared_profiles_if_any)
                 for p in sorted(folder.rglob("*.txt"))]
    rng = random.Random(17)
    (out / "damaged").mkdir()
    for n, p in enumerate(originals):
        (out / "damaged" / f"d{n:04d}-{p.name}").write_bytes(_damaged(p.read_bytes(), rng))
    folders = [data_dir, out / "generated", *(f for shared in shared_profiles_if_any for f in sorted(shared.iterdir())
                                              if f.is_dir())]
    return [*folders, out / "damaged"]


def test_both_engines_give_the_same_report_lines_on_every_profile(profile_folders, uris, vocab):
    sources = [s for folder in profile_folders for s in collect_sources([folder])[0]]
    assert len(sources) >= 250
    lines = {name: [] for name in ENGINES}
    for src in sources:
        for name in ENGINES:
            out = process(src, uris, vocab, engine=name)
            lines[name].append((src.id, out.status, out.report.text() if out.report else str(out.error)))
    assert lines["turbo"] == lines["pyshacl"]
    statuses = {status for _id, status, _text in lines["pyshacl"]}
    assert {"valid", "rejected"} <= statuses, "the profiles should give reports of both kinds"
    assert sum("Violation" in text for _id, _s, text in lines["pyshacl"]) >= 20


def _results(report: Graph, shapes: Graph) -> set[tuple[Node | None, ...]]:
    """Each result of ``report`` as what it says, with its messages when its source shape
    gives one (otherwise the engine words it)."""
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        said = tuple(report.value(r, p) for p in RESULT)
        shape = report.value(r, SH.sourceShape)
        messages = tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage))) \
            if (shape, SH.message, None) in shapes else ()
        out.add(said + (messages,))
    return out


def _core_tests(shared: Path) -> list[tuple[str, Graph, Graph]]:
    """Each ``sht:Validate`` test of the W3C SHACL core suite: (name, data, shapes)."""
    core = shared / "testsuites" / "w3c-data-shapes" / "data-shapes-test-suite" / "tests" / "core"
    tests = []
    for f in sorted(core.rglob("*.ttl")):
        if f.name == "manifest.ttl":
            continue
        g = Graph().parse(f, format="turtle", publicID=f.as_uri())
        for t in g.subjects(RDF.type, SHT.Validate):
            action = g.value(t, MF.action)
            graphs = [g if str(u) == f.as_uri() else Graph().parse(Path(str(u).removeprefix("file://")),
                                                                   format="turtle", publicID=str(u))
                      for u in (g.value(action, SHT.dataGraph), g.value(action, SHT.shapesGraph))]
            tests.append((str(f.relative_to(core)), graphs[0], graphs[1]))
    return tests


@pytest.mark.filterwarnings("ignore::UserWarning")  # rdflib warns of the suite's ill-typed literals
def test_both_engines_agree_on_the_w3c_shacl_core_suite(shared):
    tests = _core_tests(shared)
    assert len(tests) >= 98
    differ = []
    for name, data, shapes in tests:
        reports = {}
        for engine_name, make in ENGINES.items():
            report = make(shapes).run(data)
            top = next(report.subjects(RDF.type, SH.ValidationReport))
            reports[engine_name] = (report.value(top, SH.conforms).toPython(), _results(report, shapes))
        if reports["turbo"] != reports["pyshacl"]:
            differ.append(name)
    assert differ == []


def test_a_graph_with_an_ill_typed_literal_goes_to_the_reference(shared):
    """rdflib reads ``"none"^^xsd:boolean`` as ``"false"``, flagged ill-typed only on the
    Literal; the build's engine hands such a graph to pyshacl, which reads the flag."""
    name, data, shapes = next(t for t in _core_tests(shared) if t[0] == "property/or-datatypes-001.ttl")
    report = engine("turbo", shapes).run(data)
    values = {str(v) for v in report.objects(None, SH.value) if not isinstance(v, BNode)}
    assert values == {"42", "none", "http://www.w3.org/2002/07/owl#Thing"}  # the suite's expected values
