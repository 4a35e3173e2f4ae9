#!/usr/bin/env python3
"""Build benchmark: profiles/s and peak memory of a full build, and of a rebuild with one
profile changed, on synthetic profiles (bench/generate.py).

Usage:
    python bench/build.py [N ...]        (default: 1100)

Prints one line per size. The build runs as ``clusterkg build`` in a child process, so
the peak resident size measured (the child's and its workers') is the build's own.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clusterkg", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1100]
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            gen = Path(tmp) / "profiles"
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(gen)], check=True,
                           stdout=subprocess.DEVNULL)
            store = str(Path(tmp) / "store")
            full = _run(["build", "-q", str(gen), "--store", store])
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            first = sorted(gen.glob("*.txt"))[0]
            first.write_text(first.read_text(encoding="utf-8") + "\nOther Label:\nChanged\n", encoding="utf-8")
            again = _run(["build", "-q", str(gen), "--store", store])
            print(f"{n:>7} profiles: full build {full:7.1f} s ({n / full:6.1f} profiles/s), peak RSS "
                  f"{peak:6.0f} MiB; rebuild with one profile changed {again:6.1f} s")


if __name__ == "__main__":
    main()
