#!/usr/bin/env python3
"""Build benchmark: profiles/s and peak memory of a full build, and of a rebuild with one
profile changed, on synthetic profiles (bench/generate.py).

Usage:
    python bench/build.py [N ...] [--rebuilds K] [--engines turbo,pyshacl]
        (default: 1100, K = 5, both engines)

Prints one line per size: the full build's time, profiles/s and CPU seconds (user and
system, the build and every process it started: ``getrusage(RUSAGE_CHILDREN)``; steadier
than the time on a machine whose speed varies, and what bounds a build on two busy
cores), its peak resident
memory (the build process and its worker processes together, sampled from /proc every
50 ms, a child counted from its second sample on, and the largest single process), and the time of a rebuild after one profile
changed: K rebuilds, each after another change to the same profile, as median and
range (a virtual machine's speed varies between runs), their median CPU seconds, and the rebuilds' peak resident
memory (the largest of the K, process tree as above). The full build is made once per
SHACL engine (``--shacl-engine``), the builds' default (pyshacl-turbo) first and the
reference (pyshacl) after, measured in the same run; the rebuilds use the first. Each
line ends with the targets of issue 17 for that size, where it names one. Each build runs as
``clusterkg build`` in a child process. Profiles and store go to a temporary folder
(``TMPDIR``, default /tmp), removed afterwards.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _sizes_kib(root: int, earlier: set[tuple[int, float]]) -> tuple[list[int], set[tuple[int, float]]]:
    """Resident size, KiB, of ``root`` and of each of its descendants that ``earlier`` (the
    previous sample's) holds too; and this sample's descendants, as (pid, start time).

    A descendant is counted from its second sample on: between ``fork`` (or ``vfork``) and
    ``exec`` a child started by ``subprocess`` (``sort``, ``comm``, a worker) shows its
    parent's resident pages as its own, so one sample taken in that window would count the
    build's memory twice (a run of 2026-12-06 printed 2,894 MiB for a tree whose largest
    process peaked at 1,420).
    """
    import psutil

    try:
        top = psutil.Process(root)
        procs = top.children(recursive=True)
        out = [top.memory_info().rss // 1024]
    except psutil.NoSuchProcess:
        return [], set()
    now = set()
    for proc in procs:
        try:
            key = (proc.pid, proc.create_time())
            now.add(key)
            if key in earlier:
                out.append(proc.memory_info().rss // 1024)
        except psutil.NoSuchProcess:
            pass
    return out, now


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process's children that ended and were waited
    for, and of their waited descendants (``getrusage(RUSAGE_CHILDREN)``)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(args: list[str]) -> tuple[float, float, float, float]:
    """Run ``clusterkg ARGS``; return (seconds, peak MiB of the process tree, peak MiB of
    its largest process, CPU seconds of the tree: its workers and ``sort`` runs too)."""
    cpu = _cpu_seconds()
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "clusterkg", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = [0, 0]

    def sample() -> None:
        seen: set[tuple[int, float]] = set()
        while proc.poll() is None:
            sizes, seen = _sizes_kib(proc.pid, seen)
            peak[0], peak[1] = max(peak[0], sum(sizes)), max([peak[1], *sizes])
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    code = proc.wait()
    elapsed = time.perf_counter() - t
    watcher.join()
    if code != 0:
        raise SystemExit(f"clusterkg {' '.join(args)} exited with {code}")
    return elapsed, peak[0] / 1024, peak[1] / 1024, _cpu_seconds() - cpu


#: Issue 17's targets: profiles -> (full build, s; peak RSS, MiB; one-profile rebuild, s).
TARGETS = {10_000: (30.0, 1536, 2.0), 100_000: (300.0, 1536, 5.0)}


def _option(args: list[str], name: str, default: str) -> str:
    if name in args:
        at = args.index(name)
        value = args[at + 1]
        del args[at:at + 2]
        return value
    return default


def main() -> None:
    args = sys.argv[1:]
    rebuilds = int(_option(args, "--rebuilds", "5"))
    engines = _option(args, "--engines", "turbo,pyshacl").split(",")
    sizes = [int(a) for a in args] or [1100]
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            gen = Path(tmp) / "profiles"
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(gen)], check=True,
                           stdout=subprocess.DEVNULL)
            fulls = {}
            for engine in engines:
                store = str(Path(tmp) / f"store-{engine}")
                fulls[engine] = _run(["build", "-q", "--full", "--shacl-engine", engine, str(gen), "--store", store])
            store = str(Path(tmp) / f"store-{engines[0]}")
            first = sorted(gen.glob("*.txt"))[0]
            times, cpus, rebuild_peak = [], [], 0.0
            for i in range(rebuilds):
                first.write_text(first.read_text(encoding="utf-8") + f"\nOther Label:\nChanged {i}\n",
                                 encoding="utf-8")
                seconds, peak, _single, cpu = _run(["build", "-q", "--shacl-engine", engines[0], str(gen),
                                                    "--store", store])
                times.append(seconds)
                cpus.append(cpu)
                rebuild_peak = max(rebuild_peak, peak)
            full, tree, single, full_cpu = fulls[engines[0]]
            others = "; ".join(f"with {e}: {fulls[e][0]:.1f} s ({fulls[e][0] / full:.2f}x the time)"
                               for e in engines[1:])
            target = TARGETS.get(n)
            print(f"{n:>7} profiles: full build ({engines[0]}) {full:7.1f} s ({n / full:6.1f} profiles/s, "
                  f"{full_cpu:.0f} s of CPU), peak RSS "
                  f"{tree:6.0f} MiB (largest process {single:5.0f} MiB){'; ' + others if others else ''}; "
                  f"rebuild with one profile changed {statistics.median(times):6.2f} s (median of {len(times)}, "
                  f"{min(times):.2f}-{max(times):.2f} s, {statistics.median(cpus):.1f} s of CPU, "
                  f"peak RSS {rebuild_peak:.0f} MiB)"
                  + (f"; targets: full {target[0]:.0f} s, {target[1]} MiB, rebuild {target[2]:.0f} s" if target else ""),
                  flush=True)


if __name__ == "__main__":
    main()
