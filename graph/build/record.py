"""The build record's descriptions of earlier builds, carried from snapshot to snapshot.

The build record (``graph/build``) names, for each published graph, the build that last
changed it (PROV-O ``prov:wasGeneratedBy``); those builds are described there too, from
:data:`ACTIVITIES_FILE` in the previous snapshot's ``meta/`` (:func:`activity_heads`).
"""

from __future__ import annotations

import collections
from pathlib import Path

from clusterkg.graph import formats
from clusterkg.graph.map.vocab import PROV
from clusterkg.graph.publish.dumps import dump_name

__all__ = ["ACTIVITIES_FILE", "activity_heads"]


#: The descriptions of the builds the build record names (N-Triples), in a snapshot's ``meta/``.
ACTIVITIES_FILE = "build-activities.nt"


def activity_heads(meta: Path | None, builds: str) -> dict[str, bytes]:
    """Activity IRI -> its lines (N-Triples), from an earlier snapshot's ``meta/``
    :data:`ACTIVITIES_FILE`; for a snapshot made before that file was kept, from the lines
    about builds (subjects under ``builds``) in its union dump, except ``prov:generated``.
    Empty when there is neither, or it cannot be read."""
    if meta is None:
        return {}
    heads: dict[str, bytes] = collections.defaultdict(bytes)
    kept, start = meta / ACTIVITIES_FILE, f"<{builds}".encode("utf-8")
    generated = f" <{PROV.generated}> ".encode("utf-8")
    try:
        source = kept if kept.is_file() else meta.parent / "dumps" / dump_name(formats.N_TRIPLES)
        with open(source, "rb") as lines:
            for line in lines:
                if line.startswith(start) and generated not in line:
                    heads[line[1:line.index(b">")].decode("utf-8")] += line
    except OSError:
        return {}
    return dict(heads)
