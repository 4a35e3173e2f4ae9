"""The embedded store: union default graph, determinism, atomic snapshots."""

import signal
import subprocess
import sys
import time

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from clusterkg.graph.build import build
from clusterkg.graph.errors import QuerySyntaxError, StoreError
from clusterkg.graph.store import open_store, open_writer

from processes import alive, children

BASE = "http://localhost:8000/"


def _graphs(root) -> dict[str, Graph]:
    ds = Dataset()
    ds.parse(data=open_store(root).dump_nquads(), format="nquads")
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def test_union_default_graph_and_named_graphs(built_store):
    root, summary = built_store
    store = open_store(root)
    assert summary.ok and len(summary.of("published")) == 6
    names = store.named_graphs()
    assert BASE + "graph/vocabulary" in names and BASE + "graph/build" in names
    assert sum(n.startswith(BASE + "graph/profile/") for n in names) == 6
    rows = store.query("""PREFIX ckg: <https://w3id.org/clusterkg/ns#>
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ckg:ClusterOrganisation }""").rows()
    assert rows == [{"n": "5"}]  # two profiles describe Vojvodina ICT Cluster


def test_query_syntax_error_keeps_the_parser_message(built_store):
    with pytest.raises(QuerySyntaxError, match=r"1:\d+"):
        open_store(built_store[0]).query("SELECT ?x WHERE { ?x ")


def test_building_twice_gives_the_same_graphs(tmp_path, data_dir):
    build([data_dir], tmp_path / "a", BASE)
    build([data_dir], tmp_path / "b", BASE)
    a, b = _graphs(tmp_path / "a"), _graphs(tmp_path / "b")
    assert a.keys() == b.keys()
    for name in a:
        if name == BASE + "graph/build":
            continue  # build times, by design
        assert set(a[name]) == set(b[name]), name  # no blank nodes: the very same triples
        assert isomorphic(a[name], b[name])
    subjects = {s for g in a.values() for s in g.subjects() if isinstance(s, URIRef)}
    assert URIRef(BASE + "id/cluster/ict-net") in subjects


def test_aborted_write_leaves_the_previous_snapshot(tmp_path, data_dir):
    build([data_dir], tmp_path / "s", BASE)
    before = open_store(tmp_path / "s").generation
    w = open_writer(tmp_path / "s")
    w.add_graph(BASE + "graph/x", b"<http://a> <http://b> <http://c> .\n")
    w.abort()
    store = open_store(tmp_path / "s")
    assert store.generation == before and BASE + "graph/x" not in store.named_graphs()


def test_killed_build_leaves_the_previous_store_serving(tmp_path, data_dir):
    root = tmp_path / "s"
    build([data_dir], root, BASE)
    before = open_store(root)
    # a build of many profiles, killed half way
    big = tmp_path / "big"
    big.mkdir()
    src = (data_dir / "ict-net.txt").read_bytes()
    for i in range(400):
        (big / f"p{i:04d}.txt").write_bytes(src)
    proc = subprocess.Popen([sys.executable, "-m", "clusterkg", "build", str(big), "--store", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    gens = root / "generations"
    while time.time() < deadline and not any(p.name.endswith(".partial") for p in gens.iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(alive(c) for c in workers):
        time.sleep(0.2)
    assert workers, "the build had no worker processes to check"
    assert not [c for c in workers if alive(c)], "workers outlived the build"
    assert any(p.name.endswith(".partial") for p in gens.iterdir()), "the build was not caught half way"
    after = open_store(root)
    assert after.generation == before.generation
    names = after.named_graphs()
    for pid in ("ict-net", "vojvodina-ict-cluster-voict", "vojvodina-ict-cluster-2021", "romanian-textile-concept",
                "klaster-innowacyjna-medycyna", "ict-cluster-bulgaria-2021"):
        assert BASE + f"graph/profile/{pid}" in names
    rows = after.query("PREFIX schema: <https://schema.org/> SELECT ?d WHERE { "
                       f"<{BASE}id/cluster/ict-net> schema:foundingDate ?d }}").rows()
    assert rows == [{"d": "2010-07-12"}]
    # the next build cleans the killed one's partial folder up
    build([data_dir], root, BASE)
    assert not any(p.name.endswith(".partial") for p in gens.iterdir())


def test_empty_store_folder_says_build_first(tmp_path):
    with pytest.raises(StoreError, match="clusterkg build"):
        open_store(tmp_path / "nothing")


def test_a_blank_node_across_the_default_graphs_load_pieces_stays_one_node(tmp_path):
    """The current view is loaded 100,000 lines at a time; a blank node whose triples lie
    on both sides of a cut (and one named in a literal before it) is still one node."""
    lines = [f"<http://a/{i}> <http://p> \"v{i}\" .\n".encode() for i in range(99_998)]
    lines[5] = b'<http://a/5> <http://p> "not a node: _:b" .\n'
    lines += [b'_:b <http://p> "1" .\n', b'_:b <http://q> "2" .\n', b"<http://z> <http://r> _:b .\n"]
    view = tmp_path / "view.nt"
    view.write_bytes(b"".join(sorted(lines)))
    w = open_writer(tmp_path / "s")
    w.set_default_graph(view)
    w.commit()
    store = open_store(tmp_path / "s")
    rows = store.query("SELECT (COUNT(DISTINCT ?b) AS ?n) (COUNT(*) AS ?t) WHERE { ?b ?p ?o FILTER(isBlank(?b)) "
                       "<http://z> <http://r> ?b }")
    assert rows.rows() == [{"n": "1", "t": "2"}]
    assert store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows() == [{"n": "100001"}]


def _lines(n: int, changed: int = 0) -> bytes:
    return b"".join(sorted(f'<http://a/{i}> <http://b/p> "{"new" if i < changed else "v"}{i}" .\n'.encode()
                           for i in range(n)))


def test_replace_graph_changes_only_the_lines_that_differ(tmp_path):
    root, g = tmp_path / "s", BASE + "graph/build"
    w = open_writer(root)
    assert w.replace_graph(g, _lines(100)) is None  # absent: loaded whole
    w.commit()
    w = open_writer(root, from_current=True)
    assert w.replace_graph(g, _lines(100, changed=3) + b'<http://a/x> <http://b/p> "added" .\n') == 7
    assert w.replace_graph(BASE + "graph/other", _lines(2)) is None
    w.commit()
    store = open_store(root)
    quads = [line for line in store.dump_nquads().decode().splitlines() if line.endswith(f"<{g}> .")]
    values = sorted(line.split('"')[1] for line in quads)
    assert len(values) == 101 and values[:4] == ["added", "new0", "new1", "new2"] and "v3" in values
    assert "v0" not in values
    w = open_writer(root, from_current=True)
    assert w.replace_graph(g, _lines(100, changed=60)) is None  # more than half changed: loaded whole
    w.abort()
