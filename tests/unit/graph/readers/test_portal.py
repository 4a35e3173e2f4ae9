"""Portal republications of a profile: the real Black Sea Horizon entry, and one with a label."""

from clusterkg.graph.read import read_profile, read_profile_file


def fields(p):
    return [(f.key, f.label, [v.text for v in f.values]) for f in p.fields if f.key != "about"]


def test_the_black_sea_horizon_entry(other_sources):
    p = read_profile_file(other_sources / "blacksea-horizon-ossa-defence-aviation-cluster.txt")
    assert (p.kind, p.layout) == ("republication", "portal-entry")
    assert (p.name.text, p.publisher, p.published.text) == ("OSSA Defence & Aviation Cluster", "BLACK SEA HORIZON",
                                                            "21.01.2016")
    assert fields(p) == [
        ("country", "Country", ["Turkey"]),
        ("acronym", "Acronym", ["OSSA Defence & Aviation Cluster"]),
        ("website", "Website", ["Link"]),
        ("excellence_label", "Cluster Excellence Label", ["No"]),
        ("unknown", "Organisation type", ["Network"]),
        ("unknown", "Scientific field", ["Cluster / General", "Engineering and Technology"]),
        ("unknown", "Related Topics", ["BLACK SEA HORIZON", "Research and Innovation support Initiatives"]),
        ("unknown", "Geographical focus", ["Black Sea Region", "Turkey"]),
        ("founding_date", "(established, in the description)", ["1 July 2008"]),
    ]
    assert p.get("about")[0].values[0].text.startswith("Cluster was established in 1 July 2008")
    assert not p.truncated and p.unaccounted_lines() == []


def test_an_entry_with_a_silver_label():
    p = read_profile("BLACK SEA HORIZON – Bi-regional STI Dialogue\n\nCooperation & NetworksClusters\n\n"
                     "Danube Cluster\n\nThe cluster gathers " + "companies " * 20 + ".\n\nDanube Cluster\n"
                     "  • Posted on: 02.03.2017\n  • Romania\n  • Acronym: DC\n\nWebsite: www.danube-cluster.ro\n\n"
                     "Cluster Excellence Label: Silver Label\n", "e.txt")
    assert [v.text for v in p.values("excellence_label")] == ["Silver Label"]
    assert [v.text for v in p.values("website")] == ["www.danube-cluster.ro"]
    assert [v.text for v in p.values("acronym")] == ["DC"] and p.published.text == "02.03.2017"
