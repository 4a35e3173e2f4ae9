"""The catalogue, VoID, feed and service description bodies kept per snapshot and request: made once, then
served from memory, never more than the byte bound in all (least recently used dropped)."""

from clusterkg.service import kept as documents


def test_bodies_are_made_once_and_kept_within_their_byte_bound(monkeypatch):
    monkeypatch.setattr(documents, "_KEPT", type(documents._KEPT)())
    monkeypatch.setattr(documents, "_kept_size", 0)
    monkeypatch.setattr(documents, "KEPT_BYTES", 250)
    made = []

    def maker(name: str, size: int):
        def make():
            made.append(name)
            return b"x" * size, f'"{name}"'
        return make

    assert documents.kept(("a",), maker("a", 100)) == (b"x" * 100, '"a"')
    assert documents.kept(("a",), maker("a", 100))[1] == '"a"' and made == ["a"]  # the second time from memory
    documents.kept(("b",), maker("b", 100))
    documents.kept(("a",), maker("a", 100))  # a is now the most recently used
    documents.kept(("c",), maker("c", 100))  # 300 bytes: b, the least recently used, goes
    assert [k[0] for k in documents._KEPT] == ["a", "c"]
    assert documents._kept_size == 200 and made == ["a", "b", "c"]
    documents.kept(("d",), maker("d", 1000))  # alone over the bound: kept, the others go
    assert [k[0] for k in documents._KEPT] == ["d"] and documents._kept_size == 1000


def test_concurrent_first_requests_wait_for_one_body_and_a_failed_make_is_not_kept(monkeypatch):
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(documents, "_KEPT", type(documents._KEPT)())
    monkeypatch.setattr(documents, "_kept_size", 0)
    calls = []
    started = threading.Event()

    def slow():
        calls.append(threading.get_ident())
        started.set()
        time.sleep(0.3)  # a service description takes about a second at 10,000 profiles
        return b"description", '"d"'

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(documents.kept, ("g1", "service-description"), slow)
        assert started.wait(5)
        rest = [pool.submit(documents.kept, ("g1", "service-description"), slow) for _ in range(7)]
        answers = [first.result()] + [f.result() for f in rest]
    assert len(calls) == 1, f"{len(calls)} bodies made for one key"
    assert answers == [(b"description", '"d"')] * 8
    assert documents._MAKING == {}

    def broken():
        raise ValueError("the snapshot's catalogue cannot be read")

    try:
        documents.kept(("g1", "catalog"), broken)
    except ValueError as exc:
        assert "catalogue" in str(exc)
    else:
        raise AssertionError("the maker's error was swallowed")
    assert ("g1", "catalog") not in documents._KEPT and documents._MAKING == {}
    assert documents.kept(("g1", "catalog"), lambda: (b"cat", '"c"')) == (b"cat", '"c"')  # made on the next request


def test_a_catalogue_is_kept_under_what_it_depends_on_not_the_request_text(built_store, monkeypatch):
    """``?_=1234`` (a cache buster), an ``Accept-Profile`` naming the default profile, or
    another spelling of the same ``modified_since`` made the server write the catalogue
    again (120 ms of the web process's interpreter per request at 10,000 profiles); they
    now find the body kept under its parameters' canonical form. The app runs in this
    process over a real store, so the kept bodies can be counted."""
    import asyncio
    import gc

    import httpx
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT

    from clusterkg.service.app import create_app
    from clusterkg.settings import Settings
    from tests.conftest import BASE

    monkeypatch.setattr(documents, "_KEPT", type(documents._KEPT)())
    monkeypatch.setattr(documents, "_kept_size", 0)
    root, _ = built_store
    turtle = {"Accept": "text/turtle"}

    async def scenario() -> list[httpx.Response]:
        app = create_app(Settings.from_env({}, store=str(root), base_uri=BASE, query_workers=1))
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE.rstrip("/")) as c:
                return [await c.get("/catalog", headers=turtle),
                        await c.get("/catalog", params={"_": "1"}, headers=turtle),
                        await c.get("/catalog", params={"_": "2", "x": "y"}, headers=turtle),
                        await c.get("/catalog", headers={**turtle, "Accept-Profile": "<http://example.org/none>"}),
                        await c.get("/catalog", params={"modified_since": "2000-01-01"}, headers=turtle),
                        await c.get("/catalog", params={"modified_since": "2000-01-01T00:00:00Z"}, headers=turtle),
                        await c.get("/catalog", params={"modified_since": "2001-06-30", "page": "1"}, headers=turtle),
                        await c.get("/catalog", params={"modified_since": "2099-01-01"}, headers=turtle),
                        await c.get("/catalog", params={"modified_since": "2099-01-02T10:00:00Z"}, headers=turtle),
                        await c.get("/catalog", params={"page": "1"},
                                    headers={"Accept": "text/html", "Host": "another-name.example:9"}),
                        await c.get("/catalog", params={"page": "1"}, headers={"Accept": "text/html"})]

    try:
        answers = asyncio.run(scenario())
    finally:
        gc.unfreeze()  # the app's start-up froze this process's heap
        gc.collect()  # the app's store closes its files now, not in a later test
    assert [r.status_code for r in answers] == [200] * 11
    assert len({r.headers["etag"] for r in answers[:4]}) == 1
    whole = Graph().parse(data=answers[0].text, format="turtle")
    datasets = set(whole.objects(URIRef(BASE + "catalog"), DCAT.dataset))
    assert len(datasets) >= 2 and URIRef(BASE + "catalog#all") in datasets
    since = Graph().parse(data=answers[4].text, format="turtle")
    assert set(since.objects(URIRef(BASE + "catalog"), DCAT.dataset)) == datasets  # all changed after 2000
    assert answers[4].headers["etag"] == answers[5].headers["etag"]
    assert "ns1:" not in answers[4].text and "@prefix vcard:" in answers[4].text  # the file's prefixes kept
    # the plain dumps and the endpoint's default graph are the current view (helper-25)
    assert "union of the profile graphs" not in answers[0].text and "the current view" in answers[0].text
    nothing = Graph().parse(data=answers[7].text, format="turtle")
    assert not list(nothing.objects(URIRef(BASE + "catalog"), DCAT.dataset))  # none changed since 2099
    assert answers[7].headers["etag"] == answers[8].headers["etag"]  # however the later date is written
    # the HTML view is the same whatever host name the request came under
    assert "<title>Metadata" not in answers[9].text and "DCAT-AP catalogue" in answers[10].text
    assert "catalog.ttl?page=1" in answers[10].text
    assert 'id="all"' in answers[10].text and f'href="{BASE}catalog#all"' in answers[10].text  # lands on its section
    keys = [k for k in documents._KEPT if k[1] == "/catalog"]
    # the whole catalogue, the selection since 2000, its first page, the empty selection, the HTML page
    assert len(keys) == 5, keys
    page = answers[6].text
    assert "modified_since=2001-06-30" not in page and "modified_since=" in page  # named by the selection


def test_when_the_maker_fails_one_waiter_makes_the_body_and_it_is_counted_once(monkeypatch):
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(documents, "_KEPT", type(documents._KEPT)())
    monkeypatch.setattr(documents, "_kept_size", 0)
    calls, running, most = [], [0], [0]
    started = threading.Event()
    lock = threading.Lock()

    def make():
        with lock:
            calls.append(1)
            running[0] += 1
            most[0] = max(most[0], running[0])
            first = len(calls) == 1
        started.set()
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        if first:
            raise OSError("the snapshot's catalogue file went away")
        return b"x" * 1000, '"x"'

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(documents.kept, ("g2", "/catalog"), make)
        assert started.wait(5)
        rest = [pool.submit(documents.kept, ("g2", "/catalog"), make) for _ in range(7)]
        assert isinstance(first.exception(), OSError)
        time.sleep(0.05)  # a waiter is making it now; these come while it does
        late = [pool.submit(documents.kept, ("g2", "/catalog"), make) for _ in range(3)]
        assert [f.result() for f in rest + late] == [(b"x" * 1000, '"x"')] * 10
    assert len(calls) == 2 and most[0] == 1  # one maker at a time: the failed one, then one waiter
    assert documents._kept_size == 1000 and list(documents._KEPT) == [("g2", "/catalog")]
    assert documents._MAKING == {}
