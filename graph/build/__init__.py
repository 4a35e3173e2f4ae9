"""Stage 7, build: orchestration only, read -> map -> validate -> reconcile -> store -> publish.

* :func:`process` runs read, map and validate for one file (``convert`` and ``validate``
  use it); :mod:`.process` also runs them for many files as a stream, on every core.
* :func:`build` runs the whole pipeline for every input and publishes a new snapshot
  (:mod:`.pipeline`), reporting in a :class:`BuildSummary` (:mod:`.summary`).
* :mod:`.cache` keeps what earlier builds made of each file.
* :mod:`.sources` holds the other sources' graphs back until the reconcile stage has
  settled the clusters they name.
"""

from __future__ import annotations

from clusterkg.graph.build.pipeline import build, build_time, load_vocabulary
from clusterkg.graph.build.process import Outcome, process
from clusterkg.graph.build.stream import PARALLEL_FROM
from clusterkg.graph.build.summary import BuildSummary, NothingToPublish

__all__ = ["Outcome", "BuildSummary", "NothingToPublish", "process", "build", "build_time", "load_vocabulary",
           "PARALLEL_FROM"]
