"""Dump ETags come from the digests the build recorded (``meta/dump-digests.json``), not
from reading the files on every request; a file the record does not describe is hashed."""

import asyncio
import hashlib
import os
import shutil

import httpx
import pytest
from fastapi import FastAPI

from clusterkg.graph.publish.metadata import DIGESTS, read_dump_digests
from clusterkg.graph.publish.urls import Urls
from clusterkg.service.errors import install_error_handlers
from clusterkg.service.routes import dumps
from clusterkg.service.state import StoreHolder

BASE = "http://localhost:8000/"


@pytest.fixture
def store(built_store, tmp_path):
    """A copy of the session's built store (times kept to the nanosecond), ours to damage."""
    root = tmp_path / "store"
    shutil.copytree(built_store[0], root, symlinks=True)
    return StoreHolder(root)


def _app(holder: StoreHolder) -> FastAPI:
    app = FastAPI()
    app.state.store, app.state.urls = holder, Urls(BASE)
    install_error_handlers(app)
    app.include_router(dumps.router)
    return app


def _get(holder: StoreHolder, name: str, **headers) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(_app(holder)), base_url=BASE) as client:
            # each file as it is (httpx asks for gzip by default, which a plain dump with a
            # gzipped copy then comes in: tests/e2e/test_pages.py checks that)
            return await client.get("dumps/" + name, headers={"Accept-Encoding": "identity", **headers})
    return asyncio.run(go())


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(holder: StoreHolder) -> dict:
    return read_dump_digests(holder.get().meta_dir)


def test_every_dump_has_the_recorded_digest_as_etag(store):
    record = _recorded(store)
    files = sorted(p for p in store.get().dumps_dir.iterdir())
    assert {p.name for p in files} == set(record)
    for path in files:
        r = _get(store, path.name)
        assert r.status_code == 200
        assert r.headers["etag"] == f'"{record[path.name][0]}"' == f'"{_sha256(path)}"'


def test_the_record_is_served_without_reading_the_file(store):
    path = store.get().dumps_dir / "clusterkg.nq.gz"
    recorded = _recorded(store)[path.name][0]
    st = path.stat()
    path.write_bytes(bytes(st.st_size))  # other bytes, same size...
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # ...and the recorded time
    assert _sha256(path) != recorded
    r = _get(store, path.name)
    assert r.headers["etag"] == f'"{recorded}"'
    assert _get(store, path.name, **{"If-None-Match": f'"{recorded}"'}).status_code == 304


def test_a_file_that_differs_from_the_record_is_hashed(store):
    path = store.get().dumps_dir / "clusterkg.ttl"
    st = path.stat()
    path.write_bytes(path.read_bytes() + b"# changed\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same time, other size
    assert _get(store, path.name).headers["etag"] == f'"{_sha256(path)}"'
    other = store.get().dumps_dir / "clusterkg.nt"
    os.utime(other, ns=(other.stat().st_atime_ns, other.stat().st_mtime_ns + 1_000_000_000))  # same size, other time
    assert _get(store, other.name).headers["etag"] == f'"{_sha256(other)}"'


def test_a_file_the_record_lacks_is_hashed(store):
    extra = store.get().dumps_dir / "notes.ttl"
    extra.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    r = _get(store, extra.name)
    assert r.status_code == 200 and r.headers["etag"] == f'"{_sha256(extra)}"'
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"


def test_an_unreadable_record_falls_back_to_hashing(store):
    (store.get().meta_dir / DIGESTS).write_text("not json", encoding="utf-8")
    path = store.get().dumps_dir / "clusterkg.jsonld"
    r = _get(store, path.name)
    assert r.headers["etag"] == f'"{_sha256(path)}"'
    assert r.headers["content-type"] == "application/ld+json; charset=utf-8"
