"""The reconcile stage's matching and decisions, on records as the mappings list them."""

import pytest

from clusterkg.graph.map.mentions import Mention
from clusterkg.graph.read.decisions import Decision, read_decisions
from clusterkg.graph.errors import ManifestError
from clusterkg.graph.reconcile import MatchPolicy, reconcile, review_csv
from clusterkg.graph.reconcile.matching import Candidate, score

B = "http://localhost:8000/"


def anchor(cid, *names, country="SRB", website=None, acronyms=()):
    return Mention("cluster", f"{B}id/cluster/{cid}", names, acronyms, country, website, True, cid, "profile",
                   f"{cid}.txt", 1, f"cluster:{cid}")


def named(source, kind, slug, *names, country="SRB", website=None, acronyms=(), line=1):
    iri = f"{B}id/cluster/{country.lower()}/{slug}" if country else f"{B}id/cluster/{slug}"
    return Mention("cluster", iri, names, acronyms, country, website, False, source, kind, f"{source}.txt", line,
                   f"{source}:{slug}")


def member(source, slug, name, country, website=None, cluster="c"):
    return Mention("organisation", f"{B}id/organisation/{country.lower()}/{slug}", (name,), (), country, website,
                   False, source, "profile", f"{source}.txt", 3, f"{source}:{slug}", f"{B}id/cluster/{cluster}")


VOICT = anchor("vojvodina-ict-cluster", "Vojvodina ICT Cluster", "Vojvodina ICT Cluster - VOICT", acronyms=("VOICT",))
ICT_NET = anchor("ict-net", "ICT NET")
SCAN = "network-serbian-cluster-association"


@pytest.mark.parametrize("a, b, expected", [
    (("Vojvodina ICT Cluster - VOICT", "Vojvodina ICT Cluster"), ("Vojvodina ICT Cluster",), 1.0),
    (("ICT Network",), ("ICT NET",), 0.8),  # one word abbreviates the other: review, not merge
    (("Vojvodina Metal Cluster - VMC", "Vojvodina Metal Cluster"), ("Vojvodina ICT Cluster",), 0.5),
    (("Agro Transylvania",), ("Agro Transilvania",), 0.95),  # a spelling variant
    (("Klaster Innowacyjna Medycyna", "Innovative medicine Cluster"), ("Innovative Medicine Cluster",), 1.0),
    (("Bucureşti Textile Cluster",), ("BUCURESTI TEXTILE",), 0.98),  # accents, case, generic words
])
def test_name_scores(a, b, expected):
    assert score(Candidate(a, country="SRB"), Candidate(b, country="SRB")).score == expected


def test_an_acronym_alone_matches_the_name_that_states_it():
    m = score(Candidate(("FACTS",), ("FACTS",), "SRB"),
              Candidate(("Fashion and Apparel Cluster of Serbia - FACTS", "Fashion and Apparel Cluster of Serbia"),
                        ("FACTS",), "SRB"))
    assert m.score == 0.92 and m.reasons[0] == "same acronym FACTS"


def test_a_record_of_the_same_cluster_lands_on_its_iri():
    res = reconcile([VOICT, ICT_NET, named(SCAN, "network-page", "vojvodina-ict-cluster-voict",
                                           "Vojvodina ICT Cluster - VOICT", "Vojvodina ICT Cluster",
                                           acronyms=("VOICT",))])
    assert res.iris == {(SCAN, f"{B}id/cluster/srb/vojvodina-ict-cluster-voict"): f"{B}id/cluster/vojvodina-ict-cluster"}
    assert res.merged == [(SCAN, "Vojvodina ICT Cluster - VOICT", f"{B}id/cluster/vojvodina-ict-cluster", 1.0)]
    assert res.report["network-page"].matched == 1 and res.review == []


def test_a_pair_in_the_review_band_is_written_down_and_not_merged():
    res = reconcile([VOICT, ICT_NET, named(SCAN, "network-page", "ict-network", "ICT Network")])
    assert res.iris == {}  # ICT Network stays a cluster of its own
    assert f"{B}id/cluster/srb/ict-network" in res.clusters
    [pair] = res.review
    assert (pair.left_name, pair.left_key, pair.right_name, pair.right_key, pair.score) == (
        "ICT Network", f"{SCAN}:ict-network", "ICT NET", "cluster:ict-net", 0.8)
    assert pair.reasons == ("names 'ICT Network' / 'ICT NET' alike (0.80)", "same country SRB")
    assert review_csv(res.review).splitlines()[1] == (
        f"cluster,ICT Network,{SCAN}.txt,{SCAN}:ict-network,ICT NET,ict-net.txt,cluster:ict-net,0.80,"
        "names 'ICT Network' / 'ICT NET' alike (0.80); same country SRB,")
    assert res.report["network-page"].review == 1 and res.report["network-page"].created == 1


def test_a_curators_decision_wins_over_the_score():
    records = [VOICT, ICT_NET, named(SCAN, "network-page", "ict-network", "ICT Network")]
    same = reconcile(records, [Decision(f"{SCAN}:ict-network", "cluster:ict-net", True, "d.csv:2")])
    assert same.iris == {(SCAN, f"{B}id/cluster/srb/ict-network"): f"{B}id/cluster/ict-net"}
    assert same.merged == [(SCAN, "ICT Network", f"{B}id/cluster/ict-net", None)] and same.review == []
    voict = named(SCAN, "network-page", "vojvodina-ict-cluster-voict", "Vojvodina ICT Cluster - VOICT")
    apart = reconcile([VOICT, voict], [Decision("cluster:vojvodina-ict-cluster", f"{SCAN}:vojvodina-ict-cluster-voict",
                                                False, "d.csv:3")])
    assert apart.iris == {} and apart.review == []  # a score of 1, but kept apart


def test_no_merge_across_countries_without_evidence():
    records = [anchor("alpha", "Alpha Cluster", country="DEU"),
               named("register", "label-register", "alpha-cluster", "Alpha Cluster", country="AUT")]
    res = reconcile(records)
    assert res.iris == {} and [(p.left_name, p.right_name, p.score) for p in res.review] == [
        ("Alpha Cluster", "Alpha Cluster", 0.7)]
    with_site = [anchor("alpha", "Alpha Cluster", country="DEU", website="alpha-cluster.eu"),
                 named("register", "label-register", "alpha-cluster", "Alpha Cluster", country="AUT",
                       website="alpha-cluster.eu")]
    assert reconcile(with_site).iris == {("register", f"{B}id/cluster/aut/alpha-cluster"): f"{B}id/cluster/alpha"}


def test_an_unknown_country_does_not_stop_a_match_and_rows_of_one_cluster_are_one_record():
    rows = [named("register", "label-register", "romanian-textile-concept", "Romanian Textile Concept", country=None,
                  line=n) for n in (4, 9)]  # a renewed label: two rows
    res = reconcile([anchor("romanian-textile-concept", "Romanian Textile Concept", country="ROU"), *rows])
    assert res.report["label-register"].records == 1 and res.report["label-register"].matched == 1
    assert res.merged == [("register", "Romanian Textile Concept", f"{B}id/cluster/romanian-textile-concept", 0.97)]
    assert res.iris == {}  # with no country, the provisional IRI is the profile's already


def test_members_merge_by_name_within_a_country_and_need_evidence_across():
    res = reconcile([member("a", "acme-robotics", "Acme Robotics", "ROU"),
                     member("b", "acme-robotics-ltd", "ACME Robotics Ltd.", "ROU"),
                     member("c", "acme-robotics-ltd", "Acme Robotics Limited", "SRB"),
                     member("d", "beta-works", "Beta Works", "SRB", website="beta.eu"),
                     member("e", "beta-works", "Beta Works", "BGR", website="beta.eu")])
    assert res.links == [
        (f"{B}id/organisation/rou/acme-robotics-ltd", "http://www.w3.org/2002/07/owl#sameAs",
         f"{B}id/organisation/rou/acme-robotics"),  # legal form aside, one name, one country
        (f"{B}id/organisation/srb/beta-works", "http://www.w3.org/2002/07/owl#sameAs",
         f"{B}id/organisation/bgr/beta-works")]  # two countries, one website
    # the same name in Serbia is another organisation until a curator says so
    assert [(p.kind, p.left_name, p.right_name, p.score) for p in res.review] == [
        ("organisation", "Acme Robotics Limited", "Acme Robotics", 0.686),
        ("organisation", "Acme Robotics Limited", "ACME Robotics Ltd.", 0.7)]


def test_a_member_that_is_itself_a_cluster_links_to_it():
    res = reconcile([VOICT, member("p", "vojvodina-ict-cluster", "Vojvodina ICT Cluster", "SRB", cluster="x")])
    assert res.links == [(f"{B}id/organisation/srb/vojvodina-ict-cluster", "http://www.w3.org/2002/07/owl#sameAs",
                          f"{B}id/cluster/vojvodina-ict-cluster")]


def test_the_policy_and_the_decisions_file(tmp_path):
    with pytest.raises(ValueError):
        MatchPolicy(merge=0.5, review=0.7)
    f = tmp_path / "decisions.csv"
    f.write_text("kind,left_key,right_key,decision,note\ncluster,a:x,cluster:y,same,seen on both sites\n"
                 "cluster,a:z,cluster:y,,\ncluster,a:w,cluster:y,Not same,\n", encoding="utf-8")
    assert read_decisions(f) == [Decision("a:x", "cluster:y", True, f"{f}:2"), Decision("a:w", "cluster:y", False,
                                                                                       f"{f}:4")]
    f.write_text("left_key,right_key,decision\na:x,cluster:y,maybe\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="decisions.csv:2: decision 'maybe' is neither 'same' nor 'not same'"):
        read_decisions(f)
    f.write_text("left,right,decision\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="decisions.csv:1: missing column"):
        read_decisions(f)
