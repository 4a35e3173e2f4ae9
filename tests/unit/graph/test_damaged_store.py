"""Faults in what an earlier build left must not block the next build: each is detected,
reported in one line, and recovered from; ``build --full`` works from the inputs alone."""

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sqlite3
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from clusterkg.graph.build import build
from clusterkg.graph.store import open_store
from clusterkg.graph.store.snapshot import current_generation

BASE = "http://localhost:8000/"


@pytest.fixture()
def built(tmp_path, data_dir):
    folder = tmp_path / "data"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    root = tmp_path / "store"
    build([folder], root, BASE)
    return folder, root


def _meta(root: Path) -> Path:
    return open_store(root).meta_dir


def test_a_damaged_state_file_is_reported_and_every_profile_counts_as_changed(built):
    folder, root = built
    (_meta(root) / "state.json").write_text('{"profiles": {"ict-net": {"hash": 1', encoding="utf-8")
    again = build([folder], root, BASE)
    assert again.ok and again.changed == 6
    notes = [n for n in again.notes if "state.json" in n]
    assert len(notes) == 1 and notes[0].endswith("/meta/state.json: damaged (Expecting ',' delimiter: line 1 column 36 "
                                                 "(char 35)); the profiles' states start again: every profile "
                                                 "is counted as changed"), notes
    assert json.loads((_meta(root) / "state.json").read_text())["profiles"].keys() >= {"ict-net"}


def test_a_damaged_line_of_the_feed_is_dropped_not_copied(built):
    folder, root = built
    feed = _meta(root) / "feed.jsonl"
    lines = feed.read_text(encoding="utf-8").splitlines(keepends=True)
    feed.write_text(lines[0] + '{"profile": "ict-net", "vers\n' + "".join(lines[1:]), encoding="utf-8")
    again = build([folder], root, BASE)
    notes = [n for n in again.notes if "feed.jsonl" in n]
    assert len(notes) == 1 and notes[0].endswith(":2: 1 damaged line(s) of the change feed dropped (lines 2)")
    kept = (_meta(root) / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(kept) == 6 and all(json.loads(line)["version"] for line in kept)


def test_the_feed_is_copied_as_bytes_when_it_still_has_the_digest_its_build_recorded(built):
    folder, root = built
    feed = _meta(root) / "feed.jsonl"
    recorded = (_meta(root) / "feed.jsonl.sha256").read_text(encoding="ascii").strip()
    assert recorded == hashlib.sha256(feed.read_bytes()).hexdigest()
    # a line no reader would keep, with the digest recorded for it: the file is the build's
    # own, as written, so it is copied as it is, not read line by line
    odd = feed.read_bytes() + b'{"profile": "kept as written"\n'
    feed.write_bytes(odd)
    (_meta(root) / "feed.jsonl.sha256").write_text(hashlib.sha256(odd).hexdigest() + "\n", encoding="ascii")
    profile = folder / "ict-net.txt"
    profile.write_text(profile.read_text(encoding="utf-8") + "\nOther Label:\nNew value\n", encoding="utf-8")
    again = build([folder], root, BASE)
    assert again.ok and again.changed == 1 and not [n for n in again.notes if "feed" in n]
    copied = (_meta(root) / "feed.jsonl").read_bytes()
    assert copied.startswith(odd) and copied.count(b"\n") == odd.count(b"\n") + 1
    assert json.loads(copied.splitlines()[-1])["profile"] == "ict-net"
    assert (_meta(root) / "feed.jsonl.sha256").read_text(encoding="ascii").strip() == \
        hashlib.sha256(copied).hexdigest()


def test_a_damaged_build_cache_is_emptied_and_the_build_goes_on(built):
    folder, root = built
    (root / "cache" / "profiles.sqlite").write_bytes(b"not a database, but some bytes " * 100)
    again = build([folder], root, BASE)
    assert again.ok and again.processed == 6
    assert any(n.startswith(f"{root / 'cache' / 'profiles.sqlite'}: the build cache was damaged") for n in again.notes)
    third = build([folder], root, BASE)  # the cache works again
    assert third.processed == 0 and not [n for n in third.notes if "cache" in n]


def test_a_wrong_digest_in_the_record_is_not_published_as_a_checksum(built):
    folder, root = built
    record = _meta(root) / "dump-digests.json"
    table = json.loads(record.read_text(encoding="utf-8"))
    table["files"]["clusterkg-srb.ttl"][0] = "0" * 64  # a damaged digest; the seal no longer matches
    record.write_text(json.dumps(table), encoding="utf-8")
    again = build([folder], root, BASE)
    assert any("dump-digests.json: damaged" in n for n in again.notes)
    snapshot = open_store(root)
    real = hashlib.sha256((snapshot.dumps_dir / "clusterkg-srb.ttl").read_bytes()).hexdigest()
    catalog = Graph().parse(snapshot.meta_dir / "catalog-dcat-ap-3.0.ttl", format="turtle")
    value = catalog.value(URIRef(BASE + "catalog#dist-clusterkg-srb.ttl-sha256"),
                          URIRef("http://spdx.org/rdf/terms#checksumValue"))
    assert str(value) == real


def test_a_full_build_works_from_the_inputs_alone_whatever_the_store_holds(built):
    folder, root = built
    meta = _meta(root)
    for name in ("state.json", "feed.jsonl", "dump-digests.json", "gz-chunks.json", "ttl-chunks.json"):
        (meta / name).write_bytes(b"\x00garbage\xff")
    (root / "cache" / "profiles.sqlite").write_bytes(b"\x00" * 4096)
    r = subprocess.run([sys.executable, "-m", "clusterkg", "build", "--full", "-q", "--store", str(root),
                        "--base-uri", BASE, str(folder)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "profiles read: 6 of 6, published: 6" in r.stderr


def _limit_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fills_up_ends_the_build_in_one_line_and_leaves_no_partial_snapshot(built):
    folder, root = built
    before = current_generation(root).name
    (folder / "ict-net.txt").write_text((folder / "ict-net.txt").read_text(encoding="utf-8") + "\nMore text.\n",
                                        encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "clusterkg", "build", "--full", "-q", "--store", str(root),
                        "--base-uri", BASE, str(folder)], capture_output=True, text=True,
                       preexec_fn=_limit_file_size(200 * 1024), env={**os.environ, "PYTHONFAULTHANDLER": ""})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot write" in errors[0] and "the previous snapshot keeps serving" in errors[0]
    assert current_generation(root).name == before
    assert not list((root / "generations").glob("*.partial"))


def test_a_publish_step_that_fails_in_its_thread_ends_the_build_and_keeps_the_previous_snapshot(built, tmp_path):
    """The publish step runs beside the default graph's load (``_Build.publish_and_load``):
    its failure still ends the build with one line and leaves no partial snapshot, whether
    it comes before the union is sorted (here the union's ``sort``, a stand-in that exits 2)
    or after, while the store loads it (the parametrised case below)."""
    _fail_publish(built, tmp_path, "#!/bin/sh\necho 'sort: disk quota exceeded' >&2\nexit 2\n")


def test_a_publish_step_that_fails_after_the_union_is_sorted_ends_the_build_too(built, tmp_path):
    """Here only the count of distinct objects fails (``sort ... -k3``), which runs once
    the sorted union is there and the store is loading it."""
    real = subprocess.run(["sh", "-c", "command -v sort"], capture_output=True, text=True, check=True).stdout.strip()
    _fail_publish(built, tmp_path, "#!/bin/sh\ncase \"$*\" in *-k3*) echo 'sort: disk quota exceeded' >&2; "
                                   f"exit 2;; esac\nexec {real} \"$@\"\n")


def _fail_publish(built, tmp_path: Path, script: str) -> None:
    folder, root = built
    before = current_generation(root).name
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "sort").write_text(script, encoding="utf-8")
    (tools / "sort").chmod(0o755)
    (folder / "ict-net.txt").write_text((folder / "ict-net.txt").read_text(encoding="utf-8") + "\nMore text.\n",
                                        encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "clusterkg", "build", "-q", "--store", str(root),
                        "--base-uri", BASE, str(folder)], capture_output=True, text=True,
                       env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"})
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "sort -u failed writing the dumps: sort: disk quota exceeded" in errors[0], errors
    assert errors[0].endswith("the previous snapshot keeps serving")
    assert current_generation(root).name == before
    assert not list((root / "generations").glob("*.partial"))


def test_a_cached_graph_that_cannot_be_read_back_is_made_again_the_same(built):
    """Each cache entry keeps its graph's serialisations beside the outcome; when they
    cannot be read back (here cut to one byte), a rebuild processes the file again, on the
    day its outcome was checked on, and publishes the same dumps."""
    folder, root = built

    def profile_quads() -> list[bytes]:  # the build record names each build: left out
        quads = (open_store(root).dumps_dir / "clusterkg.nq").read_bytes().splitlines()
        return [q for q in quads if not q.endswith(b"/graph/build> .")]

    before = profile_quads()
    with sqlite3.connect(root / "cache" / "profiles.sqlite") as db:
        damaged = db.execute("UPDATE item SET data = X'00' WHERE data IS NOT NULL").rowcount
    assert damaged >= 6
    again = build([folder], root, BASE)
    assert again.ok and again.processed == 0 and again.changed == 0
    assert profile_quads() == before
    assert any(q.startswith(b"<http://localhost:8000/id/cluster/ict-net> <https://schema.org/foundingDate> "
                            b'"2010-07-12"') for q in before)


def test_a_cache_page_damaged_past_its_first_key_turns_the_cache_off_and_the_build_goes_on(built):
    """Opening the cache reads one key, not every entry: a page damaged further in is
    found when an entry is read. The cache is then turned off (one note), the files are
    processed again, and the same profile quads are published."""
    folder, root = built

    def profile_quads() -> list[bytes]:
        quads = (open_store(root).dumps_dir / "clusterkg.nq").read_bytes().splitlines()
        return [q for q in quads if not q.endswith(b"/graph/build> .")]

    before = profile_quads()
    path = root / "cache" / "profiles.sqlite"
    with sqlite3.connect(path) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    raw = bytearray(path.read_bytes())
    for n in range(pages // 2, pages):  # the later pages: entries' rows and their blobs
        raw[n * page:(n + 1) * page] = b"\xff" * page
    path.write_bytes(bytes(raw))
    again = build([folder], root, BASE)
    assert again.ok and again.processed >= 1
    notes = [n for n in again.notes if "build cache" in n]
    assert len(notes) == 1 and notes[0].startswith(f"{path}: the build cache failed"), notes
    assert profile_quads() == before
    third = build([folder], root, BASE)  # a new cache, filled by the build that found the damage or this one
    assert third.ok and not [n for n in third.notes if "build cache" in n]


def test_a_build_cache_that_cannot_be_made_only_makes_the_build_slower(built):
    """``STORE/cache`` taken by a file: the build (``--full`` or not) goes on without its
    cache, says so in one note, processes every file, and publishes the same quads."""
    folder, root = built
    shutil.rmtree(root / "cache")
    (root / "cache").write_text("not a folder\n", encoding="utf-8")
    for incremental in (True, False):
        again = build([folder], root, BASE, incremental=incremental)
        assert again.ok and again.processed == 6
        notes = [n for n in again.notes if "build cache" in n]
        assert len(notes) == 1 and notes[0].endswith("; this build runs without it, processing every file"), notes
        assert str(root / "cache") in notes[0]
    quads = (open_store(root).dumps_dir / "clusterkg.nq").read_bytes()
    assert b'<https://schema.org/foundingDate> "2010-07-12"' in quads
