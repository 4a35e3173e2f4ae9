"""Parts of the query pool, alone: the lanes (separate queues, demotion while waiting),
the worker's answer in chunks of at most 64 KiB, and no row past the size limit."""

import asyncio
from dataclasses import dataclass

import pyoxigraph as ox
import pytest

from clusterkg.service.errors import Busy
from clusterkg.service.query.classify import looks_quick, shape_key
from clusterkg.service.query.lanes import Lanes
from clusterkg.service.query.wire import CHUNK, CHUNK_BYTES, HEAD, WHOLE
from clusterkg.service.query.worker import _Answer
from clusterkg.service.query.writers import write_solutions, write_triples


@dataclass
class W:
    name: str
    quick: bool = False


def test_a_full_general_queue_does_not_turn_look_ups_away():
    async def scenario():
        lanes = Lanes(queue=1, queue_wait=0.5, retry_after=1)
        lanes.put(W("q", quick=True))
        waiting = asyncio.ensure_future(lanes.acquire(False))  # the general lane has no worker: it waits
        await asyncio.sleep(0.01)
        with pytest.raises(Busy):
            await lanes.acquire(False)  # the general queue (1) is full
        got = await lanes.acquire(True)  # a look-up still gets the look-up worker
        assert got.name == "q"
        with pytest.raises(Busy):
            await waiting

    asyncio.run(scenario())


def test_a_waiting_query_whose_shape_is_demoted_goes_to_the_general_lane():
    async def scenario():
        lanes = Lanes(queue=4, queue_wait=2, retry_after=1)
        shape = shape_key("SELECT * { <urn:x> ?p ?o }")
        waiter = asyncio.ensure_future(lanes.acquire(True, shape))
        await asyncio.sleep(0.01)
        lanes.demote(shape)
        lanes.put(W("q", quick=True))  # the look-up worker frees first: not for a demoted shape
        await asyncio.sleep(0.01)
        assert not waiter.done()
        lanes.put(W("g"))
        assert (await waiter).name == "g"
        assert (await lanes.acquire(True)).name == "q"  # still there for a look-up

    asyncio.run(scenario())


def test_look_alikes_are_not_quick():
    assert looks_quick("SELECT ?d WHERE { <http://x/c> <https://schema.org/foundingDate> ?d }")
    assert not looks_quick('SELECT * WHERE { <http://x/c> ?p0 ?o0 . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
                           'FILTER(CONCAT(STR(?c),STR(?f),STR(?i)) = "nope") }')
    assert not looks_quick("SELECT * WHERE { <http://x/c> ?p ?o . _:b ?q [] }")


class _Pipe:
    def __init__(self):
        self.sent = []

    def send(self, msg):
        self.sent.append(msg)


def test_an_answer_goes_in_chunks_of_at_most_64_kib_with_row_ends_marked():
    pipe = _Pipe()
    answer = _Answer(pipe, "select", "text/csv", "g1")
    answer.emit(b"x" * (3 * CHUNK_BYTES + 10))  # one long row
    answer.emit(b"y\r\n")
    answer.finish(2, None)
    assert pipe.sent[0] == (HEAD, "select", "text/csv", "g1")
    chunks = [m for m in pipe.sent if m[0] == CHUNK]
    assert all(len(m[1]) <= CHUNK_BYTES for m in chunks)
    assert [m[2] for m in chunks] == [False, False, False, True, True]
    pipe = _Pipe()
    small = _Answer(pipe, "ask", "text/csv", "g1")
    small.emit(b"_askResult\r\ntrue\r\n")
    small.finish(1, None)
    assert [m[0] for m in pipe.sent] == [WHOLE]


class _Solutions(list):
    variables = [ox.Variable("v")]


@pytest.mark.parametrize("media, marker", [
    ("application/sparql-results+json", b'"clusterkg:truncated":{"reason": "size-limit", "rows": 1}'),
    ("application/sparql-results+xml", b"<!-- clusterkg:truncated reason=size-limit rows=1 -->"),
    ("text/csv", b"# clusterkg:truncated reason=size-limit rows=1"),
    ("text/tab-separated-values", b"# clusterkg:truncated reason=size-limit rows=1"),
])
def test_a_row_past_the_size_limit_is_never_written(media, marker):
    rows = _Solutions([[ox.Literal("short")], [ox.Literal("x" * 100_000)], [ox.Literal("never")]])
    out = []
    cut = write_solutions(rows, media, out.append, max_rows=10, max_bytes=10_000)
    body = b"".join(out)
    assert cut.reason == "size-limit" and cut.rows == 1
    assert len(body) < 10_000 and marker in body and b"never" not in body


def test_a_triple_past_the_size_limit_is_never_written():
    t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x" * 100_000))
    out = []
    cut = write_triples([t], "application/n-triples", out.append, max_rows=10, max_bytes=10_000)
    assert cut.reason == "size-limit" and b"".join(out) == b"# clusterkg:truncated reason=size-limit triples=0\n"
