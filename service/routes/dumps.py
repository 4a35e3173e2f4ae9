"""``/dumps/``: the whole graph as files made at build time.

Each dump (Turtle, N-Triples, N-Quads with graph names, JSON-LD) and its gzipped copy is
served as a file with ``Content-Type``, ``Content-Length``, a strong ``ETag`` (SHA-256 of
the file), ``Last-Modified``, and ``304 Not Modified`` on a matching conditional GET
(RFC 9110 §13.1.1 If-None-Match, §13.1.3 If-Modified-Since, §15.4.5 304).
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from clusterkg.service.errors import NotFound
from clusterkg.service.http import not_modified
from clusterkg.service.negotiation import negotiate
from clusterkg.service.openapi import responses

__all__ = ["router", "DUMP_TYPES", "etag_of"]

router = APIRouter()

#: suffix -> media type of the dump files.
DUMP_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples; charset=utf-8",
    ".nq": "application/n-quads; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".gz": "application/gzip",
}


@functools.lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def etag_of(path: Path) -> str:
    """Strong ETag of a dump file: its SHA-256 (cached per file version)."""
    st = path.stat()
    return '"' + _sha256(str(path), st.st_size, st.st_mtime_ns) + '"'


def _files(request: Request) -> list[Path]:
    d = request.app.state.store.get().dumps_dir
    return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []


@router.get("/dumps/", summary="List of the dump files",
            responses=responses(["text/html", "application/json"], 406))
def listing(request: Request) -> Response:
    files = _files(request)
    base = request.app.state.settings.base_uri
    media = negotiate(request.headers.get("accept"), ["text/html", "application/json"])
    items = [{"name": p.name, "url": f"{base}dumps/{p.name}", "bytes": p.stat().st_size,
              "media_type": DUMP_TYPES.get(p.suffix, "application/octet-stream").split(";")[0]}
             for p in files]
    if media == "application/json":
        return JSONResponse({"dumps": items}, headers={"Vary": "Accept"})
    rows = "".join(f'<tr><td><a href="{i["url"]}">{i["name"]}</a></td><td>{i["media_type"]}</td>'
                   f'<td style="text-align:right">{i["bytes"]:,}</td></tr>' for i in items)
    return HTMLResponse(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>clusterkg dumps</title>"
                        f"</head><body><h1>Dumps</h1><table><tr><th>file</th><th>type</th><th>bytes</th></tr>{rows}"
                        "</table></body></html>", headers={"Vary": "Accept"})


@router.get("/dumps/{name}", summary="One dump file",
            responses=responses(sorted(set(DUMP_TYPES.values()) | {"application/octet-stream"}), 304, 404))
def dump_file(name: str, request: Request) -> Response:
    files = {p.name: p for p in _files(request)}
    path = files.get(name)
    if path is None:
        raise NotFound(f"dump {name!r}")
    st = path.stat()
    etag = etag_of(path)
    headers = {"ETag": etag, "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
               "Cache-Control": "public, max-age=300"}
    if not_modified(request.headers, etag, st.st_mtime):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=DUMP_TYPES.get(path.suffix, "application/octet-stream"),
                        headers=headers, filename=None, stat_result=st)
