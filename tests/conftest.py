"""Shared fixtures: the bundled profiles, a real on-disk store built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clusterkg.graph.build import build
from clusterkg.graph.concepts import Vocabulary
from clusterkg.graph.manifest import collect_sources
from clusterkg.graph.readers import read_profile_file
from clusterkg.graph.vocab import Uris
from clusterkg.settings import bundled_data

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLUSTERKG_SHARED", ROOT.parent / "shared"))
BASE = "http://localhost:8000/"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ``../shared`` folder (test suites, real profiles)."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests need ../shared beside the checkout")
    return SHARED


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
