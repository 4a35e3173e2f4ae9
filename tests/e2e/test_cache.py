"""The response cache, through a real ``clusterkg serve``: a repeated query is answered
from memory with the same bytes, revalidation gives 304, a cut answer is never cached, and
a rebuild's new snapshot is answered, not the old cached bytes."""


import csv
import io

import httpx
import pytest

from clusterkg.graph.build import build

pytestmark = pytest.mark.e2e

LABELS = ("SELECT ?l WHERE { ?c <https://w3id.org/clusterkg/ns#excellenceLabel> ?x . "
          "?x <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l")


def _cache(url: str) -> dict:
    return httpx.get(url + "health").json()["cache"]


@pytest.fixture
def own_server(tmp_path, data_dir, server_factory, server_stopper):
    """A server over its own store, built from a copy of the bundled profiles (in
    ``tmp_path/profiles``), with a row limit of 50."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    for f in data_dir.iterdir():
        if f.suffix in (".txt", ".csv"):
            (folder / f.name).write_bytes(f.read_bytes())
    srv = server_factory(tmp_path / "store", tmp_path, {"CLUSTERKG_MAX_ROWS": "50"})
    yield srv, folder
    server_stopper(srv)


def test_repeated_query_is_served_from_the_cache(own_server):
    srv, _ = own_server
    before = _cache(srv.url)
    first = httpx.get(srv.url + "sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    second = httpx.get(srv.url + "sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    assert first.status_code == second.status_code == 200
    assert first.text.splitlines() == ["l", "Bronze Label", "Bronze Label", "Bronze Label", "Silver Label"]
    assert first.content == second.content
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.headers["etag"] == second.headers["etag"]
    assert second.headers["content-type"] == "text/csv; charset=utf-8"
    after = _cache(srv.url)
    assert after["hits"] - before["hits"] == 1 and after["stored"] - before["stored"] == 1
    # another Accept is another answer
    as_json = httpx.get(srv.url + "sparql", params={"query": LABELS},
                        headers={"Accept": "application/sparql-results+json"})
    assert as_json.headers["x-cache"] == "miss"
    assert [b["l"]["value"] for b in as_json.json()["results"]["bindings"]] == ["Bronze Label"] * 3 + ["Silver Label"]
    # revalidation
    again = httpx.get(srv.url + "sparql", params={"query": LABELS},
                      headers={"Accept": "text/csv", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == first.headers["etag"]


def test_a_cut_answer_is_not_cached(own_server):
    srv, _ = own_server
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    answers = [httpx.get(srv.url + "sparql", params={"query": query}, headers={"Accept": "text/csv"})
               for _ in range(2)]
    for r in answers:
        assert r.status_code == 200 and r.headers["x-cache"] == "miss" and "etag" not in r.headers
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["s", "p", "o"] and len(rows) == 1 + 50 + 1
        assert rows[-1] == ["# clusterkg:truncated reason=row-limit rows=50"]


def test_a_rebuild_is_answered_from_the_new_snapshot(own_server):
    srv, folder = own_server
    r1 = httpx.get(srv.url + "sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    r2 = httpx.get(srv.url + "sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    assert r2.headers["x-cache"] == "hit" and r1.text.count("Silver Label") == 1
    p = folder / "romanian-textile-concept.txt"
    p.write_text(p.read_text(encoding="utf-8").replace("Silver Label", "Gold Label"), encoding="utf-8")
    old_snapshot = httpx.get(srv.url + "health").json()["snapshot"]
    build([folder], srv.store, srv.url)
    assert httpx.get(srv.url + "health").json()["snapshot"] != old_snapshot
    r3 = httpx.get(srv.url + "sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    assert r3.headers["x-cache"] == "miss"
    assert r3.text.splitlines() == ["l", "Bronze Label", "Bronze Label", "Bronze Label", "Gold Label"]
    assert r3.headers["etag"] != r1.headers["etag"]
    # the old ETag no longer validates
    r4 = httpx.get(srv.url + "sparql", params={"query": LABELS},
                   headers={"Accept": "text/csv", "If-None-Match": r1.headers["etag"]})
    assert r4.status_code == 200 and r4.headers["x-cache"] == "hit" and r4.content == r3.content


def test_answers_that_change_on_every_run_are_not_cached(server):
    q = "SELECT (NOW() AS ?t) (STRUUID() AS ?u) {}"
    first = httpx.get(server.url + "sparql", params={"query": q}, headers={"Accept": "text/csv"})
    second = httpx.get(server.url + "sparql", params={"query": q}, headers={"Accept": "text/csv"})
    assert first.status_code == second.status_code == 200
    assert "x-cache" not in second.headers
    assert first.text.splitlines()[1] != second.text.splitlines()[1]  # a fresh UUID each time
