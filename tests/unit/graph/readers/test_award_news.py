"""News of label awards: the real ECCP news of the eight Romanian Silver labels, and news
that say it in bullets or in prose."""

from clusterkg.graph.read import read_profile, read_profile_file


def awards(news):
    return [(a.level.text, a.cluster.name.text, a.cluster.region.text if a.cluster.region else None,
             [d.text for d in a.cluster.details]) for a in news.awards]


def test_the_eight_romanian_silver_clusters(other_sources):
    news = read_profile_file(other_sources / "eccp-8-romanian-silver-clusters.txt")
    assert (news.kind, news.layout) == ("award-news", "award-news")
    assert news.title.text == "8 Romanian “Silver Clusters”"
    assert (news.published.text, news.author.text, news.country.text, news.declared) == (
        "11 February 2016", "ECCP Team", "Romanian", 8)
    assert awards(news) == [
        ("Silver", "Transylvanian Furniture Cluster", "North West Region", []),
        ("Silver", "Agro Transylvania", "North West Region", []),
        ("Silver", "Indagro Pol", "Region Bucharest Ilfov", ["agricultural machinery"]),
        ("Silver", "Romanian Textile Concept", "Region Bucharest Ilfov", []),
        ("Silver", "Elinclus", "Region Bucharest Ilfov", ["electronics"]),
        ("Silver", "Green Energy", "Region Centre", []),
        ("Silver", "iTech Transylvania", "Region North West", ["IT&C"]),
        ("Silver", "ROSENC", "Region West", ["renewable energy"]),
    ]
    assert {(a.period.text, a.body) for a in news.awards} == {("November 2015 – January 2016", "ESCA")}
    # "24 Romanian cluster organisations awarded the Bronze Label" is a count, not a cluster
    assert news.issues == [] and news.unaccounted_lines() == []


def test_news_in_prose_and_in_bullets():
    news = read_profile(
        "Gold for two clusters\n\nPosted on 3 March 2019\n\n"
        "The Gold Label was awarded to Alpha Cluster (Bavaria) and Beta Klaster (Klaster Beta) by EUCLES. "
        "Gamma Cluster received the Silver Label, valid until 31 March 2021. "
        "In addition there are 12 clusters awarded the Bronze Label.\n\n"
        "The following clusters obtained the Bronze Label:\n• Delta Cluster (Spain)\n• Epsilon Network\n", "n.txt")
    assert news.published.text == "3 March 2019"
    assert [(a.level.text, a.cluster.name.text) for a in news.awards] == [
        ("Gold", "Alpha Cluster"), ("Gold", "Beta Klaster"), ("Silver", "Gamma Cluster"), ("Bronze", "Delta Cluster"),
        ("Bronze", "Epsilon Network")]
    beta, gamma, delta = news.awards[1], news.awards[2], news.awards[3]
    assert [a.text for a in beta.cluster.aliases] == ["Klaster Beta"] and beta.body == "EUCLES"
    assert gamma.valid_until.text == "31 March 2021" and news.awards[0].valid_until is None
    assert delta.cluster.country.text == "Spain"


def test_news_that_announce_one_award_in_a_sentence():
    news = read_profile("Agri news\n\nSubmitted by Alina D. on 3 March 2020\n\nAgri Sud-Ouest Innovation is proud to "
                        "announce that it has been awarded the “European Gold Label of Cluster Management Excellence”. "
                        "Valorial is awarded « European Gold Label of Cluster Management Excellence ».\n", "a.txt")
    assert [(a.level.text, a.cluster.name.text) for a in news.awards] == [("Gold", "Agri Sud-Ouest Innovation"),
                                                                          ("Gold", "Valorial")]
    assert news.author.text == "Alina D." and news.published.text == "3 March 2020"
    renewal = read_profile("Renewal\n\nPosted on 5 May 2021\n\nThe Packaging Cluster renews its GOLD LABEL "
                           "accreditation for cluster management.\n", "r.txt")
    assert [(a.level.text, a.cluster.name.text) for a in renewal.awards] == [("Gold", "The Packaging Cluster")]
