"""The SERVICE and update check: bypasses found by adversarial rounds stay refused, and
ordinary queries that merely mention "service" pass."""

import pytest

from clusterkg.service.errors import QueryRefused
from clusterkg.service.guard import check_query, needs_parse

T = "http://127.0.0.1:9/"

REFUSED = [
    f"SELECT * WHERE {{ ?s ?p ?o .SERVICE <{T}> {{ ?a ?b ?c }} }}",
    f"SELECT * {{ SERVICE<{T}> {{?s ?p ?o}} }} # SERVICE <http://allowed.example/>",
    f"SELECT * {{ ?s ?p 1SERVICE SILENT <{T}> {{ ?a ?b ?c }} }}",
    f"SELECT * {{ ?s ?p trueSERVICE <{T}> {{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ # x\rSERVICE <{T}> {{ ?a ?b ?c }}\n}}",
    f'SELECT * WHERE {{ BIND("a\\u005C" AS ?z) SERVICE <{T}> {{ ?a ?b ?c }} # " AS ?z)\n}}',
    f"PREFIX : <{T}> SELECT * WHERE {{ SERVICE:g {{ ?a ?b ?c }} }}",
    f"PREFIX : <{T}> PREFIX t: <{T}> SELECT * WHERE {{ SERVICEt:g {{ ?a ?b ?c }} }}",
    f"PREFIX : <{T}> SELECT * WHERE {{ ?s <urn:p>? 1SERVICE:n {{ ?a ?b ?c }} }}",
    f"PREFIX ex: <urn:ex:> SELECT * WHERE {{ ?s a ex:.SERVICE <{T}> {{ ?a ?b ?c }} }}",
    f"PREFIX ex: <http://e/\xa0#> SELECT * WHERE {{ SERVICE <{T}> {{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ BIND(<http://e/\u3000#> AS ?z) SERVICE <{T}> {{ ?a ?b ?c }} }}",
    f"PREFIX ex: <urn:ex:> SELECT * WHERE {{ VALUES ?z {{ ex:a\\# }} SERVICE <{T}> {{ ?a ?b ?c }} }}",
    f"PREFIX ex: <urn:ex:> SELECT * WHERE {{ VALUES ?z {{ ex:a\\' }} SERVICE <{T}> {{ ?a ?b ?c }} }} # '",
    "SELECT * { SERVICE SILENT ?x { ?a ?b ?c } }",
    "PREFIX ex: <http://x/> DROP ALL",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
]

ALLOWED = [
    "PREFIX ckg: <https://w3id.org/clusterkg/ns#> SELECT * { ?s ckg:providesService ?o }",
    "SELECT * { ?s <https://w3id.org/clusterkg/concept/support-service> ?o }",
    "PREFIX c: <https://w3id.org/clusterkg/concept/> SELECT * { ?s ?p c:support-service }",
    'SELECT * { ?s ?p "customer service" } # the service desk',
    "SELECT ?service { ?service a ?type }",
    'PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p "x"@en-service . ?s ex:q ex:a.service }',
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p ex:\\~service ; ex:q ex:%41service }",
    "SELECT * WHERE { ?s ?p <http://example.org/caf\\u00e9#service> }",
]


@pytest.mark.parametrize("query", REFUSED)
def test_refused(query):
    with pytest.raises(QueryRefused):
        check_query(query)


@pytest.mark.parametrize("query", ALLOWED)
def test_allowed(query):
    check_query(query)


def test_allow_list():
    allow = ("http://allowed.example/sparql",)
    check_query("SELECT * { SERVICE <http://allowed.example/sparql> { ?s ?p ?o } }", allow)
    with pytest.raises(QueryRefused, match="http://evil/"):
        check_query("SELECT * { SERVICE <http://allowed.example/sparql> {} SERVICE <http://evil/> {} }", allow)


def test_strict_mode_refuses_any_mention_when_workers_have_network():
    lt = "PREFIX : <http://127.0.0.1:9/> SELECT * WHERE { FILTER(1<2)SERVICE:m1#>\n{ ?a ?b ?c } }"
    with pytest.raises(QueryRefused, match="cannot keep its query workers off the network"):
        check_query(lt, strict=True)
    with pytest.raises(QueryRefused):
        check_query("SELECT * { ?s <https://w3id.org/clusterkg/concept/support-service> ?o }", strict=True)
    check_query("SELECT * { ?s ?p ?o }", strict=True)


def test_service_without_an_allow_list_is_refused_without_a_parse():
    # a text rdflib cannot even parse gets the same plain refusal: no parse was tried
    with pytest.raises(QueryRefused, match=r"allowed endpoints: none\)$") as refused:
        check_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } ((( not sparql")
    assert refused.value.reason == "service"
    assert needs_parse("SELECT * { SERVICE <http://x/> {} }", ()) is False
    assert needs_parse("SELECT * { SERVICE <http://x/> {} }", ("http://x/",)) is True
