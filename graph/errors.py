"""The one error tree of clusterkg's data side (read -> map -> validate -> store).

Shape of the tree::

    ClusterkgError
    ├── ProfileReadError (also ValueError)   input that cannot be read at all
    ├── ManifestError (also ValueError)      a manifest row that cannot be used
    ├── ValidationFailed                     a profile with SHACL violations (carries the report)
    └── StoreError                           the store cannot be opened, written or switched
        ├── QuerySyntaxError (also ValueError)  a malformed SPARQL query (parser's message kept)
        ├── QueryEvaluationError             a query that failed while being evaluated
        └── QueryTimeout                     a query ran past its wall-clock limit

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
    "ValidationFailed",
    "StoreError",
    "QuerySyntaxError",
    "QueryEvaluationError",
    "QueryTimeout",
]


class ClusterkgError(Exception):
    """Base class of every error clusterkg raises on purpose."""


class ProfileReadError(ClusterkgError, ValueError):
    """A profile file that cannot be read at all (not text, empty, unknown layout).

    :param message: what is wrong, for a person.
    :param source: the file path or URL the text came from.
    :param line: 1-based line number, or ``None`` when the whole file is at fault.
    :param column: 1-based column, or ``None``.

    ``str()`` gives ``source:line:column: message`` (the parts that are known), the form
    compilers and linters use, so editors can jump to the place.
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
    """A manifest (CSV) that cannot be used: missing column, bad date, unknown country.

    ``str()`` gives ``manifest:line: message``; ``line`` is the 1-based line of the CSV row.
    """

    def __init__(self, message: str, source: str, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


class ValidationFailed(ClusterkgError):
    """A profile's graph has SHACL violations, so it is not published.

    :param report: the :class:`clusterkg.graph.validate.ValidationReport` that says why.
    """

    def __init__(self, report):
        self.report = report
        super().__init__(report.text())


class StoreError(ClusterkgError):
    """The store cannot be opened, written or switched to a new generation."""


class QuerySyntaxError(StoreError, ValueError):
    """A SPARQL query the parser rejects; ``str()`` is the parser's own message."""


class QueryEvaluationError(StoreError):
    """A well-formed query that failed while it was evaluated (e.g. a type error the
    engine does not tolerate); ``str()`` is the engine's message."""


class QueryTimeout(StoreError):
    """A query ran past its wall-clock limit (seconds) and was stopped."""


class RemoteStoreError(StoreError):
    """The SPARQL server holding the graph failed, refused a write, or cannot be reached
    (served as HTTP 502 Bad Gateway, RFC 9110 §15.6.3)."""
