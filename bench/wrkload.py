"""Load from ``wrk`` (Debian package ``wrk``, a C load generator) for ``bench/query.py``:
the same mix of queries as the Python client, sent by wrk's Lua hooks, so that the client
is not what limits the fast servers (a Python client tops out near 1,500 requests/s on
this machine; wrk's CPU is measured and printed, and a run where it used most of a core is
flagged as invalid).

Two mixes:

* ``repeated``: 200 query texts drawn from the mix (fixed seed), sent round-robin: after the
  first round a server with a response cache answers from it;
* ``distinct``: the same texts, each sent with a comment holding a request counter
  (``# 17``) appended, so no two texts are equal and every request runs the engine.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import psutil

__all__ = ["run_wrk", "wrk_available", "TEXTS"]

#: Distinct query texts of the repeated mix.
TEXTS = 200

_LUA = r"""
local lines, n = {}, 0
local distinct = %(distinct)s
local counter = 0
function init(args)
  for line in io.lines("%(requests)s") do
    local path, accept = line:match("^(.-)\t(.*)$")
    lines[#lines + 1] = {path, accept}
  end
  n = math.random(#lines)
end
function request()
  n = n %% #lines + 1
  local path = lines[n][1]
  if distinct then
    counter = counter + 1
    path = path .. "%%0A%%23" .. id .. "-" .. counter
  end
  return wrk.format("GET", path, {["Accept"] = lines[n][2]})
end
function setup(thread)
  thread:set("id", tostring(math.random(1000000)))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_available() -> bool:
    """Whether ``wrk`` is on the PATH."""
    return shutil.which("wrk") is not None


def _requests_file(url: str, s: dict, mix: list, folder: Path, seed: int) -> Path:
    """The request lines (path with the query, a tab, the Accept header), drawn from ``mix``
    by its weights."""
    rng = random.Random(seed)
    path = urlsplit(url).path
    makers = [make for _name, weight, make in mix for _ in range(weight)]
    lines = []
    for _ in range(TEXTS):
        query, accept = rng.choice(makers)(rng, s)
        lines.append(f"{path}?query={quote(query, safe='')}\t{accept}")
    out = folder / "requests.tsv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def run_wrk(url: str, s: dict, mix: list, mode: str, connections: int = 8, threads: int = 2,
            seconds: float = 20.0, seed: int = 1) -> dict:
    """Drive ``url`` with wrk for ``seconds``.

    :param url: the SPARQL endpoint's URL.
    :param s: the samples (cluster IRIs) the query makers draw from.
    :param mix: ``(class, weight, maker)`` entries (``bench/query.py``'s MIX).
    :param mode: ``repeated`` or ``distinct`` (see the module docstring).
    :param connections: open connections (wrk ``-c``).
    :param threads: wrk threads (``-t``).
    :return: ``requests``, ``seconds``, ``rps``, ``p50_ms``, ``p99_ms``, ``max_ms``,
        ``errors`` (connect/read/write/timeout and non-2xx answers), ``client_cpu`` (wrk's
        CPU seconds per wall second: above 0.9 of its threads' share, the client limited
        the run).
    :raises RuntimeError: wrk failed or printed no summary.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        requests = _requests_file(url, s, mix, folder, seed)
        script = folder / "mix.lua"
        script.write_text(_LUA % {"requests": requests, "distinct": "true" if mode == "distinct" else "false"})
        base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
        cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency",
               "-s", str(script), base]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        watched = psutil.Process(proc.pid)
        cpu = 0.0
        while proc.poll() is None:
            try:
                t = watched.cpu_times()
                cpu = t.user + t.system
            except psutil.NoSuchProcess:
                break
            time.sleep(0.2)
        out, err = proc.communicate()
        wall = time.perf_counter() - started
    summary = next((line for line in out.splitlines() if line.startswith("{")), None)
    if proc.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err or out}")
    r = json.loads(summary)
    secs = r["duration_us"] / 1e6
    errors = {k: r[k] for k in ("connect", "read", "write", "status", "timeout") if r[k]}
    return {"requests": r["requests"], "seconds": secs, "rps": r["requests"] / secs,
            "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000, "max_ms": r["max_us"] / 1000,
            "errors": errors, "client_cpu": cpu / wall, "threads": threads}
