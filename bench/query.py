#!/usr/bin/env python3
"""Query benchmark: one fixed mix of cross-cluster SPARQL queries against our server and
two peers, on the same data, same client, same concurrency, all on 127.0.0.1. The load
comes from wrk by default (``bench/wrkload.py``: two mixes, repeated texts and all-distinct
texts; wrk's own CPU is printed, and a run where it saturated its threads is flagged).

Usage:
    python bench/query.py [N ...] [--clients 8] [--procs 2] [--seconds 20]
                          [--rdflib-seconds 8] [--work DIR] [--servers ours,ours-nocache,oxigraph,rdflib]

For each size N (default 1100): generate N synthetic profiles (``bench/generate.py``) and
build them (``clusterkg build``) into ``DIR/N/store`` (kept for the next run), then, one
server at a time:

* ``ours``: ``clusterkg serve`` over that store (``ours-nocache``: the same with
  ``CLUSTERKG_CACHE_BYTES=0``);
* ``oxigraph``: the ``oxigraph`` package's ``oxigraph serve-read-only --union-default-graph``
  over a database loaded from our N-Quads dump (the current generation's ``dumps/``);
* ``rdflib``: ``rdflib-endpoint serve`` of the same N-Quads (an rdflib Dataset whose
  default graph is the union, as ours), given fewer seconds since it is slow.

Each run: ``--clients`` concurrent clients spread over ``--procs`` client processes loop
over the mix (random parameters from a fixed seed) for ``--seconds`` (and at most
``--max-requests``). The client library is aiohttp (``--client httpx`` for httpx, which
costs about twice the CPU per request: on 2 cores the client then limits the fast servers). Printed per server: requests/s, p50 and p99 per query class and
overall, errors, the resident memory of the server's process tree (sum of RSS, and of
PSS, which counts shared pages once) at the end, and the ratios ours/oxigraph and
ours/rdflib-endpoint. Before measuring, every server must give the same number of rows as
ours for one instance of each query class.

The peers are not dependencies of clusterkg: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CKG = "https://w3id.org/clusterkg/ns#"
P = (f"PREFIX ckg: <{CKG}> PREFIX schema: <https://schema.org/> PREFIX org: <http://www.w3.org/ns/org#> "
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
WORDS = ("cluster members innovation cooperation companies regional development export digital industry "
         "research training projects internationalisation services network competitiveness value chain "
         "partners technology market growth skills sustainability").split()
JSON = "application/sparql-results+json"
#: the classes whose p99 the target bounds (issue 17: 20 ms at 10,000 profiles)
SIMPLE = ("lookup-date", "lookup-labels")


def q_lookup_date(rng, s):
    return P + f"SELECT ?d WHERE {{ <{rng.choice(s['clusters'])}> schema:foundingDate ?d }}", JSON


def q_lookup_labels(rng, s):
    c = rng.choice(s["clusters"])
    return (P + f"SELECT ?name ?label WHERE {{ <{c}> schema:name ?name "
            f"OPTIONAL {{ <{c}> ckg:excellenceLabel/rdfs:label ?label }} }}", JSON)


def q_members(rng, s):
    c = rng.choice(s["with_members"])
    return P + f"SELECT ?m ?name WHERE {{ <{c}> org:hasMember ?m OPTIONAL {{ ?m schema:name ?name }} }}", JSON


def q_by_country(rng, s):
    year = rng.randint(1995, 2020)
    return (P + "SELECT ?country (COUNT(?c) AS ?n) WHERE { ?c a ckg:ClusterOrganisation ; ckg:country ?country ; "
            f"schema:foundingDate ?d FILTER(YEAR(?d) >= {year}) }} GROUP BY ?country ORDER BY DESC(?n) ?country",
            JSON)


def q_label_filter(rng, s):
    needle = f"{rng.choice(WORDS)} cluster {rng.randint(1, 9)}"
    return (P + "SELECT ?c ?name WHERE { ?c a ckg:ClusterOrganisation ; schema:name ?name "
            f'FILTER(CONTAINS(LCASE(?name), "{needle}")) }} ORDER BY ?name LIMIT 20', JSON)


def q_ask(rng, s):
    return P + f"ASK {{ <{rng.choice(s['clusters'])}> ckg:excellenceLabel ?l }}", JSON


def q_construct(rng, s):
    c = rng.choice(s["clusters"])
    return f"CONSTRUCT {{ <{c}> ?p ?o }} WHERE {{ <{c}> ?p ?o }}", "application/n-triples"


#: (class, weight, query maker); the mix is fixed, the parameters are drawn from a seed.
MIX = [("lookup-date", 4, q_lookup_date), ("lookup-labels", 4, q_lookup_labels), ("members", 3, q_members),
       ("ask", 2, q_ask), ("construct", 2, q_construct), ("label-filter", 1, q_label_filter),
       ("by-country", 1, q_by_country)]


# ---------------------------------------------------------------- data

def prepare(n: int, work: Path) -> Path:
    """The store for ``n`` synthetic profiles under ``work/n``, generated and built when
    missing. :return: the store folder."""
    profiles, store = work / str(n) / "profiles", work / str(n) / "store"
    if not (store / "current").exists():
        if not (profiles / "manifest.csv").exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(profiles)], check=True,
                           stdout=subprocess.DEVNULL)
        print(f"building {n} profiles into {store} ...", file=sys.stderr)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "clusterkg", "build", "-q", str(profiles), "--store", str(store)],
                       check=True, stdout=subprocess.DEVNULL)
        print(f"  built in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return store


def samples(store: Path) -> dict:
    """Cluster IRIs (all, and those with members) read from the store."""
    import pyoxigraph as ox

    db = ox.Store.read_only(str(store / "current" / "db"))

    def iris(q: str) -> list[str]:
        return sorted(r[0].value for r in db.query(P + q, use_default_graph_as_union=True))

    out = {"clusters": iris("SELECT ?c WHERE { ?c a ckg:ClusterOrganisation }"),
           "with_members": iris("SELECT DISTINCT ?c WHERE { ?c a ckg:ClusterOrganisation ; org:hasMember ?m }")}
    return out


# ---------------------------------------------------------------- servers

def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(proc: subprocess.Popen, url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}); see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON},
                         timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"server did not answer within {timeout:.0f} s; see {log}")


def start(name: str, store: Path, work: Path) -> tuple[subprocess.Popen, str]:
    """Start server ``name`` on a free loopback port over the data of ``store``.

    :return: (process, SPARQL endpoint URL).
    """
    port = _port()
    url = f"http://127.0.0.1:{port}/"
    log = work / f"{name}-{port}.log"
    nquads = store / "current" / "dumps" / "clusterkg.nq"
    env = dict(os.environ)
    if name.startswith("ours"):
        env["CLUSTERKG_BASE_URI"] = "http://127.0.0.1:8000/"  # the IRIs the build minted
        if name == "ours-nocache":
            env["CLUSTERKG_CACHE_BYTES"] = "0"
        cmd = [sys.executable, "-m", "clusterkg", "serve", "--store", str(store), "--host", "127.0.0.1",
               "--port", str(port)]
        url += "sparql"
        timeout = 120
    elif name == "oxigraph":
        db = work / f"oxigraph-{os.path.realpath(store / 'current').rsplit('/', 1)[1]}"
        if not db.exists():
            t = time.perf_counter()
            subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(db),
                            "--file", str(nquads)], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            print(f"  oxigraph load: {time.perf_counter() - t:.1f} s", file=sys.stderr)
        cmd = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(db), "--bind", f"127.0.0.1:{port}",
               "--union-default-graph"]
        url += "query"
        timeout = 120
    elif name == "rdflib":
        cmd = [str(BIN / "rdflib-endpoint"), "serve", str(nquads), "--host", "127.0.0.1", "--port", str(port)]
        timeout = 1800
    else:
        raise SystemExit(f"unknown server {name!r}")
    fh = open(log, "wb")
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=work)
    fh.close()
    t = time.perf_counter()
    _wait(proc, url, log, timeout)
    print(f"  {name} ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server started by :func:`start` (kill after 10 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tree_memory(pid: int) -> tuple[float, float]:
    """Resident memory of ``pid`` and its descendants, MiB: (sum of RSS, sum of PSS)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, 0.0
    rss = pss = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        rss, pss = rss + info.rss, pss + info.pss
    return rss / 2**20, pss / 2**20


# ---------------------------------------------------------------- load

def count_rows(r: httpx.Response) -> int:
    """Rows of a SPARQL JSON answer (1 for an ASK), or lines of an N-Triples one."""
    if r.headers.get("content-type", "").startswith(("application/n-triples", "text/plain")):
        return sum(1 for line in r.text.splitlines() if line.strip() and not line.startswith("#"))
    body = r.json()
    return 1 if "boolean" in body else len(body["results"]["bindings"])


async def _client(session, url: str, s: dict, until: float, budget: list[int], seed: int, lat: dict,
                  errors: dict) -> None:
    """One closed-loop client: send a query of the mix, read the whole answer, repeat."""
    rng = random.Random(seed)
    kinds = [(name, make) for name, w, make in MIX for _ in range(w)]
    while time.perf_counter() < until and budget[0] > 0:
        budget[0] -= 1
        name, make = rng.choice(kinds)
        query, accept = make(rng, s)
        t = time.perf_counter()
        ok = await session(url, query, accept)
        dt = time.perf_counter() - t
        if ok:
            lat.setdefault(name, []).append(dt)
        else:
            errors[name] = errors.get(name, 0) + 1


def _client_process(url: str, s: dict, clients: int, seconds: float, max_requests: int, seed: int,
                    library: str = "aiohttp"):
    """Run ``clients`` closed-loop clients in this process with the HTTP client ``library``
    (``aiohttp`` or ``httpx``), each with its own keep-alive connection."""
    async def main():
        lat: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        budget = [max_requests]
        until = time.perf_counter() + seconds
        if library == "aiohttp":
            import aiohttp

            http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                         timeout=aiohttp.ClientTimeout(total=30))

            async def send(u: str, query: str, accept: str) -> bool:
                try:
                    async with http.get(u, params={"query": query}, headers={"Accept": accept}) as r:
                        await r.read()
                        return r.status == 200
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return False
        else:
            http = httpx.AsyncClient(timeout=30)

            async def send(u: str, query: str, accept: str) -> bool:
                try:
                    r = await http.get(u, params={"query": query}, headers={"Accept": accept})
                    await r.aclose()
                    return r.status_code == 200
                except httpx.HTTPError:
                    return False
        t = time.perf_counter()
        try:
            await asyncio.gather(*[_client(send, url, s, until, budget, seed * 1000 + i, lat, errors)
                                   for i in range(clients)])
        finally:
            await (http.close() if library == "aiohttp" else http.aclose())
        return lat, errors, time.perf_counter() - t

    return asyncio.run(main())


def run_load(url: str, s: dict, clients: int, procs: int, seconds: float, max_requests: int, seed: int = 1,
             library: str = "aiohttp") -> dict:
    """Drive ``url`` with the mix: ``clients`` concurrent clients in ``procs`` processes,
    using the HTTP client ``library`` (``aiohttp`` or ``httpx``).

    :return: {"seconds", "requests", "errors", "lat": {class: [seconds, ...]}}.
    """
    procs = max(1, min(procs, clients))
    per = [clients // procs + (i < clients % procs) for i in range(procs)]
    with ProcessPoolExecutor(procs) as ex:
        futs = [ex.submit(_client_process, url, s, c, seconds, max_requests // procs, seed + i, library)
                for i, c in enumerate(per)]
        parts = [f.result() for f in futs]
    lat: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for part_lat, part_err, _ in parts:
        for k, v in part_lat.items():
            lat.setdefault(k, []).extend(v)
        for k, v in part_err.items():
            errors[k] = errors.get(k, 0) + v
    elapsed = max(p[2] for p in parts)
    return {"seconds": elapsed, "requests": sum(map(len, lat.values())), "errors": errors, "lat": lat}


def pct(xs: list[float], p: float) -> float:
    """The ``p`` quantile (0-1) of ``xs`` in milliseconds (nearest rank); NaN when empty."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000 if xs else float("nan")


def row_counts(url: str, s: dict) -> dict[str, int]:
    """Rows each class gives for one fixed instance of it (the same instances on every
    server), to check the servers answer alike before timing them.

    :raises SystemExit: when the server does not answer 200.
    """
    rng = random.Random(7)
    counts = {}
    for name, _, make in MIX:
        query, accept = make(rng, s)
        r = httpx.get(url, params={"query": query}, headers={"Accept": accept}, timeout=300)
        if r.status_code != 200:
            raise SystemExit(f"{url} answered {r.status_code} to the {name} query:\n{query}\n{r.text[:500]}")
        counts[name] = count_rows(r)
    return counts


# ---------------------------------------------------------------- report

def report(n: int, results: dict[str, dict], args) -> None:
    """Print the per-server and per-class table and the ratios."""
    print(f"\n## {n} profiles; {args.clients} {args.client} clients in {args.procs} processes; mix "
          + ", ".join(f"{name} x{w}" for name, w, _ in MIX))
    print(f"{'server':<13} {'class':<14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for server, res in results.items():
        secs = res["seconds"]
        for name, _, _ in MIX:
            xs = res["lat"].get(name, [])
            print(f"{server:<13} {name:<14} {len(xs) / secs:8.1f} {pct(xs, .5):8.1f} {pct(xs, .99):8.1f} "
                  f"{res['errors'].get(name, 0):6d}")
        allx = [x for xs in res["lat"].values() for x in xs]
        print(f"{server:<13} {'ALL':<14} {len(allx) / secs:8.1f} {pct(allx, .5):8.1f} {pct(allx, .99):8.1f} "
              f"{sum(res['errors'].values()):6d}   ({res['requests']} requests in {secs:.1f} s; "
              f"server tree RSS {res['rss']:.0f} MiB, PSS {res['pss']:.0f} MiB{res.get('note', '')}; "
              f"machine load before {res['load']:.1f})")
    if "ours" in results:
        ours = results["ours"]["requests"] / results["ours"]["seconds"]
        for peer in ("oxigraph", "rdflib", "ours-nocache"):
            if peer in results:
                other = results[peer]["requests"] / results[peer]["seconds"]
                per_class = ", ".join(
                    f"{name} {len(results['ours']['lat'].get(name, [])) / results['ours']['seconds'] / max(1e-9, len(results[peer]['lat'].get(name, [])) / results[peer]['seconds']):.2f}"
                    for name, _, _ in MIX)
                print(f"ratio ours/{peer}: {ours / other:.2f}  (per class: {per_class})")
    if "ours-nocache" in results and "oxigraph" in results:
        a = results["ours-nocache"]["requests"] / results["ours-nocache"]["seconds"]
        b = results["oxigraph"]["requests"] / results["oxigraph"]["seconds"]
        print(f"ratio ours-nocache/oxigraph: {a / b:.2f}")
    print("p99 of the simple lookups (target < 100 ms at 10,000): "
          + ", ".join(f"{server} {max(pct(res['lat'].get(c, []), .99) for c in SIMPLE):.1f} ms"
                      for server, res in results.items()))


def _wrk_runs(url: str, s: dict, args, seconds: float, proc: subprocess.Popen) -> dict:
    """Both wrk mixes against one server (after a short warm-up of each), the look-ups'
    latency under load, and the server's memory."""
    from wrkload import run_wrk

    out: dict = {}
    for mode in ("repeated", "distinct"):
        run_wrk(url, s, MIX, mode, args.clients, args.procs, min(3.0, seconds / 4), seed=99)  # warm-up
        out[mode] = run_wrk(url, s, MIX, mode, args.clients, args.procs, seconds)
    out["lookups"] = _lookups_under_load(url, s, args, seconds)
    out["rss"], out["pss"] = tree_memory(proc.pid)
    return out


def _lookups_under_load(url: str, s: dict, args, seconds: float) -> dict:
    """The look-ups' latency while the distinct mix runs: one wrk sends only the
    :data:`SIMPLE` classes (distinct texts, 2 connections) while another sends the whole
    distinct mix on the other connections, both for ``seconds``; wrk reports percentiles
    per run, so the first run's p99 is the look-ups' alone."""
    from concurrent.futures import ThreadPoolExecutor

    from wrkload import run_wrk

    lookups = [entry for entry in MIX if entry[0] in SIMPLE]
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(run_wrk, url, s, MIX, "distinct", max(1, args.clients - 2), 1, seconds, 5)
        measured = run_wrk(url, s, lookups, "distinct", 2, 1, seconds, 6)
        measured["load_rps"] = load.result()["rps"]
    return measured


def report_wrk(n: int, results: dict[str, dict], args) -> None:
    """Print each server's figures per mix, wrk's CPU, and the ratios against oxigraph."""
    print(f"\n## {n} profiles; wrk, {args.procs} threads, {args.clients} connections; mix "
          + ", ".join(f"{name} x{w}" for name, w, _ in MIX))
    print(f"{'server':<13} {'mix':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'wrk CPU':>8}")
    for server, res in results.items():
        for mode in ("repeated", "distinct"):
            r = res[mode]
            flag = "  CLIENT-BOUND: invalid" if r["client_cpu"] > 0.9 * r["threads"] else ""
            print(f"{server:<13} {mode:<9} {r['rps']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
                  f"{sum(r['errors'].values()):7d} {r['client_cpu']:8.2f}{flag}")
        look = res["lookups"]
        print(f"{server:<13} look-ups under the distinct mix: p50 {look['p50_ms']:.2f} ms, p99 {look['p99_ms']:.2f} ms "
              f"(target < 20 ms at 10,000 profiles), {look['rps']:.0f} req/s beside {look['load_rps']:.0f} req/s of the "
              f"mix, errors {sum(look['errors'].values())}")
        print(f"{server:<13} server tree RSS {res['rss']:.0f} MiB, PSS {res['pss']:.0f} MiB")
    if "oxigraph" in results:
        for server in results:
            if server != "oxigraph":
                print(f"ratio {server}/oxigraph: " + ", ".join(
                    f"{mode} {results[server][mode]['rps'] / results['oxigraph'][mode]['rps']:.2f}"
                    for mode in ("repeated", "distinct")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", type=int, nargs="*", default=[1100])
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (wrk: connections)")
    ap.add_argument("--procs", type=int, default=2, help="client processes (wrk: threads)")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--rdflib-seconds", type=float, default=8.0)
    ap.add_argument("--rdflib-max-requests", type=int, default=2_000)
    ap.add_argument("--servers", default="ours,ours-nocache,oxigraph,rdflib")
    ap.add_argument("--client", choices=("wrk", "aiohttp", "httpx"), default="wrk",
                    help="load generator (the same for every server): wrk (C; both mixes, see bench/wrkload.py), "
                         "or a Python client library (per-class figures, but it limits servers past ~1,500 req/s)")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "clusterkg-bench")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    servers = [x for x in args.servers.split(",") if x]
    for name in servers:
        if name in ("oxigraph", "rdflib") and not shutil.which(str(BIN / ("oxigraph" if name == "oxigraph" else "rdflib-endpoint"))):
            raise SystemExit(f"{name} is not installed: pip install -e '.[bench]'")
    everything = {}
    for n in args.sizes:
        work = args.work.resolve()
        store = prepare(n, work)
        s = samples(store)
        print(f"{n} profiles: {len(s['clusters'])} clusters, {len(s['with_members'])} with members", file=sys.stderr)
        results: dict[str, dict] = {}
        reference = None
        for name in servers:
            proc, url = start(name, store, work / str(n))
            try:
                counts = row_counts(url, s)
                if reference is None:
                    reference = (name, counts)
                    print(f"  rows per class: {counts}", file=sys.stderr)
                elif counts != reference[1]:
                    raise SystemExit(f"{name} and {reference[0]} disagree: {counts} != {reference[1]}")
                slow = name == "rdflib"
                secs = args.rdflib_seconds if slow else args.seconds
                cap = args.rdflib_max_requests if slow else args.max_requests
                if args.client == "wrk":
                    results[name] = _wrk_runs(url, s, args, secs, proc)
                    continue
                run_load(url, s, args.clients, args.procs, min(2.0, secs / 4), cap // 10, seed=99,
                         library=args.client)  # warm-up
                load = os.getloadavg()[0]
                res = run_load(url, s, args.clients, args.procs, secs, cap, library=args.client)
                res["rss"], res["pss"] = tree_memory(proc.pid)
                res["load"] = load
                if name.startswith("ours"):
                    cache = httpx.get(url.rsplit("/", 1)[0] + "/health").json().get("cache", {})
                    if cache.get("max_bytes"):
                        res["note"] = f"; cache hits {cache['hits']}, misses {cache['misses']} since start"
                results[name] = res
            finally:
                stop(proc)
        if args.client == "wrk":
            report_wrk(n, results, args)
            everything[n] = results
            continue
        report(n, results, args)
        everything[n] = {k: {"seconds": v["seconds"], "requests": v["requests"], "errors": v["errors"],
                             "rss_mib": v["rss"], "pss_mib": v["pss"], "load_before": v["load"],
                             "classes": {c: {"n": len(x), "p50_ms": pct(x, .5), "p99_ms": pct(x, .99)}
                                         for c, x in v["lat"].items()}} for k, v in results.items()}
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    main()
