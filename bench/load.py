#!/usr/bin/env python3
"""Load test: honest clients and a hostile share against a clusterkg server on 127.0.0.1,
for a fixed time.

Usage:
    python bench/load.py [--url http://127.0.0.1:PORT/] [--clients 32] [--hostile 4] [--attacks A,B]
                         [--seconds 60]

Without --url it builds the bundled data into a temporary store and starts
``clusterkg serve`` on a free loopback port itself. Each honest client loops over a
realistic mix (simple look-ups, the README's cross-cluster queries, resource documents,
the catalogue); each hostile client loops over one attack (``--attacks``, all four by
default, taken in turn by the hostile clients):

* ``stall``: 96 kB of text that a backtracking lexer reads in time growing with the
  square of its length (it stalled the server for 15 s);
* ``memory-bomb``: 27 steps of ``BIND(CONCAT(?vN, ?vN) AS ?vN+1)``, a string doubled to 1 GiB;
* ``look-alike``: a query that names a cluster's IRI as a look-up does, then joins three
  unbound patterns under a filter that nothing passes (a cartesian product of the store);
* ``half-sent``: 64 connections at a time that send part of a request's head and wait.

It prints, for the honest clients, requests/s, p50/p99 latency per kind, the 5xx count and
the other failures (4xx, timeouts, resets) apart; for the hostile ones, what the server
answered; and, when it started the server, the server's peak resident memory. Every
request goes to 127.0.0.1 only; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "queries").glob("*.rq"))}
LOOKUP = 'SELECT ?d WHERE { ?c <https://schema.org/name> "ICT NET" ; <https://schema.org/foundingDate> ?d }'
MIX = [  # (kind, weight)
    ("lookup", 5), ("ask", 2), ("cross-cluster", 2), ("document", 2), ("catalog", 1),
]
HOSTILE = ["stall", "memory-bomb", "look-alike", "half-sent"]
STALL = ("ASK {} " + "a." * 49_152)[:96 * 1024]
BOMB = ('SELECT (STRLEN(?v27) AS ?n) WHERE { BIND("12345678" AS ?v0) '
        + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(27)) + " }")
LOOK_ALIKE = ('SELECT * WHERE {{ <{base}id/cluster/ict-net> ?p0 ?o0 . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
              'FILTER(CONCAT(STR(?c), STR(?f), STR(?i)) = "nope") }}')
#: Connections one half-sent round holds, and the part of a head each sends.
HALF_SENT, HALF_HEAD = 64, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stalled: "


def _request(kind: str, base: str, rng: random.Random):
    if kind == "lookup":
        return "GET", base + "sparql", {"query": LOOKUP}, {"Accept": "application/sparql-results+json"}
    if kind == "ask":
        return "GET", base + "sparql", {"query": "ASK { ?c <https://w3id.org/clusterkg/ns#smeMembers> 280 }"}, {}
    if kind == "cross-cluster":
        return "GET", base + "sparql", {"query": rng.choice(list(QUERIES.values()))}, {"Accept": "text/csv"}
    if kind == "document":
        return "GET", base + "doc/cluster/" + rng.choice(["ict-net", "romanian-textile-concept",
                                                          "vojvodina-ict-cluster"]) + ".ttl", None, {}
    return "GET", base + "catalog", None, {"Accept": "text/turtle"}


class Tally:
    """What the clients saw: honest latencies per kind (answers 200), honest failures
    (5xx apart), hostile outcomes per attack."""

    def __init__(self):
        self.latency: dict[str, list[float]] = {}
        self.server_errors: list[str] = []
        self.failures: list[str] = []
        self.hostile: dict[str, Counter] = {}


async def _client(base: str, until: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    kinds = [k for k, w in MIX for _ in range(w)]
    async with httpx.AsyncClient(timeout=30) as client:
        while time.perf_counter() < until:
            kind = rng.choice(kinds)
            method, url, params, headers = _request(kind, base, rng)
            t = time.perf_counter()
            try:
                r = await client.request(method, url, params=params, headers=headers)
            except httpx.HTTPError as exc:
                tally.failures.append(f"{kind}: {type(exc).__name__}")
                continue
            if r.status_code == 200:
                tally.latency.setdefault(kind, []).append(time.perf_counter() - t)
            elif r.status_code >= 500:
                tally.server_errors.append(f"{kind}: {r.status_code}")
            else:
                tally.failures.append(f"{kind}: {r.status_code}")


async def _half_sent(base: str, until: float) -> str:
    """Open :data:`HALF_SENT` connections, send part of a head on each, and wait for the
    server to close them; the outcome is how long it took (or that it never did)."""
    split = urlsplit(base)
    start = time.perf_counter()
    conns = []
    try:
        for _ in range(HALF_SENT):
            reader, writer = await asyncio.open_connection(split.hostname, split.port)
            writer.write(HALF_HEAD)
            conns.append((reader, writer))
        answers = await asyncio.wait_for(asyncio.gather(*(r.read() for r, _ in conns)),
                                         max(until - time.perf_counter(), 0.1))
    except asyncio.TimeoutError:
        return "held to the end of the run"
    except OSError as exc:
        return f"refused ({type(exc).__name__})"
    finally:
        for _, writer in conns:
            writer.close()
    status = Counter(a.split(b" ", 2)[1].decode() if a.startswith(b"HTTP/") else "no answer" for a in answers)
    return f"closed after {5 * round((time.perf_counter() - start) / 5)} s: " + ", ".join(
        f"{s} x{n}" for s, n in sorted(status.items()))


async def _attacker(kind: str, base: str, until: float, tally: Tally) -> None:
    outcomes = tally.hostile.setdefault(kind, Counter())
    text = {"stall": STALL, "memory-bomb": BOMB, "look-alike": LOOK_ALIKE.format(base=base)}.get(kind, "")
    async with httpx.AsyncClient(timeout=120) as client:
        while time.perf_counter() < until:
            try:
                if kind == "half-sent":
                    outcomes[await _half_sent(base, until)] += 1
                    continue
                r = await client.post(base + "sparql", content=text.encode(),
                                      headers={"Content-Type": "application/sparql-query"})
                outcomes[str(r.status_code)] += 1
            except httpx.HTTPError as exc:
                outcomes[type(exc).__name__] += 1
            except asyncio.CancelledError:
                outcomes["unanswered at the end of the run"] += 1
                raise
            await asyncio.sleep(0.1)


def _rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (the query workers), MiB."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children()]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


async def _run(base: str, args, pid: int | None) -> tuple[Tally, float, float]:
    tally = Tally()
    until = time.perf_counter() + args.seconds
    attacks = args.attacks.split(",")
    attackers = [asyncio.create_task(_attacker(attacks[i % len(attacks)], base, until, tally))
                 for i in range(args.hostile)]
    peak = 0.0

    async def watch():
        nonlocal peak
        while pid is not None:
            peak = max(peak, _rss_mib(pid))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    t0 = time.perf_counter()
    await asyncio.gather(*[_client(base, until, i, tally) for i in range(args.clients)])
    elapsed = time.perf_counter() - t0
    for task in attackers + [watcher]:
        task.cancel()
    await asyncio.gather(*attackers, watcher, return_exceptions=True)
    return tally, elapsed, peak


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000 if xs else float("nan")


def _report(tally: Tally, elapsed: float, args, peak: float) -> None:
    total = sum(len(v) for v in tally.latency.values())
    everything = [x for v in tally.latency.values() for x in v]
    print(f"honest clients: {args.clients}, hostile clients: {args.hostile}, duration: {elapsed:.1f} s")
    print(f"honest: {total + len(tally.server_errors) + len(tally.failures)} requests, "
          f"5xx: {len(tally.server_errors)}, other failures: {len(tally.failures)}")
    print(f"throughput: {total / elapsed:.1f} requests/s; latency p50 {_pct(everything, 0.5):.1f} ms, "
          f"p99 {_pct(everything, 0.99):.1f} ms")
    for kind, xs in sorted(tally.latency.items()):
        print(f"  {kind:14} {len(xs):7d} requests  p50 {_pct(xs, 0.5):7.1f} ms  p99 {_pct(xs, 0.99):7.1f} ms")
    for name, errors in (("5xx", tally.server_errors), ("other failures", tally.failures)):
        if errors:
            print(f"  {name}: " + ", ".join(f"{e} x{n}" for e, n in Counter(errors).most_common(6)))
    for kind in HOSTILE:
        if kind in tally.hostile:
            print(f"hostile {kind:12} " + "; ".join(f"{o} x{n}" for o, n in tally.hostile[kind].most_common()))
    if peak:
        print(f"server peak RSS (web process and query workers): {peak:.0f} MiB")


def _start_server() -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, CLUSTERKG_BASE_URI=base)
    proc = subprocess.Popen([sys.executable, "-m", "clusterkg", "serve", "--store", tmp.name + "/store",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its own process group, query workers included
    for _ in range(300):
        try:
            if httpx.get(base + "health", timeout=1).status_code == 200:
                return proc, base, tmp
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--hostile", type=int, default=4, help="hostile clients (0: honest load only)")
    ap.add_argument("--attacks", default=",".join(HOSTILE),
                    help=f"the attacks the hostile clients take in turn (default: {','.join(HOSTILE)})")
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    if not set(args.attacks.split(",")) <= set(HOSTILE):
        ap.error(f"--attacks: choose among {', '.join(HOSTILE)}")
    proc = tmp = None
    base = args.url
    if base is None:
        proc, base, tmp = _start_server()
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise SystemExit("load tests only target loopback addresses")
    try:
        tally, elapsed, peak = asyncio.run(_run(base, args, proc.pid if proc else None))
        _report(tally, elapsed, args, peak)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a server stuck on its event loop
                proc.kill()
                proc.wait()
            try:  # query workers still busy when their server went
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
