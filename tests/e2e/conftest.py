"""A real ``clusterkg serve`` process on a free 127.0.0.1 port, over a fresh store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class Server:
    url: str
    store: Path
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Starts ``python -m clusterkg serve`` over an empty store, so it builds the bundled
    data first, and waits for ``/health``; stops it at the end of the session."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    store, log = tmp / "store", tmp / "serve.log"
    env = dict(os.environ, CLUSTERKG_BASE_URI=f"http://127.0.0.1:{port}/")
    fh = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "clusterkg", "serve", "--store", str(store), "--host", "127.0.0.1",
         "--port", str(port)], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"clusterkg serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline:
                pytest.fail(f"clusterkg serve did not answer in 90 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(url, store, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        fh.close()
