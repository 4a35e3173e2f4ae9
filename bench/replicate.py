#!/usr/bin/env python3
"""A bigger store for serving tests, made from a built one without a build.

Usage:
    python bench/replicate.py SRC_STORE FACTOR OUT_STORE

Loads the N-Quads dump of SRC_STORE's current snapshot FACTOR times into a new snapshot
of OUT_STORE: copy 0 as it is, copy k with every profile id ``pNNNNNN`` in an IRI renamed
``pkNNNNNN``, so each copy adds as many clusters (with their members, contacts and
graphs) as the source holds; shared resources (networks, concepts, regions) stay shared.
The source's ``meta/`` folder is copied as is (the catalogue then describes the source).
No dumps are written. Meant for measuring ``clusterkg serve`` at sizes a build would take
hours to reach (e.g. 100,000 profiles from the 10,000 of ``bench/query.py 10000``); the
figures it gives are for a store of that size and shape, not for a built one.
"""

from __future__ import annotations

import argparse
import re
import shutil
import time
from pathlib import Path

from clusterkg.graph.store import open_writer
from clusterkg.graph.store.snapshot import current_generation

_ID = re.compile(rb"/p(\d{6})(?=[/#>])")
_BATCH = 64 * 1024 * 1024


def replicate(src: Path, factor: int, out: Path) -> str:
    """Write the new snapshot.

    :param src: a built store folder (with ``dumps/clusterkg.nq`` in its current snapshot).
    :param factor: number of copies (1 or more).
    :param out: the store folder to write (created if missing).
    :return: the new generation's name.
    :raises StoreError: from the store when it cannot be written.
    """
    gen = current_generation(src)
    if gen is None:
        raise SystemExit(f"{src}: no snapshot")
    nquads = gen / "dumps" / "clusterkg.nq"
    writer = open_writer(out)
    try:
        for k in range(factor):
            sub = (lambda m: m.group(0)) if k == 0 else (lambda m, k=k: b"/p%d%s" % (k, m.group(1)))
            with open(nquads, "rb") as fh:
                while True:
                    lines = fh.readlines(_BATCH)
                    if not lines:
                        break
                    writer.add_quads(_ID.sub(sub, b"".join(lines)))
            print(f"copy {k + 1} of {factor} loaded", flush=True)
        if (gen / "meta").is_dir():
            shutil.copytree(gen / "meta", writer.meta_dir, dirs_exist_ok=True)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("factor", type=int)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    t = time.perf_counter()
    name = replicate(args.src, args.factor, args.out)
    print(f"{args.out}: snapshot {name} in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
