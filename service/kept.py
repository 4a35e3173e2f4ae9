"""Documents kept per snapshot: bodies the web process writes from a snapshot's files or
graph (the DCAT-AP catalogue, VoID, the change feed's pages, the SPARQL service
description), which never change for that snapshot, so each is written once per key and
then served from memory.

At most :data:`KEPT_BYTES` are held in all, the least recently used dropped first; a key
names its snapshot (generation), so an older snapshot's bodies age out by themselves.
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


def kept(key: tuple, make: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
    """The body and ETag kept under ``key``, or ``make()``'s, then kept (the least recently
    used dropped past :data:`KEPT_BYTES`; a body alone over it is kept until the next).
    Blocking (``make`` writes a document): for the thread pool.

    :param key: a tuple whose first item is the snapshot's generation.
    :param make: a function of no arguments returning ``(body, ETag)``.
    :return: ``(body, ETag)``.
    """
    global _kept_size
    with _KEPT_LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    body, etag = make()
    with _KEPT_LOCK:
        if key not in _KEPT:  # another thread may have made it meanwhile
            _KEPT[key] = (body, etag)
            _kept_size += len(body)
        while _kept_size > KEPT_BYTES and len(_KEPT) > 1:
            _kept_size -= len(_KEPT.popitem(last=False)[1][0])
    return body, etag
