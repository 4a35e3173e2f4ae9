"""Cluster network pages: the real ECCP pages of SCAN and the BBS network, and others like them."""

from clusterkg.graph.read import read_profile, read_profile_file
from clusterkg.graph.read.network_page import split_list


def test_the_serbian_cluster_association_and_its_seven_founders(other_sources):
    page = read_profile_file(other_sources / "network-serbian-cluster-association.txt")
    assert (page.kind, page.layout) == ("network-page", "eccp-network")
    assert page.name.text == "Serbian Cluster Association" and page.acronym.text == "SCAN"
    assert page.country.text == "Serbian" and page.declared_founders == 7
    assert [f.name.text for f in page.founders] == [
        "Vojvodina ICT Cluster - VOICT", "Autocluster Serbia", "ICT Network", "Vojvodina Metal Cluster - VMC",
        "Fashion and Apparel Cluster of Serbia - FACTS", "Nis Cluster of Advanced Technologies - NiCAT",
        "ICT Cluster of Central Serbia"]
    assert {f.name.line for f in page.founders} == {11}
    assert [v.text for c in page.contacts for v in c.phones] == ["+381 21 000 0000"]
    assert "email: [email protected]" in page.description[0].free_text  # an obfuscated address, kept as printed
    assert page.issues == [] and page.unaccounted_lines() == []


def test_a_network_page_without_founders_is_read_as_far_as_it_goes(other_sources):
    page = read_profile_file(other_sources / "network-balkan-black-sea-ict-clusters.txt")
    assert page.name.text == "The Balkan and Black Sea ICT Clusters Network"
    assert page.founders == [] and page.country is None and page.truncated
    assert page.description[0].free_text.startswith("The Balkan and Black Sea ICT Clusters Network is a bottom-up")


def test_founders_and_members_listed_under_headings():
    page = read_profile("Home > Cluster Networks > Cluster Network of Poland\n\nCluster Network of Poland\n\n"
                        "Founding members:\n• Alpha Cluster\n• Beta Klaster\n"
                        "Members: Gamma Cluster, Delta Cluster and Epsilon Cluster\nemail: info@cnp.pl\n", "cnp.txt")
    assert page.country.text == "Poland"
    assert [f.name.text for f in page.founders] == ["Alpha Cluster", "Beta Klaster"]
    assert [m.name.text for m in page.members] == ["Gamma Cluster", "Delta Cluster", "Epsilon Cluster"]
    assert [v.text for c in page.contacts for v in c.emails] == ["info@cnp.pl"]


def test_lists_in_a_sentence():
    assert split_list("A Cluster, B Cluster and C Cluster") == ["A Cluster", "B Cluster", "C Cluster"]
    assert split_list("Alpha, Fashion and Apparel Cluster") == ["Alpha", "Fashion and Apparel Cluster"]
    assert split_list("Alpha, Beta and Gamma", expected=3) == ["Alpha", "Beta", "Gamma"]


def test_founders_named_in_prose_without_a_colon():
    page = read_profile("Home > Cluster Networks > Danube Network\n\nDanube Network\n\nThe network was founded in 2012 "
                        "by Alpha Cluster, Beta Klaster and Gamma Cluster. It gathers 40 members.\n", "d.txt")
    assert [f.name.text for f in page.founders] == ["Alpha Cluster", "Beta Klaster", "Gamma Cluster"]
