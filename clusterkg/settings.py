"""Configuration, in one place: the ``CLUSTERKG_*`` environment variables (and the
reproducible-builds ``SOURCE_DATE_EPOCH``), overridden by command-line flags, with defaults
that work on a laptop.

:class:`Settings` declares each variable once, as a field (pydantic-settings, prefix
``CLUSTERKG_``): its type, its default, its meaning and its check. :meth:`Settings.from_env`
reads the variables and applies the flags; every error is a ``ValueError`` that names the
variable. :func:`configuration_table` draws the variables as the README's "Configuration"
table, and a test keeps the two equal.

The publisher defaults are those of :class:`~clusterkg.graph.publish.catalog.Publishing`,
read from it, so they are written once.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from importlib.resources import files as _package_files
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from clusterkg.graph.publish.catalog import Publishing
from clusterkg.graph.reconcile.matching import MatchPolicy
from clusterkg.graph.validate.engines import DEFAULT_ENGINE, ENGINES

__all__ = ["Settings", "bundled_data", "configuration_table", "default_store", "default_worker_memory"]


def bundled_data() -> Path:
    """The folder of the bundled real profiles (``data/`` in the package)."""
    return Path(str(_package_files("clusterkg.data")))


def default_store() -> Path:
    """``$XDG_DATA_HOME/clusterkg/store``, or ``~/.local/share/clusterkg/store`` (a
    relative ``XDG_DATA_HOME`` is ignored, as the XDG Base Directory spec says)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):
        base = str(Path.home() / ".local" / "share")
    return Path(base) / "clusterkg" / "store"


_BAD_IRI = re.compile(r'[\s<>"{}|\\^`]')
#: the publisher's fields, shared with the catalogue's Publishing, and their defaults there
_PUBLISHING: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(Publishing)
                               if f.name in ("publisher_name", "publisher_uri", "contact_email", "license")}
#: counts and durations that may be 0 (no queue, no cache)
_ZERO_ALLOWED = ("query_queue", "cache_bytes")
_MIB = 1024 * 1024
#: Least memory a query worker may be given: opening the store takes about 100 MiB.
_WORKER_MEMORY_MIN = 256 * _MIB


def default_worker_memory(workers: int | None = None) -> int:
    """The default of ``CLUSTERKG_WORKER_MEMORY``: half the machine's memory shared by the
    query workers and one spare (the pool may hold one more worker while it moves a query
    out of the look-up lane), between 512 MiB and 2 GiB, in whole MiB.

    :param workers: the number of query workers (default: twice the cores).
    :return: bytes.
    """
    workers = workers or 2 * (os.cpu_count() or 1)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 * 1024 * _MIB
    share = total // 2 // (workers + 1)
    return min(2048 * _MIB, max(512 * _MIB, share)) // _MIB * _MIB


#: Field metadata of an attribute that no variable sets by itself.
_DERIVED: dict[str, Any] = {"variable": None}


def _shown(text: str) -> dict[str, Any]:
    """Field metadata: how the README shows a default that is computed, not a constant."""
    return {"shown": text}


def _metadata(field: FieldInfo) -> dict[str, Any]:
    """A field's own metadata (``json_schema_extra``): ``shown``, ``variable``."""
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def served_base(host: str, port: int) -> str:
    """The base URI of a server listening on ``host``:``port``: ``http://host:port/``, with
    an IPv6 address in brackets (RFC 3986 §3.2.2) and 127.0.0.1 for a wildcard address
    (0.0.0.0, ::), which names no host a client can reach.

    >>> served_base("127.0.0.1", 18001), served_base("::1", 80), served_base("0.0.0.0", 8000)
    ('http://127.0.0.1:18001/', 'http://[::1]:80/', 'http://127.0.0.1:8000/')
    """
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _number(value: Any, kind: type, error: str) -> Any:
    """``value`` read as a ``kind`` when it is text (a variable's value), else as it is.

    :raises ValueError: with the message ``error``, when the text is not a ``kind``.
    """
    if not isinstance(value, str):
        return value
    try:
        return kind(value)
    except ValueError:
        raise ValueError(error) from None


class Settings(BaseSettings):
    """Resolved configuration: one field per variable (see :func:`configuration_table`),
    plus ``remote``, the ``sparql+http(s)://`` store URL when the graph lives in a SPARQL
    server (else None; ``store`` is then the folder of the published files).

    Build it with :meth:`from_env`; ``Settings(**values)`` takes the values as they are
    (checked, but without reading any variable). Frozen; ``model_copy(update=...)`` makes a
    changed copy.

    :raises pydantic.ValidationError: (a ``ValueError``) for a value that fails its check.
    """

    model_config = SettingsConfigDict(env_prefix="CLUSTERKG_", frozen=True, populate_by_name=True, extra="forbid")

    base_uri: str = Field(
        "", description="base of every minted IRI (absolute, ends in `/`); `serve` rebuilds or refuses a store "
                        "built for another base",
        json_schema_extra=_shown("the address served, `http://{host}:{port}/`"))
    base_uri_given: bool = Field(False, description="True when the base URI was set, not derived from host and port",
                                 json_schema_extra=_DERIVED)
    store: Path = Field(
        default_factory=default_store,
        description='the store folder, or a SPARQL server: `sparql+http://...` (see "Store")',
        json_schema_extra=_shown("`$XDG_DATA_HOME/clusterkg/store`, or `~/.local/share/clusterkg/store` "
                                 "when `XDG_DATA_HOME` is unset"))
    remote: str | None = Field(None, description="the store's SPARQL server, as its `sparql+http(s)://` URL",
                               json_schema_extra=_DERIVED)
    files: Path | None = Field(
        None, description="with a SPARQL server as the store: the folder of the published files "
                          "(dumps, catalogue, VoID, feed)",
        json_schema_extra=_shown("the default store folder"))
    data: tuple[Path, ...] = Field(
        default_factory=lambda: (bundled_data(),),
        description="what `serve` builds when the store is empty (`:`-separated paths)",
        json_schema_extra=_shown("the bundled `data/`"))
    merge_score: float = Field(
        MatchPolicy.merge, description="the score (0-1) from which the build takes two records (of a cluster or a "
                                       "member organisation) for one (see \"Sources and reconciliation\")")
    review_score: float = Field(
        MatchPolicy.review, description="the score from which a pair of records below the merge score goes to the "
                                        "review file, `meta/review.csv`")
    shacl_engine: str = Field(
        DEFAULT_ENGINE, description="the SHACL engine of `build` (and of `serve`'s first build): `turbo` "
                                    "(pyshacl-turbo, in Rust; a build with pyshacl took 1.35-1.57 times as long) or "
                                    "`pyshacl` (the reference, and `validate`'s engine); tests hold the two to the "
                                    "same reports")
    host: str = Field("127.0.0.1", description="listen address of `serve`")
    port: int = Field(8000, description="listen port of `serve`")
    access_log: bool = Field(False, description="log one line per request (uvicorn's access log) on standard "
                                                "error; off by default, as it slows the web process down")
    publisher_name: str = Field(_PUBLISHING["publisher_name"],
                                description="the catalogue's publisher (`foaf:name`) and contact name")
    publisher_uri: str | None = Field(_PUBLISHING["publisher_uri"], description="the publisher's IRI",
                                      json_schema_extra=_shown("`{base}catalog#publisher`"))
    contact_email: str = Field(_PUBLISHING["contact_email"],
                               description="the catalogue's contact point (`vcard:hasEmail`)")
    license: str = Field(_PUBLISHING["license"], description="licence of the data (an EU licence table IRI)")
    catalog_page_size: int = Field(50, description="datasets per `/catalog?page=N`")
    feed_page_size: int = Field(50, description="members per page of one day of the change feed (`/feed/{day}`)")
    dcat_ap_shapes: Path | None = Field(
        None, description="folder of the DCAT-AP 2.1.1 SHACL shapes, for `catalog --score`")
    query_timeout: float = Field(30.0, description="wall-clock limit of one query, seconds")
    max_rows: int = Field(100_000, description="rows (or triples) one query may return; more are cut with a marker")
    max_response_bytes: int = Field(256 * _MIB, description="bytes one answer may have; more are cut with a marker")
    # twice the cores: a short query finds a free worker while long ones hold the cores
    # (bench/RESULTS.md: p99 of the simple lookups 856 ms with 2 workers, 415 ms with 4)
    query_workers: int = Field(
        default_factory=lambda: 2 * (os.cpu_count() or 1),
        description="worker processes, i.e. queries running at once (each holds about 100 MiB)",
        json_schema_extra=_shown("twice the number of cores"))
    worker_memory: int = Field(
        default_factory=lambda data: default_worker_memory(data.get("query_workers")),
        description="bytes of memory one query worker may hold (`RLIMIT_DATA`; at rest a worker holds "
                    "about 100 MiB); a query that needs more gets `400` and its worker is replaced",
        json_schema_extra=_shown("half the machine's memory shared by the workers and one spare, "
                                 "between 512 MiB and 2 GiB"))
    lookup_timeout: float = Field(
        1.0, description="seconds a query may hold the look-up lane's worker; past that it is moved to "
                         "the general lane, and queries of the same shape go there from then on")
    doc_page_size: int = Field(
        500, description="values of one property, and parts, on one page of a resource document; more "
                         "are on `?page=2`, ...")
    cache_bytes: int = Field(64 * _MIB, description="response cache for complete SPARQL answers of the current "
                                                    "snapshot (LRU by bytes); `0` turns it off")
    query_queue: int = Field(32, description="requests that may wait for a worker; beyond, `503`")
    queue_wait: float = Field(10.0, description="seconds a request waits for a worker before `503`")
    service_allow: tuple[str, ...] = Field(
        (), description="space-separated endpoint IRIs `SERVICE` may call; empty: `SERVICE` is refused")
    max_header_bytes: int = Field(
        64 * 1024, description="bytes of one request's head (request line and header fields, at most 100 fields); "
                               "more: `431` and the connection is closed")
    header_timeout: float = Field(
        10.0, description="seconds a client has to send a request's head, from when the connection opens or the "
                          "previous answer ends, and as many again for its body; else the connection is closed "
                          "(`408` when part of a request came)")
    max_connections: int = Field(
        1024, description="open HTTP connections; one more gets `503` with `Retry-After` at once and is closed")
    source_date_epoch: int | None = Field(
        None, validation_alias="SOURCE_DATE_EPOCH",
        description="the time a build records (build record, catalogue, change feed), in seconds since "
                    "1970, so that a build can be repeated bit for bit (reproducible-builds.org); not a "
                    "whole number: ignored",
        json_schema_extra=_shown("the current time"))

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: the variables are read by :meth:`from_env`, from the
        mapping it is given."""
        return (init_settings,)

    @classmethod
    def variable(cls, name: str) -> str | None:
        """The variable that sets field ``name``: its alias, else ``CLUSTERKG_`` and the
        name in capitals (pydantic-settings' rule); None for ``remote``, which
        ``CLUSTERKG_STORE`` sets.

        >>> Settings.variable("query_workers"), Settings.variable("source_date_epoch")
        ('CLUSTERKG_QUERY_WORKERS', 'SOURCE_DATE_EPOCH')
        """
        field = cls.model_fields[name]
        if _metadata(field).get("variable", "") is None:
            return None
        alias = field.validation_alias
        return alias if isinstance(alias, str) else cls.model_config["env_prefix"] + name.upper()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from the variables in ``env`` (default: ``os.environ``; an empty one
        counts as unset), then ``overrides`` by field name (the command-line flags; None =
        not given).

        ``CLUSTERKG_STORE`` and ``store`` name a folder or a SPARQL server; with a server,
        the published files stay in the folder named before (``CLUSTERKG_FILES``, a folder
        ``CLUSTERKG_STORE``, else the default).

        :raises ValueError: naming the variable (for the base URI and the port, the flag
            too) of the first value that fails its check: a port, count or duration that is
            not a number or out of range, a base URI, publisher IRI, licence or e-mail
            address of the wrong form, a malformed store URL (its password never shown).
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        values: dict[str, Any] = _Variables(cls, env)()
        named = values.pop("store", None)
        if "files" in values:
            values["store"] = values["files"]
        _place_store(values, named)
        _place_store(values, given.pop("store", None))
        try:
            return cls(**{**values, **given})
        except ValidationError as exc:
            raise _naming_the_variable(cls, exc) from None

    def endpoint(self):
        """The :class:`~clusterkg.graph.store.endpoint.RemoteEndpoint` of a remote store, or None."""
        from clusterkg.graph.store.endpoint import parse_store_url

        return parse_store_url(self.remote) if self.remote else None

    def policy(self) -> MatchPolicy:
        """The :class:`~clusterkg.graph.reconcile.MatchPolicy` of the build's reconcile stage."""
        return MatchPolicy(self.merge_score, self.review_score)

    def publishing(self) -> Publishing:
        """The :class:`~clusterkg.graph.publish.catalog.Publishing` for the catalogue."""
        return Publishing(**{name: getattr(self, name) for name in _PUBLISHING})

    # -- checks; a ValueError's text is the message from_env raises
    @model_validator(mode="before")
    @classmethod
    def _derived_base(cls, values: Any) -> Any:
        """No base URI given: the address ``serve`` listens on (:func:`served_base`)."""
        if isinstance(values, dict):
            given = bool(values.get("base_uri"))
            values = {**values, "base_uri_given": given}
            if not given:
                try:
                    port = int(values.get("port", 8000))
                except (TypeError, ValueError):
                    port = 8000  # the port's own check names the error
                values["base_uri"] = served_base(str(values.get("host") or "127.0.0.1"), port)
        return values

    @field_validator("base_uri")
    @classmethod
    def _base_uri(cls, value: str) -> str:
        if (not value.startswith(("http://", "https://")) or not value.endswith("/")
                or _BAD_IRI.search(value) or len(value.split("/")[2]) == 0):
            raise ValueError(f"base URI (--base-uri / CLUSTERKG_BASE_URI) {value!r} must be an absolute "
                             "http(s) IRI ending in '/', with no spaces or <>\"{}|\\^`")
        return value

    @field_validator("shacl_engine")
    @classmethod
    def _shacl_engine(cls, value: str) -> str:
        if value not in ENGINES:
            raise ValueError(f"SHACL engine (--shacl-engine / CLUSTERKG_SHACL_ENGINE) {value!r} is none of "
                             + ", ".join(ENGINES))
        return value

    @field_validator("store", mode="before")
    @classmethod
    def _store_folder(cls, value: Any) -> Any:
        if str(value).startswith(("sparql+http:", "sparql+https:")):  # a server's URL is no folder (one was made so)
            raise ValueError("store: a SPARQL server's URL goes to Settings.from_env(store=...), which sets "
                             "remote and keeps the files in a folder; store itself is that folder")
        return value

    @field_validator("remote")
    @classmethod
    def _remote(cls, value: str | None) -> str | None:
        if value is not None:
            from clusterkg.graph.store.endpoint import parse_store_url

            parse_store_url(value)  # raises ValueError naming CLUSTERKG_STORE, password hidden
        return value

    @field_validator("data", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return tuple(Path(p) for p in value.split(os.pathsep) if p) if isinstance(value, str) else value

    @field_validator("service_allow", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        return tuple(value.split()) if isinstance(value, str) else value

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        value = _number(value, int, f"port (CLUSTERKG_PORT) {value!r} is not a port number")
        if not 0 < value < 65536:
            raise ValueError(f"port (--port / CLUSTERKG_PORT) {value} is not a port number (1-65535)")
        return value

    @field_validator("catalog_page_size", "feed_page_size", "query_timeout", "max_rows", "max_response_bytes",
                     "query_workers", "worker_memory", "lookup_timeout", "doc_page_size", "cache_bytes", "query_queue",
                     "queue_wait", "max_header_bytes", "header_timeout", "max_connections", mode="before")
    @classmethod
    def _amount(cls, value: Any, info: ValidationInfo) -> Any:
        name = str(info.field_name)
        variable = cls.variable(name)
        kind = float if cls.model_fields[name].annotation is float else int
        value = _number(value, kind, f"{variable}: {value!r} is not a number")
        if value < 0 or (value == 0 and name not in _ZERO_ALLOWED):
            raise ValueError(f"{variable} must be more than 0")
        if name == "worker_memory" and value < _WORKER_MEMORY_MIN:
            raise ValueError(f"{variable} must be at least {_WORKER_MEMORY_MIN} (256 MiB): a query worker "
                             "needs about 100 MiB to open the store")
        return value

    @field_validator("merge_score", "review_score", mode="before")
    @classmethod
    def _score(cls, value: Any, info: ValidationInfo) -> Any:
        variable = cls.variable(str(info.field_name))
        value = _number(value, float, f"{variable}: {value!r} is not a number")
        if not 0 < value <= 1:
            raise ValueError(f"{variable} must be a score above 0 and at most 1")
        return value

    @model_validator(mode="after")
    def _scores_in_order(self) -> "Settings":
        if self.review_score > self.merge_score:
            raise ValueError(f"CLUSTERKG_REVIEW_SCORE ({self.review_score:g}) must not be above "
                             f"CLUSTERKG_MERGE_SCORE ({self.merge_score:g})")
        return self

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value or _BAD_IRI.search(value):
            raise ValueError(f"CLUSTERKG_CONTACT_EMAIL: {value!r} is not an e-mail address")
        return value

    @field_validator("license", "publisher_uri")
    @classmethod
    def _http_iri(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and (not value.startswith(("http://", "https://")) or _BAD_IRI.search(value)):
            raise ValueError(f"{cls.variable(str(info.field_name))}: {value!r} is not an http(s) IRI")
        return value

    @field_validator("source_date_epoch", mode="before")
    @classmethod
    def _epoch(cls, value: Any) -> Any:
        if isinstance(value, str):  # the convention: a whole number of seconds, else no effect
            return int(value) if value.isdigit() else None
        return value


class _Variables(PydanticBaseSettingsSource):
    """The settings source of :meth:`Settings.from_env`: the value of each field's variable
    in one mapping (``os.environ`` by default), as text. Names match exactly, and an empty
    variable counts as unset."""

    def __init__(self, settings_cls: type[Settings], environ: Mapping[str, str] | None = None):
        super().__init__(settings_cls)
        self.settings = settings_cls
        self.environ = os.environ if environ is None else environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The text of ``field_name``'s variable, or None; its key; False (not complex)."""
        variable = self.settings.variable(field_name)
        return (self.environ.get(variable) or None) if variable else None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """Field name -> text, for each variable that is set."""
        found = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _complex = self.get_field_value(field, name)
            if value is not None:
                found[key] = value
        return found


def _place_store(values: dict[str, Any], named: str | Path | None) -> None:
    """Apply one store name (``CLUSTERKG_STORE``, then ``--store``) to ``values``: a
    SPARQL server's URL (checked now, even if a flag then names another store) sets
    ``remote``, and the files stay in the folder named so far; a folder sets ``store`` and
    clears ``remote``.

    :raises ValueError: a malformed store URL, naming ``CLUSTERKG_STORE``.
    """
    if named is None:
        return
    from clusterkg.graph.store.endpoint import is_remote, parse_store_url

    if is_remote(named):
        parse_store_url(str(named))
        values["remote"] = str(named)
    else:
        values["store"], values["remote"] = Path(named), None


def _naming_the_variable(cls: type[Settings], exc: ValidationError) -> ValueError:
    """The first error of ``exc`` as a plain ValueError: a check's own message, or
    pydantic's, after the name of the variable."""
    first = exc.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError):
        return ValueError(str(cause))
    name = str(first["loc"][0]) if first["loc"] else ""
    where = (cls.variable(name) if name in cls.model_fields else None) or name
    return ValueError(f"{where}: {first['input']!r}: {first['msg']}")


def configuration_table(settings_cls: type[Settings] = Settings) -> str:
    """The variables as the README's "Configuration" table (Markdown): variable, default,
    meaning, one row per field in declaration order.

    >>> print(next(r for r in configuration_table().splitlines() if "_HOST`" in r))
    | `CLUSTERKG_HOST` | `127.0.0.1` | listen address of `serve` |
    """
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in settings_cls.model_fields.items():
        variable = settings_cls.variable(name)
        if variable is not None:
            rows.append(f"| `{variable}` | {_default_text(name, field)} | {field.description} |")
    return "\n".join(rows) + "\n"


def _default_text(name: str, field: FieldInfo) -> str:
    """How the table shows a field's default: its ``shown`` text, else the value (byte
    counts also in MiB; none: ``(none)``; an empty list: ``(empty)``)."""
    shown = _metadata(field).get("shown")
    if shown is not None:
        return str(shown)
    value = field.default
    if value is None:
        return "(none)"
    if value == ():
        return "(empty)"
    text = f"`{value:g}`" if isinstance(value, float) else f"`{value}`"
    if name.endswith("_bytes") and value % _MIB == 0:
        text += f" ({value // _MIB} MiB)"
    elif name.endswith("_bytes") and value % 1024 == 0:
        text += f" ({value // 1024} KiB)"
    return text
