"""The remote backend against a real Virtuoso 7: what a build puts on the server, and
what happens when the server fails. (Every test that takes the ``server`` fixture also
runs on Virtuoso; these cover what only the remote backend does.)"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from virtuoso_server import start_virtuoso

from clusterkg.graph.build import build
from clusterkg.graph.errors import RemoteStoreError, StoreError
from clusterkg.graph.store import open_store, parse_store_url
from clusterkg.graph.store.snapshot import current_generation
from clusterkg.graph.store.remote import RemoteStore
from clusterkg.graph.store.sync import read_record, sync_graphs

BASE = "http://remote.test/"
ICT_NET = BASE + "id/cluster/ict-net"


def _graphs_on_server(endpoint) -> dict[str, int]:
    q = (f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{BASE}")) }} '
         "GROUP BY ?g")
    with endpoint.client() as c:
        r = c.post(endpoint.query_url, data={"query": q}, headers={"Accept": "application/sparql-results+json"})
    r.raise_for_status()
    return {b["g"]["value"]: int(b["n"]["value"]) for b in r.json()["results"]["bindings"]}


@pytest.fixture(scope="module")
def own_virtuoso(request, tmp_path_factory):
    """A Virtuoso of this module's own (fresh database), so these builds never add graphs
    to the one the ``server`` fixture's tests query."""
    request.getfixturevalue("virtuoso")  # skips (or fails in CI) without virtuoso-t
    v = start_virtuoso(tmp_path_factory.mktemp("own-virtuoso"))
    yield v
    v.stop()


@pytest.fixture
def profiles(tmp_path, data_dir):
    folder = tmp_path / "profiles"
    shutil.copytree(data_dir, folder)
    return folder


def test_build_puts_every_graph_then_only_the_changed_ones(own_virtuoso, profiles, tmp_path):
    endpoint = parse_store_url(own_virtuoso.store_url)
    files = tmp_path / "files"
    first = build([profiles], files, BASE, remote=endpoint)
    on_server = _graphs_on_server(endpoint)
    assert len(on_server) == 9  # 6 profiles, the vocabulary, the build record, the current view
    assert BASE + "graph/current" in on_server  # Virtuoso keeps the default graph in a named graph
    assert sorted(first.remote.put) == sorted(on_server) and first.remote.kept == 0
    store = open_store(files, endpoint)
    rows = store.query("PREFIX schema: <https://schema.org/> SELECT ?d WHERE { ?c schema:foundingDate ?d }",
                       substitutions={"c": ICT_NET}).rows()
    assert rows == [{"d": "2010-07-12"}]
    assert store.named_graphs() == sorted(g for g in on_server if g != BASE + "graph/current")
    store.close()

    # one profile changes, one is removed: only those graphs (and the build record) are sent
    changed = profiles / "ict-net.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nRemark:\nchanged for the test\n", encoding="utf-8")
    (profiles / "klaster-innowacyjna-medycyna.txt").unlink()
    manifest = profiles / "manifest.csv"
    manifest.write_text("".join(line for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith("klaster-innowacyjna-medycyna.txt,")), encoding="utf-8")
    second = build([profiles], files, BASE, remote=endpoint)
    assert sorted(second.remote.put) == sorted([BASE + "graph/profile/ict-net", BASE + "graph/build",
                                                BASE + "graph/current"])
    assert second.remote.deleted == [BASE + "graph/profile/klaster-innowacyjna-medycyna"]
    assert second.remote.kept == 5  # 4 unchanged profiles and the vocabulary: not sent again
    after = _graphs_on_server(endpoint)
    assert len(after) == 8 and second.remote.deleted[0] not in after
    record = read_record(current_generation(files) / "meta", endpoint)
    assert sorted(record["graphs"]) == sorted(after)

    # a graph cleared on the server behind clusterkg's back is sent again by the next build
    with endpoint.client() as c:
        assert c.delete(endpoint.data_url, params={"graph": BASE + "graph/profile/ict-net"}).status_code < 300
    third = build([profiles], files, BASE, remote=endpoint)
    assert BASE + "graph/profile/ict-net" in third.remote.put
    assert _graphs_on_server(endpoint)[BASE + "graph/profile/ict-net"] > 0


def test_an_unreachable_server_fails_the_build_and_keeps_the_previous_snapshot(own_virtuoso, profiles, tmp_path):
    endpoint = parse_store_url(own_virtuoso.store_url)
    files = tmp_path / "files"
    build([profiles], files, BASE, remote=endpoint)
    before = current_generation(files).name
    dead = parse_store_url("sparql+http://127.0.0.1:9/sparql?data=/crud")
    with pytest.raises(RemoteStoreError, match=r"127\.0\.0\.1:9.*cannot PUT graph <http://remote\.test/"):
        build([profiles], files, BASE, remote=dead)
    assert current_generation(files).name == before
    assert not list((files / "generations").glob("*.partial"))


def test_a_refused_write_names_the_graph_and_the_status(own_virtuoso, profiles, tmp_path):
    url = own_virtuoso.store_url.replace("dba:dba@", "dba:wrong@")
    with pytest.raises(RemoteStoreError, match=r"PUT graph <http://remote\.test/.*> answered HTTP 401"):
        build([profiles], tmp_path / "files", BASE, remote=parse_store_url(url))
    with pytest.raises(StoreError, match="no data yet"):
        open_store(tmp_path / "files", parse_store_url(url))


@pytest.mark.parametrize("url, message", [
    ("sparql+http://", "no host name"),
    ("sparql+http://h:x/sparql", "port is not a number"),
    ("sparql+http://h/sparql?graph=/x", "unknown parameter"),
    ("sparql+http://h/sparql?auth=kerberos", "use basic or digest"),
])
def test_bad_store_urls_name_the_variable(url, message):
    with pytest.raises(ValueError, match=f"CLUSTERKG_STORE.*{message}"):
        parse_store_url(url)


def test_store_url_parts():
    e = parse_store_url("sparql+https://me:p%40ss@db.example:8443/ds/query?data=/ds/data")
    assert (e.query_url, e.data_url) == ("https://db.example:8443/ds/query", "https://db.example:8443/ds/data")
    assert (e.user, e.password, e.dialect) == ("me", "p@ss", "standard")
    assert "p%40ss" not in e.url and "p@ss" not in repr(e)
    assert parse_store_url("sparql+http://h:8890/sparql-auth?data=/sparql-graph-crud-auth").dialect == "virtuoso"


def test_inclusive_comparisons_with_dates_find_every_row(own_virtuoso, built_store, tmp_path):
    """Virtuoso 7.2 reads ``?d <= "..."^^xsd:date`` as a range of its quad index, and that
    range (an inclusive upper bound over xsd:date values) misses rows, which ones depending
    on how the graphs' writes filled the index: the example query over the label register
    lost an award or all of them. Dates put as a build puts them (several graphs, each date
    in two, written concurrently), counted on either side of many days."""
    import datetime as dt
    import random

    rng = random.Random(15)
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000)) for _ in range(600)]
    lines = [f'<urn:award:{i}> <urn:test:validFrom> "{d}"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
             for i, d in enumerate(days)]
    graphs = [(f"urn:test:graph/{g}", "".join(lines[g::12]).encode()) for g in range(12)]
    graphs.append(("urn:test:graph/current", "".join(lines[::2]).encode()))  # as the current view repeats them
    endpoint = parse_store_url(own_virtuoso.store_url)
    sync_graphs(endpoint, graphs, {}, tmp_path / "meta")
    held = days + days[::2]
    store = RemoteStore(endpoint, built_store[0])
    try:
        wrong = []
        for day in sorted(rng.sample(days, 15)) + [dt.date(2100, 1, 1)]:
            lit = f'"{day}"^^<http://www.w3.org/2001/XMLSchema#date>'
            for test, want in ((f"?d <= {lit}", sum(d <= day for d in held)), (f"{lit} >= ?d", sum(d <= day for d in held)),
                               (f"?d >= {lit}", sum(d >= day for d in held))):
                got = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <urn:test:validFrom> ?d FILTER({test}) }}").rows()
                if int(got[0]["n"]) != want:
                    wrong.append(f"{test}: {got[0]['n']} rows, not {want}")
    finally:
        store.close()
    assert wrong == []


@contextlib.contextmanager
def _stand_in(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """A server on 127.0.0.1 that answers as ``handler`` says (for the answers a real
    SPARQL server gives only under load: a deadlock, a partial result); yields its port."""
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_deadlocked_write_is_tried_again(tmp_path):
    """A server that answers a write with 500 (Virtuoso: "SR172: Transaction deadlocked")
    gets the same idempotent PUT again; the graph lands on the second try."""
    seen: list[tuple[str, int]] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_PUT(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            first = not seen
            seen.append((self.path, len(body)))
            self.send_response(500 if first else 201)
            msg = b"SR172: Transaction deadlocked" if first else b""
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)

    with _stand_in(Flaky) as port:
        endpoint = parse_store_url(f"sparql+http://127.0.0.1:{port}/sparql?data=/crud")
        report = sync_graphs(endpoint, [("http://remote.test/g", b"<http://a> <http://b> <http://c> .\n")], {},
                             tmp_path)
    assert report.put == ["http://remote.test/g"]
    assert seen == [("/crud?graph=http%3A%2F%2Fremote.test%2Fg", 35)] * 2


def test_an_unreadable_answer_from_the_server_is_a_502_not_a_dead_worker(virtuoso, server):
    """Virtuoso lets IRI("a b") through; its answer then holds an invalid IRI."""
    if server.backend != "virtuoso":
        pytest.skip("a remote store only")
    q = 'SELECT ?x WHERE { VALUES ?i { 1 2 } BIND(IF(?i = 2, IRI("a b"), <http://ok>) AS ?x) }'
    import httpx

    r = httpx.post(server.url + "sparql", data={"query": q}, headers={"Accept": "text/csv"}, timeout=30)
    assert r.status_code == 502 and "unreadable SPARQL results" in r.text
    assert "dba" not in r.text and "127.0.0.1" not in r.text
    assert httpx.get(server.url + "health").json()["status"] == "ok"


def test_a_partial_answer_from_the_server_is_an_error_not_a_result(built_store):
    """Virtuoso's "anytime" queries answer 200 with the part of the result found before its
    own time limit, marked only by ``X-SQL-State``: that is refused, never passed on whole."""
    partial = (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
               b'<variable name="n"/></head><results><result><binding name="n"><literal>1</literal></binding>'
               b"</result></results></sparql>")

    class Anytime(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+xml")
            self.send_header("X-SQL-State", "S1TAT")
            self.send_header("X-SQL-Message", "RC...: Returning incomplete results, query interrupted by result "
                                              "timeout.")
            self.send_header("Content-Length", str(len(partial)))
            self.end_headers()
            self.wfile.write(partial)

    with _stand_in(Anytime) as port:
        store = RemoteStore(parse_store_url(f"sparql+http://127.0.0.1:{port}/sparql"), built_store[0])
        with pytest.raises(RemoteStoreError, match="answered only in part .S1TAT: .*incomplete results"):
            store.query("SELECT ?n WHERE { ?s ?p ?n }")
