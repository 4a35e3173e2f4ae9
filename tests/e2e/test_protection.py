"""Protection of the public endpoint: killable queries, limits, CORS, HEAD, headers."""

import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from processes import alive, children, cpu_seconds, named_children, rss_kib

pytestmark = pytest.mark.e2e

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def limited(tmp_path_factory, server_factory, server_stopper):
    tmp = tmp_path_factory.mktemp("limited")
    srv = server_factory(tmp / "store", tmp, {"CLUSTERKG_QUERY_TIMEOUT": "2", "CLUSTERKG_QUERY_WORKERS": "2",
                                              "CLUSTERKG_MAX_ROWS": "20000000",
                                              "CLUSTERKG_MAX_RESPONSE_BYTES": str(2 * 1024 ** 3),
                                              "CLUSTERKG_QUERY_QUEUE": "2", "CLUSTERKG_QUEUE_WAIT": "1"})
    _ready(srv)
    yield srv
    server_stopper(srv)


def _ready(srv, seconds: float = 60) -> None:
    """Wait until both query workers answer: on a loaded machine a worker can take longer
    to start than this server's 1 s queue wait, and a test's first query would get 503."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        answers = [httpx.get(srv.url + "sparql", params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=30)
                   for i in range(2)]
        if all(a.status_code == 200 for a in answers):
            return
        time.sleep(0.5)
    pytest.fail("the query workers did not answer within a minute")


def test_runaway_query_is_stopped_and_others_still_answer(limited):
    out = {}

    def slow():
        for _attempt in range(3):  # a 503 with Retry-After (no worker free yet on a loaded machine): again
            t = time.perf_counter()
            out["r"] = httpx.get(limited.url + "sparql", params={"query": CARTESIAN}, timeout=60)
            out["t"] = time.perf_counter() - t
            if out["r"].status_code != 503:
                break
            out.setdefault("busy", []).append(out["r"].text)
            time.sleep(int(out["r"].headers.get("retry-after", "1")))

    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.5)
    t = time.perf_counter()
    quick = httpx.get(limited.url + "sparql", params={"query": "ASK { ?s ?p ?o }"})
    quick_time = time.perf_counter() - t
    th.join()
    assert quick.json()["boolean"] is True and quick_time < 1.0, quick_time
    r = out["r"]
    assert r.status_code == 504 and "CLUSTERKG_QUERY_TIMEOUT" in r.text, (r.status_code, r.text, out.get("busy"))
    assert out["t"] < 10
    # the worker that ran it is gone, and nothing in the server burns CPU any more
    time.sleep(0.5)
    pids = [limited.proc.pid] + children(limited.proc.pid)
    before = sum(cpu_seconds(p) for p in pids)
    time.sleep(1.5)
    after = sum(cpu_seconds(p) for p in pids)
    assert after - before < 0.3, f"{after - before:.2f} s of CPU in 1.5 s after the timeout"
    assert httpx.get(limited.url + "sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_streamed_rows_are_cut_with_an_explicit_marker(limited):
    q = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = httpx.get(limited.url + "sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"},
                  timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body["clusterkg:truncated"]["reason"] == "time-limit"
    assert body["clusterkg:truncated"]["rows"] == len(body["results"]["bindings"]) > 1000


@pytest.fixture(scope="module")
def streaming(tmp_path_factory, server_factory, server_stopper):
    tmp = tmp_path_factory.mktemp("streaming")
    srv = server_factory(tmp / "store", tmp, {"CLUSTERKG_QUERY_TIMEOUT": "600", "CLUSTERKG_MAX_ROWS": "20000000",
                                              "CLUSTERKG_MAX_RESPONSE_BYTES": str(4 * 1024 ** 3)})
    yield srv
    server_stopper(srv)


#: The bound stated in the README: the web process and each query worker stay under this
#: resident size (MiB) while any result streams, whatever its length.
RSS_BOUND_MIB = 300


def test_ten_million_rows_stream_in_bounded_memory(streaming):
    q = "SELECT ?n WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i BIND(1 AS ?n) } LIMIT 10000000"
    rows, peak = -1, 0
    with httpx.stream("GET", streaming.url + "sparql", params={"query": q}, headers={"Accept": "text/csv"},
                      timeout=600) as r:
        assert r.status_code == 200
        for i, chunk in enumerate(r.iter_bytes()):
            rows += chunk.count(b"\n")
            if i % 200 == 0:
                pids = [streaming.proc.pid] + children(streaming.proc.pid)
                peak = max([peak] + [rss_kib(p) for p in pids])
    assert rows == 10_000_000
    assert peak < RSS_BOUND_MIB * 1024, f"peak RSS {peak / 1024:.0f} MiB"


def test_busy_endpoint_answers_503_with_retry_after(limited):
    threads = [threading.Thread(target=lambda: httpx.get(limited.url + "sparql", params={"query": CARTESIAN},
                                                         timeout=60)) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.4)
    r = httpx.get(limited.url + "sparql", params={"query": "ASK {}"}, timeout=30)
    for t in threads:
        t.join()
    assert r.status_code == 503 and r.headers["retry-after"].isdigit()


def test_cors_head_and_security_headers(server):
    r = httpx.options(server.url + "sparql", headers={"Origin": "https://example.org",
                                                      "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    r = httpx.get(server.url + "sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    for path in ("", "openapi.json", "catalog", "feed", "dumps/", "health", "context.jsonld"):
        h = httpx.head(server.url + path)
        assert h.status_code == 200 and h.content == b"", path
    page = httpx.get(server.url + "doc/cluster/ict-net.html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_clients_leaving_mid_stream_do_not_wedge_the_pool(limited):
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    for _ in range(4):  # more than the workers
        with httpx.stream("GET", limited.url + "sparql", params={"query": q}, headers={"Accept": "text/csv"},
                          timeout=30) as r:
            assert r.status_code == 200
            next(r.iter_bytes())  # read a little, then hang up
    time.sleep(1.0)
    for _ in range(4):
        r = httpx.get(limited.url + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert r.status_code == 200 and r.json()["boolean"] is True


def test_a_cut_made_while_the_client_reads_slowly_is_marked(limited):
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    body = b""
    with httpx.stream("GET", limited.url + "sparql", params={"query": q}, headers={"Accept": "text/csv"},
                      timeout=60) as r:
        for chunk in r.iter_bytes():
            body += chunk
            time.sleep(0.05)  # a slow reader: the worker blocks on a full pipe
    assert body.rstrip().splitlines()[-1].startswith(b"# clusterkg:truncated reason=")


def test_a_slow_reader_does_not_hold_a_worker_past_the_time_limit(limited):
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    before = set(named_children(limited.proc.pid, "clusterkg-query"))
    body = b""
    with httpx.stream("GET", limited.url + "sparql", params={"query": q}, headers={"Accept": "text/csv"},
                      timeout=60) as r:
        chunks = r.iter_bytes()
        body += next(chunks)
        time.sleep(5)  # the limit is 2 s: the worker, blocked on a full pipe, must be gone by now
        gone = {pid for pid in before if not alive(pid)}  # killed (a zombie until the pool reaps it counts)
        for chunk in chunks:
            body += chunk
    assert len(gone) == 1, (before, gone)
    assert body.rstrip().splitlines()[-1] == b"# clusterkg:truncated reason=time-limit"
    assert httpx.get(limited.url + "sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


_NOT_ALLOWED = ("federated queries (SERVICE) are not allowed on this endpoint: they would make the server fetch "
                "other URLs (allowed endpoints: none)")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o .SERVICE <http://127.0.0.1:9/sparql> { ?a ?b ?c } }",
    "SELECT * { SERVICE<http://127.0.0.1:9/> {?s ?p ?o} } # SERVICE <http://allowed.example/>",
    "select * { service silent ?x { ?s ?p ?o } }",
    "SELECT * { ?s ?p 1SERVICE SILENT <http://127.0.0.1:9/sparql> { ?a ?b ?c } }",
    "SELECT * { ?s ?p trueSERVICE <http://127.0.0.1:9/sparql> { ?a ?b ?c } }",
    "SELECT * { OPTIONAL { ?s ?p <http://x/\\u0041#> } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    # \u0053 is "S" to a parser that decodes escapes first (SPARQL 1.1 Query §19.2)
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
])
def test_service_spellings_are_refused(server, query):
    r = httpx.get(server.url + "sparql", params={"query": query})
    assert (r.status_code, r.text) == (403, _NOT_ALLOWED + "\n")


def test_engine_failures_are_400_not_500(limited):
    long_sum = "SELECT (" + "+".join(["1"] * 10000) + " AS ?x) {}"
    r = httpx.post(limited.url + "sparql", content=long_sum.encode(),
                   headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 400 and "made the query engine fail" in r.text, r.text[:200]
    assert httpx.get(limited.url + "sparql", params={"query": "ASK {}"}).status_code == 200


def test_xml_results_are_well_formed_with_control_characters(server):
    from xml.dom.minidom import parseString

    r = httpx.get(server.url + "sparql", params={"query": 'SELECT ("a\\u0000b\\u001Fc" AS ?x) {}'},
                  headers={"Accept": "application/sparql-results+xml"})
    assert r.status_code == 200
    parseString(r.content)
    r = httpx.get(server.url + "sparql", params={"query": 'CONSTRUCT { <urn:s> <http://ex.org/123> "ok" } WHERE {}'},
                  headers={"Accept": "application/rdf+xml"})
    assert r.status_code == 400 and "RDF/XML" in r.text
    r = httpx.get(server.url + "sparql", params={"query": 'CONSTRUCT { <http://x/s> <http://x/p> "a\\u0000b" } {}'},
                  headers={"Accept": "application/rdf+xml"})
    assert r.status_code == 400 and "XML 1.0" in r.text
    r = httpx.get(server.url + "sparql", params={"query": "SELECT * { ?s <https://w3id.org/clusterkg/ns#providesService> ?o } LIMIT 1"})
    assert r.status_code == 200  # the word "service" in an IRI is fine


def test_catalog_odd_parameters(server):
    r = httpx.get(server.url + "catalog?page=1&x=a%20b&y=%3E")
    assert r.status_code == 200 and "x=" not in r.text
    assert httpx.get(server.url + "catalog?page=%D9%A1").status_code == 400
    r = httpx.get(server.url + "catalog.ttl", headers={"Accept-Profile": "<dcat-ap-2.1.1>"})
    assert "Accept-Profile" in r.headers["vary"]
    assert httpx.get(server.url + "catalog", headers={"If-None-Match": "*"}).status_code == 304


def _net_namespace(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def test_query_workers_have_no_network(server, network_namespaces):
    health = httpx.get(server.url + "health").json()
    workers = named_children(server.proc.pid, "clusterkg-query")
    assert len(workers) >= 2
    own = _net_namespace(server.proc.pid)
    if server.backend != "embedded":  # the workers reach the SPARQL server over the network
        assert health["query_workers_offline"] is False
        assert {_net_namespace(w) for w in workers} == {own}
        return
    if not network_namespaces:
        pytest.skip("this system does not allow a private network namespace")
    assert health["query_workers_offline"] is True  # the system allows it: the server must have done it
    # each of the running server's workers is in a network namespace of its own, not the
    # server's, where no interface but the loopback exists and no route leads anywhere
    spaces = [_net_namespace(w) for w in workers]
    assert own not in spaces and len(set(spaces)) == len(workers)
    for w in workers:
        interfaces = [line.split(":")[0].strip() for line in Path(f"/proc/{w}/net/dev").read_text().splitlines()[2:]]
        assert interfaces == ["lo"], interfaces
        assert Path(f"/proc/{w}/net/route").read_text().splitlines()[1:] == []


def test_a_service_call_the_lexical_check_misses_reaches_nothing(server, listener, network_namespaces):
    if server.backend == "embedded" and not network_namespaces:
        pytest.skip("this system does not allow a private network namespace (the strict check is tested apart)")
    q = f"PREFIX : <{listener.url}> SELECT * WHERE {{ FILTER(1<2)SERVICE:m1#>\n{{ ?a ?b ?c }} }}"
    r = httpx.post(server.url + "sparql", data={"query": q}, timeout=30)
    assert not listener.connected(1.5), "a query worker reached the network"
    assert r.status_code in (400, 403), r.text


@pytest.mark.parametrize("query", [
    'SELECT (bif:http_get("{url}") AS ?x) {{}}',
    'SELECT (<http://www.openlinksw.com/schemas/bif#http_get>("{url}") AS ?x) {{}}',
    'DEFINE input:inference "x" SELECT * {{ ?s ?p ?o }} LIMIT 1',
    'SELECT (bif:exec("SPARQL CLEAR GRAPH <http://x/g>") AS ?x) {{}}',
])
def test_server_extensions_are_refused(server, listener, query):
    """Virtuoso's built-in functions can fetch URLs and run SQL; refused on both stores."""
    r = httpx.post(server.url + "sparql", data={"query": query.format(url=listener.url)})
    assert r.status_code == 403 and "bif:/sql:" in r.text
    assert not listener.connected(0.5)
