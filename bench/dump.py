#!/usr/bin/env python3
"""Dump benchmark: size and time of each dump format for N synthetic profiles.

Usage:
    python bench/dump.py [N ...] [--work DIR]          (default: 1100)

For each size N, the store ``DIR/N/store`` is built as ``bench/query.py`` does (generated
and built when missing, kept for the next run). Its named graphs are then read back and
written again the way a build writes them (``clusterkg.graph.publish.dumps.DumpWriter``: the
N-Quads and JSON-LD of the dataset as a stream, then the union of the named graphs made
by ``sort -u`` and written as N-Triples and Turtle, each file gzipped) into a temporary
folder. Printed: the seconds to read the graphs back, to make their JSON-LD objects (a
build makes them in its worker processes), to write the stream, and of ``finish``
(everything after the stream, two files at a time, as in a build); then per file its
bytes, and for each plain file the seconds to gzip it on its own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query import prepare  # noqa: E402  (the same stores as the query benchmark)

from clusterkg.graph.map.canonical import canonical_ntriples, jsonld_fragment  # noqa: E402
from clusterkg.graph.publish.dumps import DumpWriter, gzip_file  # noqa: E402
from clusterkg.graph.map.vocab import PREFIXES  # noqa: E402


def measure(store: Path, out: Path) -> tuple[dict[str, float], list[tuple[str, int, float | None]]]:
    """Write every dump of the snapshot in ``store`` into ``out``.

    :return: (step -> seconds, [(file name, bytes, seconds to write it alone or None)]).
    """
    db = ox.Store.read_only(str(store / "current" / "db"))
    steps: dict[str, float] = {}
    t = time.perf_counter()
    graphs = sorted(g.value for g in db.named_graphs())
    data = [(g, canonical_ntriples(db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))))
            for g in graphs]
    steps["read the graphs back"] = time.perf_counter() - t
    t = time.perf_counter()
    frags = [jsonld_fragment(g, nt) for g, nt in data]
    steps["JSON-LD graph objects (made in the workers in a build)"] = time.perf_counter() - t
    t = time.perf_counter()
    writer = DumpWriter(out, PREFIXES)
    for (g, nt), frag in zip(data, frags, strict=True):
        writer.add_graph(g, nt, None, frag)
    steps["stream (N-Quads, JSON-LD, unsorted triples)"] = time.perf_counter() - t
    t = time.perf_counter()
    done = writer.finish()
    files, stats = done.files, done.stats
    steps["finish (sort -u, Turtle, VoID figures, gzip)"] = time.perf_counter() - t
    rows: list[tuple[str, int, float | None]] = []
    for name, path in sorted(files.items()):
        secs = None
        if not name.endswith(".gz"):
            t = time.perf_counter()
            gzip_file(path)
            secs = time.perf_counter() - t
        rows.append((name, path.stat().st_size, secs))
    steps[f"(union: {stats['triples']:,} triples)"] = 0.0
    return steps, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", type=int, nargs="*", default=[1100])
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "clusterkg-bench")
    args = ap.parse_args()
    for n in args.sizes:
        store = prepare(n, args.work.resolve())
        quads = len(ox.Store.read_only(str(store / "current" / "db")))
        with tempfile.TemporaryDirectory() as tmp:
            steps, rows = measure(store, Path(tmp))
        print(f"\n## {n} profiles, {quads:,} quads")
        for step, secs in steps.items():
            print(f"{step:<58} {secs:8.2f} s" if secs else step)
        print(f"{'file':<24} {'bytes':>14} {'gzip alone s':>13}")
        for name, size, secs in rows:
            print(f"{name:<24} {size:>14,} {'' if secs is None else f'{secs:13.2f}'}")


if __name__ == "__main__":
    main()
