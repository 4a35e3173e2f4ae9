"""What of the site index a rebuild must read again: the clusters the changed lines of the
current view touch (:func:`touched_clusters`, see
:func:`~clusterkg.graph.publish.site.write_site_index`). Only an index that still has the
digest recorded beside it when it was written (``site.sqlite.sha256``,
:func:`~.digests.record_digest`) is updated: SQLite keeps no checksums.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Callable, Iterable

from clusterkg.graph.publish.digests import file_sha256, recorded_digest

__all__ = ["touched_clusters", "MAX_SHARE", "MIN_UPDATE", "MAX_CHANGED_NODES"]

_Select = Callable[[str], Iterable[tuple]]

#: An update reads the rows of at most this share of the clusters again (or of
#: :data:`MIN_UPDATE`, when more); past it (or past :data:`MAX_CHANGED_NODES` nodes named
#: by the changed triples) the index is made again in full, which costs about as much.
MAX_SHARE = 0.25
MIN_UPDATE = 100
MAX_CHANGED_NODES = 20_000


def touched_clusters(select: _Select, previous: Path, changes: tuple[bytes, bytes], prefixes: str,
                     layout: int) -> set[str] | None:
    """The clusters whose rows the changed lines may alter (see
    :func:`~clusterkg.graph.publish.site.write_site_index`; ``prefixes``: the queries'
    PREFIX lines; ``layout``: the index's layout version),
    or None when the index is better made in full: no usable previous index (missing, of
    another layout, damaged), a blank node in a changed line, or too many clusters touched."""
    subjects: set[str] = set()
    nodes: set[str] = set()
    for lines in changes:
        for line in lines.splitlines():
            if not line.startswith(b"<"):
                return None  # a blank node: no name to follow it by
            s_end = line.index(b">")
            p_end = line.index(b">", s_end + 2)
            subject, rest = line[1:s_end].decode("utf-8"), line[p_end + 2:]
            subjects.add(subject)
            nodes.add(subject)
            if rest.startswith(b"<"):
                nodes.add(rest[1:rest.index(b">")].decode("utf-8"))
            elif rest.startswith(b"_:"):
                return None
            if len(nodes) > MAX_CHANGED_NODES:
                return None
    if not previous.is_file() or file_sha256(previous) != recorded_digest(previous):
        return None  # none, or changed since it was written (damaged, replaced): made again, not carried forward
    try:
        with contextlib.closing(sqlite3.connect(f"{previous.as_uri()}?mode=ro", uri=True)) as old:
            if old.execute("PRAGMA user_version").fetchone()[0] != layout:
                return None
            limit = max(MAX_SHARE * old.execute("SELECT COUNT(*) FROM cluster").fetchone()[0], MIN_UPDATE)
            touched: set[str] = set()
            for part in _parts(sorted(nodes)):  # the clusters a changed triple names
                touched.update(c for (c,) in old.execute(
                    f"SELECT iri FROM cluster WHERE iri IN ({','.join('?' * len(part))})", part))
            for part in _parts(sorted(subjects)):  # those whose facet value, member or source graph changed
                marks = ",".join("?" * len(part))
                touched.update(c for (c,) in old.execute(
                    f"SELECT cluster FROM facet WHERE value IN ({marks}) UNION SELECT cluster FROM member WHERE org "
                    f"IN ({marks}) UNION SELECT cluster FROM source WHERE graph IN ({marks})", part * 3))
    except sqlite3.Error:
        return None
    for part in _parts(sorted(nodes)):
        touched.update(c for (c,) in select(prefixes + "SELECT DISTINCT ?x WHERE { VALUES ?x { "
                                            + " ".join(f"<{n}>" for n in part) + " } ?x a ckg:ClusterOrganisation }"))
    for part in _parts(sorted(subjects)):
        values = "VALUES ?x { " + " ".join(f"<{n}>" for n in part) + " }"
        touched.update(c for (c,) in select(prefixes + "SELECT DISTINCT ?c WHERE { " + values + """
  { ?c ?p ?x } UNION { ?x ?p ?c } UNION { ?ms org:member ?x ; org:organization ?c }
  UNION { ?g spdx:checksum ?x ; foaf:primaryTopic ?c }
  ?c a ckg:ClusterOrganisation }"""))
        if len(touched) > limit:
            return None
    return touched if len(touched) <= limit else None


def _parts(items: list[str], size: int = 200) -> Iterable[list[str]]:
    """``items`` in lists of at most ``size`` (SQLite's and a query text's limits)."""
    for at in range(0, len(items), size):
        yield items[at:at + size]
