"""The one error tree of clusterkg: every error it raises on purpose is a :class:`ClusterkgError`.

Shape of the tree::

    ClusterkgError
    ├── ProfileReadError (also ValueError)   an input file that cannot be read at all
    ├── ManifestError (also ValueError)      a manifest or alias table that cannot be used
    ├── NothingToPublish                     a build in which no profile passed (clusterkg.graph.build)
    ├── StoreError                           the store cannot be opened, read, written or switched
    │   ├── QuerySyntaxError (also ValueError)  a malformed SPARQL query (parser's message kept)
    │   ├── QueryEvaluationError             a query that failed while being evaluated
    │   ├── QueryTimeout                     a query ran past its wall-clock limit and was stopped
    │   └── RemoteStoreError                 the SPARQL server holding the graph failed
    └── ServiceError                         a request the HTTP service refuses (clusterkg.service.errors)
        ├── BadRequest                       400  the request breaks the protocol
        ├── ResultTooLarge                   400  a result over the limit in a format not streamed
        │   └── NotSerializable              400  a result the format cannot express
        ├── QueryRefused                     403  an update, SERVICE, or a server extension
        ├── NotFound                         404  nothing known about the resource or file
        ├── NotAcceptable                    406  no offered media type fits Accept
        ├── PayloadTooLarge                  413  a request body over the limit
        ├── UnsupportedMediaType             415  a request body type not taken
        └── Busy                             503  every query worker is in use

The data side (this package) raises the upper branches; the service's branch lives in
:mod:`clusterkg.service.errors`, which also maps every error to its HTTP status, once. A
test keeps this drawing and the classes in step.

Oddities a reader can recover from (an unknown label, a truncated page, a value whose
label was lost in the printed view) are not exceptions: they are
:class:`clusterkg.graph.read.profile.ReadIssue` entries collected on the profile, in the
manner of feedparser's ``bozo`` flag.
"""

from __future__ import annotations

__all__ = [
    "ClusterkgError",
    "ProfileReadError",
    "ManifestError",
    "StoreError",
    "QuerySyntaxError",
    "QueryEvaluationError",
    "QueryTimeout",
    "RemoteStoreError",
]


class ClusterkgError(Exception):
    """Base class of every error clusterkg raises on purpose."""


class ProfileReadError(ClusterkgError, ValueError):
    """An input file that cannot be read at all (not text, empty, unknown layout).

    :param message: what is wrong, for a person.
    :param source: the file path or URL the text came from.
    :param line: 1-based line number, or ``None`` when the whole file is at fault.
    :param column: 1-based column, or ``None``.

    ``str()`` gives ``source:line:column: message`` (the parts that are known), the form
    compilers and linters use, so editors can jump to the place.

    >>> str(ProfileReadError("binary data", "a.txt", 3))
    'a.txt:3: binary data'
    """

    def __init__(self, message: str, source: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class ManifestError(ClusterkgError, ValueError):
    """A manifest (CSV) or network alias table that cannot be used: missing column, bad
    date, unknown country.

    ``str()`` gives ``file:line: message``; ``line`` is the 1-based line of the CSV row.
    """

    def __init__(self, message: str, source: str, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


class StoreError(ClusterkgError):
    """The store cannot be opened, read, written or switched to a new generation."""


class QuerySyntaxError(StoreError, ValueError):
    """A SPARQL query the parser rejects; ``str()`` is the parser's own message (with its
    line and column)."""


class QueryEvaluationError(StoreError):
    """A well-formed query that failed while it was evaluated (e.g. a type error the
    engine does not tolerate); ``str()`` is the engine's message."""


class QueryTimeout(StoreError):
    """A query produced no answer within its wall-clock limit and was stopped.

    :param timeout: the limit, seconds.
    """

    def __init__(self, timeout: float):
        self.timeout = timeout
        super().__init__(f"the query ran for more than {timeout:g} s and was stopped "
                         "(CLUSTERKG_QUERY_TIMEOUT); narrow it down or add a LIMIT")


class RemoteStoreError(StoreError):
    """The SPARQL server holding the graph failed, refused a write, or cannot be reached
    (served as HTTP 502 Bad Gateway, RFC 9110 §15.6.3)."""
