"""The pool's two lanes: which idle worker a query may take, and how many may wait.

A query that looks quick (:func:`~.classify.looks_quick`) takes the look-up lane's worker
or a general one, whichever frees first; any other query takes a general worker only. The
two kinds wait in two queues of their own (each up to ``CLUSTERKG_QUERY_QUEUE``
requests), so a flood of long queries filling the general queue does not turn look-ups
away. A query that held the look-up lane's worker too long has its *shape* demoted
(:func:`~.classify.shape_key`: the text with names and values left out): later queries of
that shape, and those already waiting, go to the general lane.
"""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict
from typing import Generic, Protocol, TypeVar

from clusterkg.service.errors import Busy

__all__ = ["Lanes", "DEMOTED_SHAPES"]

#: Most demoted shapes remembered (the oldest are forgotten first).
DEMOTED_SHAPES = 4096


class _HasLane(Protocol):
    quick: bool


_W = TypeVar("_W", bound=_HasLane)


class Lanes(Generic[_W]):
    """The idle workers of each lane, the requests waiting for them, the demoted shapes.

    :param queue: requests of each kind that may wait (beyond: :class:`Busy`).
    :param queue_wait: seconds a request waits before :class:`Busy`.
    :param retry_after: seconds a :class:`Busy` answer asks the client to wait after a
        wait ran out.

    Create it in the event loop's thread (its queues belong to the running loop).
    """

    def __init__(self, queue: int, queue_wait: float, retry_after: int):
        self.queue, self.queue_wait, self.retry_after = queue, queue_wait, retry_after
        self.general: asyncio.Queue[_W] = asyncio.Queue()
        self.quick: asyncio.Queue[_W] = asyncio.Queue()
        self.waiting = {True: 0, False: 0}
        self._demoted: OrderedDict[str, None] = OrderedDict()

    def put(self, w: _W) -> None:
        """Give an idle worker back to its lane."""
        (self.quick if w.quick else self.general).put_nowait(w)

    def demote(self, shape: str | None) -> None:
        """Send the queries of ``shape`` to the general lane from now on."""
        if shape is not None:
            self._demoted[shape] = None
            self._demoted.move_to_end(shape)
            while len(self._demoted) > DEMOTED_SHAPES:
                self._demoted.popitem(last=False)

    def demoted(self, shape: str | None) -> bool:
        """True when queries of ``shape`` go to the general lane."""
        return shape is not None and shape in self._demoted

    async def acquire(self, quick: bool, shape: str | None = None) -> _W:
        """An idle worker: for a quick-looking query (``quick``), from the look-up lane or
        the general one, whichever frees first (and the general one only once its
        ``shape`` is demoted, even while it waits); for any other, from the general lane.

        :raises Busy: this kind's queue is full, or no worker freed within ``queue_wait``.
        """
        quick = quick and not self.demoted(shape)
        lanes = [self.quick, self.general] if quick else [self.general]
        for lane in lanes:
            if not lane.empty():
                return lane.get_nowait()
        if self.waiting[quick] >= self.queue:
            raise Busy(1)
        self.waiting[quick] += 1
        try:
            got = await self._wait(lanes, quick, shape)
        finally:
            self.waiting[quick] -= 1
        if got is None:
            raise Busy(self.retry_after)
        return got

    async def _wait(self, lanes: list[asyncio.Queue[_W]], quick: bool, shape: str | None) -> _W | None:
        """Wait for a worker of ``lanes`` until ``queue_wait`` runs out (None then); a
        look-up lane worker that frees after the shape was demoted goes back."""
        deadline = asyncio.get_running_loop().time() + self.queue_wait
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            gets = [asyncio.ensure_future(lane.get()) for lane in lanes]
            try:
                await asyncio.wait(gets, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            finally:  # also when this request is cancelled: a worker a get already took goes back
                for g in gets:
                    g.cancel()
                got = [g.result() for g in gets if g.done() and not g.cancelled()]
                keep = got[:1] if sys.exc_info()[0] is None else []
                for w in got[len(keep):]:  # both lanes freed a worker at once: keep one
                    self.put(w)
            if not keep:
                return None
            if quick and keep[0].quick and self.demoted(shape):
                self.put(keep[0])  # its shape was demoted while it waited: the general lane only
                lanes = [self.general]
                continue
            return keep[0]
