"""The streamed dumps (graph/publish/dumps.py and the chunking, gzip and Turtle modules under it): every format holds the same data as the store would."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import subprocess
import sys
import zlib

import pyoxigraph as ox
import pytest

from clusterkg.graph.map.canonical import canonical_ntriples, jsonld_fragment
from clusterkg.graph.publish.dumps import DumpWriter
from clusterkg.graph.errors import StoreError

EX = "http://example.org/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

# Two graphs share one triple (the network's label) and differ in the rest; one literal is
# written with ^^xsd:string and a language tag in capitals, which canonical N-Triples drop
# and lower.
G1 = f"""<{EX}c1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Cluster> .
<{EX}c1> <{EX}name> "Cluster one"^^<http://www.w3.org/2001/XMLSchema#string> .
<{EX}c1> <{EX}country> <{COUNTRY}SRB> .
<{EX}net> <{EX}label> "Network"@EN .
""".encode()
G2 = f"""<{EX}c2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Cluster> .
<{EX}c2> <{EX}name> "Cluster \\"two\\" ."@en .
<{EX}c2> <{EX}country> <{COUNTRY}BGR> .
<{EX}net> <{EX}label> "Network"@en .
""".encode()


def _written(tmp_path, subsets=None):
    writer = DumpWriter(tmp_path / "dumps", {"ex": EX})
    writer.add_graph(f"{EX}g1", canonical_ntriples(G1), "clusterkg-srb")
    nt2 = canonical_ntriples(G2)
    writer.add_graph(f"{EX}g2", nt2, "clusterkg-bgr", jsonld_fragment(f"{EX}g2", nt2))
    return writer.finish(subsets)


def _triples(quads) -> set:
    return {(q.subject, q.predicate, q.object) for q in quads}


def _dataset(path, fmt) -> set:
    return {(q.subject, q.predicate, q.object, q.graph_name) for q in ox.parse(path=str(path), format=fmt)}


def test_canonical_ntriples_sorts_and_normalises():
    nt = canonical_ntriples(G1 + G1)
    lines = nt.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == 4
    assert f'<{EX}c1> <{EX}name> "Cluster one" .' in lines
    assert f'<{EX}net> <{EX}label> "Network"@en .' in lines


def test_every_format_holds_the_dataset_or_its_union(tmp_path):
    done = _written(tmp_path)
    files, subsets = done.files, done.subsets
    store = ox.Store()
    store.load(G1, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(f"{EX}g1"))
    store.load(G2, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(f"{EX}g2"))
    dataset = {(q.subject, q.predicate, q.object, q.graph_name) for q in store}
    assert _dataset(files["clusterkg.nq"], ox.RdfFormat.N_QUADS) == dataset
    assert _dataset(files["clusterkg.jsonld"], ox.RdfFormat.JSON_LD) == dataset
    json.loads(files["clusterkg.jsonld"].read_bytes())  # one JSON document
    union = {(s, p, o) for s, p, o, _ in dataset}
    assert len(union) == 7  # 8 quads, the shared label once
    nt_lines = files["clusterkg.nt"].read_bytes().decode().splitlines()
    assert len(nt_lines) == 7 and nt_lines == sorted(nt_lines)
    assert _triples(ox.parse(path=str(files["clusterkg.nt"]), format=ox.RdfFormat.N_TRIPLES)) == union
    ttl = files["clusterkg.ttl"].read_bytes().decode()
    assert ttl.startswith("@prefix ex: <http://example.org/> .")
    assert _triples(ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE)) == union
    for name in ("clusterkg.nq", "clusterkg.nt", "clusterkg.ttl", "clusterkg.jsonld"):
        assert gzip.decompress(files[name + ".gz"].read_bytes()) == files[name].read_bytes()
    for name, path in [*files.items(), *((p.name, p) for p in subsets["clusterkg-srb"])]:
        data = path.read_bytes()
        assert done.digests[name] == (hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest())
    # per subset: its graph's quads, and its triples as Turtle
    srb = {p.name: p for p in subsets["clusterkg-srb"]}
    assert sorted(srb) == ["clusterkg-srb.nq", "clusterkg-srb.nq.gz", "clusterkg-srb.ttl", "clusterkg-srb.ttl.gz"]
    assert _dataset(srb["clusterkg-srb.nq"], ox.RdfFormat.N_QUADS) == {q for q in dataset if q[3].value == f"{EX}g1"}
    assert len(list(ox.parse(path=str(srb["clusterkg-srb.ttl"]), format=ox.RdfFormat.TURTLE))) == 4


def test_void_figures_match_sparql_over_the_union(tmp_path):
    stats = _written(tmp_path).stats
    union = ox.Store()
    union.load(G1 + G2, format=ox.RdfFormat.N_TRIPLES)

    def one(q):
        return int(next(iter(union.query(q)))["n"].value)

    assert stats["triples"] == len(union) == 7
    assert stats["distinct_subjects"] == one("SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }") == 3
    assert stats["entities"] == 3
    assert stats["distinct_objects"] == one("SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }") == 6
    assert stats["properties"] == 4 and stats["classes"] == 1
    assert stats["class_partitions"] == {f"{EX}Cluster": 2}
    assert stats["property_partitions"][f"{EX}label"] == 1
    assert stats["linksets"] == {COUNTRY: (f"{EX}country", 2)}


def test_only_the_subsets_asked_for_are_written(tmp_path):
    assert list(_written(tmp_path, {"clusterkg-bgr"}).subsets) == ["clusterkg-bgr"]
    assert not (tmp_path / "dumps" / "clusterkg-srb.nq").exists()
    assert [p.name for p in (tmp_path / "dumps").iterdir() if p.name.startswith(".")] == []  # temporaries gone


def test_a_missing_sort_is_a_clear_error_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(StoreError, match="POSIX 'sort'"):
        DumpWriter(tmp_path / "dumps")
    assert not (tmp_path / "dumps").exists()


def test_literals_are_kept_as_the_store_gives_them_back():
    nt = canonical_ntriples(f"""<{EX}b> <{EX}at> "2026-11-30T22:27:29+00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<{EX}b> <{EX}n> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{EX}b> <{EX}n> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
""".encode())
    store = ox.Store()
    store.load(nt, format=ox.RdfFormat.N_TRIPLES)
    assert nt == canonical_ntriples(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
    assert b'"2026-11-30T22:27:29Z"' in nt and nt.count(b"\n") == 2  # "01" and "1" are one value


def test_blank_nodes_of_two_curated_files_stay_apart_and_odd_types_are_no_classes(tmp_path):
    from clusterkg.graph.read.rdf import read_extra
    from clusterkg.graph.map.vocab import Uris

    (tmp_path / "a.nq").write_text(f'_:b1 <{EX}r> "in A" <{EX}a> .\n'
                                   f'<{EX}s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "not a class" <{EX}a> .\n',
                                   encoding="utf-8")
    (tmp_path / "b.nq").write_text(f'_:b1 <{EX}r> "in B" <{EX}b> .\n', encoding="utf-8")
    writer = DumpWriter(tmp_path / "dumps")
    for name in ("a.nq", "b.nq"):  # read as a build reads curated files: labels of each file's own
        uris = Uris("http://localhost:8000/")
        writer.add_quads(read_extra(tmp_path / name, str(uris.extra_graph(name.rsplit(".", 1)[0])), uris.base,
                                    uris.is_build_graph).nquads)
    done = writer.finish()
    stats = done.stats
    subjects = {q.subject for q in ox.parse(path=str(done.files["clusterkg.nq"]), format=ox.RdfFormat.N_QUADS)
                if q.predicate == ox.NamedNode(f"{EX}r")}
    assert len(subjects) == 2 and all(isinstance(s, ox.BlankNode) for s in subjects)
    assert stats["distinct_subjects"] == 3 and stats["classes"] == 0 and stats["class_partitions"] == {}


def test_gzip_members_recompress_only_the_chunks_that_changed(tmp_path, monkeypatch):
    from clusterkg.graph.publish import chunking, gzipped

    monkeypatch.setattr(chunking, "CHUNK_BYTES", 2048)  # small chunks for a small file
    lines = [f"<{EX}s{i}> <{EX}p> \"value {i} of a long enough line\" .\n".encode() for i in range(3000)]
    first = tmp_path / "one" / "f.nt"
    first.parent.mkdir()
    first.write_bytes(b"".join(lines))
    gz1, members1, _ = gzipped.gzip_members(first)
    assert len(members1) > 20 and gzip.decompress(gz1.read_bytes()) == first.read_bytes()
    reuse = {d: (gz1, at, n) for d, at, n in members1}
    lines[1500] = f"<{EX}s1500> <{EX}p> \"changed\" .\n".encode()
    second = tmp_path / "two" / "f.nt"
    second.parent.mkdir()
    second.write_bytes(b"".join(lines))
    calls = []
    real = gzipped.gzip.compress
    monkeypatch.setattr(gzipped.gzip, "compress", lambda data, **kw: calls.append(len(data)) or real(data, **kw))
    gz2, members2, _ = gzipped.gzip_members(second, reuse=reuse)
    assert gzip.decompress(gz2.read_bytes()) == second.read_bytes()
    assert len(calls) <= 2  # the changed line's chunk (and at most its neighbour), not the whole file
    assert sum(1 for d, _, _ in members2 if d in reuse) >= len(members2) - 2


def _reference_chunks(path, chunk_bytes):
    """The chunks as a plain loop over the lines cuts them (the definition)."""
    buf, size = [], 0
    with open(path, "rb") as fh:
        for line in fh:
            buf.append(line)
            size += len(line)
            if zlib.crc32(line) * chunk_bytes < len(line) << 32 or size >= 8 * chunk_bytes:
                yield b"".join(buf)
                buf, size = [], 0
    if buf:
        yield b"".join(buf)


def test_chunks_are_cut_where_the_line_loop_cuts_them_whatever_the_blocks(tmp_path, monkeypatch):
    from clusterkg.graph.publish import chunking

    monkeypatch.setattr(chunking, "CHUNK_BYTES", 64)
    monkeypatch.setattr(chunking, "_READ", 100)  # lines straddle the blocks read
    rnd = random.Random(7)
    path = tmp_path / "f.nt"
    for _ in range(200):
        lines = [b"<s%d> <p> \"%s\" ." % (rnd.randrange(6), b"x" * rnd.randrange(0, 300))
                 for _ in range(rnd.randrange(0, 60))]
        data = b"\n".join(sorted(lines)) + (b"\n" if rnd.random() < 0.8 else b"")
        path.write_bytes(data)
        assert list(chunking.chunks(path)) == list(_reference_chunks(path, 64))
        by_subject = list(chunking.chunks(path, by_subject=True))
        assert b"".join(by_subject) == data
        for one, two in zip(by_subject, by_subject[1:], strict=False):
            if len(one) < 8 * 64:  # a chunk under the size limit ends with its subject
                assert one.rstrip(b"\n").split(b"\n")[-1].split(b" ")[0] != two.split(b" ")[0]


def _many_graphs(changed: int | None = None) -> list[tuple[str, bytes]]:
    graphs = []
    for i in range(300):
        value = "changed" if i == changed else f"value {i}"
        nt = "".join(f'<{EX}s{i}> <{EX}p{k}> "{value} {k}" .\n' for k in range(6))
        nt += f"<{EX}s{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Cluster> .\n"
        nt += f"<{EX}s{i}> <{EX}country> <{COUNTRY}SRB> .\n"
        graphs.append((f"{EX}g{i}", canonical_ntriples(nt.encode())))
    return graphs


def _dumped(folder, graphs, reuse=None, turtle_reuse=None):
    writer = DumpWriter(folder / "dumps", {"ex": EX}, reuse=reuse, turtle_reuse=turtle_reuse)
    for name, nt in graphs:
        writer.add_graph(name, nt)
    return writer.finish(index=folder / "meta" / "gz.json", turtle_index=folder / "meta" / "ttl.json")


def test_a_rebuild_serialises_and_compresses_only_the_chunks_that_changed(tmp_path, monkeypatch):
    from clusterkg.graph.publish import chunking, gzipped, turtle

    monkeypatch.setattr(chunking, "CHUNK_BYTES", 2048)
    first = tmp_path / "one"
    _dumped(first, _many_graphs())
    reuse = gzipped.read_reuse(first / "meta" / "gz.json", first / "dumps")
    turtle_reuse = turtle.read_turtle_reuse(first / "meta" / "ttl.json", first / "dumps", {"ex": EX})
    assert len(turtle_reuse) > 10
    assert turtle.read_turtle_reuse(first / "meta" / "ttl.json", first / "dumps", {"other": EX}) == {}

    serialised, compressed = [], []
    real_body, real_gzip = turtle._turtle_body, gzipped.gzip.compress
    monkeypatch.setattr(turtle, "_turtle_body", lambda chunk, *a: serialised.append(chunk) or real_body(chunk, *a))
    monkeypatch.setattr(gzipped.gzip, "compress", lambda data, **kw: compressed.append(data) or real_gzip(data, **kw))
    second = tmp_path / "two"
    again = _dumped(second, _many_graphs(changed=150), reuse, turtle_reuse)
    assert 1 <= len(serialised) <= 2  # the changed subject's chunk (and at most a neighbour)
    # nq, jsonld, nt and ttl: the changed chunk of each, and the small last member of the
    # JSON-LD array; the Turtle header is copied
    assert 4 <= len(compressed) <= 9
    assert any(b"changed" in c for c in serialised)

    monkeypatch.setattr(turtle, "_turtle_body", real_body)
    fresh = _dumped(tmp_path / "fresh", _many_graphs(changed=150))
    for name in ("clusterkg.nt", "clusterkg.ttl", "clusterkg.nq", "clusterkg.jsonld"):
        made = again.files[name].read_bytes()
        assert made == fresh.files[name].read_bytes(), name  # the same bytes as without reuse
        assert gzip.decompress(again.files[name + ".gz"].read_bytes()) == made
        assert again.digests[name] == fresh.digests[name]
    assert again.stats == fresh.stats
    assert again.stats["triples"] == 300 * 8 and again.stats["distinct_subjects"] == 300
    assert again.stats["class_partitions"] == {f"{EX}Cluster": 300}
    assert again.stats["linksets"] == {COUNTRY: (f"{EX}country", 300)}
    ttl = again.files["clusterkg.ttl"].read_bytes()
    assert ttl.count(b"@prefix") == 1
    assert _triples(ox.parse(ttl, format=ox.RdfFormat.TURTLE)) == _triples(
        ox.parse(path=str(again.files["clusterkg.nt"]), format=ox.RdfFormat.N_TRIPLES))


def test_a_reused_chunk_whose_turtle_changed_on_disk_is_serialised_again(tmp_path, monkeypatch):
    from clusterkg.graph.publish import chunking, turtle

    monkeypatch.setattr(chunking, "CHUNK_BYTES", 2048)
    first = tmp_path / "one"
    _dumped(first, _many_graphs())
    ttl = first / "dumps" / "clusterkg.ttl"
    ttl.write_bytes(ttl.read_bytes().replace(b"value 7 ", b"VALUE 7 "))  # same length, other bytes
    again = _dumped(tmp_path / "two", _many_graphs(), {},
                    turtle.read_turtle_reuse(first / "meta" / "ttl.json", first / "dumps", {"ex": EX}))
    assert b"VALUE" not in again.files["clusterkg.ttl"].read_bytes()
    assert b'"value 7 1"' in again.files["clusterkg.ttl"].read_bytes()


def test_a_subject_cut_between_chunks_is_counted_once(tmp_path, monkeypatch):
    from clusterkg.graph.publish import chunking

    monkeypatch.setattr(chunking, "CHUNK_BYTES", 256)  # a subject of 400 triples spans chunks
    nt = canonical_ntriples("".join(f'<{EX}big> <{EX}p> "{i:04d} and some words" .\n' for i in range(400)).encode()
                            + f"<{EX}small> <{EX}p> <{EX}big> .\n".encode())
    writer = DumpWriter(tmp_path / "dumps", {"ex": EX})
    writer.add_graph(f"{EX}g", nt)
    done = writer.finish()
    assert len(list(chunking.chunks(done.files["clusterkg.nt"], by_subject=True))) > 2
    assert done.stats["distinct_subjects"] == 2 and done.stats["entities"] == 2
    assert done.stats["triples"] == 401 and done.stats["distinct_objects"] == 401
    ttl = done.files["clusterkg.ttl"].read_bytes()
    assert len(list(ox.parse(ttl, format=ox.RdfFormat.TURTLE))) == 401


def test_a_turtle_index_that_is_not_what_a_build_writes_is_not_used(tmp_path):
    from clusterkg.graph.publish import turtle

    first = tmp_path / "one"
    _dumped(first, _many_graphs())
    index = first / "meta" / "ttl.json"
    table = json.loads(index.read_text(encoding="utf-8"))
    good = turtle.read_turtle_reuse(index, first / "dumps", {"ex": EX})
    assert len(good) == len(table["chunks"]) >= 1
    table["chunks"][0][4] = {"triples": "many"}  # figures of the wrong shape: that chunk is made again
    index.write_text(json.dumps(table), encoding="utf-8")
    assert len(turtle.read_turtle_reuse(index, first / "dumps", {"ex": EX})) == len(good) - 1
    for broken in ("[]", "{", '{"key": 1}', json.dumps({**table, "chunks": [[1, 2]]})):
        index.write_text(broken, encoding="utf-8")
        assert turtle.read_turtle_reuse(index, first / "dumps", {"ex": EX}) == {}


def test_gzip_members_of_a_damaged_file_or_a_wrong_index_are_not_copied(tmp_path, monkeypatch):
    from clusterkg.graph.publish import chunking, gzipped

    monkeypatch.setattr(chunking, "CHUNK_BYTES", 2048)
    first = tmp_path / "one"
    done = _dumped(first, _many_graphs())
    recorded = {name: sha256 for name, (sha256, _) in done.digests.items()}
    index, folder = first / "meta" / "gz.json", first / "dumps"
    assert "clusterkg.nq.gz" in {p.name for p, _, _ in gzipped.read_reuse(index, folder, recorded).values()}
    # a byte of the earlier .nq.gz damaged: that file is not copied from
    gz = folder / "clusterkg.nq.gz"
    damaged = bytearray(gz.read_bytes())
    damaged[len(damaged) // 2] ^= 0x55
    gz.write_bytes(bytes(damaged))
    reuse = gzipped.read_reuse(index, folder, recorded)
    assert "clusterkg.nq.gz" not in {p.name for p, _, _ in reuse.values()} and reuse
    # an index whose entries point at the wrong members: the trailer's CRC-32 tells
    table = json.loads(index.read_text(encoding="utf-8"))
    members = table["clusterkg.nt.gz"]
    for a, b in zip(members, members[1:] + members[:1], strict=True):
        a[1:], b[1:] = b[1:], a[1:]
    index.write_text(json.dumps(table), encoding="utf-8")
    again = _dumped(tmp_path / "two", _many_graphs(), gzipped.read_reuse(index, folder, recorded))
    for name in ("clusterkg.nq", "clusterkg.nt"):
        assert gzip.decompress(again.files[name + ".gz"].read_bytes()) == again.files[name].read_bytes()


_FAILING_STREAM = """
import resource, signal, sys
from pathlib import Path
from clusterkg.graph.publish.gzipped import GzipStream
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
stream = GzipStream(Path(sys.argv[1]))
seen = []
for i in range(64):
    try:
        stream.write(b"<urn:s%d> <urn:p> <urn:o> .\\n" % i * 700, end=True)
    except OSError as exc:
        seen.append(f"write {i}: {exc.strerror}")
try:
    stream.close()
    seen.append("close: no error")
except OSError as exc:
    seen.append(f"close: {exc.strerror}")
print(seen[0]); print(seen[-1]); print(len(seen))
"""


def test_a_gzip_stream_that_cannot_write_raises_at_every_later_call_and_at_close(tmp_path):
    """The writer thread's failure (here the file size limit) reaches the caller: every
    write after it raises, and so does close(), which hands back no digests of a file cut
    short, even when the caller caught the first error. (The thread also keeps the first
    error and writes nothing more, which a lasting cause like this one does not show.)"""
    r = subprocess.run([sys.executable, "-c", _FAILING_STREAM, str(tmp_path / "big.nt")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    first, last, count = r.stdout.split("\n")[:3]
    assert first.startswith("write ") and first.endswith("File too large")
    assert last == "close: File too large"
    assert int(count) > 2  # every write after the failure raised it again, then close
