"""``/dumps/``: the whole graph as files made at build time.

Each dump (Turtle, N-Triples, N-Quads with graph names, JSON-LD) and its gzipped copy is
served as a file with ``Content-Type``, ``Content-Length``, a strong ``ETag`` (the file's
SHA-256, as the catalogue's ``spdx:checksumValue`` gives it), ``Last-Modified``, and
``304 Not Modified`` on a matching conditional GET (RFC 9110 §13.1.1 If-None-Match,
§13.1.3 If-Modified-Since, §15.4.5 304).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from werkzeug.http import http_date

from clusterkg.graph import formats
from clusterkg.graph.publish import urls
from clusterkg.service.errors import NotFound
from clusterkg.service.html import TEMPLATES
from clusterkg.service.http import not_modified
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses

__all__ = ["router", "etag_of"]

router = APIRouter()

#: The dumps' formats, and gzip for their compressed copies.
_FILE_FORMATS = formats.DUMPS + (formats.GZIP,)
_OTHER = "application/octet-stream"
#: What the listing is offered in.
_LISTING = [formats.HTML.media_type, formats.JSON.media_type]


def _format_of(path: Path) -> formats.Format | None:
    return formats.by_suffix(path.suffix, _FILE_FORMATS)


@functools.lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def etag_of(path: Path) -> str:
    """Strong ETag of a dump file (RFC 9110 §8.8.3): its SHA-256, quoted (cached per file version).

    :raises OSError: the file cannot be read.
    """
    st = path.stat()
    return '"' + _sha256(str(path), st.st_size, st.st_mtime_ns) + '"'


def _files(request: Request) -> list[Path]:
    d = request.app.state.store.get().dumps_dir
    return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []


@router.get("/" + urls.DUMPS, summary="List of the dump files", responses=responses(_LISTING, 406))
def listing(request: Request) -> Response:
    """The dump files: name, URL, size and media type, as HTML or JSON (by ``Accept``)."""
    files = _files(request)
    site = request.app.state.urls
    media = negotiate(request.headers.get("accept"), _LISTING)
    items = [{"name": p.name, "url": str(site.dump(p.name)), "bytes": p.stat().st_size,
              "media_type": fmt.media_type if (fmt := _format_of(p)) else _OTHER}
             for p in files]
    if media == formats.JSON.media_type:
        return JSONResponse({"dumps": items}, headers={"Vary": "Accept"})
    return TEMPLATES.TemplateResponse(request, "dumps.html", {"dumps": items}, headers={"Vary": "Accept"})


@router.get("/" + urls.DUMPS + "{name}", summary="One dump file",
            responses=responses(sorted({f.content_type for f in _FILE_FORMATS} | {_OTHER}), 304, 404))
def dump_file(name: str, request: Request) -> Response:
    """One dump file, with its ETag and Last-Modified; ``304`` when the client's copy is current.

    :raises NotFound: no dump file of that name.
    """
    files = {p.name: p for p in _files(request)}
    path = files.get(name)
    if path is None:
        raise NotFound(f"dump {name!r}")
    st = path.stat()
    etag = etag_of(path)
    headers = {"ETag": etag, "Last-Modified": http_date(st.st_mtime),
               "Cache-Control": "public, max-age=300"}
    if not_modified(request.headers, etag, st.st_mtime):
        return Response(status_code=304, headers=headers)
    fmt = _format_of(path)
    return FileResponse(path, media_type=fmt.content_type if fmt else _OTHER, headers=headers, filename=None,
                        stat_result=st)
