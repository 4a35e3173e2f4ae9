"""End to end: README queries, RDF formats, dereferenceable URIs, dumps with ETag."""

import csv
import gzip
import io
import json

import httpx
import pytest
from readme_queries import check_readme_query, examples
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

pytestmark = pytest.mark.e2e

#: Every example query of docs/queries/ with its expected output (``NAME.csv`` beside it), on
#: the bundled data; a query whose first line names other data ("# data: data/
#: ../shared/profiles/other/") is checked over that data, in test_sources.py.
EXAMPLES = examples(None)


@pytest.mark.parametrize("name", EXAMPLES)
def test_readme_queries(server, name):
    check_readme_query(server.url, name)


def test_the_default_graph_is_a_set_and_the_current_view(server):
    def rows(query):
        r = httpx.post(server.url + "sparql", data={"query": query}, headers={"Accept": "text/csv"})
        assert r.status_code == 200, r.text
        return list(csv.reader(io.StringIO(r.text)))[1:]

    total = rows("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    distinct = rows("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert total == distinct and int(total[0][0]) > 1000
    three_optionals = rows("""PREFIX ckg: <https://w3id.org/clusterkg/ns#> PREFIX schema: <https://schema.org/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c ?field ?name ?label ?country WHERE { ?c ckg:technologyField/skos:prefLabel ?field
          OPTIONAL { ?c schema:name ?name } OPTIONAL { ?c ckg:excellenceLabel/ckg:labelLevel/skos:prefLabel ?label }
          OPTIONAL { ?c ckg:country ?country } }""")
    assert len(three_optionals) == 6 and len({tuple(r) for r in three_optionals}) == 6  # no row twice
    voict = server.url + "id/cluster/vojvodina-ict-cluster"
    assert rows(f"SELECT ?n WHERE {{ <{voict}> <https://schema.org/name> ?n }}") == [["Vojvodina ICT Cluster"]]
    pages = f'FILTER(STRSTARTS(STR(?g), "{server.url}graph/profile/"))'  # (Virtuoso: also graph/current)
    assert sorted(rows(f"SELECT ?n WHERE {{ GRAPH ?g {{ <{voict}> <https://schema.org/name> ?n }} {pages} }}")) == [
        ["Vojvodina ICT Cluster"], ["Vojvodina ICT Cluster - VOICT"]]  # both versions, each in its graph


CONSTRUCT = """PREFIX schema: <https://schema.org/> PREFIX ckg: <https://w3id.org/clusterkg/ns#>
CONSTRUCT { ?c schema:name ?n ; schema:foundingDate ?d ; ckg:smeMembers ?s }
WHERE { ?c a ckg:ClusterOrganisation ; schema:name ?n OPTIONAL { ?c schema:foundingDate ?d } OPTIONAL { ?c ckg:smeMembers ?s } }"""


def test_construct_in_each_rdf_format_parses_to_the_same_graph(server):
    graphs = {}
    for media, fmt in [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                       ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
        r = httpx.get(server.url + "sparql", params={"query": CONSTRUCT}, headers={"Accept": media})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
        assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]
        graphs[media] = Graph().parse(data=r.text, format=fmt)
    first = graphs["text/turtle"]
    assert len(first) == 11  # 5 clusters, 5 names (the current view names Vojvodina ICT Cluster once)
    assert (URIRef(server.url + "id/cluster/ict-net"), URIRef("https://schema.org/foundingDate"),
            Literal("2010-07-12", datatype=XSD.date)) in first
    for media, g in graphs.items():
        assert isomorphic(first, g), media


def test_select_in_each_results_format(server):
    q = 'SELECT ?d WHERE { ?c <https://schema.org/name> "ICT NET" ; <https://schema.org/foundingDate> ?d }'
    bodies = {m: httpx.get(server.url + "sparql", params={"query": q}, headers={"Accept": m})
              for m in ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                        "text/tab-separated-values"]}
    assert json.loads(bodies["application/sparql-results+json"].text)["results"]["bindings"][0]["d"]["value"] == "2010-07-12"
    assert "<literal datatype=\"http://www.w3.org/2001/XMLSchema#date\">2010-07-12</literal>" in bodies["application/sparql-results+xml"].text
    assert bodies["text/csv"].text.splitlines() == ["d", "2010-07-12"]
    assert bodies["text/tab-separated-values"].text.splitlines() == ["?d", '"2010-07-12"^^<http://www.w3.org/2001/XMLSchema#date>']
    r = httpx.get(server.url + "sparql", params={"query": q}, headers={"Accept": "text/csv;q=0.4, application/*;q=0.5"})
    assert r.headers["content-type"].startswith("application/sparql-results+json")


def test_dataset_parameters(server):
    graph = server.url + "graph/profile/ict-net"
    q = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <https://w3id.org/clusterkg/ns#ClusterOrganisation> }"
    r = httpx.get(server.url + "sparql", params={"query": q, "default-graph-uri": graph})
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "1"
    r = httpx.get(server.url + "sparql", params={"query": q})
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "5"


def test_ict_net_resource_and_its_representations(server):
    iri = server.url + "id/cluster/ict-net"
    r = httpx.get(iri)
    assert r.status_code == 303 and r.headers["location"] == server.url + "doc/cluster/ict-net"
    doc = server.url + "doc/cluster/ict-net"
    founding = (URIRef(iri), URIRef("https://schema.org/foundingDate"), Literal("2010-07-12", datatype=XSD.date))
    parsed = {}
    for media, suffix, fmt in [("text/turtle", ".ttl", "turtle"), ("application/n-triples", ".nt", "nt"),
                               ("application/ld+json", ".jsonld", "json-ld")]:
        by_accept = httpx.get(doc, headers={"Accept": media})
        by_suffix = httpx.get(doc + suffix)
        for resp in (by_accept, by_suffix):
            assert resp.status_code == 200 and resp.headers["content-type"].split(";")[0] == media
            assert 'rel="alternate"' in resp.headers["link"]
        assert "Accept" in [v.strip() for v in by_accept.headers["vary"].split(",")]
        text = by_accept.text
        if fmt == "json-ld":
            body = json.loads(text)
            assert body["@context"] == server.url + "context.jsonld"
            ctx = httpx.get(body["@context"]).json()
            body["@context"] = ctx["@context"]
            text = json.dumps(body)
        parsed[media] = Graph().parse(data=text, format=fmt)
        assert founding in parsed[media]
    assert isomorphic(parsed["text/turtle"], parsed["application/n-triples"])
    assert isomorphic(parsed["text/turtle"], parsed["application/ld+json"])
    # the description includes the cluster's parts: its label award (the profile's, undated), with its level
    label = URIRef(iri + "/award/ict-net/bronze")
    assert (label, URIRef("https://w3id.org/clusterkg/ns#labelLevel"),
            URIRef("https://w3id.org/clusterkg/concept/label-level/bronze")) in parsed["text/turtle"]
    html = httpx.get(doc, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    page = html.text
    assert "<title>ICT NET</title>" in page
    assert ">Bronze<" in page  # the label level by its label, not its IRI
    assert ">Business Services<" in page and ">The Balkan and Black Sea ICT Clusters Network<" in page
    assert f'href="{server.url}id/network/bbs-ict-clusters-network"' in page
    assert f'href="{doc}.ttl"' in page and f'href="{doc}.jsonld"' in page
    assert httpx.get(doc + ".html").status_code == 200
    assert httpx.get(doc, headers={"Accept": "image/png"}).status_code == 406
    assert httpx.get(server.url + "doc/cluster/no-such-cluster").status_code == 404
    assert httpx.head(doc).status_code == 200


def test_ontology_and_shapes_are_served(server):
    r = httpx.get(server.url + "ontology", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef("https://w3id.org/clusterkg/ns#ClusterOrganisation"), None, None) in g
    r = httpx.get(server.url + "shapes.ttl")
    assert "ClusterOrganisationShape" in r.text
    assert httpx.get(server.url + "ontology.jsonld").headers["content-type"].startswith("application/ld+json")
    assert "Cluster organisation" in httpx.get(server.url + "ontology.html").text


def test_dump_downloads_parses_and_revalidates(server):
    listing = httpx.get(server.url + "dumps/", headers={"Accept": "application/json"}).json()["dumps"]
    names = {d["name"] for d in listing}
    assert {"clusterkg.ttl", "clusterkg.nt", "clusterkg.nq", "clusterkg.jsonld", "clusterkg.nq.gz"} <= names
    r = httpx.get(server.url + "dumps/clusterkg.nq.gz")
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    assert int(r.headers["content-length"]) == len(r.content)
    ds = Dataset()
    ds.parse(data=gzip.decompress(r.content).decode("utf-8"), format="nquads")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert server.url + "graph/profile/ict-net" in names
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    again = httpx.get(server.url + "dumps/clusterkg.nq.gz", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert httpx.get(server.url + "dumps/clusterkg.nq.gz", headers={"If-Modified-Since": modified}).status_code == 304
    assert httpx.get(server.url + "dumps/clusterkg.nq.gz", headers={"If-None-Match": '"other"'}).status_code == 200
    ttl = httpx.get(server.url + "dumps/clusterkg.ttl")
    assert ttl.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=ttl.text, format="turtle")
    assert (URIRef(server.url + "id/cluster/ict-net"), URIRef("https://schema.org/foundingDate"),
            Literal("2010-07-12", datatype=XSD.date)) in g
    assert httpx.get(server.url + "dumps/nope.ttl").status_code == 404
