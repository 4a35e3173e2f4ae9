"""Configuration, in one place: ``CLUSTERKG_*`` environment variables, overridden by
command-line flags, with defaults that work on a laptop.

============================ ============================================ =========================
variable                     meaning                                      default
============================ ============================================ =========================
``CLUSTERKG_BASE_URI``       base of every minted IRI (ends in ``/``)     ``http://127.0.0.1:8000/``
``CLUSTERKG_STORE``          the store folder, or a SPARQL server:        ``$XDG_DATA_HOME/clusterkg/store``
                             ``sparql+http://HOST:PORT/PATH?...`` (see    (``~/.local/share/...``)
                             :mod:`clusterkg.graph.store.remote`)
``CLUSTERKG_FILES``          with a SPARQL server as the store: the       the default store folder
                             folder of the published files (dumps,
                             catalogue, VoID, feed)
``CLUSTERKG_DATA``           profile folders/files ``serve`` builds from  the bundled ``data/``
                             when the store is empty (``:``-separated)
``CLUSTERKG_HOST``           address ``serve`` listens on                 ``127.0.0.1``
``CLUSTERKG_PORT``           port ``serve`` listens on                    ``8000``
``CLUSTERKG_QUERY_WORKERS``  query worker processes                       twice the number of cores
``CLUSTERKG_CACHE_BYTES``    response cache budget, bytes (0: no cache)   ``67108864`` (64 MiB)
============================ ============================================ =========================
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

from clusterkg.graph.map.vocab import DEFAULT_BASE_URI

__all__ = ["Settings", "bundled_data", "default_store"]


def bundled_data() -> Path:
    """The folder of the bundled real profiles (``data/`` in the package)."""
    return Path(str(files("clusterkg.data")))


def default_store() -> Path:
    """``$XDG_DATA_HOME/clusterkg/store``, or ``~/.local/share/clusterkg/store`` (a
    relative ``XDG_DATA_HOME`` is ignored, as the XDG Base Directory spec says)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):
        base = str(Path.home() / ".local" / "share")
    return Path(base) / "clusterkg" / "store"


_BAD_IRI = re.compile(r'[\s<>"{}|\\^`]')


@dataclass(frozen=True)
class Settings:
    """Resolved configuration (see the module docstring for the variables).

    :param base_uri: base of minted IRIs, absolute, ending in ``/``.
    :param store: the store folder (with a remote store: the folder of the published files).
    :param remote: the ``sparql+http(s)://`` store URL when the graph lives in a SPARQL
        server, else None.
    :param data: profile files/folders to build from when the store is empty.
    :param host: listen address; ``port``: listen port (1-65535).
    """

    base_uri: str = DEFAULT_BASE_URI
    store: Path = field(default_factory=default_store)
    remote: str | None = None
    data: tuple[Path, ...] = field(default_factory=lambda: (bundled_data(),))
    host: str = "127.0.0.1"
    port: int = 8000
    catalog_page_size: int = 50
    query_timeout: float = 30.0
    max_rows: int = 100_000
    max_response_bytes: int = 256 * 1024 * 1024
    # twice the cores: a short query finds a free worker while long ones hold the cores
    # (bench/RESULTS.md: p99 of the simple lookups 856 ms with 2 workers, 415 ms with 4)
    query_workers: int = field(default_factory=lambda: 2 * (os.cpu_count() or 1))
    query_queue: int = 32
    queue_wait: float = 10.0
    service_allow: tuple[str, ...] = ()
    cache_bytes: int = 64 * 1024 * 1024
    publisher_name: str = "clusterkg publisher"
    publisher_uri: str | None = None
    contact_email: str = "data@example.org"
    license: str = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    source_date_epoch: int | None = None

    def _with_store(self, store: str) -> "Settings":
        """These settings with the store named by ``store``: a folder, or a remote URL
        (checked; the published files then stay in the store folder)."""
        from clusterkg.graph.store.remote import is_remote, parse_store_url

        if is_remote(store):
            parse_store_url(store)  # raises ValueError naming CLUSTERKG_STORE
            return replace(self, remote=store)
        return replace(self, store=Path(store), remote=None)

    def endpoint(self):
        """The :class:`~clusterkg.graph.store.remote.RemoteEndpoint` of a remote store, or None."""
        from clusterkg.graph.store.remote import parse_store_url

        return parse_store_url(self.remote) if self.remote else None

    def publishing(self):
        """The :class:`~clusterkg.graph.publish.catalog.Publishing` for the catalogue."""
        from clusterkg.graph.publish.catalog import Publishing

        return Publishing(publisher_name=self.publisher_name, publisher_uri=self.publisher_uri,
                          contact_email=self.contact_email, license=self.license)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Settings from ``CLUSTERKG_*`` variables, then ``overrides`` (None = not given).

        :raises ValueError: naming the variable, for a bad port or base URI.
        """
        env = dict(os.environ if env is None else env)
        s = cls()
        if env.get("CLUSTERKG_BASE_URI"):
            s = replace(s, base_uri=env["CLUSTERKG_BASE_URI"])
        if env.get("CLUSTERKG_FILES"):
            s = replace(s, store=Path(env["CLUSTERKG_FILES"]))
        if env.get("CLUSTERKG_STORE"):
            s = s._with_store(env["CLUSTERKG_STORE"])
        if env.get("CLUSTERKG_DATA"):
            s = replace(s, data=tuple(Path(p) for p in env["CLUSTERKG_DATA"].split(os.pathsep) if p))
        if env.get("CLUSTERKG_HOST"):
            s = replace(s, host=env["CLUSTERKG_HOST"])
        if env.get("CLUSTERKG_PORT"):
            try:
                s = replace(s, port=int(env["CLUSTERKG_PORT"]))
            except ValueError:
                raise ValueError(f"port (CLUSTERKG_PORT) {env['CLUSTERKG_PORT']!r} is not a port number") from None
        for var, attr in (("CLUSTERKG_PUBLISHER_NAME", "publisher_name"), ("CLUSTERKG_PUBLISHER_URI", "publisher_uri"),
                          ("CLUSTERKG_CONTACT_EMAIL", "contact_email"), ("CLUSTERKG_LICENSE", "license")):
            if env.get(var):
                s = replace(s, **{attr: env[var]})
        for var, attr, kind in (("CLUSTERKG_CATALOG_PAGE_SIZE", "catalog_page_size", int),
                                ("CLUSTERKG_QUERY_TIMEOUT", "query_timeout", float),
                                ("CLUSTERKG_MAX_ROWS", "max_rows", int),
                                ("CLUSTERKG_MAX_RESPONSE_BYTES", "max_response_bytes", int),
                                ("CLUSTERKG_QUERY_WORKERS", "query_workers", int),
                                ("CLUSTERKG_QUERY_QUEUE", "query_queue", int),
                                ("CLUSTERKG_QUEUE_WAIT", "queue_wait", float),
                                ("CLUSTERKG_CACHE_BYTES", "cache_bytes", int)):
            if env.get(var):
                try:
                    value = kind(env[var])
                except ValueError:
                    raise ValueError(f"{var}: {env[var]!r} is not a number") from None
                if value < 0 or (value == 0 and var not in ("CLUSTERKG_QUERY_QUEUE", "CLUSTERKG_CACHE_BYTES")):
                    raise ValueError(f"{var} must be more than 0")
                s = replace(s, **{attr: value})
        if env.get("SOURCE_DATE_EPOCH", "").isdigit():
            s = replace(s, source_date_epoch=int(env["SOURCE_DATE_EPOCH"]))
        if env.get("CLUSTERKG_SERVICE_ALLOW"):
            s = replace(s, service_allow=tuple(x for x in env["CLUSTERKG_SERVICE_ALLOW"].split() if x))
        given = {k: v for k, v in overrides.items() if v is not None}
        if "store" in given:
            s = s._with_store(str(given.pop("store")))
        if "data" in given:
            given["data"] = tuple(Path(p) for p in given["data"])
        s = replace(s, **given)
        if (not s.base_uri.startswith(("http://", "https://")) or not s.base_uri.endswith("/")
                or _BAD_IRI.search(s.base_uri) or len(s.base_uri.split("/")[2]) == 0):
            raise ValueError(f"base URI (--base-uri / CLUSTERKG_BASE_URI) {s.base_uri!r} must be an absolute "
                             "http(s) IRI ending in '/', with no spaces or <>\"{}|\\^`")
        if not 0 < s.port < 65536:
            raise ValueError(f"port (--port / CLUSTERKG_PORT) {s.port} is not a port number (1-65535)")
        if s.catalog_page_size < 1:
            raise ValueError("CLUSTERKG_CATALOG_PAGE_SIZE must be 1 or more")
        if "@" not in s.contact_email or _BAD_IRI.search(s.contact_email):
            raise ValueError(f"CLUSTERKG_CONTACT_EMAIL: {s.contact_email!r} is not an e-mail address")
        for name in ("license", "publisher_uri"):
            value = getattr(s, name)
            if value is not None and (not value.startswith(("http://", "https://")) or _BAD_IRI.search(value)):
                raise ValueError(f"CLUSTERKG_{name.upper()}: {value!r} is not an http(s) IRI")
        return s
