"""The W3C SPARQL 1.1 Protocol tests, run over HTTP against a real ``clusterkg serve``.

The runner reads ``protocol/manifest.ttl`` from ``../shared/testsuites`` (HTTP-in-RDF:
``ht:Request`` with method, path, headers and body; ``mf:expectedStatus``,
``mf:expectedFormat``, ``mf:expectedBoolean``), rewrites ``/sparql/`` to our endpoint,
loads ``data1-3.nt`` into the named graphs the manifest names, and checks each response.
Tests that do not apply to a read-only endpoint are skipped, each with its reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import rdflib
from rdflib.collection import Collection

import pytest
from virtuoso_server import start_virtuoso

from clusterkg.graph.store import open_writer, parse_store_url
from clusterkg.graph.store.sync import sync_graphs

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

#: test name -> why it is skipped. Update tests expect the update to succeed (2xx); this
#: endpoint is read-only by design and answers every update with 403 (the bad_update_*
#: tests, which expect 4xx, do run).
SKIPS = {
    "update_dataset_default_graph": "read-only endpoint: updates are refused (403)",
    "update_dataset_default_graphs": "read-only endpoint: updates are refused (403)",
    "update_dataset_named_graphs": "read-only endpoint: updates are refused (403)",
    "update_dataset_full": "read-only endpoint: updates are refused (403)",
    "update_post_form": "read-only endpoint: updates are refused (403)",
    "update_post_direct": "read-only endpoint: updates are refused (403)",
    "update_base_uri": "read-only endpoint: updates are refused (403)",
}

RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    fmt: str | None
    boolean: bool | None


@dataclass
class Case:
    name: str
    requests: list[Request] = field(default_factory=list)
    graph_data: dict[str, Path] = field(default_factory=dict)


def _manifest(shared: Path) -> tuple[list[Case], Path]:
    folder = shared / "testsuites" / "w3c-rdf-tests" / "sparql" / "sparql11" / "protocol"
    g = rdflib.Graph().parse(folder / "manifest.ttl", format="turtle")
    entries = Collection(g, g.value(next(g.subjects(rdflib.RDF.type, MF.Manifest)), MF.entries))
    cases = []
    for t in entries:
        case = Case(str(t).rsplit("#", 1)[-1])
        for gd in g.objects(t, UT.graphData):
            case.graph_data[str(g.value(gd, rdflib.RDFS.label))] = Path(str(g.value(gd, UT.graph)).removeprefix("file://"))
        for r in Collection(g, g.value(g.value(t, MF.action), HT.requests)):
            headers = {}
            hs = g.value(r, HT.headers)
            if hs is not None:
                for h in Collection(g, hs):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            b = g.value(r, HT.body)
            if b is not None:
                enc = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(enc)
            resp = g.value(r, HT.resp)
            statuses = {str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            case.requests.append(Request(str(g.value(r, HT.methodName)), str(g.value(r, HT.absolutePath)),
                                         headers, body, statuses, str(fmt) if fmt else None,
                                         boolean.toPython() if boolean is not None else None))
        cases.append(case)
    return cases, folder


def _boolean(resp: httpx.Response) -> bool:
    ctype = resp.headers["content-type"].split(";")[0]
    if ctype == "application/sparql-results+json":
        return json.loads(resp.text)["boolean"]
    assert ctype == "application/sparql-results+xml", ctype
    return "<boolean>true</boolean>" in resp.text


@pytest.mark.parametrize("backend", ["embedded", "virtuoso"])
def test_sparql11_protocol_suite(shared, tmp_path_factory, request, backend):
    """The W3C suite against the embedded store, and against a fresh Virtuoso 7 (its own
    database, so no other test's graphs are in the dataset)."""
    cases, folder = _manifest(shared)
    assert len(cases) == 34
    tmp = tmp_path_factory.mktemp("protocol")
    store = tmp / "store"
    graphs: dict[str, Path] = {}
    for c in cases:
        graphs.update(c.graph_data)
    remote = None
    if backend == "virtuoso":
        request.getfixturevalue("virtuoso")  # skips (or fails in CI) without virtuoso-t
        server = start_virtuoso(tmp / "virtuoso")
        request.addfinalizer(server.stop)
        remote = server.store_url
    writer = open_writer(store)
    for name, path in sorted(graphs.items()):
        writer.add_graph(name, (folder / path.name).read_bytes())
    if remote:
        sync_graphs(parse_store_url(remote), ((n, (folder / p.name).read_bytes()) for n, p in sorted(graphs.items())),
                    {}, writer.meta_dir)
    writer.commit()
    start_server = request.getfixturevalue("server_factory")
    srv = start_server(store, tmp, remote=remote)
    ran, skipped, failures = [], [], []
    try:
        for case in cases:
            if case.name in SKIPS:
                skipped.append(f"{case.name}: {SKIPS[case.name]}")
                continue
            for rq in case.requests:
                url = srv.url.rstrip("/") + rq.path.replace("/sparql/", "/sparql", 1)
                resp = httpx.request(rq.method, url, headers=rq.headers, content=rq.body, timeout=30)
                klass = f"{resp.status_code // 100}xx"
                problems = []
                if klass not in rq.statuses:
                    problems.append(f"status {resp.status_code}, expected {sorted(rq.statuses)}: {resp.text[:200]}")
                elif resp.status_code < 300 and rq.fmt:
                    ctype = resp.headers.get("content-type", "").split(";")[0]
                    wanted = {"boolean": RESULT_TYPES, "tabular": RESULT_TYPES, "RDF": RDF_TYPES}[rq.fmt]
                    if ctype not in wanted:
                        problems.append(f"content type {ctype}, expected one of {sorted(wanted)}")
                    elif rq.fmt == "boolean" and rq.boolean is not None and _boolean(resp) != rq.boolean:
                        problems.append(f"boolean {not rq.boolean}, expected {rq.boolean}")
                if problems:
                    failures.append(f"{case.name}: " + "; ".join(problems))
            ran.append(case.name)
    finally:
        request.getfixturevalue("server_stopper")(srv)
    reports = getattr(request.config, "protocol_report", {})
    reports[backend] = (len(ran), skipped)
    request.config.protocol_report = reports  # printed in the terminal summary
    assert failures == []
    assert len(ran) == 27
