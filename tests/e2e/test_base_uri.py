"""The base URI follows the address served (issue 16, newcomer traps): ``clusterkg serve
--port N`` on a fresh store mints IRIs that dereference on port N; a store built for another
base is rebuilt for this one when ``serve`` built it from the same paths, and refused with
how to go on when it was built from others."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from processes import free_port, stop_process

pytestmark = pytest.mark.e2e


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERKG_")}


def _serve(store: Path, log: Path, *flags: str) -> tuple[subprocess.Popen, str]:
    """``clusterkg serve --store STORE --port N FLAGS`` with no CLUSTERKG_ variable set;
    returns the process and its URL once ``/health`` answers."""
    port = free_port()
    fh = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "clusterkg", "serve", "--store", str(store), "--port", str(port),
                             *flags], stdout=fh, stderr=subprocess.STDOUT, env=_env())
    fh.close()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + "health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    stop_process(proc)
    pytest.fail(f"serve did not start:\n{log.read_text()}")


def test_serve_on_a_port_mints_iris_that_dereference_on_that_port(tmp_path):
    store = tmp_path / "store"
    proc, url = _serve(store, tmp_path / "first.log")
    try:
        r = httpx.get(url + "id/cluster/ict-net", headers={"Accept": "text/turtle"})
        assert r.status_code == 303 and r.headers["location"] == url + "doc/cluster/ict-net"
        doc = httpx.get(url + "id/cluster/ict-net", headers={"Accept": "text/turtle"}, follow_redirects=True)
        assert doc.status_code == 200 and f"<{url}id/cluster/ict-net>" in doc.text
        assert f"<{url}dumps/clusterkg.ttl>" in httpx.get(url + "catalog", headers={"Accept": "text/turtle"}).text
    finally:
        stop_process(proc)
    assert f"base URI {url} (the address served" in (tmp_path / "first.log").read_text()

    # the same store on another port: built by serve from the bundled data, so rebuilt for it
    proc, url2 = _serve(store, tmp_path / "second.log")
    try:
        r = httpx.get(url2 + "id/cluster/ict-net")
        assert r.status_code == 303 and r.headers["location"] == url2 + "doc/cluster/ict-net"
        assert httpx.get(r.headers["location"], headers={"Accept": "text/turtle"}).status_code == 200
    finally:
        stop_process(proc)
    log = (tmp_path / "second.log").read_text()
    assert f"was built for {url}: building" in log and f"for {url2}" in log


def test_a_store_built_from_other_paths_for_another_base_is_refused_with_the_fix(tmp_path, data_dir):
    store = tmp_path / "store"
    subset = tmp_path / "profiles"
    subset.mkdir()
    (subset / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    built = subprocess.run([sys.executable, "-m", "clusterkg", "build", "-q", str(subset), "--store", str(store),
                            "--base-uri", "https://clusters.example.org/"], env=_env(), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    port = free_port()
    out = subprocess.run([sys.executable, "-m", "clusterkg", "serve", "--store", str(store), "--port", str(port)],
                         env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert f"was built for the base URI https://clusters.example.org/, not http://127.0.0.1:{port}/" in out.stderr
    assert f"clusterkg build {subset.resolve()} --store {store} --base-uri http://127.0.0.1:{port}/" in out.stderr
    # as it says: served for the base it was built for, it answers for that base
    proc, url = _serve(store, tmp_path / "ok.log", "--base-uri", "https://clusters.example.org/")
    try:
        r = httpx.get(url + "id/cluster/ict-net")
        assert r.status_code == 303 and r.headers["location"] == "https://clusters.example.org/doc/cluster/ict-net"
    finally:
        stop_process(proc)
