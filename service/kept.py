"""Documents kept per snapshot: bodies the web process writes from a snapshot's files or
graph (the DCAT-AP catalogue, VoID, the change feed's pages, the SPARQL service
description), which never change for that snapshot, so each is written once per key and
then served from memory.

At most :data:`KEPT_BYTES` are held in all, the least recently used dropped first; a key
names its snapshot (generation), so an older snapshot's bodies age out by themselves.
Concurrent requests for a body not yet kept wait for one of them to write it (one
``make`` per key at a time), so a burst of first requests after a build costs one body,
not one per request.
"""

from __future__ import annotations

import collections
import threading
from typing import Callable

__all__ = ["kept", "KEPT_BYTES"]

#: Bytes of bodies held in all.
KEPT_BYTES = 64 * 1024 * 1024

#: key (starting with the snapshot's generation) -> (body, ETag), in order of use.
_KEPT: collections.OrderedDict[tuple, tuple[bytes, str]] = collections.OrderedDict()
_KEPT_LOCK = threading.Lock()
_kept_size = 0  # bytes of the bodies in _KEPT
#: key -> the lock its maker holds while it writes the body (keys being made only).
_MAKING: dict[tuple, threading.Lock] = {}


def _held(key: tuple) -> tuple[bytes, str] | None:
    """The body kept under ``key`` (marked as just used), or None. Call with the lock held."""
    found = _KEPT.get(key)
    if found is not None:
        _KEPT.move_to_end(key)
    return found


def kept(key: tuple, make: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
    """The body and ETag kept under ``key``, or ``make()``'s, then kept (the least recently
    used dropped past :data:`KEPT_BYTES`; a body alone over it is kept until the next).
    One thread at a time makes a key's body; the others asking for that key wait for it,
    then look again (and one of them makes it when the maker failed). Blocking (``make``
    writes a document): for the thread pool.

    :param key: a tuple whose first item is the snapshot's generation.
    :param make: a function of no arguments returning ``(body, ETag)``.
    :return: ``(body, ETag)``.
    :raises Exception: what ``make`` raises (nothing is kept).
    """
    global _kept_size
    while True:
        with _KEPT_LOCK:
            found = _held(key)
            if found is not None:
                return found
            making = _MAKING.get(key)
            if making is None:  # this thread makes it
                making = _MAKING[key] = threading.Lock()
                making.acquire()
                break
        with making:  # wait for the maker, then look again
            pass
    try:
        body, etag = make()
        with _KEPT_LOCK:
            if key not in _KEPT:
                _KEPT[key] = (body, etag)
                _kept_size += len(body)
            while _kept_size > KEPT_BYTES and len(_KEPT) > 1:
                _kept_size -= len(_KEPT.popitem(last=False)[1][0])
        return body, etag
    finally:
        with _KEPT_LOCK:
            del _MAKING[key]
        making.release()
