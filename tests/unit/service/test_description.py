"""The SPARQL Service Description: the same triples in every format, one pair per named
graph, written by pyoxigraph (rdflib took seconds at 100,000 graphs, under the lock the
event loop needs)."""

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from clusterkg.service.description import description, write_description

SD = "http://www.w3.org/ns/sparql-service-description#"
ENDPOINT = "http://localhost:8000/sparql"
GRAPHS = [f"http://localhost:8000/graph/profile/{n}" for n in ("ict-net", "romanian-textile-concept", "vojvodina")]


def test_every_format_holds_the_same_description_with_each_named_graph_once():
    triples = description(ENDPOINT, GRAPHS, (), 30.0, 10_000, 100_000_000)
    parsed = {media: Graph().parse(data=write_description(triples, media).decode("utf-8"), format=fmt)
              for media, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                 ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"))}
    g = parsed["text/turtle"]
    assert all(isomorphic(g, other) for other in parsed.values())
    service = URIRef(ENDPOINT + "#service")
    assert (service, RDF.type, URIRef(SD + "Service")) in g
    assert g.value(service, URIRef(SD + "endpoint")) == URIRef(ENDPOINT)
    dataset = g.value(service, URIRef(SD + "defaultDataset"))
    named = list(g.objects(dataset, URIRef(SD + "namedGraph")))
    assert sorted(str(g.value(n, URIRef(SD + "name"))) for n in named) == GRAPHS
    assert URIRef(SD + "UnionDefaultGraph") not in set(g.objects(service, URIRef(SD + "feature")))
    assert URIRef(SD + "BasicFederatedQuery") not in set(g.objects(service, URIRef(SD + "feature")))
    comment = str(g.value(service, RDFS.comment))
    assert "30 s, 10,000 rows, 100,000,000 bytes" in comment and "not allowed" in comment
    assert b"@prefix sd: <" + SD.encode() + b">" in write_description(triples, "text/turtle")


def test_an_allow_listed_service_is_stated_as_federated_query():
    g = Graph().parse(data=write_description(description(ENDPOINT, [], ("https://query.wikidata.org/sparql",),
                                                         5.0, 10, 10), "text/turtle").decode(), format="turtle")
    service = URIRef(ENDPOINT + "#service")
    assert (service, URIRef(SD + "feature"), URIRef(SD + "BasicFederatedQuery")) in g
    assert "allowed only to: https://query.wikidata.org/sparql" in str(g.value(service, RDFS.comment))
    assert not list(g.objects(None, URIRef(SD + "namedGraph")))
    assert isinstance(g.value(service, RDFS.comment), Literal)


def test_a_media_type_the_description_is_not_written_in_is_refused():
    try:
        write_description(description(ENDPOINT, [], (), 1.0, 1, 1), "text/html")
    except ValueError as exc:
        assert "text/html" in str(exc)
    else:
        raise AssertionError("HTML was written")
