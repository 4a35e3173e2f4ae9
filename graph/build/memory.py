"""How a build's processes ask the C allocator to give large blocks back to the system.

A build handles many short-lived buffers of a few hundred KiB to a few MiB (a batch of
N-Quads for the store, a piece of the current view, a worker's pickled outcomes). glibc's
``malloc`` serves blocks from 128 KiB up by ``mmap`` and returns them when freed, but after
the first such block is freed it raises that threshold to the block's size (up to 32 MiB,
its *dynamic mmap threshold*), so later buffers come from the heap, whose freed holes the
process keeps. Fixing the threshold keeps them out of the heap: measured on a 10,000-profile
full build, the main process's peak went from 348 to 266 MiB, in the same time (one-off runs).

The setting lasts for the life of the process: ``clusterkg serve``, when it builds before
serving (an empty store, or one built for another base URI), serves with it too, and so does a
test process once a test has called :func:`~clusterkg.graph.build.build`.
"""

from __future__ import annotations

import ctypes

__all__ = ["LARGE_BLOCK", "return_large_blocks"]

#: Blocks of this many bytes and more are mapped on their own, and unmapped when freed.
LARGE_BLOCK = 1 << 20

#: glibc's ``mallopt`` parameter number for the mmap threshold (``<malloc.h>``: ``M_MMAP_THRESHOLD``).
_M_MMAP_THRESHOLD = -3


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Fix the C allocator's mmap threshold at ``threshold`` bytes for this process
    (glibc ``mallopt(M_MMAP_THRESHOLD, ...)``, see ``mallopt(3)``), which also turns its
    dynamic adjustment off.

    :param threshold: bytes; glibc accepts up to 32 MiB on 64-bit systems.
    :return: True when the allocator took it; False where there is no glibc ``mallopt``
        (musl, macOS, Windows): nothing is changed there, and nothing is raised.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold))
