"""The site index (issue 16): built with the snapshot from the current view, read by the
pages: figures, facets with counts, search with ranking and snippets, back-links, charts."""

from __future__ import annotations

import sqlite3

import pytest

from clusterkg.graph.publish.site import SITE_FILE
from clusterkg.service.site import MAX_PAGE_SIZE, BadRequestValue, SiteIndex, match_expression

SRB = "http://publications.europa.eu/resource/authority/country/SRB"
BRONZE = "https://w3id.org/clusterkg/concept/label-level/bronze"
VOJVODINA = "http://localhost:8000/id/region/nuts/rs12"


@pytest.fixture(scope="module")
def index(built_store) -> SiteIndex:
    root, _summary = built_store
    found = SiteIndex(root / "current" / "meta")
    assert found.available()
    return found


def test_the_figures_count_the_bundled_graph(index):
    figures = index.figures()
    assert {k: figures[k] for k in ("clusters", "countries", "regions", "labels", "pages")} == {
        "clusters": "5", "countries": "4", "regions": "3", "labels": "4", "pages": "6"}
    assert figures["built"][:4].isdigit()


def test_the_clusters_of_the_current_view_each_once(index):
    result = index.browse({}, "name", 1, 50)
    assert result.total == 5
    assert [r.name for r in result.rows] == ["ICT Cluster", "ICT NET",
                                             "Klaster Innowacyjna Medycyna/ Innovative medicine Cluster",
                                             "Romanian Textile Concept", "Vojvodina ICT Cluster"]
    ict_net = next(r for r in result.rows if r.name == "ICT NET")
    assert (ict_net.country, ict_net.country_name, ict_net.founded, ict_net.year) == ("SRB", "Serbia", "2010-07-12", 2010)
    assert {v.label: v.count for v in result.facets["country"]} == {"Serbia": 2, "Bulgaria": 1, "Poland": 1,
                                                                    "Romania": 1}
    assert {v.label: v.count for v in result.facets["label"]} == {"Bronze": 3, "Silver": 1}


def test_facets_narrow_the_list_and_count_within_it(index):
    serbia = index.browse({"country": [SRB]}, "founded", 1, 50)
    assert [(r.name, r.year) for r in serbia.rows] == [("Vojvodina ICT Cluster", 2010), ("ICT NET", 2010)]
    # the chosen facet still offers its other values (counted without it), the others count within the list
    assert [(v.label, v.count, v.selected) for v in serbia.facets["country"]] == [
        ("Serbia", 2, True), ("Bulgaria", 1, False), ("Poland", 1, False), ("Romania", 1, False)]
    assert {v.label: v.count for v in serbia.facets["label"]} == {"Bronze": 2}
    either = index.browse({"country": [SRB, "http://publications.europa.eu/resource/authority/country/POL"]})
    assert either.total == 3
    nothing = index.browse({"country": [SRB], "label": ["https://w3id.org/clusterkg/concept/label-level/silver"]})
    assert nothing.total == 0 and [(v.label, v.count, v.selected) for v in nothing.facets["label"]] == [
        ("Bronze", 2, False), ("Silver", 0, True)]  # a filter that matches nothing still names itself
    both = index.browse({"country": [SRB], "label": [BRONZE]}, "name", 1, 50)
    assert [r.name for r in both.rows] == ["ICT NET", "Vojvodina ICT Cluster"]
    assert index.browse({"region": [VOJVODINA]}, "name", 1, 1).total == 2


def test_paging_and_sorting(index):
    page2 = index.browse({}, "name", 2, 2)
    assert (page2.total, [r.name for r in page2.rows]) == (5, ["Klaster Innowacyjna Medycyna/ Innovative medicine Cluster",
                                                               "Romanian Textile Concept"])
    by_members = index.browse({}, "members", 1, 2)
    assert [(r.name, r.members) for r in by_members.rows] == [("Vojvodina ICT Cluster", 4),
                                                              ("Klaster Innowacyjna Medycyna/ Innovative medicine Cluster", 2)]


@pytest.mark.parametrize("filters, sort, message", [
    ({"colour": ["x"]}, "name", "colour: no such facet"),
    ({}, "size", "sort: 'size' is not one of"),
    ({"country": [f"x{i}" for i in range(21)]}, "name", "at most 20 facet values"),
    ({"country": ["x" * 501]}, "name", "country: a value of 501 characters; at most 500"),
])
def test_bad_list_requests_are_named(index, filters, sort, message):
    with pytest.raises(BadRequestValue, match=message):
        index.browse(filters, sort)


def test_search_ranks_names_first_and_marks_the_words(index):
    total, hits = index.search("vojvodina")
    assert total >= 2
    assert hits[0].title == "Vojvodina ICT Cluster" and hits[0].kind == "cluster"
    assert any(marked and text.lower().startswith("vojvo") for text, marked in hits[0].snippet)
    # a native name, an acronym-like word, a member, a place
    assert index.search("klaster")[1][0].title == "Klaster Innowacyjna Medycyna/ Innovative medicine Cluster"
    assert "Vojvodina ICT Cluster" in [h.title for h in index.search("schneider")[1]]
    assert {h.title for h in index.search("schneider")[1]} >= {"Schneider Electric DMS NS"}
    assert index.search("Bucureşti")[0] == index.search("bucuresti")[0] >= 1  # diacritics do not matter


def test_search_text_cannot_inject_fts_syntax(index):
    assert match_expression('ICT" OR title:x NEAR(') == '"ICT"* "OR"* "title"* "x"* "NEAR"*'
    assert index.search('") OR *') == index.search("or")  # only the words are searched: no syntax error
    assert index.search("")[0] == 0
    assert len(index.search("a", limit=10_000)[1]) <= MAX_PAGE_SIZE


def test_back_links_and_charts(index):
    total, rows = index.clusters_with(VOJVODINA)
    assert (total, [r.name for r in rows]) == (2, ["ICT NET", "Vojvodina ICT Cluster"])
    assert index.label(VOJVODINA) == ("region", "Autonomous Province of Vojvodina")
    assert index.chart("country")[0] == ("Serbia", 2, SRB)
    assert index.chart("founded") == [("2005", 1, None), ("2010", 2, None), ("2011", 1, None), ("2013", 1, None)]
    with pytest.raises(BadRequestValue):
        index.chart("pie")


def test_the_index_keeps_the_queries_it_came_from(index, built_store):
    db = sqlite3.connect(built_store[0] / "current" / "meta" / SITE_FILE)
    names = {n for (n,) in db.execute("SELECT name FROM query")}
    assert {"clusters", "facets", "texts", "members"} <= names
    assert "ckg:ClusterOrganisation" in index.query_text("clusters")


def test_members_and_sources_of_a_cluster(index):
    vojvodina = "http://localhost:8000/id/cluster/vojvodina-ict-cluster"
    sources = index.sources(vojvodina)
    assert [(s["file"], s["layout"], s["kind"]) for s in sources] == [
        ("vojvodina-ict-cluster-2021.txt", "eccp-2021", "profile"), ("vojvodina-ict-cluster-voict.txt", "eccp-2019", "profile")]
    assert sources[0]["revises"] == "http://localhost:8000/graph/profile/vojvodina-ict-cluster-voict"
    assert len(sources[0]["checksum"]) == 64
    university = "http://localhost:8000/id/organisation/srb/university-of-novi-sad"
    assert index.label(university) == ("member", "University of Novi sad")
    assert [r.name for r in index.clusters_with(university)[1]] == ["Vojvodina ICT Cluster"]


def test_regions_are_found_by_name(index):
    total, hits = index.search("Bucureşti")
    assert ("Bucureşti-Ilfov", "region") in [(h.title, h.kind) for h in hits]
    assert [h.title for h in index.search("vojvodina")[1][:2]] == ["Vojvodina ICT Cluster",
                                                                   "Autonomous Province of Vojvodina"]
