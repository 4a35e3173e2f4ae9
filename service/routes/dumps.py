"""``/dumps/``: the whole graph as files made at build time.

Each dump (Turtle, N-Triples, N-Quads with graph names, JSON-LD) and its gzipped copy is
served as a file with ``Content-Type``, ``Content-Length``, a strong ``ETag`` (the file's
SHA-256, as the catalogue's ``spdx:checksumValue`` gives it), ``Last-Modified``, and
``304 Not Modified`` on a matching conditional GET (RFC 9110 §13.1.1 If-None-Match,
§13.1.3 If-Modified-Since, §15.4.5 304).

The SHA-256 comes from the digests the build recorded in the snapshot
(``meta/dump-digests.json``, read once per snapshot); a file is hashed only when the
record lacks it or its size or modification time differ from the recorded ones.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from werkzeug.http import http_date, parse_accept_header

from clusterkg.graph import formats
from clusterkg.graph.publish import urls
from clusterkg.graph.publish.metadata import read_dump_digests
from clusterkg.graph.map.places import authority_label
from clusterkg.graph.map.vocab import EU_COUNTRY
from clusterkg.service.errors import NotFound
from clusterkg.service.html import TEMPLATES, site_links
from clusterkg.service.http import not_modified
from clusterkg.service.middleware import HEAD_FLAG
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses

__all__ = ["router", "recorded_digests", "etag_of", "listing", "dump_file", "one_member"]

router = APIRouter()

#: The dumps' formats, and gzip for their compressed copies.
_FILE_FORMATS = formats.DUMPS + (formats.GZIP,)
_OTHER = "application/octet-stream"
#: What the listing is offered in.
_LISTING = [formats.HTML.media_type, formats.JSON.media_type]


def _format_of(path: Path) -> formats.Format | None:
    return formats.by_suffix(path.suffix, _FILE_FORMATS)


@functools.lru_cache(maxsize=4)
def recorded_digests(meta_dir: Path, generation: str) -> dict[str, tuple[str, int, int]]:
    """The dump digests the build recorded in a snapshot (its :data:`DIGESTS` file in
    ``meta/``), read once per snapshot.

    :param meta_dir: the snapshot's ``meta/`` folder.
    :param generation: the snapshot's name (part of the cache key: a new build is read anew).
    :return: file name -> (SHA-256 hex, size in bytes, modification time in ns); empty
        when the file is missing or unreadable. Entries of the wrong shape are left out.
    """
    try:
        record = read_dump_digests(meta_dir)
    except ValueError:  # damaged: every file is hashed instead
        return {}
    return {name: (d[0], d[2], d[3]) for name, d in record.items()
            if isinstance(d, list) and len(d) == 5 and isinstance(d[0], str) and all(type(n) is int for n in d[2:4])}


@functools.lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def etag_of(path: Path, recorded: dict[str, tuple[str, int, int]]) -> str:
    """Strong ETag of a dump file (RFC 9110 §8.8.3): its SHA-256, quoted.

    :param path: the file.
    :param recorded: the snapshot's :func:`recorded_digests`.
    :return: ``"<sha256 hex>"``: the recorded digest when the file has the recorded size
        and modification time, else the digest of its bytes (remembered per file version).
    :raises OSError: the file cannot be read.
    """
    st = path.stat()
    known = recorded.get(path.name)
    if known is not None and known[1:] == (st.st_size, st.st_mtime_ns):
        return f'"{known[0]}"'
    return '"' + _sha256(str(path), st.st_size, st.st_mtime_ns) + '"'


def _files(request: Request) -> list[Path]:
    d = request.app.state.store.get().dumps_dir
    return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []


@router.get("/" + urls.DUMPS, summary="List of the dump files", responses=responses(_LISTING, 406))
def listing(request: Request) -> Response:
    """The dump files: name, URL, size, media type, what it holds (the whole graph or one
    country's profiles), when it was made and its SHA-256 (as the build recorded it), as
    HTML or JSON (by ``Accept``)."""
    files = _files(request)
    site = request.app.state.urls
    media = negotiate(request.headers.get("accept"), _LISTING)
    snapshot = request.app.state.store.get()
    recorded = recorded_digests(snapshot.meta_dir, snapshot.generation)
    items = []
    for p in files:
        st = p.stat()
        country = p.name.split(".")[0].partition("-")[2].upper()
        holds = (authority_label(str(EU_COUNTRY) + country) or country) if country else "the whole graph"
        items.append({"name": p.name, "url": str(site.dump(p.name)), "bytes": st.st_size,
                      "media_type": fmt.media_type if (fmt := _format_of(p)) else _OTHER,
                      "holds": holds,
                      "modified": http_date(st.st_mtime), "sha256": (recorded.get(p.name) or ("",))[0]})
    if media == formats.JSON.media_type:
        return JSONResponse({"dumps": items}, headers={"Vary": "Accept"})
    context = {"dumps": items, "site": site_links(request.app.state.urls)}
    return TEMPLATES.TemplateResponse(request, "dumps.html", context, headers={"Vary": "Accept"})


def one_member(gzipped: Path, plain_size: int) -> bool:
    """Whether a ``.gz`` dump is one gzip member, as a ``Content-Encoding: gzip`` body must be
    for curl, httpx and browsers (they stop after the first member): its trailer's ISIZE
    (RFC 1952 §2.3.1, the input's size modulo 2^32) is the whole plain file's. A dump of many
    members (:mod:`clusterkg.graph.publish.gzipped`) ends with its last chunk's size."""
    with open(gzipped, "rb") as fh:
        fh.seek(-4, 2)
        return int.from_bytes(fh.read(4), "little") == plain_size % 2**32


_BLOCK = 256 * 1024


def _encoded_on_the_fly(request: Request, path: Path, fmt, headers: dict[str, str], snapshot) -> Response:
    """A dump of many gzip members, gzipped again as one stream while it is sent (zlib level
    1, a block at a time in the thread pool, so no lock or slot is held while a slow client
    reads; a HEAD request makes no body). Its ETag is the plain file's, marked as another
    encoding (RFC 9110 §8.8.3)."""
    st = path.stat()
    etag = etag_of(path, recorded_digests(snapshot.meta_dir, snapshot.generation))[:-1] + '-gzip"'
    headers.update({"ETag": etag, "Last-Modified": http_date(st.st_mtime), "Content-Encoding": "gzip"})
    media = fmt.content_type if fmt else _OTHER
    if not_modified(request.headers, etag, st.st_mtime):
        return Response(status_code=304, headers=headers)
    if request.scope.get(HEAD_FLAG):  # the headers a GET gets (no length: it is not known before the end)
        return StreamingResponse(iter(()), media_type=media, headers=headers)

    async def stream():
        with open(path, "rb") as fh:
            z = zlib.compressobj(1, zlib.DEFLATED, 31)
            while block := await run_in_threadpool(fh.read, _BLOCK):
                out = await run_in_threadpool(z.compress, block)
                if out:
                    yield out
            yield z.flush()

    return StreamingResponse(stream(), media_type=media, headers=headers)


@router.get("/" + urls.DUMPS + "{name}", summary="One dump file",
            responses=responses(sorted({f.content_type for f in _FILE_FORMATS} | {_OTHER}), 304, 404))
def dump_file(name: str, request: Request) -> Response:
    """One dump file, with its ETag and Last-Modified; ``304`` when the client's copy is current.
    A plain file (``clusterkg.ttl``) whose gzipped copy exists is sent as that copy with
    ``Content-Encoding: gzip`` to a client whose ``Accept-Encoding`` takes gzip (clients such
    as Comunica read that, not ``application/gzip``); its ETag is the gzipped file's.

    :raises NotFound: no dump file of that name.
    """
    files = {p.name: p for p in _files(request)}
    path = files.get(name)
    if path is None:
        raise NotFound(f"dump {name!r}")
    fmt = _format_of(path)
    headers = {"Cache-Control": "public, max-age=300"}
    gzipped = files.get(name + formats.GZIP.suffix)
    snapshot = request.app.state.store.get()
    if gzipped is not None:  # the same file, gzipped: for a client that takes gzip (RFC 9110 §8.4, §12.5.3)
        headers["Vary"] = "Accept-Encoding"
        if parse_accept_header(request.headers.get("accept-encoding")).quality("gzip") > 0:
            if not one_member(gzipped, path.stat().st_size):
                return _encoded_on_the_fly(request, path, fmt, headers, snapshot)
            path = gzipped
            headers["Content-Encoding"] = "gzip"
    st = path.stat()
    etag = etag_of(path, recorded_digests(snapshot.meta_dir, snapshot.generation))
    headers.update({"ETag": etag, "Last-Modified": http_date(st.st_mtime)})
    if not_modified(request.headers, etag, st.st_mtime):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=fmt.content_type if fmt else _OTHER, headers=headers, filename=None,
                        stat_result=st)
