"""The pages for people over HTTP (issue 16): the landing page, search, the faceted list of
clusters (HTML, JSON, CSV), charts, back-links on resource pages, the query editor for a
browser, ``format=`` / ``output=`` on the endpoint, robots.txt and the sitemap; each on the
bundled data, with its real values."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import httpx
import pytest

pytestmark = pytest.mark.e2e

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SRB = "http://publications.europa.eu/resource/authority/country/SRB"
COUNT = ("PREFIX ckg: <https://w3id.org/clusterkg/ns#> "
         "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ckg:ClusterOrganisation }")


def get(server, path, accept=BROWSER, **params):
    return httpx.get(server.url + path, params=params, headers={"Accept": accept}, timeout=30)


def test_the_landing_page_says_what_the_graph_holds(site_server):
    r = get(site_server, "")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    page = r.text
    for figure in ('<span class="n">5</span>clusters', '<span class="n">4</span>countries',
                   '<span class="n">6</span>profile pages read'):
        assert figure in page
    assert f'href="{site_server.url}clusters?country={quote(SRB, safe="")}">Serbia (2)</a>' in page
    assert 'name="q"' in page and "Clusters per country</a>" in page
    assert f'{site_server.url}sparql?query=' in page and f'{site_server.url}catalog' in page


def test_the_list_in_three_formats_says_the_same(site_server):
    html = get(site_server, "clusters", country=SRB)
    assert "2 clusters with <strong>Serbia</strong>" in html.text
    data = get(site_server, "clusters", "application/json", country=SRB).json()
    assert data["total"] == 2 and [i["name"] for i in data["items"]] == ["ICT NET", "Vojvodina ICT Cluster"]
    assert data["items"][0]["founded"] == "2010-07-12"
    assert {v["label"]: v["count"] for v in data["facets"]["label"]} == {"Bronze": 2}
    text = get(site_server, "clusters", format="csv", country=SRB)  # format= wins over Accept
    assert text.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert [(r["name"], r["country_name"], r["members"]) for r in rows] == [("ICT NET", "Serbia", "0"),
                                                                             ("Vojvodina ICT Cluster", "Serbia", "4")]


@pytest.mark.parametrize("params, message", [
    ({"colour": "red"}, "colour: no such parameter"),
    ({"sort": "size"}, "sort: 'size' is not one of"),
    ({"page": "9" * 5000}, "is not a page number"),
    ({"size": "0"}, "is not a page size"),
    ({"format": "pdf"}, "format='pdf'"),
])
def test_bad_list_parameters_are_400_with_the_reason(site_server, params, message):
    r = get(site_server, "clusters", "*/*", **params)
    assert r.status_code == 400 and message in r.text


def test_search_finds_names_members_and_places_with_snippets(site_server):
    hits = get(site_server, "search", "application/json", q="vojvodina").json()
    assert hits["hits"][0]["title"] == "Vojvodina ICT Cluster" and hits["total"] >= 2
    member = get(site_server, "search", "application/json", q="Schneider").json()
    assert "Schneider Electric DMS NS" in [h["title"] for h in member["hits"]]
    page = get(site_server, "search", q="ICT").text
    assert "<mark>ICT</mark>" in page and ">ICT NET</a>" in page


def test_a_region_page_lists_its_clusters(site_server):
    page = get(site_server, "doc/region/nuts/rs12").text
    section = page[page.index('<section class="backlinks"'):]
    assert "<h2>Clusters (2)</h2>" in section
    assert f'<a href="{site_server.url}doc/cluster/ict-net">ICT NET</a>' in section
    assert f'<a href="{site_server.url}doc/cluster/vojvodina-ict-cluster">Vojvodina ICT Cluster</a>' in section
    concept = get(site_server, "concept/label-level/bronze").text
    assert "<h2>Clusters (3)</h2>" in concept


def test_charts_are_svg_with_their_numbers_and_query(site_server):
    page = get(site_server, "charts").text
    assert page.count("<svg ") == 4
    assert '<title>Serbia: 2</title>' in page and '<title>2010: 2</title>' in page
    assert page.count("The SPARQL query behind this chart") == 4


def test_the_endpoint_opens_the_editor_for_a_browser_and_answers_machines(site_server):
    editor = get(site_server, "sparql", query=COUNT)
    assert editor.headers["content-type"].startswith("text/html")
    assert "vendor/yasgui-4.6.2/yasgui.min.js" in editor.text
    assert "script-src 'self'" in editor.headers["content-security-policy"]
    assert "Clusters per country" in editor.text  # the example queries, as tabs
    data = get(site_server, "sparql", "*/*", query=COUNT)
    assert data.json()["results"]["bindings"][0]["n"]["value"] == "5"


@pytest.mark.parametrize("param, value, media", [
    ("format", "csv", "text/csv"), ("output", "json", "application/sparql-results+json"),
    ("format", "xml", "application/sparql-results+xml"), ("format", "text/tab-separated-values",
                                                          "text/tab-separated-values"),
])
def test_format_and_output_parameters_win_over_accept(site_server, param, value, media):
    r = get(site_server, "sparql", BROWSER, query=COUNT, **{param: value})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    assert "5" in r.text


def test_format_json_on_a_construct_gives_json_ld(site_server):
    r = get(site_server, "sparql", query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1", format="json")
    assert r.headers["content-type"].startswith("application/ld+json")
    r = get(site_server, "sparql", "*/*", query=COUNT, format="pdf")
    assert r.status_code == 400 and "format='pdf'" in r.text


def test_robots_and_sitemap(site_server):
    robots = get(site_server, "robots.txt").text
    assert "Disallow: /sparql" in robots and f"Sitemap: {site_server.url}sitemap.xml" in robots
    sitemap = get(site_server, "sitemap.xml").text
    assert sitemap.count("<url>") == 4 + 5
    assert f"<loc>{site_server.url}doc/cluster/ict-net</loc>" in sitemap


def test_static_files_and_the_vendored_editor_are_served(site_server):
    css = get(site_server, "static/style.css", "text/css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = get(site_server, "static/vendor/yasgui-4.6.2/yasgui.min.js", "*/*")
    assert js.status_code == 200 and len(js.content) == 1012309
    assert get(site_server, "static/../pyproject.toml", "*/*").status_code == 404


def test_plain_json_on_a_resource_gives_json_ld(site_server):
    r = get(site_server, "doc/cluster/ict-net", "application/json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert "2010-07-12" in r.text and r.headers["content-location"].endswith("/doc/cluster/ict-net.jsonld")


def test_a_plain_dump_comes_gzip_encoded_to_a_client_that_takes_gzip(site_server):
    import gzip
    import zlib

    plain = httpx.get(site_server.url + "dumps/clusterkg.ttl", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and "Accept-Encoding" in plain.headers["vary"]
    for name in ("clusterkg.ttl", "clusterkg.nt", "clusterkg-srb.ttl"):
        raw = httpx.get(site_server.url + "dumps/" + name, headers={"Accept-Encoding": "gzip"}).read()
        with httpx.stream("GET", site_server.url + "dumps/" + name, headers={"Accept-Encoding": "gzip"}) as r:
            assert r.headers["content-encoding"] == "gzip" and r.headers["content-type"].startswith(
                ("text/turtle", "application/n-triples"))
            body = b"".join(r.iter_raw())
        # one gzip stream, as curl, httpx and browsers read Content-Encoding (the first member only)
        one = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert one.decompress(body) == raw == gzip.decompress(body) and one.unused_data == b""
    assert raw.startswith(b"@prefix") and len(plain.content) > 50_000


@pytest.mark.parametrize("path, title, shows", [
    ("catalog", "DCAT-AP catalogue", "clusterkg-srb.ttl"),
    (".well-known/void", "VoID description", "triples"),
    ("feed", "Change feed", "/feed/20"),  # links to the days
])
def test_harvest_documents_are_pages_for_a_browser_and_turtle_for_others(site_server, path, title, shows):
    page = get(site_server, path)
    assert page.headers["content-type"].startswith("text/html") and f"<h1>{title}</h1>" in page.text
    assert shows in page.text
    assert get(site_server, path, "*/*").headers["content-type"].startswith("text/turtle")


def test_a_cluster_page_groups_its_properties_and_embeds_schema_org(site_server):
    import json
    import re

    page = get(site_server, "doc/cluster/vojvodina-ict-cluster").text
    headings = re.findall(r"<h3>([^<]+)</h3>", page)
    assert headings[:3] == ["Identity", "Focus", "Composition"] and "Labels" in headings
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(block)
    assert (data["@type"], data["name"], data["foundingDate"], data["address"]["addressCountry"]) == (
        "Organization", "Vojvodina ICT Cluster", "2010-06-19", "SRB")
    assert data["alternateName"] == ["Vojvođanski IKT klaster - VOICT"]
    assert '<meta name="viewport"' in page and 'href="/static/style.css"' in page


def test_a_cluster_page_says_which_pages_describe_it(site_server):
    page = get(site_server, "doc/cluster/vojvodina-ict-cluster").text
    box = page[page.index('<section class="box provenance"'):]
    box = box[:box.index("</section>")]
    assert "2 source pages describe this cluster" in box
    assert "file vojvodina-ict-cluster-2021.txt" in box and "profile, eccp-2021" in box
    assert "a newer version of" in box and "vojvodina-ict-cluster-voict</a>" in box
    assert "https://clustercollaboration.eu/content/vojvodina-ict-cluster" in box


def test_a_member_organisation_page_lists_its_cluster(site_server):
    page = get(site_server, "doc/organisation/srb/university-of-novi-sad").text
    assert "<h2>Member of (1)</h2>" in page
    assert f'<a href="{site_server.url}doc/cluster/vojvodina-ict-cluster">Vojvodina ICT Cluster</a>' in page


@pytest.mark.parametrize("path", ["doc/cluster/a%20b", "doc/cluster/%zz", "doc/cluster/x%3Cy", "doc/cluster/%7Bx%7D"])
def test_a_path_that_makes_no_iri_is_404_not_an_error(site_server, path):
    r = get(site_server, path, "text/turtle")
    assert r.status_code == 404 and r.text.startswith("Not found: nothing is known about ")


def test_list_values_no_cluster_has_and_pages_past_the_end_are_refused(site_server):
    r = get(site_server, "clusters", "*/*", country="x" * 2800)
    assert r.status_code == 400 and "at most 500" in r.text and len(r.content) < 1000
    r = get(site_server, "clusters", "*/*", country="http://example.org/nowhere")
    assert r.status_code == 400 and "no cluster has" in r.text
    for fmt in ("html", "json", "csv"):  # README: 404 for a page past the end, in every format
        r = get(site_server, "clusters", "*/*", page="5", size="4", format=fmt)
        assert r.status_code == 404 and "page 5 of this list (it has 2)" in r.text, fmt
    assert get(site_server, "clusters", "*/*", page="2", size="4", format="json").json()["items"]  # the last page
    assert get(site_server, "sparql", "*/*", format="bogus").status_code == 400


def test_a_chosen_country_still_offers_the_others(site_server):
    page = get(site_server, "clusters", country=SRB).text
    facet = page[page.index('id="facet-country"'):page.index('id="facet-region"')]
    assert "✓ Serbia" in facet and ">Bulgaria</a>" in facet and ">Poland</a>" in facet


def test_head_of_a_gzip_encoded_dump_makes_no_body(site_server):
    r = httpx.head(site_server.url + "dumps/clusterkg.ttl", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip" and r.content == b""
    assert r.headers["etag"] == httpx.get(site_server.url + "dumps/clusterkg.ttl",
                                          headers={"Accept-Encoding": "gzip"}).headers["etag"]


def test_a_list_links_to_the_sparql_query_that_gives_it(site_server):
    import html as html_lib
    import re

    page = get(site_server, "clusters", country=SRB, label="https://w3id.org/clusterkg/concept/label-level/bronze").text
    link = html_lib.unescape(re.search(r'<a href="([^"]+)">The SPARQL query behind this list</a>', page).group(1))
    answer = httpx.get(link + "&format=csv", timeout=30)
    names = [row["name"] for row in csv.DictReader(io.StringIO(answer.text))]
    assert names == ["ICT NET", "Vojvodina ICT Cluster"]


def test_the_dumps_page_says_what_each_file_holds_with_its_checksum(site_server):
    items = {d["name"]: d for d in get(site_server, "dumps/", "application/json").json()["dumps"]}
    srb = items["clusterkg-srb.ttl"]
    assert srb["holds"] == "Serbia" and items["clusterkg.nq"]["holds"] == "the whole graph"
    import hashlib
    assert srb["sha256"] == hashlib.sha256(httpx.get(srb["url"], headers={"Accept-Encoding": "identity"}).content).hexdigest()
    page = get(site_server, "dumps/").text
    assert "<td>Serbia</td>" in page and srb["sha256"][:12] in page


def test_errors_are_pages_for_a_browser_and_text_for_others(site_server):
    page = get(site_server, "doc/cluster/nope")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>404 Not Found</h1>" in page.text and "nothing is known about" in page.text
    assert f'<link rel="stylesheet" href="{site_server.url}static/style.css">' in page.text  # the site's layout
    text = get(site_server, "doc/cluster/nope", "*/*")
    assert text.status_code == 404 and text.headers["content-type"].startswith("text/plain")
    bad = get(site_server, "clusters", country="<script>")
    assert bad.status_code == 400 and "&lt;script&gt;" in bad.text and "<script>" not in bad.text


def test_a_country_may_be_given_by_its_code(site_server):
    data = get(site_server, "clusters", "application/json", country="srb").json()
    assert data["total"] == 2 and data["filters"] == {"country": [SRB]}
