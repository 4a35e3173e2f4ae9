"""A bounded cache of complete SPARQL answers, valid for one store snapshot.

The graph is an immutable snapshot between builds, so the bytes of a complete answer stay
right until a build publishes a new generation. An answer is cached under
:class:`CacheKey` (the snapshot's generation, the query text, the request's dataset and
the media types negotiated for a results answer and for a graph answer), and the least
recently used answers are dropped once the total passes the byte budget
(``CLUSTERKG_CACHE_BYTES``; 0 turns the cache off). Only complete answers go in: an answer
a limit cut (it carries a ``clusterkg:truncated`` marker) or an error never does.

Each entry has an ETag derived from its key, so a client holding it can revalidate with
``If-None-Match`` (RFC 9110 §8.8.3, §13.1.2) and get ``304`` (decided by
:func:`clusterkg.service.http.not_modified`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from clusterkg.graph.store.sparql_text import keywords

__all__ = ["CacheKey", "CachedAnswer", "ResponseCache"]

#: Bytes an entry costs on top of its body (key, headers, bookkeeping), a rough figure.
_OVERHEAD = 256


@dataclass(frozen=True)
class CacheKey:
    """What decides an answer's bytes.

    :param generation: the store snapshot the answer was read from.
    :param query: the query text, as sent.
    :param default_graphs: ``default-graph-uri`` values (None when not given).
    :param named_graphs: ``named-graph-uri`` values (None when not given).
    :param media: (media type for SELECT/ASK, media type for CONSTRUCT/DESCRIBE) as
        negotiated from the request's Accept; None where nothing offered is acceptable.
    """

    generation: str
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    media: tuple[str | None, str | None]

    def etag(self) -> str:
        """A strong entity tag (RFC 9110 §8.8.3) for the answer under this key, quoted.

        >>> CacheKey("g1", "ASK {}", None, None, ("text/csv", None)).etag()[:1]
        '"'
        """
        h = hashlib.blake2b(repr(self).encode("utf-8"), digest_size=12).hexdigest()
        return f'"{self.generation}-{h}"'


@dataclass(frozen=True)
class CachedAnswer:
    """A complete answer: ``media`` (the Content-Type's media type, as sent), ``body``
    (bytes) and its ``etag`` (quoted)."""

    media: str
    body: bytes
    etag: str


#: Functions whose value differs on each evaluation.
_VOLATILE = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}


class ResponseCache:
    """LRU cache of :class:`CachedAnswer` by :class:`CacheKey`, bounded in bytes.

    Safe to use from several threads. Counters ``hits``, ``misses`` and ``stored`` count
    lookups and insertions since start.

    Generation names sort by the time they were built, so an answer read from an older
    snapshot than the newest one seen is not stored, and seeing a newer one drops the rest.

    :param max_bytes: budget for bodies plus a small overhead per entry; 0 (or less)
        turns the cache off (every lookup misses, nothing is stored).
    :param max_entry: largest body kept, in bytes; default an eighth of ``max_bytes``,
        so one big answer cannot flush the rest.

    >>> c = ResponseCache(1024)
    >>> k = CacheKey("g1", "ASK {}", None, None, ("text/csv", None))
    >>> c.get(k) is None, c.put(k, "text/csv", b"_askResult\\r\\ntrue\\r\\n"), c.get(k).body
    (True, True, b'_askResult\\r\\ntrue\\r\\n')
    """

    def __init__(self, max_bytes: int, max_entry: int | None = None):
        self.max_bytes = max(0, int(max_bytes))
        self.max_entry = self.max_bytes // 8 if max_entry is None else max_entry
        self._entries: OrderedDict[CacheKey, CachedAnswer] = OrderedDict()
        self._size = 0
        self._generation: str | None = None  # the newest snapshot seen; names sort by time
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.stored = 0

    @property
    def enabled(self) -> bool:
        """False when the budget is 0."""
        return self.max_bytes > 0

    @staticmethod
    def cacheable(sparql: str) -> bool:
        """False for a query whose answer changes on every run even on the same snapshot:
        ``NOW()`` (the time of the query, SPARQL 1.1 Query §17.4.5.1), ``RAND()``,
        ``UUID()``, ``STRUUID()`` and ``BNODE()`` (fresh each time).

        >>> ResponseCache.cacheable('SELECT (NOW() AS ?t) {}'), ResponseCache.cacheable('ASK {}')
        (False, True)
        """
        return not _VOLATILE.intersection(keywords(sparql))

    def get(self, key: CacheKey) -> CachedAnswer | None:
        """The answer cached under ``key`` (now the most recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def admits(self, size: int) -> bool:
        """True when an answer of ``size`` bytes would be kept (cache on, not too big)."""
        return self.enabled and size <= self.max_entry

    def put(self, key: CacheKey, media: str, body: bytes) -> bool:
        """Keep ``body`` (a complete answer of type ``media``) under ``key``, dropping the
        least recently used entries to stay within the budget.

        :return: True when kept; False when the cache is off or the body is too big.
        """
        if not self.admits(len(body)):
            return False
        entry = CachedAnswer(media, body, key.etag())
        with self._lock:
            if self._generation is not None and key.generation < self._generation:
                return False  # read from a snapshot a newer build has replaced
            if key.generation != self._generation:
                self._generation = key.generation
                self._drop_other_generations()
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body) + _OVERHEAD
            self._entries[key] = entry
            self._size += len(body) + _OVERHEAD
            self.stored += 1
            while self._size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body) + _OVERHEAD
        return True

    def _drop_other_generations(self) -> None:
        """Remove the entries of older snapshots (they can never hit again); lock held."""
        for k in [k for k in self._entries if k.generation != self._generation]:
            self._size -= len(self._entries.pop(k).body) + _OVERHEAD

    def stats(self) -> dict[str, int]:
        """``entries``, ``bytes`` (held), ``max_bytes``, ``hits``, ``misses``, ``stored``."""
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._size, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses, "stored": self.stored}
