"""A rebuild after one profile changed redoes only that profile: it is the only file read,
mapped and validated again, and the only profile graph replaced; every other named graph
keeps its content, and the result equals a full build of the same input."""

import gzip
import hashlib
import json
import shutil

import pytest
from rdflib import Graph, Namespace

from clusterkg.graph.build import build
from clusterkg.graph.store import open_store

BASE = "http://localhost:8000/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
CHANGED = "ict-net"


def _graphs(root) -> dict[str, set[bytes]]:
    """Named graph IRI -> its N-Quads lines, from the store's current snapshot."""
    out: dict[str, set[bytes]] = {}
    for line in open_store(root).dump_nquads().splitlines():
        graph = line.rsplit(b" ", 2)[-2].strip(b"<>").decode("utf-8")
        out.setdefault(graph, set()).add(line)
    return out


@pytest.fixture
def copied_data(tmp_path, data_dir):
    folder = tmp_path / "data"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return folder


def test_rebuild_with_one_changed_profile_touches_only_its_graph(tmp_path, copied_data):
    root = tmp_path / "store"
    first = build([copied_data], root, BASE)
    assert (first.processed, first.loaded, first.changed) == (6, 6, 6)
    before = _graphs(root)
    first_generation = open_store(root).generation

    profile = copied_data / f"{CHANGED}.txt"
    profile.write_text(profile.read_text(encoding="utf-8") + "\nOld Elvish Dialect\n", encoding="utf-8")
    second = build([copied_data], root, BASE)

    assert second.ok and len(second.of("published")) == 6
    assert (second.processed, second.loaded, second.changed) == (1, 1, 1)
    assert [o.source.id for o in second.outcomes if not o.reused] == [CHANGED]
    after = _graphs(root)
    assert open_store(root).generation != first_generation
    changed_graph = BASE + f"graph/profile/{CHANGED}"
    assert after.keys() == before.keys()
    assert after[changed_graph] != before[changed_graph]
    assert any(b"Old Elvish Dialect" in line for line in after[changed_graph] - before[changed_graph])
    untouched = [g for g in before if g not in (changed_graph, BASE + "graph/build")]
    assert len(untouched) == 6  # five other profiles and the vocabulary
    for graph in untouched:
        assert after[graph] == before[graph], graph

    meta = open_store(root).meta_dir
    feed = [json.loads(line) for line in (meta / "feed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["profile"] for m in feed[6:]] == [CHANGED]
    state = json.loads((meta / "state.json").read_text(encoding="utf-8"))["profiles"]
    assert state[CHANGED]["modified"] == second.started.isoformat()
    assert state["klaster-innowacyjna-medycyna"]["modified"] == first.started.isoformat()

    # the dumps: checksums in the catalogue are those of the files (taken while gzipping,
    # or read for the country dumps hard-linked from before), every .gz holds its file,
    # and the chunk index lists the hard-linked ones too
    dumps = open_store(root).dumps_dir
    catalog = Graph().parse(meta / "catalog-dcat-ap-3.0.ttl")
    sums = {str(ck).rsplit("#dist-", 1)[1]: str(v) for ck, v in catalog.subject_objects(SPDX.checksumValue)}
    assert len(sums) == len(list(dumps.iterdir()))
    for name, value in sums.items():
        file, algo = name.rsplit("-", 1)
        assert hashlib.new(algo, (dumps / file).read_bytes()).hexdigest() == value, name
    assert gzip.decompress((dumps / "clusterkg.nq.gz").read_bytes()) == (dumps / "clusterkg.nq").read_bytes()
    assert (dumps / "clusterkg-bgr.nq").stat().st_nlink == 2  # unchanged country: hard-linked
    index = json.loads((meta / "gz-chunks.json").read_text(encoding="utf-8"))
    assert {"clusterkg.nq.gz", "clusterkg-bgr.nq.gz", "clusterkg-srb.ttl.gz"} <= set(index)

    full = build([copied_data], tmp_path / "full", BASE, incremental=False)
    assert full.processed == 6 and full.loaded == 6
    expected = _graphs(tmp_path / "full")
    for graph in untouched + [changed_graph]:
        assert after[graph] == expected[graph], graph


def test_rebuild_drops_the_graph_of_a_removed_profile(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE)
    (copied_data / f"{CHANGED}.txt").unlink()
    manifest = copied_data / "manifest.csv"
    manifest.write_text("".join(line for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith(f"{CHANGED}.txt,")), encoding="utf-8")
    again = build([copied_data], root, BASE)
    assert (again.processed, again.loaded, again.changed) == (0, 0, 1)  # the change: a tombstone in the feed
    names = open_store(root).named_graphs()
    assert BASE + f"graph/profile/{CHANGED}" not in names
    assert sum(n.startswith(BASE + "graph/profile/") for n in names) == 5
    dumps = open_store(root).dumps_dir
    assert f"/{CHANGED}>".encode() not in (dumps / "clusterkg.nq").read_bytes()
    assert f"/{CHANGED}>".encode() not in (dumps / "clusterkg-srb.nq").read_bytes()


def test_a_removed_profile_leaves_a_tombstone_and_nothing_else_in_the_feed(tmp_path, copied_data):
    import json

    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=1764000000)
    (copied_data / f"{CHANGED}.txt").unlink()
    manifest = copied_data / "manifest.csv"
    manifest.write_text("".join(line for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith(f"{CHANGED}.txt,")), encoding="utf-8")
    build([copied_data], root, BASE, source_date_epoch=1764086400)
    members = [json.loads(line) for line in (open_store(root).meta_dir / "feed.jsonl").read_text().splitlines()]
    mine = [m for m in members if m["profile"] == CHANGED]
    assert len(members) == 6 and len(mine) == 1  # the 5 other versions, then the tombstone; its own is gone
    tomb = mine[0]
    assert tomb["version"] == f"{BASE}feed/member/{CHANGED}/20251125T160000Z"
    assert f"<{tomb['version']}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
           "<https://www.w3.org/ns/activitystreams#Delete> ." in tomb["nt"]
    assert f"<https://www.w3.org/ns/activitystreams#object> <{BASE}graph/profile/{CHANGED}> ." in tomb["nt"]
    assert "2025-11-25T16:00:00+00:00" in tomb["nt"]
    assert "schema.org" not in tomb["nt"]  # nothing the profile said is served any more


def test_a_full_build_redoes_every_profile_and_leaves_the_cache_for_the_next_build(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE)
    full = build([copied_data], root, BASE, incremental=False)
    assert (full.processed, full.loaded) == (6, 6)  # the cache is not read
    assert build([copied_data], tmp_path / "other", BASE, incremental=False).processed == 6  # into a new store
    assert build([copied_data], tmp_path / "other", BASE).processed == 0
    again = build([copied_data], root, BASE)
    assert (again.processed, again.loaded, again.changed) == (0, 0, 0)  # but it was filled
    changed = copied_data / f"{CHANGED}.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOther Label:\nNew value\n", encoding="utf-8")
    assert build([copied_data], root, BASE).processed == 1


def test_a_feed_version_holds_the_clusters_triples_as_mapped(tmp_path, copied_data):
    """Not in the store's canonical forms, where a count is an xsd:integer: the shapes and
    README say counts are xsd:nonNegativeInteger, and versions must compare equal."""
    build([copied_data], tmp_path / "store", BASE)
    feed = [json.loads(line) for line in
            (open_store(tmp_path / "store").meta_dir / "feed.jsonl").read_text(encoding="utf-8").splitlines()]
    version = next(m["nt"] for m in feed if m["profile"] == "ict-cluster-bulgaria-2021")
    assert ' "280"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .' in version
    assert "XMLSchema#integer>" not in version


def test_a_rebuild_updates_the_build_record_in_the_store_as_the_dump_has_it(tmp_path, data_dir):
    src, root = tmp_path / "in", tmp_path / "s"
    shutil.copytree(data_dir, src)
    build([src], root, BASE, source_date_epoch=1_800_000_000)
    page = src / "ict-net.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\nOther Label:\nChanged\n", encoding="utf-8")
    build([src], root, BASE, source_date_epoch=1_800_000_100)
    record = f"<{BASE}graph/build> .".encode()
    stored = {line for line in open_store(root).dump_nquads().splitlines() if line.endswith(record)}
    dumped = {line for line in (root / "current" / "dumps" / "clusterkg.nq").read_bytes().splitlines()
              if line.endswith(record)}
    assert stored == dumped and len(stored) > 20
    later = f"<{BASE}id/build/20270115T080140Z>".encode()  # the second build (epoch 1,800,000,100)
    changed = {line for line in stored if b"graph/profile/ict-net>" in line.split(b" ")[0]}
    assert changed and all(later in line or b"generatedAtTime" in line for line in changed)
    assert any(b'"2027-01-15T08:01:40Z"' in line for line in changed)
    unchanged = {line for line in stored if b"graph/profile/ict-cluster-bulgaria-2021>" in line.split(b" ")[0]}
    assert unchanged and not any(later in line for line in unchanged)  # kept the first build's
