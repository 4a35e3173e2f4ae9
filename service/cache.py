"""A bounded cache of complete SPARQL answers, valid for one store snapshot.

The graph is an immutable snapshot between builds, so the bytes of a complete answer stay
right until a build publishes a new generation. An answer is cached under
:class:`CacheKey`: the snapshot's generation and a SHA-256 digest of the normalised
request (the query text, the request's dataset and the media types negotiated for a
results answer and for a graph answer), so a key holds 32 bytes whatever the query's
length. The least recently used answers are dropped once the total passes the byte budget
(``CLUSTERKG_CACHE_BYTES``; 0 turns the cache off), and the total counts everything an
entry holds: the body, the key, the headers kept with it and the bookkeeping. Only
complete answers go in: an answer a limit cut (it carries a ``clusterkg:truncated``
marker) or an error never does.

Each entry has an ETag derived from its key, so a client holding it can revalidate with
``If-None-Match`` (RFC 9110 §8.8.3, §13.1.2) and get ``304`` (decided by
:func:`clusterkg.service.http.not_modified`).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

from clusterkg.graph.store.sparql_text import keywords

__all__ = ["CacheKey", "CachedAnswer", "ResponseCache", "request_digest"]

#: Bytes each entry costs in the cache's own structures (its slot in the table and its
#: place in the LRU order), on top of the objects it holds; measured with tracemalloc
#: (tests/unit/service/test_cache.py keeps the count above what is really held).
_BOOKKEEPING = 200


def request_digest(query: str, default_graphs: Sequence[str] | None, named_graphs: Sequence[str] | None,
                   media: Sequence[str | None]) -> bytes:
    """SHA-256 of the normalised request: the query text without the spaces around it,
    ``default-graph-uri`` and ``named-graph-uri`` (None when not given, in order) and the
    media types negotiated for a results answer and for a graph answer (None where
    nothing offered is acceptable).

    >>> csv = ("text/csv", None)
    >>> request_digest(" ASK {}\\n", None, None, csv) == request_digest("ASK {}", None, None, csv)
    True
    """
    request = [query.strip(), None if default_graphs is None else list(default_graphs),
               None if named_graphs is None else list(named_graphs), list(media)]
    text = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What decides an answer's bytes: the snapshot and a digest of the request.

    :param generation: the store snapshot the answer was read from.
    :param digest: SHA-256 of the normalised request (see :meth:`for_request`).
    """

    generation: str
    digest: bytes

    @classmethod
    def for_request(cls, generation: str, query: str, default_graphs: Sequence[str] | None,
                    named_graphs: Sequence[str] | None, media: tuple[str | None, str | None]) -> CacheKey:
        """The key of a request: the snapshot, and the :func:`request_digest` of the query
        text, ``default-graph-uri``, ``named-graph-uri`` and the media types negotiated
        from Accept.

        >>> a = CacheKey.for_request("g1", "ASK {}", None, None, ("text/csv", None))
        >>> a == CacheKey.for_request("g1", " ASK {}\\n", None, None, ("text/csv", None)), len(a.digest)
        (True, 32)
        """
        return cls(generation, request_digest(query, default_graphs, named_graphs, media))

    def etag(self) -> str:
        """A strong entity tag (RFC 9110 §8.8.3) for the answer under this key, quoted.

        >>> CacheKey("g1", bytes(32)).etag()
        '"g1-000000000000000000000000"'
        """
        return f'"{self.generation}-{self.digest[:12].hex()}"'


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A complete answer: ``media`` (the Content-Type's media type, as sent), ``body``
    (bytes) and its ``etag`` (quoted)."""

    media: str
    body: bytes
    etag: str


def _cost(key: CacheKey, entry: CachedAnswer) -> int:
    """Bytes an entry holds: every object it keeps, and the cache's bookkeeping."""
    return (sys.getsizeof(entry.body) + sys.getsizeof(entry.media) + sys.getsizeof(entry.etag)
            + sys.getsizeof(entry) + sys.getsizeof(key) + sys.getsizeof(key.generation)
            + sys.getsizeof(key.digest) + _BOOKKEEPING)


#: Functions whose value differs on each evaluation.
_VOLATILE = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}


class ResponseCache:
    """LRU cache of :class:`CachedAnswer` by :class:`CacheKey`, bounded in bytes.

    Safe to use from several threads. Counters ``hits``, ``misses`` and ``stored`` count
    lookups and insertions since start.

    Generation names sort by the time they were built, so an answer read from an older
    snapshot than the newest one seen is not stored, and seeing a newer one drops the rest.

    :param max_bytes: budget for everything the entries hold (bodies, keys, headers,
        bookkeeping); 0 (or less) turns the cache off (every lookup misses, nothing is
        stored).
    :param max_entry: largest body kept, in bytes; default an eighth of ``max_bytes``,
        so one big answer cannot flush the rest.

    >>> c = ResponseCache(1024)
    >>> k = CacheKey.for_request("g1", "ASK {}", None, None, ("text/csv", None))
    >>> c.get(k) is None, c.put(k, "text/csv", b"_askResult\\r\\ntrue\\r\\n"), c.get(k).body
    (True, True, b'_askResult\\r\\ntrue\\r\\n')
    """

    def __init__(self, max_bytes: int, max_entry: int | None = None):
        self.max_bytes = max(0, int(max_bytes))
        self.max_entry = self.max_bytes // 8 if max_entry is None else max_entry
        self._entries: OrderedDict[CacheKey, tuple[CachedAnswer, int]] = OrderedDict()
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
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

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
        with self._lock:
            if self._generation is not None and key.generation < self._generation:
                return False  # read from a snapshot a newer build has replaced
            if key.generation != self._generation:
                self._generation = key.generation
                self._drop_other_generations()
            key = CacheKey(self._generation, key.digest)  # one generation string for all
            entry = CachedAnswer(media, body, key.etag())
            cost = _cost(key, entry)
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._entries[key] = (entry, cost)
            self._size += cost
            self.stored += 1
            while self._size > self.max_bytes and self._entries:
                _, (_dropped, dropped_cost) = self._entries.popitem(last=False)
                self._size -= dropped_cost
        return True

    def _drop_other_generations(self) -> None:
        """Remove the entries of older snapshots (they can never hit again); lock held."""
        for k in [k for k in self._entries if k.generation != self._generation]:
            self._size -= self._entries.pop(k)[1]

    def stats(self) -> dict[str, int]:
        """``entries``, ``bytes`` (everything held, as counted against the budget),
        ``max_bytes``, ``hits``, ``misses``, ``stored``."""
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._size, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses, "stored": self.stored}
