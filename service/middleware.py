"""Cross-cutting HTTP behaviour: HEAD for every GET route, security headers, clients
that leave while their request is read.

* ``HEAD``: a pure ASGI middleware answers HEAD on any GET route by running the GET and
  dropping the body (RFC 9110 §9.3.2: HEAD is GET without content), so no route can forget
  it; the scope says so (:data:`HEAD_FLAG`) for a route whose body costs to make.
* Security headers on every response: ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``; on HTML pages (every one of them: the service has no
  page exempt, and none loads anything from another host) also a
  ``Content-Security-Policy`` (:data:`CSP`) that allows our own stylesheet and images,
  inline styles, and no script, and ``X-Frame-Options: DENY``. The query editor's page
  sets its own (:data:`EDITOR_CSP`): scripts and requests to this server only.
* A client that goes away while its request body is being read (or whose connection the
  server closed at the request deadline, :mod:`clusterkg.service.server`) has nobody to
  answer: :class:`ClientGone` ends the request quietly instead of logging a traceback
  for each.

CORS (read-only, no credentials) is Starlette's ``CORSMiddleware``, added by the app.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect

from clusterkg.graph import formats

__all__ = ["ClientGone", "HeadAsGet", "SecurityHeaders", "CSP", "EDITOR_CSP", "HEAD_FLAG"]

_HTML = formats.HTML.media_type.encode()
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
#: The query editor's page: the same, and its scripts and their requests, from this server only.
EDITOR_CSP = CSP + "; script-src 'self'; connect-src 'self'; font-src 'self' data:"


#: Set in the scope of a HEAD request run as GET, for a route whose body costs to make.
HEAD_FLAG = "clusterkg.head"


class HeadAsGet:
    """Runs HEAD requests as GET and sends the headers only; the scope says so
    (:data:`HEAD_FLAG`), so a route may skip making a costly body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        scope = dict(scope, method="GET", **{HEAD_FLAG: True})

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_headers_only)


class SecurityHeaders:
    """Adds the security headers described in the module docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if ctype.startswith(_HTML):
                    extra += [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]
                headers += [(k, v) for k, v in extra if k not in names]
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, with_headers)


class ClientGone:
    """Ends a request quietly when its client left while the request was being read
    (Starlette's ``ClientDisconnect``): there is no one to answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            return
