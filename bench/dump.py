#!/usr/bin/env python3
"""Dump benchmark: size and time of each dump format for N synthetic profiles.

Usage:
    python bench/dump.py [N ...] [--work DIR]          (default: 1100)

For each size N, the store ``DIR/N/store`` is built as ``bench/query.py`` does (generated
and built when missing, kept for the next run). The dumps are then written again from that
snapshot, the way a build writes them (the table ``DUMPS`` of the store: Turtle and
N-Triples hold the union of the named graphs, N-Quads and JSON-LD keep the graph names),
into a temporary folder, each followed by its gzipped copy. Printed per format: bytes,
seconds to write, MB/s, and the same for the ``.gz`` (seconds to compress the written file).
The union of the named graphs that Turtle and N-Triples need is made once and timed on
its own line.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query import prepare  # noqa: E402  (the same stores as the query benchmark)

from clusterkg.graph.store import DUMPS  # noqa: E402


def gzip_file(path: Path) -> Path:
    """Write ``path.gz`` beside ``path``, as the build does (mtime 0, level 9).

    :return: the ``.gz`` path.
    """
    gz = path.with_name(path.name + ".gz")
    with open(path, "rb") as src, open(gz, "wb") as raw:
        with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return gz


def measure(store: Path, out: Path) -> list[tuple[str, int, float]]:
    """Write every dump of the snapshot in ``store`` into ``out``.

    :return: (file name, bytes, seconds, bytes processed) per file, the union step first
        (0 bytes); for a ``.gz`` the bytes processed are those of the file compressed.
    """
    db = ox.Store.read_only(str(store / "current" / "db"))
    rows = []
    t = time.perf_counter()
    union = ox.Store()
    union.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                      for q in db.quads_for_pattern(None, None, None, None))
    rows.append(("(union of the named graphs)", 0, time.perf_counter() - t, 0))
    for name, (fmt, dataset) in DUMPS.items():
        path = out / name
        t = time.perf_counter()
        if dataset:
            db.dump(str(path), format=fmt)
        else:
            union.dump(str(path), format=fmt, from_graph=ox.DefaultGraph())
        size = path.stat().st_size
        rows.append((name, size, time.perf_counter() - t, size))
        t = time.perf_counter()
        gz = gzip_file(path)
        rows.append((gz.name, gz.stat().st_size, time.perf_counter() - t, size))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", type=int, nargs="*", default=[1100])
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "clusterkg-bench")
    args = ap.parse_args()
    for n in args.sizes:
        store = prepare(n, args.work.resolve())
        quads = sum(1 for _ in ox.Store.read_only(str(store / "current" / "db")).quads_for_pattern(None, None, None, None))
        with tempfile.TemporaryDirectory() as tmp:
            rows = measure(store, Path(tmp))
        print(f"\n## {n} profiles, {quads:,} quads")
        print(f"{'file':<30} {'bytes':>14} {'seconds':>8} {'MB/s in':>8}")
        for name, size, secs, done in rows:
            rate = f"{done / secs / 1e6:8.1f}" if done else f"{'':>8}"
            print(f"{name:<30} {size:>14,} {secs:8.2f} {rate}")


if __name__ == "__main__":
    main()
