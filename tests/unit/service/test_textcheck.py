"""The text checker: long texts are read in a process of its own, within the time limit,
with a bounded queue; short ones on the event loop."""

import asyncio

import pytest

from clusterkg.graph.errors import QueryTimeout
from clusterkg.service.errors import Busy
from clusterkg.service.textcheck import INLINE_TEXT, TextChecker

# about 1 MiB of a text the linear checks take a few hundred milliseconds on
_HOSTILE = "SELECT * { " + "?s <http://x/a> 'service' ; " * 40_000 + "}"


def _run(coro):
    return asyncio.run(coro)


def test_short_and_long_texts_get_the_same_facts():
    async def both():
        checker = TextChecker(timeout=30, queue=4)
        checker.start()
        try:
            short = await checker.facts("ASK { ?s ?p ?o }", (), False)
            long = await checker.facts("ASK { ?s ?p ?o }" + " " * (INLINE_TEXT + 1), (), False)
            update = await checker.facts("INSERT DATA { <a:b> <a:c> <a:d> }" + " " * INLINE_TEXT, (), False)
            return short, long, update
        finally:
            checker.close()

    short, long, update = _run(both())
    assert (short.refused, short.quick, short.cacheable) == (long.refused, long.quick, long.cacheable) == (None, False, True)
    assert update.refused[0] == "update"


def test_a_check_past_the_time_limit_is_stopped_and_the_next_one_runs():
    async def slow_then_short():
        checker = TextChecker(timeout=0.05, queue=4)
        checker.start()
        try:
            with pytest.raises(QueryTimeout):
                await checker.facts(_HOSTILE, (), False)
            checker.timeout = 30
            return await checker.facts("ASK {}" + " " * (INLINE_TEXT + 1), (), False)
        finally:
            checker.close()

    assert _run(slow_then_short()).refused is None


def test_more_texts_than_the_queue_holds_are_refused_busy():
    async def flood():
        checker = TextChecker(timeout=30, queue=0)
        checker.start()
        try:
            return await asyncio.gather(*(checker.facts(_HOSTILE, (), False) for _ in range(3)),
                                        return_exceptions=True)
        finally:
            checker.close()

    results = _run(flood())
    assert sum(isinstance(r, Busy) for r in results) == 2
    assert [r.refused for r in results if not isinstance(r, Exception)] == [None]
