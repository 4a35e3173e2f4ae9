"""Queries run in worker processes, so a runaway query can really be stopped.

Oxigraph cannot cancel a running query from another thread; a thread that runs past its
time keeps a core busy however long the query takes. So each query runs in one of a few
worker processes (``CLUSTERKG_QUERY_WORKERS``), each with its own read-only handle on the
current store snapshot. The web process:

* admits at most one query per worker and keeps a short queue (``CLUSTERKG_QUERY_QUEUE``
  waiting requests, each waiting at most ``CLUSTERKG_QUEUE_WAIT`` seconds); beyond that a
  request gets ``503`` with ``Retry-After``;
* streams the worker's output to the client in chunks (bounded memory);
* runs each worker in a network namespace of its own when the system allows it and no
  ``SERVICE`` endpoint is allowed, so a query can reach no host at all;
* enforces the wall-clock limit ``CLUSTERKG_QUERY_TIMEOUT``: the worker cuts a streaming
  result itself at the limit (with an in-band marker, see :mod:`.writers`); a query that
  produces nothing by then (a cartesian product being counted, a big sort) gets its worker
  killed (``SIGKILL``, the core is free at once) and a fresh one started, and the client
  gets ``504``;
* caps each worker's memory (``CLUSTERKG_WORKER_MEMORY``): a query that needs more gets
  an error naming the limit, and a fresh worker;
* keeps one worker for queries that look like look-ups, for at most
  ``CLUSTERKG_LOOKUP_TIMEOUT`` seconds each (:mod:`.lanes`).

Modules: :mod:`.pool` (the scheduler, in the web process), :mod:`.lanes` (its queues and
the look-up lane), :mod:`.worker` (the worker process), :mod:`.wire` (the messages
between them, truncation markers, errors), :mod:`.classify` (which queries look quick),
:mod:`.writers` (streaming result writers), :mod:`.describe` (pages of resource
documents, built in the workers).
"""

from clusterkg.service.query.classify import looks_quick
from clusterkg.service.query.pool import QueryLimits, QueryPool
from clusterkg.service.query.wire import Started, closing_marker
from clusterkg.service.query.worker import isolate_network

__all__ = ["QueryPool", "QueryLimits", "Started", "closing_marker", "isolate_network", "looks_quick"]
