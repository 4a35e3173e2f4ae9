"""Shared fixtures: the bundled profiles, a real on-disk store built once per session."""

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

from clusterkg.graph.build import build
from clusterkg.graph.map.concepts import Vocabulary
from clusterkg.graph.read.manifest import collect_sources
from clusterkg.graph.read import read_profile_file
from clusterkg.graph.map.vocab import Uris
from clusterkg.settings import bundled_data

from processes import free_port, stop_process
from virtuoso_server import start_virtuoso, virtuoso_binary

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLUSTERKG_SHARED", ROOT.parent / "shared"))
BASE = "http://localhost:8000/"


def _beside(folder: Path, what: str) -> Path:
    """``folder`` (under ``../shared``), or a skip naming it when it is absent, except in CI
    (``CI=true``), where ``.ci/run`` runs with ``../shared`` beside the checkout and its
    absence is a failure."""
    if not folder.is_dir():
        message = f"{folder} is absent: {what} from ../shared beside the checkout (see README, Set up)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ``../shared`` folder (the standards bodies' test suites, real profiles), or
    ``CLUSTERKG_SHARED``; see :func:`_beside`."""
    return _beside(SHARED, "this test reads the standards bodies' test suites or real profiles")


@pytest.fixture(scope="session")
def network_namespaces() -> bool:
    """Whether this system lets a process move into a network namespace of its own,
    probed in a child of its own (the check the query workers make), so a test can tell
    "the system does not allow it" from "the server did not do it"."""
    probe = "import sys; from clusterkg.service.query import isolate_network; sys.exit(0 if isolate_network() else 1)"
    return subprocess.run([sys.executable, "-c", probe], timeout=60).returncode == 0


@pytest.fixture(scope="session")
def other_sources() -> Path:
    """``../shared/profiles/other``: the label register, network pages, award news and
    republication samples; see :func:`_beside`."""
    return _beside(SHARED / "profiles" / "other", "these tests read the other sources' samples")


@pytest.fixture(scope="session")
def shared_profiles_if_any() -> list[Path]:
    """``../shared/profiles`` in a list when it is beside the checkout, else an empty list:
    for tests that hold on other profiles too, and take these as well when they are there."""
    folder = SHARED / "profiles"
    return [folder] if folder.is_dir() else []


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return bundled_data()


@pytest.fixture(scope="session")
def sources(data_dir):
    srcs, _notes = collect_sources([data_dir])
    return {s.id: s for s in srcs}


@pytest.fixture(scope="session")
def profiles(sources):
    """Profile id -> Profile, read from the bundled files."""
    return {pid: read_profile_file(s.path) for pid, s in sources.items()}


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return Vocabulary.load()


@pytest.fixture(scope="session")
def uris() -> Uris:
    return Uris(BASE)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory, data_dir):
    """A real Oxigraph store folder holding the bundled data; returns (path, summary)."""
    root = tmp_path_factory.mktemp("store")
    summary = build([data_dir], root, BASE)
    return root, summary


@dataclass
class Server:
    """A running ``clusterkg serve`` process: its root ``url`` (ends in ``/``), store, log."""

    url: str
    store: Path
    log: Path
    proc: subprocess.Popen
    backend: str = "embedded"


def start_server(store: Path, workdir: Path, env_extra: dict | None = None, remote: str | None = None) -> Server:
    """Start ``python -m clusterkg serve`` on a free 127.0.0.1 port (base URI = that
    address) and wait for ``/health``; an empty store is built from the bundled data.
    With ``remote`` (a ``sparql+http://`` store URL) the graph goes to that SPARQL server
    and ``store`` holds the published files."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    env = dict(os.environ, CLUSTERKG_BASE_URI=f"http://127.0.0.1:{port}/", **(env_extra or {}))
    if remote:
        env["CLUSTERKG_FILES"] = str(store)
    fh = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "clusterkg", "serve", "--store", remote or str(store), "--host", "127.0.0.1",
         "--port", str(port)], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    fh.close()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"clusterkg serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "health", timeout=2).status_code == 200:
                return Server(url, store, log, proc)
        except httpx.TransportError:
            pass
        if time.time() > deadline:
            stop_server(Server(url, store, log, proc))
            pytest.fail(f"clusterkg serve did not answer in 90 s:\n{log.read_text()}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    stop_process(server.proc)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A real OpenLink Virtuoso 7 on 127.0.0.1 with a fresh database (see tests/virtuoso_server.py).
    Skipped where ``virtuoso-t`` is not installed, except in CI (``CI=true``), where
    ``.ci/run`` installs it and its absence is a failure."""
    if virtuoso_binary() is None:
        message = "virtuoso-t is not installed (apt-get install virtuoso-opensource-7-bin)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        v = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield v
    v.stop()


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def server(request, tmp_path_factory):
    """``clusterkg serve`` over an empty store (so it builds the bundled data first): once
    with the embedded store, once with the graph in a real Virtuoso (``CLUSTERKG_STORE=
    sparql+http://...``). Every test that takes this fixture runs on both."""
    tmp = tmp_path_factory.mktemp("serve")
    remote = request.getfixturevalue("virtuoso").store_url if request.param == "virtuoso" else None
    srv = start_server(tmp / "store", tmp, {"CLUSTERKG_CATALOG_PAGE_SIZE": "2"}, remote=remote)
    srv.backend = request.param
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def sources_server(request, tmp_path_factory, other_sources):
    """``clusterkg serve`` over the bundled profiles and the other sources of
    ``../shared/profiles/other`` built together (``CLUSTERKG_DATA``), on both backends as
    :func:`server`."""
    tmp = tmp_path_factory.mktemp("serve-sources")
    remote = request.getfixturevalue("virtuoso").store_url if request.param == "virtuoso" else None
    data = os.pathsep.join([str(bundled_data()), str(other_sources)])
    srv = start_server(tmp / "store", tmp, {"CLUSTERKG_DATA": data}, remote=remote)
    srv.backend = request.param
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def site_server(tmp_path_factory):
    """``clusterkg serve`` over the bundled data on the embedded store, for the pages for
    people (they read the snapshot's site index, which the build writes for either backend
    from its local copy, so one backend is enough)."""
    tmp = tmp_path_factory.mktemp("serve-site")
    srv = start_server(tmp / "store", tmp)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def server_factory():
    """``start_server(store, workdir)`` for tests that need a server over their own store."""
    return start_server


@pytest.fixture(scope="session")
def server_stopper():
    return stop_server


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """List the W3C protocol tests the runner skipped, and why."""
    for backend, (ran, skipped) in sorted(getattr(config, "protocol_report", {}).items()):
        terminalreporter.section(f"W3C SPARQL 1.1 Protocol tests ({backend} store)")
        terminalreporter.write_line(f"{ran} run, {len(skipped)} skipped:")
        for line in skipped:
            terminalreporter.write_line("  skipped " + line)


class Listener:
    """A TCP listener on a free 127.0.0.1 port: proof that nothing connects to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"

    def connected(self, wait: float = 1.0) -> bool:
        """True when something connected (within ``wait`` seconds)."""
        self.sock.settimeout(wait)
        try:
            conn, _ = self.sock.accept()
        except socket.timeout:
            return False
        conn.close()
        return True


@pytest.fixture
def listener():
    """A :class:`Listener` for tests that must show no connection is made."""
    lst = Listener()
    yield lst
    lst.sock.close()
