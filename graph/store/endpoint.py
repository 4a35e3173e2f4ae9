"""Where a SPARQL server answers: ``sparql+http(s)://`` store URLs and the endpoints they name.

``CLUSTERKG_STORE=sparql+http://HOST:PORT/PATH`` names the server's query endpoint; the
Graph Store endpoint defaults to the same URL and is set with ``data=`` when it differs::

    sparql+http://admin:secret@127.0.0.1:3030/clusterkg/query?data=/clusterkg/data
    sparql+http://dba:secret@127.0.0.1:8890/sparql?data=/sparql-graph-crud-auth&auth=digest

Passwords never appear in messages (:attr:`RemoteEndpoint.url` is masked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:  # httpx is imported where it is used (0.15 s at start-up)
    import httpx

__all__ = ["RemoteEndpoint", "parse_store_url", "is_remote", "server_message", "VIRTUOSO_SYSTEM_GRAPHS"]


_SCHEMES = ("sparql+http://", "sparql+https://")


#: Graphs a fresh Virtuoso 7 holds for its own use; left out of the dataset queries see.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)


def is_remote(store: str | Path) -> bool:
    """True when ``store`` is a ``sparql+http(s)://`` URL rather than a folder."""
    return str(store).startswith(_SCHEMES)


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where a SPARQL server answers.

    :param query_url: SPARQL 1.1 Protocol query endpoint.
    :param data_url: SPARQL 1.1 Graph Store HTTP Protocol endpoint (indirect graph
        identification: ``?graph=IRI``, §4.2).
    :param user: user name (None: no authentication); ``password``: its password.
    :param auth: ``"basic"`` or ``"digest"`` (RFC 7617 / RFC 7616).
    :param dialect: ``"virtuoso"`` (its system graphs are left out of the dataset) or
        ``"standard"``; guessed from the URL (``auto``) when not given.
    :param exclude: more graph IRIs to leave out of the default graph and of ``GRAPH ?g``.
    :param query_auth: send the credentials with queries too; by default they go with
        writes only, so public queries run with the server's anonymous, read-only rights.
    :param url: the ``CLUSTERKG_STORE`` text, without the password.
    """

    query_url: str
    data_url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    dialect: str = "standard"
    exclude: tuple[str, ...] = ()
    url: str = ""
    query_auth: bool = False

    def client(self, timeout: float = 60.0, credentials: bool = True) -> httpx.Client:
        """An HTTP client, with this endpoint's credentials unless ``credentials`` is False
        (no proxies from the environment: the server is named explicitly)."""
        import httpx
        auth = None
        if self.user is not None and credentials:
            auth = (httpx.DigestAuth if self.auth == "digest" else httpx.BasicAuth)(self.user, self.password or "")
        return httpx.Client(auth=auth, timeout=timeout, trust_env=False)

    @property
    def excluded(self) -> tuple[str, ...]:
        """Graphs hidden from queries: the server's system graphs and ``exclude``."""
        return (VIRTUOSO_SYSTEM_GRAPHS if self.dialect == "virtuoso" else ()) + self.exclude


def _redacted(url: str) -> str:
    """``url`` with any password (``user:password@``, in the URL or its parameters) masked."""
    return re.sub(r"(//[^/@:?#]*):[^@]*@", r"\1:***@", url)


def parse_store_url(url: str) -> RemoteEndpoint:
    """Read a ``sparql+http(s)://[USER:PASSWORD@]HOST[:PORT]/PATH[?data=D&auth=A&dialect=X&exclude=G&query_auth=yes]``
    store URL. ``data`` (the Graph Store endpoint) may be a path (resolved against the
    query URL) or a full URL; it defaults to the query URL.

    :raises ValueError: naming CLUSTERKG_STORE and the part that is wrong.
    """
    shown_url = _redacted(url)
    if not is_remote(url):
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: a remote store URL starts with sparql+http:// or sparql+https://")
    parts = urlsplit(url[len("sparql+"):])
    if not parts.hostname:
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: no host name")
    try:
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: the port is not a number") from None
    params = parse_qs(parts.query, keep_blank_values=False)
    unknown = set(params) - {"data", "auth", "dialect", "exclude", "query_auth"}
    if unknown:
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                         "known: data, auth, dialect, exclude, query_auth")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    query_url = urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
    auth = params.get("auth", ["basic"])[-1]
    if auth not in ("basic", "digest"):
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: auth={auth!r}; use basic or digest")
    dialect = params.get("dialect", ["auto"])[-1]
    if dialect == "auto":
        dialect = "virtuoso" if "sparql-graph-crud" in parts.query or parts.port == 8890 else "standard"
    if dialect not in ("virtuoso", "standard"):
        raise ValueError(f"CLUSTERKG_STORE {shown_url!r}: dialect={dialect!r}; use virtuoso, standard or auto")
    shown = urlunsplit(("sparql+" + parts.scheme, (f"{parts.username}@" if parts.username else "") + netloc,
                        parts.path, parts.query, ""))
    return RemoteEndpoint(
        query_url=query_url,
        data_url=urljoin(query_url, params.get("data", [query_url])[-1]),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        auth=auth, dialect=dialect, exclude=tuple(params.get("exclude", [])), url=_redacted(shown),
        query_auth=params.get("query_auth", ["no"])[-1].lower() in ("yes", "true", "1"))


def server_message(resp: httpx.Response) -> str:
    """A server's error answer as one line (at most 2,000 characters)."""
    text = resp.text.strip()
    return " ".join(text.split())[:2000] or resp.reason_phrase
