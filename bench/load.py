#!/usr/bin/env python3
"""Load test: N concurrent clients against a clusterkg server on 127.0.0.1 for a fixed time.

Usage:
    python bench/load.py [--url http://127.0.0.1:PORT/] [--clients 32] [--seconds 60]

Without --url it builds the bundled data into a temporary store and starts
``clusterkg serve`` on a free loopback port itself. Each client loops over a realistic
mix (simple lookups, the README's cross-cluster queries, resource documents, the
catalogue) and the script prints requests/s, p50/p99 latency per kind and the error
count. Every request goes to 127.0.0.1 only; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "queries").glob("*.rq"))}
LOOKUP = 'SELECT ?d WHERE { ?c <https://schema.org/name> "ICT NET" ; <https://schema.org/foundingDate> ?d }'
MIX = [  # (kind, weight)
    ("lookup", 5), ("ask", 2), ("cross-cluster", 2), ("document", 2), ("catalog", 1),
]


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


async def _client(base: str, until: float, seed: int, lat: dict, errors: list) -> None:
    rng = random.Random(seed)
    kinds = [k for k, w in MIX for _ in range(w)]
    async with httpx.AsyncClient(timeout=30) as client:
        while time.perf_counter() < until:
            kind = rng.choice(kinds)
            method, url, params, headers = _request(kind, base, rng)
            t = time.perf_counter()
            try:
                r = await client.request(method, url, params=params, headers=headers)
                ok = r.status_code == 200
            except httpx.HTTPError as exc:
                ok, r = False, exc
            dt = time.perf_counter() - t
            if ok:
                lat.setdefault(kind, []).append(dt)
            else:
                errors.append(f"{kind}: {getattr(r, 'status_code', r)}")


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000 if xs else float("nan")


def _start_server() -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, CLUSTERKG_BASE_URI=base)
    proc = subprocess.Popen([sys.executable, "-m", "clusterkg", "serve", "--store", tmp.name + "/store",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    proc = tmp = None
    base = args.url
    if base is None:
        proc, base, tmp = _start_server()
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise SystemExit("load tests only target loopback addresses")
    try:
        lat: dict[str, list[float]] = {}
        errors: list[str] = []
        until = time.perf_counter() + args.seconds
        t0 = time.perf_counter()
        async def run():
            await asyncio.gather(*[_client(base, until, i, lat, errors) for i in range(args.clients)])
        asyncio.run(run())
        elapsed = time.perf_counter() - t0
        total = sum(len(v) for v in lat.values())
        everything = [x for v in lat.values() for x in v]
        print(f"clients: {args.clients}, duration: {elapsed:.1f} s, requests: {total + len(errors)}, "
              f"errors: {len(errors)}")
        print(f"throughput: {total / elapsed:.1f} requests/s; latency p50 {_pct(everything, 0.5):.1f} ms, "
              f"p99 {_pct(everything, 0.99):.1f} ms")
        for kind, xs in sorted(lat.items()):
            print(f"  {kind:14} {len(xs):7d} requests  p50 {_pct(xs, 0.5):7.1f} ms  p99 {_pct(xs, 0.99):7.1f} ms")
        if errors:
            print("first errors:", errors[:5])
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
