"""The SPARQL endpoint leaves no cyclic garbage behind a request.

An exception kept as a value (the media type no offer satisfies, kept until the query's
kind is known) held its traceback, whose frames held the request's whole call stack: every
request left about fifty objects that only the cycle collector frees, and that collector's
passes held the event loop (up to 100 ms for a full one, measured under load). Here the
app runs in this process (its real query workers over a real store), so the collector's
findings can be read.

The app's start-up also moves what it made out of the collector's reach (``gc.freeze``).
"""

import asyncio
import gc
import types

import httpx

from clusterkg.service.app import create_app
from clusterkg.settings import Settings
from tests.conftest import BASE

_OURS = "/service/"


def _our_frames(objects: list) -> list[str]:
    return sorted({f"{o.f_code.co_filename}:{o.f_code.co_name}" for o in objects
                   if isinstance(o, types.FrameType) and _OURS in o.f_code.co_filename})


def test_start_up_freezes_its_heap_for_the_cycle_collector(built_store):
    root, _ = built_store
    app = create_app(Settings.from_env({}, store=str(root), base_uri=BASE, query_workers=1))

    async def scenario() -> int:
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()

    try:
        assert asyncio.run(scenario()) > 10_000  # the modules and the app, at least
    finally:
        gc.unfreeze()


def test_answers_of_every_kind_leave_no_cycles(built_store):
    root, _ = built_store
    app = create_app(Settings.from_env({}, store=str(root), base_uri=BASE, query_workers=2, cache_bytes=1 << 20))
    cluster = BASE + "id/cluster/ict-net"
    requests = [
        ({"query": f"SELECT ?d WHERE {{ <{cluster}> <https://schema.org/foundingDate> ?d }}"},
         "application/sparql-results+json"),  # a results answer: the graph offer is refused
        ({"query": f"CONSTRUCT {{ <{cluster}> ?p ?o }} WHERE {{ <{cluster}> ?p ?o }}"},
         "application/n-triples"),  # a graph answer: the results offer is refused
        ({"query": f"ASK {{ <{cluster}> ?p ?o }}"}, "text/csv"),
        ({"query": f"ASK {{ <{cluster}> ?p ?o }}"}, "application/n-triples"),  # 406
    ]

    async def scenario() -> list:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE.rstrip("/")) as client:
                async def ask_all() -> list[httpx.Response]:
                    return [await client.get("/sparql", params=params, headers={"Accept": accept})
                            for params, accept in requests]

                await ask_all()  # warm: imports, first-use caches
                gc.collect()
                gc.set_debug(gc.DEBUG_SAVEALL)
                try:
                    answers = [r for _ in range(3) for r in await ask_all()]  # twice more: cache hits too
                    gc.collect()
                    found = list(gc.garbage)
                finally:
                    gc.set_debug(0)
                    gc.garbage.clear()
                assert [r.status_code for r in answers[:4]] == [200, 200, 200, 406]
                assert answers[0].json()["results"]["bindings"][0]["d"]["value"] == "2010-07-12"
                assert answers[4].headers.get("x-cache") == "hit"
                return found

    try:
        garbage = asyncio.run(scenario())
    finally:
        gc.unfreeze()  # the app's start-up froze this test process's heap
    assert _our_frames(garbage) == []
    assert not [o for o in garbage if type(o).__name__ in ("Request", "NotAcceptable")]
