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


def test_a_dump_of_many_gzip_members_is_gzipped_again_as_one_stream(store):
    """A ``.gz`` of several members (what chunk reuse writes for a large dump) is re-gzipped
    on the fly for ``Content-Encoding: gzip``: one gzip stream, as curl, httpx and browsers
    read only the first member; HEAD gets the headers and no body."""
    import gzip
    import zlib

    from clusterkg.service.middleware import HeadAsGet

    dumps = store.get().dumps_dir
    plain = (dumps / "clusterkg.ttl").read_bytes()
    gz = dumps / "clusterkg.ttl.gz"
    gz.unlink()  # a hard link into the session's store: replace it, never write through it
    gz.write_bytes(gzip.compress(plain[:1000], mtime=0) + gzip.compress(plain[1000:], mtime=0))
    app = HeadAsGet(_app(store))

    async def go(method):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
            async with client.stream(method, "dumps/clusterkg.ttl", headers={"Accept-Encoding": "gzip"}) as r:
                return r.status_code, r.headers, b"".join([c async for c in r.aiter_raw()])

    status, headers, body = asyncio.run(go("GET"))
    one = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert one.decompress(body) == plain and one.unused_data == b""
    assert headers["etag"] == f'"{_sha256(dumps / "clusterkg.ttl")}-gzip"'
    status, headers, body = asyncio.run(go("HEAD"))
    assert (status, headers["content-encoding"], body) == (200, "gzip", b"")
