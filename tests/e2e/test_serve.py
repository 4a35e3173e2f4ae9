"""End to end: ``clusterkg serve`` answers cross-cluster questions over HTTP."""

import httpx
import pytest
from rdflib import Graph, URIRef

pytestmark = pytest.mark.e2e

PREFIXES = """PREFIX ckg: <https://w3id.org/clusterkg/ns#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

SHARED_NETWORKS = PREFIXES + """
SELECT ?network (GROUP_CONCAT(DISTINCT ?id; separator=" ") AS ?clusters) WHERE {
  ?c a ckg:ClusterOrganisation ; org:memberOf ?n .
  ?n schema:name ?network .
  BIND(STRAFTER(STR(?c), "/id/cluster/") AS ?id)
} GROUP BY ?network HAVING (COUNT(DISTINCT ?c) > 1) ORDER BY ?network"""

BRONZE = PREFIXES + """
SELECT DISTINCT ?id WHERE {
  ?c a ckg:ClusterOrganisation ; ckg:excellenceLabel/ckg:labelLevel ?level .
  ?level skos:prefLabel "Bronze"@en .
  BIND(STRAFTER(STR(?c), "/id/cluster/") AS ?id)
} ORDER BY ?id"""


def rows(resp):
    assert resp.status_code == 200, resp.text
    data = resp.json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def test_health(server):
    r = httpx.get(server.url + "health")
    assert r.json()["status"] == "ok" and r.json()["named_graphs"] == 8


def test_clusters_sharing_a_network(server):
    r = httpx.get(server.url + "sparql", params={"query": SHARED_NETWORKS},
                  headers={"Accept": "application/sparql-results+json"})
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]
    got = [(row["network"], sorted(row["clusters"].split())) for row in rows(r)]
    assert got == [("The Balkan and Black Sea ICT Clusters Network", ["ict-net", "vojvodina-ict-cluster"])]


def test_clusters_holding_a_bronze_label_by_form_post(server):
    r = httpx.post(server.url + "sparql", data={"query": BRONZE})
    assert rows(r) == [{"id": "ict-net"}, {"id": "klaster-innowacyjna-medycyna"}, {"id": "vojvodina-ict-cluster"}]


def test_direct_post_and_csv(server):
    q = PREFIXES + "SELECT ?d WHERE { ?c schema:name \"ICT NET\" ; schema:foundingDate ?d }"
    r = httpx.post(server.url + "sparql", content=q.encode(),
                   headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert r.status_code == 200 and r.text.splitlines() == ["d", "2010-07-12"]


def test_ask_and_construct(server):
    r = httpx.get(server.url + "sparql", params={"query": PREFIXES + "ASK { ?c ckg:smeMembers 280 }"})
    assert r.json()["boolean"] is True
    r = httpx.get(server.url + "sparql", headers={"Accept": "application/n-triples"},
                  params={"query": "CONSTRUCT WHERE { ?c <https://schema.org/foundingDate> ?d }"})
    assert r.headers["content-type"].startswith("application/n-triples")
    assert '"2010-07-12"^^<http://www.w3.org/2001/XMLSchema#date>' in r.text


def test_malformed_query_is_400_with_the_parser_message(server):
    r = httpx.get(server.url + "sparql", params={"query": "SELECT ?x WHERE { ?x "})
    assert r.status_code == 400
    if server.backend == "embedded":
        assert r.text.startswith("SPARQL syntax error: error at 1:")
    else:  # the SPARQL server's own parser answers, and its message is passed on
        assert r.text.startswith("SPARQL syntax error: the SPARQL server refused the query: Virtuoso 37000 Error SP030")


def test_not_acceptable_is_406(server):
    r = httpx.get(server.url + "sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text
    assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]


def test_updates_are_refused(server):
    r = httpx.post(server.url + "sparql", content=b"DROP ALL",
                   headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    r = httpx.post(server.url + "sparql", data={"update": "DROP ALL"})
    assert r.status_code == 403
    r = httpx.post(server.url + "sparql", data={"query": "PREFIX ex: <http://x/> DROP ALL"})
    assert r.status_code == 403 and "read-only" in r.text  # an update sent as a query
    assert rows(httpx.post(server.url + "sparql", data={"query": BRONZE}))  # data still there


def test_unsupported_body_and_repeated_parameter(server):
    r = httpx.post(server.url + "sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415
    r = httpx.get(server.url + "sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400


def test_bare_get_is_the_service_description(server):
    r = httpx.get(server.url + "sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "sd:Service" in r.text and f"<{server.url}sparql>" in r.text
    # the default graph is the current view, not the merge of the named graphs (SPARQL 1.1
    # Service Description §3.4: the feature sd:UnionDefaultGraph would say it is)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    features = set(Graph().parse(data=r.text, format="turtle").objects(None, URIRef(sd + "feature")))
    assert URIRef(sd + "UnionDefaultGraph") not in features


def test_uris_use_the_configured_base(server):
    r = httpx.get(server.url + "sparql", params={"query": PREFIXES + "SELECT ?c WHERE { ?c schema:name \"ICT NET\" }"})
    assert rows(r) == [{"c": server.url + "id/cluster/ict-net"}]


def test_a_slow_query_does_not_stall_others(server):
    import threading
    import time

    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://www.w3.org/2004/02/skos/core#altLabel>|"
            "<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://www.w3.org/2000/01/rdf-schema#label>|"
            "<http://www.w3.org/2004/02/skos/core#definition> ?c . GRAPH ?x { ?d ?e ?f } "
            "FILTER(STRLEN(STR(?c)) > STRLEN(STR(?f))) }")  # about 2 s here
    done = {}

    def run():
        t = time.perf_counter()
        httpx.get(server.url + "sparql", params={"query": slow}, timeout=300)
        done["slow"] = time.perf_counter() - t

    th = threading.Thread(target=run)
    th.start()
    time.sleep(0.2)
    t = time.perf_counter()
    r = httpx.get(server.url + "sparql", params={"query": "ASK { ?s ?p ?o }"})
    fast = time.perf_counter() - t
    answered_while_slow_ran = "slow" not in done
    th.join()
    assert r.json()["boolean"] is True
    assert answered_while_slow_ran, f"the simple query waited for the slow one ({fast:.2f} s)"
    assert done["slow"] > fast


def test_service_description_by_accept(server):
    r = httpx.get(server.url + "sparql", headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"].startswith("application/ld+json")
    assert "sparql-service-description#Service" in r.text or "sd:Service" in r.text


def test_service_is_refused_without_any_connection(server, listener):
    r = httpx.get(server.url + "sparql", params={
        "query": f"SELECT * WHERE {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}"})
    assert r.status_code == 403 and "SERVICE" in r.text
    assert not listener.connected(), "the server connected to the SERVICE endpoint"


def test_plain_json_accept_and_head(server):
    r = httpx.get(server.url + "sparql", params={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == {"head": {}, "boolean": True}
    assert httpx.head(server.url + "sparql").status_code == 200
    r = httpx.get(server.url + "no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")


def test_ctrl_c_stops_the_server_cleanly_and_quietly(tmp_path):
    """SIGINT (Ctrl-C): uvicorn stops, then raises the signal again, which click printed as
    "Aborted!" with status 1, as if something had gone wrong."""
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "-m", "clusterkg", "serve", "--store", str(tmp_path / "store"),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=tmp_path,
                            # as from a terminal: a background job (CI's shell) starts with SIGINT ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(url + "health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 130, text
    assert "Finished server process" in text and "Aborted" not in text
