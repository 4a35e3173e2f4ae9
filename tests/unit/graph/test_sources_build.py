"""Builds of the bundled profiles with the other sources (../shared/profiles/other): one
graph, the review file, the curators' decisions, members, provenance from a manifest."""

import csv
import io
import shutil

import pytest

from clusterkg.graph.build import build
from clusterkg.graph.store import open_store

BASE = "http://localhost:8000/"
P = """PREFIX ckg: <https://w3id.org/clusterkg/ns#> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/> PREFIX dct: <http://purl.org/dc/terms/> PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX prov: <http://www.w3.org/ns/prov#> """
SCAN = BASE + "id/network/serbian-cluster-association"


def rows(root, query):
    return open_store(root).query(P + query).rows()


def ask(root, query):
    return open_store(root).query(P + query).boolean


def review(root):
    return list(csv.DictReader(io.StringIO((root / "current" / "meta" / "review.csv").read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def together(tmp_path_factory, data_dir, other_sources):
    root = tmp_path_factory.mktemp("together") / "store"
    return root, build([data_dir, other_sources], root, BASE)


def test_one_graph_and_a_report_per_kind_of_source(together):
    root, summary = together
    assert summary.ok and len(summary.of("published")) == 11
    text = summary.text(verbose=False)
    for line in ["label-register: files read 1, clusters named 10, matched 0, created 10, sent to review 0",
                 "network-page: files read 2, clusters named 7, matched 1, created 6, sent to review 1",
                 "award-news: files read 1, clusters named 8, matched 1, created 7, sent to review 0",
                 "republication: files read 1, clusters named 1, matched 0, created 1, sent to review 0"]:
        assert line in text
    # Klaster Innowacyjna Medycyna lists two members with no name: they are counted on the
    # pages, not matched
    assert "organisation: files read 1, named members 4, matched 0, created 4, sent to review 0" in text
    graphs = open_store(root).named_graphs()
    assert sum(g.startswith(BASE + "graph/source/") for g in graphs) == 5
    # every cluster a register, a network page or the news names is a cluster resource with its name
    clusters = rows(root, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ckg:ClusterOrganisation ; schema:name ?x }")
    assert clusters == [{"n": str(5 + 10 + 6 + 7 + 1)}]


def test_a_cluster_known_only_from_the_register_keeps_what_the_record_gives(together):
    root, _ = together
    agri = BASE + "id/cluster/agri-innovation-cluster"  # the register's Poland view says no country
    got = rows(root, f"""SELECT ?name ?portfolio ?level ?from ?until ?derived WHERE {{
        <{agri}> schema:name ?name ; ckg:comparativePortfolio ?portfolio ; ckg:excellenceLabel ?a .
        ?a ckg:labelLevel ?level ; schema:validFrom ?from ; ckg:validUntil ?until ; ckg:derivedProperty ?derived }}""")
    assert got == [{"name": "Agri Innovation Cluster", "portfolio": "Food industry",
                    "level": "https://w3id.org/clusterkg/concept/label-level/bronze", "from": "2016-04-30",
                    "until": "2018-04-29", "derived": "https://schema.org/validFrom"}]


def test_the_current_view_keeps_the_profiles_names_and_adds_the_others(together):
    root, _ = together
    voict = BASE + "id/cluster/vojvodina-ict-cluster"
    assert rows(root, f"SELECT ?n WHERE {{ <{voict}> schema:name ?n }}") == [{"n": "Vojvodina ICT Cluster"}]
    networks = rows(root, f"SELECT ?n WHERE {{ <{voict}> org:memberOf ?n }} ORDER BY ?n")
    assert {r["n"] for r in networks} == {BASE + "id/network/bbs-ict-clusters-network",
                                          BASE + "id/network/european-digital-sme-alliance", SCAN}
    rtc = BASE + "id/cluster/romanian-textile-concept"
    assert rows(root, f"SELECT ?n WHERE {{ <{rtc}> schema:name ?n }}") == [{"n": "Romanian Textile Concept"}]
    regions = rows(root, f"SELECT ?r WHERE {{ <{rtc}> ckg:region ?r }}")
    assert regions == [{"r": BASE + "id/region/nuts/ro32"}]  # "Bucureşti - Ilfov" and "Region Bucharest Ilfov": one


def test_decisions_beside_the_inputs_are_applied_on_the_next_build(tmp_path, data_dir, other_sources):
    root = tmp_path / "store"
    build([data_dir, other_sources], root, BASE)
    [pair] = review(root)
    assert (pair["left_name"], pair["right_name"], pair["score"], pair["decision"]) == ("ICT Network", "ICT NET",
                                                                                         "0.80", "")
    ict_net = BASE + "id/cluster/ict-net"
    assert not ask(root, f"ASK {{ <{ict_net}> org:memberOf <{SCAN}> }}")
    curated = tmp_path / "curated"
    curated.mkdir()
    pair["decision"] = "same"  # the curator copies the row and decides
    with open(curated / "decisions.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(pair))
        writer.writeheader()
        writer.writerow(pair)
    summary = build([data_dir, other_sources, curated], root, BASE)
    assert "network-page: files read 2, clusters named 7, matched 2, created 5, sent to review 0" in summary.text()
    assert f"matched network-serbian-cluster-association: 'ICT Network' is <{ict_net}> (a curator's decision)" \
        in summary.text()
    assert review(root) == []
    assert ask(root, f"ASK {{ <{ict_net}> org:memberOf <{SCAN}> }}")
    founder = rows(root, f"""SELECT ?role WHERE {{ ?m org:member <{ict_net}> ; org:organization <{SCAN}> ;
        org:role ?role }}""")
    assert founder == [{"role": "https://w3id.org/clusterkg/concept/member-role/founder"}]
    assert rows(root, f"SELECT ?n WHERE {{ <{ict_net}> skos:altLabel ?n }}") == [{"n": "ICT Network"}]


PROFILE = """Home > Cluster Organisations > {name}

{name}

Printer-friendly version
General Information
Cluster Excellence Label:
Bronze Label
Name and link of major players:
{members}
"""


def test_members_merge_within_a_country_and_across_only_with_evidence(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    clusters = {"alpha": ("Alpha Cluster", "Romania", ["Acme Robotics Ltd", "Larger Company", "Vojvodina Metal Cluster"]),
                "beta": ("Beta Cluster", "Romania", ["ACME Robotics Ltd.", "Bar GmbH"]),
                "gamma": ("Gamma Cluster", "Romania", ["Acme Robotics Limited", "Bär GmbH"]),
                "delta": ("Delta Cluster", "Serbia", ["Acme Robotics Ltd", "Vojvodina Metal Cluster"])}
    with open(folder / "manifest.csv", "w", encoding="utf-8") as fh:
        fh.write("file,country\n" + "".join(f"{k}.txt,{c}\n" for k, (_n, c, _m) in clusters.items()))
    for key, (name, _country, members) in clusters.items():
        (folder / f"{key}.txt").write_text(PROFILE.format(name=name, members="\n".join(members)), encoding="utf-8")
    network = ("Home > Cluster Networks > Metal Network\n\nMetal Network\n\n"
               "The founders of the Metal Network: Vojvodina Metal Cluster - VMC, Beta Cluster and Omega Cluster.\n")
    (folder / "metal.txt").write_text(network, encoding="utf-8")
    root = tmp_path / "store"
    summary = build([folder], root, BASE)
    assert summary.ok
    members = rows(root, "SELECT DISTINCT ?o WHERE { ?c org:hasMember ?o ; a ckg:ClusterOrganisation } ORDER BY ?o")
    assert [r["o"] for r in members] == [BASE + f"id/organisation/{p}" for p in (
        "rou/acme-robotics-ltd",  # "Acme Robotics Ltd", "ACME Robotics Ltd." and "Acme Robotics Limited": one
        "rou/bar-gmbh", "rou/bar-gmbh-adf1af",  # "Bar GmbH" and "Bär GmbH" slug alike: two
        "rou/vojvodina-metal-cluster",
        "srb/acme-robotics-ltd",  # the same name in another country: another organisation, sent to review
        "srb/vojvodina-metal-cluster")]
    pairs = [(p["kind"], p["left_key"], p["right_key"], p["score"]) for p in review(root)]
    assert ("organisation", "delta:acme-robotics-ltd", "alpha:acme-robotics-ltd", "0.70") in pairs
    # a member that is itself a cluster (the network's founder, in Serbia) links to that cluster
    links = rows(root, "SELECT ?a ?b WHERE { GRAPH ?g { ?a owl:sameAs ?b } } ORDER BY ?a")
    assert {(r["a"], r["b"]) for r in links} >= {
        (BASE + "id/organisation/srb/vojvodina-metal-cluster", BASE + "id/cluster/vojvodina-metal-cluster-vmc")}
    beta = rows(root, "SELECT ?m WHERE { ?m org:member <%sid/cluster/beta> }" % BASE)
    assert beta == [{"m": BASE + "id/network/metal-network/membership/beta-cluster"}]  # a founder is a profile's cluster


def test_a_manifest_row_gives_a_register_its_page_date_and_country(tmp_path, other_sources):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(other_sources / "esca-bronze-label-poland.txt", folder)
    (folder / "manifest.csv").write_text(
        "file,source_url,retrieved,country\nesca-bronze-label-poland.txt,"
        "http://www.cluster-analysis.org/benchmarked-clusters/,2026-11-30,Poland\n", encoding="utf-8")
    root = tmp_path / "store"
    build([folder], root, BASE)
    g = BASE + "graph/source/esca-bronze-label-poland"
    got = rows(root, f"""SELECT ?page ?day ?kind ?publisher WHERE {{ GRAPH ?g {{ ?g dct:source ?page ;
        ckg:retrievedOn ?day ; ckg:sourceKind ?kind ; prov:wasDerivedFrom/dct:publisher/schema:name ?publisher }}
        FILTER(?g = <{g}>) }}""")
    assert got == [{"page": "http://www.cluster-analysis.org/benchmarked-clusters/", "day": "2026-11-30",
                    "kind": "label-register", "publisher": "European Secretariat for Cluster Analysis (ESCA)"}]
    polish = rows(root, "SELECT (COUNT(?c) AS ?n) WHERE { ?c ckg:country <http://publications.europa.eu/resource/authority/country/POL> }")
    assert polish == [{"n": "10"}]
    assert ask(root, f"ASK {{ <{BASE}id/cluster/pol/aviation-valley> a ckg:ClusterOrganisation }}")
