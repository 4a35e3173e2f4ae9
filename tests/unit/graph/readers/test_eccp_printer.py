"""The old printer-friendly layout (2016-18 and 2019-20), on the real samples."""

from clusterkg.graph.read import read_profile
from clusterkg.graph.read.lines import split_lines


def texts(values):
    return [v.text for v in values]


def test_ict_net_is_2016_layout_without_a_name(profiles):
    p = profiles["ict-net"]
    assert p.layout == "eccp-2016"
    assert p.name is None  # the page title was not printed; the manifest supplies it
    assert not p.truncated


def test_ict_net_general_information(profiles):
    p = profiles["ict-net"]
    assert texts(p.values("founding_date")) == ["Monday, 12 July, 2010"]
    assert texts(p.values("staff")) == []
    assert texts(p.values("region")) == ["Region of Vojvodina"]
    assert p.get("region")[0].label_lost
    assert texts(p.values("excellence_label")) == ["Bronze Label"]
    assert texts(p.values("networks")) == ["BBS ICT Cluster Network"]
    assert [c.role.text for c in p.contacts] == ["Cluster Manager"]


def test_ict_net_focus_and_services(profiles):
    p = profiles["ict-net"]
    assert texts(p.values("sectoral_industries")) == ["Business Services", "Education and Knowledge Creation"]
    assert texts(p.values("technology_fields")) == ["Electronic engineering", "Embedded Systems and Real Time Systems"]
    assert texts(p.values("emerging_industries")) == ["Creative Industries", "Digital Industries"]
    assert len(p.values("support_services")) == 5
    assert p.values("support_services")[0].text == "Internationalisation support (= Access to third countries markets)"
    assert len(p.values("support_service_details")) == 5
    assert p.values("support_service_details")[2].text.startswith("Networking- Specialized thematic B2B events")
    assert texts(p.values("target_countries_international")) == ["United States"]
    assert texts(p.values("target_countries_transnational")) == []
    assert texts(p.values("activities_international")) == ["Participation at missions/events/study visits/fairs"]
    assert texts(p.values("activities_transnational")) == ["Participation at missions/events/study visits/fairs"]


def test_ict_net_strategy_free_text(profiles):
    p = profiles["ict-net"]
    assert texts(p.values("mission")) == [
        "To ensure an efficient and transparent framework for the expression and realization of "
        "interests of the cluster member companies"]
    goals = p.values("goals")
    assert len(goals) == 6 and goals[0].text.startswith("Operational support to members")
    assert not goals[0].text.startswith("•")


def test_voict_2019_variant(profiles):
    p = profiles["vojvodina-ict-cluster-voict"]
    assert p.layout == "eccp-2019"
    assert p.name.text == "Vojvodina ICT Cluster - VOICT" and p.name.line == 3
    assert texts(p.values("founding_date")) == ["Saturday, 19 June, 2010"]
    assert texts(p.values("networks")) == ["European Digital SME Alliance", "Balkan & Black Sea ICT Custers Network"]
    assert texts(p.values("s3_priority_areas")) == [
        "Crop & animal production, hunting &related service activities", "Power generation / renewable sources"]
    assert texts(p.values("other_specialisation")) == ["Smart grids"]
    roles = [(c.role.text, [x.text for x in c.phones]) for c in p.contacts]
    assert roles == [("Cluster Manager", ["+381 60 100 2001"]), ("ECCP Responsible Person", ["+381 60 100 2002"])]
    assert p.truncated


def test_voict_flattened_member_tables(profiles):
    p = profiles["vojvodina-ict-cluster-voict"]
    rows = [(m.table, m.name and m.name.text, m.org_type and m.org_type.text) for m in p.members]
    assert rows == [
        ("facilities", "Business Incubator Novi Sad", None),
        ("major-players", "University of Novi sad", None),
        ("major-players", "Schneider Electric DMS NS", "Larger Company"),
        ("major-players", "Serbian Development Agency", None),
    ]


def test_klaster_members_whose_names_are_lost(profiles):
    p = profiles["klaster-innowacyjna-medycyna"]
    assert [(m.name, m.org_type.text) for m in p.members] == [(None, "Larger Company"), (None, "Technology Center")]
    assert texts(p.values("s3_priority_areas")) == [
        "e-Health (e.g. healthy ageing)", "Human health activities (medical services)"]
    assert texts(p.values("emerging_industries")) == ["Digital Industries", "Medical Devices"]
    assert [c.role.text for c in p.contacts] == ["Cluster Manager", "Project Manager"]
    assert p.get("other_label") and texts(p.values("other_label")) == []
    assert p.values("strategy_text")[0].text.startswith("Our mission is to facilitate cooperation")


def test_romanian_region_and_networks(profiles):
    p = profiles["romanian-textile-concept"]
    assert texts(p.values("region")) == ["Bucureşti - Ilfov"]
    assert texts(p.values("excellence_label")) == ["Silver Label"]
    assert len(p.values("networks")) == 4
    assert p.values("strategy_text")[1].text == "A. Creating a management structure for the cluster"


def test_staff_number_and_region_are_told_apart():
    text = ("Printer-friendly version\nGeneral Information\n"
            "Number of staff in the management team of the cluster organisation :\xa0\n"
            "6-10\nNord-Est\nCluster Excellence Label:\xa0\nGold Label\n")
    p = read_profile(text, "t.txt")
    assert texts(p.values("staff")) == ["6-10"]
    assert texts(p.values("region")) == ["Nord-Est"]
    assert texts(p.values("excellence_label")) == ["Gold Label"]


def test_unknown_label_is_kept_and_reported():
    text = ("Printer-friendly version\nGeneral Information\nCluster Excellence Label:\xa0\nBronze Label\n"
            "Legal form of the cluster:\xa0\nAssociation\n")
    p = read_profile(text, "t.txt")
    unknown = p.get("unknown")
    assert [(f.label, texts(f.values)) for f in unknown] == [("Legal form of the cluster", ["Association"])]
    assert any(i.kind == "unknown-label" and i.line == 5 for i in p.issues)


def test_inline_label_value_and_crlf():
    p = read_profile("Printer-friendly version\r\nGeneral Information\r\nCluster Excellence Label: Silver Label\r\n", "t")
    assert texts(p.values("excellence_label")) == ["Silver Label"]


def test_lines_normalise_nbsp_and_bullets():
    lines = split_lines("Label:\u00a0\n  \u2022 item one \n")
    assert lines[0].text == "Label:" and lines[1].bullet and lines[1].unbulleted == "item one"
