"""The vocabulary dereferences on this server (issue 14): every term, concept scheme,
concept and shape of ``https://w3id.org/clusterkg/`` has a page at the same path under the
base URI, in HTML and RDF by content negotiation; the w3id rules in ``docs/w3id/`` lead
there; HTML pages link to these pages instead of off site."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef

from clusterkg.graph.publish import urls
from clusterkg.graph.publish.vocabulary import vocabulary_iris

RULES = Path(__file__).resolve().parents[2] / "docs" / "w3id" / ".htaccess"


def _rules(deployment: str) -> list[tuple[re.Pattern, str]]:
    """The RewriteRules of docs/w3id/.htaccess, DEPLOYMENT replaced; Apache's ``$1`` as ``\\1``."""
    out = []
    for line in RULES.read_text().splitlines():
        if line.startswith("RewriteRule "):
            _, pattern, target, flags = line.split()
            assert flags == "[R=303,L]", line
            out.append((re.compile(pattern), target.replace("DEPLOYMENT", deployment).replace("$1", r"\1")))
    return out


def _redirect(rules, iri: str) -> str:
    """Where w3id.org sends ``iri``: the first rule matching its path (no fragment: a
    client never sends it), with the fragment kept by the client."""
    path, _, fragment = iri[len(urls.PERSISTENT_BASE):].partition("#")
    for pattern, target in rules:
        if pattern.search(path):
            return pattern.sub(target, path) + (f"#{fragment}" if fragment else "")
    raise AssertionError(f"no w3id rule for {iri}")


@pytest.fixture(scope="module")
def vocab_server(server):
    if server.backend != "embedded":
        pytest.skip("vocabulary pages come from the package, not the store: one backend is enough")
    return server


def test_the_w3id_rules_lead_every_vocabulary_iri_to_its_document(vocab_server):
    rules = _rules(vocab_server.url.rstrip("/"))
    iris = vocabulary_iris()
    assert len(iris) > 200 and "https://w3id.org/clusterkg/ns#ClusterOrganisation" in iris
    assert "https://w3id.org/clusterkg/concept/label-level/gold" in iris
    assert "https://w3id.org/clusterkg/shapes#ClusterOrganisationShape" in iris
    documents: dict[str, tuple[Graph, str]] = {}
    with httpx.Client(timeout=30) as client:
        for iri in iris:
            url = _redirect(rules, iri)
            assert url.startswith(vocab_server.url)
            document, _, fragment = url.partition("#")
            if document not in documents:
                turtle = client.get(document, headers={"Accept": "text/turtle"})
                html = client.get(document, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
                assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle"), url
                assert html.status_code == 200 and html.headers["content-type"].startswith("text/html"), url
                assert "Accept" in turtle.headers["vary"]
                documents[document] = (Graph().parse(data=turtle.text, format="turtle"), html.text)
            g, page = documents[document]
            assert (URIRef(iri), None, None) in g, f"{url} says nothing about {iri}"
            if fragment:
                assert f'id="{fragment}"' in page, f"{url} has no section #{fragment}"
    # hash IRIs share one document each; each concept and scheme is its own page
    assert sum(1 for d in documents if "/concept/" in d) == sum(1 for i in iris if "/concept/" in i)


def test_a_concept_page_names_its_scheme_and_has_every_rdf_variant(vocab_server):
    url = vocab_server.url + "concept/label-level/gold"
    page = httpx.get(url).text
    assert "<h1>Gold</h1>" in page
    assert f'<a href="{vocab_server.url}concept/label-level">' in page  # its scheme, here
    jsonld = httpx.get(url + ".jsonld")
    assert jsonld.status_code == 200 and jsonld.headers["content-type"].startswith("application/ld+json")
    nt = httpx.get(url, headers={"Accept": "application/n-triples"}).text
    assert ("<https://w3id.org/clusterkg/concept/label-level/gold> "
            "<http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/clusterkg/concept/label-level> .") in nt
    assert httpx.get(vocab_server.url + "concept/label-level/platinum").status_code == 404
    assert httpx.get(vocab_server.url + "concept/no-such-scheme").status_code == 404
    assert httpx.get(vocab_server.url + "nsx").status_code == 404


def test_html_pages_link_to_the_vocabulary_on_this_server_never_to_w3id(vocab_server):
    cluster = httpx.get(vocab_server.url + "doc/cluster/ict-net", headers={"Accept": "text/html"})
    assert cluster.status_code == 200
    hrefs = re.findall(r'href="([^"]+)"', cluster.text)
    assert not [h for h in hrefs if h.startswith(urls.PERSISTENT_BASE)]
    assert vocab_server.url + "ns#ClusterOrganisation" in hrefs  # its type
    assert any(h.startswith(vocab_server.url + "concept/sectoral-industry/") for h in hrefs)  # a sector
    assert any(h.startswith(vocab_server.url + "ns#") and h != vocab_server.url + "ns#ClusterOrganisation"
               for h in hrefs)  # a property of ours, in its row heading
    for page in ("ns", "shapes", "ontology", "concept/label-level"):
        r = httpx.get(vocab_server.url + page, headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), page
        links = re.findall(r'href="([^"]+)"', r.text)
        assert not [h for h in links if h.startswith(urls.PERSISTENT_BASE)], page
        assert any(h.startswith(vocab_server.url + ("concept/" if page == "concept/label-level" else "ns#"))
                   for h in links), page
