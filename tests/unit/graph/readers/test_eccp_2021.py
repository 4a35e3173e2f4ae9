"""The 2021+ layout, on the real samples."""

from clusterkg.graph.read import read_profile


def texts(values):
    return [v.text for v in values]


def test_bulgaria_header(profiles):
    p = profiles["ict-cluster-bulgaria-2021"]
    assert p.layout == "eccp-2021"
    assert p.name.text == "ICT Cluster"
    assert p.native_name.text == "IKT Klaster"
    assert texts(p.values("country")) == ["Bulgaria"]
    assert texts(p.values("region")) == ["South-West (Bulgaria)"]
    assert texts(p.values("completeness")) == ["90"]
    assert [c.name.text for c in p.contacts] == ["Elena Georgieva"]


def test_bulgaria_dash_fields_and_services(profiles):
    p = profiles["ict-cluster-bulgaria-2021"]
    assert texts(p.values("founding_date")) == ["31 January 2005"]
    assert texts(p.values("staff")) == ["1-5"]
    assert texts(p.values("upskilling_services")) == ["Competence development", "Staff mobility", "Mentoring"]
    about = p.get("about")[0].free_text
    assert about.startswith("Foundation “Cluster Information and Communication Technologies”")
    assert "• enabling digital transformation and industrial modernization;" in about


def test_bulgaria_composition_with_the_lost_sme_caption(profiles):
    p = profiles["ict-cluster-bulgaria-2021"]
    counts = [(c.key, c.number.text, c.caption.text if c.caption else None) for c in p.counts]
    assert counts == [
        ("total", "293", "Cluster Members"),
        ("sme", "280", None),
        ("startup", "5", "Number of start-ups among SME's"),
        ("research", "6", "Research Organisations, Universities, Technology Centers"),
        ("civil_society", "5", "Number of civil society members"),
        ("other_actors", "2", "Other Ecosystem Actors"),
    ]
    assert any(i.kind == "caption-lost" and i.line == 40 for i in p.issues)


def test_bulgaria_news_after_the_profile_is_kept(profiles):
    p = profiles["ict-cluster-bulgaria-2021"]
    kept = p.values("unknown")
    assert kept[0].text.startswith('Webinar"Tools and services supporting digital innovation')
    assert p.truncated


def test_vojvodina_2021_truncated_in_about_us(profiles):
    p = profiles["vojvodina-ict-cluster-2021"]
    assert p.name.text == "Vojvodina ICT Cluster"
    assert p.native_name.text == "Vojvođanski IKT klaster - VOICT"
    assert texts(p.values("country")) == ["Serbia"] and texts(p.values("region")) == ["Vojvodina"]
    assert texts(p.values("completeness")) == ["100"]
    assert p.truncated
    assert p.get("about")[0].values[-1].text.startswith("Activities toward this objective include")


def test_large_company_caption_and_thousands_separator():
    text = ("Cluster X\n\nGermany: Bavaria\n50% completed\n\nAbout us\n\nWe are a cluster.\n\n"
            "Cluster composition\n\n  • 1,200\n    Cluster Members\n  • 1,000\n  • 12\n    Large Companies\n")
    p = read_profile(text, "t")
    assert [(c.key, c.number.text) for c in p.counts] == [("total", "1,200"), ("sme", "1,000"), ("large", "12")]
