"""Label registers: the real ESCA Bronze register (Poland view), and other views of it."""

import pytest

from clusterkg.graph.read import read_profile, read_profile_file
from clusterkg.graph.read.register import parse_columns


@pytest.fixture(scope="module")
def register(other_sources):
    return read_profile_file(other_sources / "esca-bronze-label-poland.txt")


def rows(reg):
    return [(r.cluster.name.text, r.portfolio.text if r.portfolio else None,
             r.cluster.country.text if r.cluster.country else None,
             r.cluster.website.text if r.cluster.website else None, r.level.text if r.level else None,
             r.valid_until.text if r.valid_until else None) for r in reg.rows]


def test_the_bronze_register_rows_with_their_portfolio_and_validity(register):
    assert (register.kind, register.layout) == ("label-register", "esca-register")
    assert register.level.text == "Bronze" and register.body == "ESCA"
    assert register.title.text == "Benchmarking: Bronze Label of the European Cluster Excellence Initiative (ECEI)"
    assert rows(register) == [
        ("Agri Innovation Cluster", "Food industry", None, None, None, "2018/04/29"),
        ("AgroBioCluster", "Biotechnology", None, None, None, "2017/02/12"),
        ("Association of Sealed Glass Unit Producers", "Production and engineering", None, None, None, "2015/02/11"),
        ("Aviation Valley", "Aviation and space", None, None, None, "2013/02/23"),
        ("Baltic Eco-Energy Cluster", "Energy and environment", None, None, None, "2013/03/11"),
        ("Biomedical Engineering Centre Cluster", "Biotechnology", None, None, None, "2016/12/10"),
        ("BioTechMed Cluster Mazovia", "Biotechnology", None, None, None, "2016/12/11"),
        ("Biznes Klaster", "Creative industries", None, None, None, "2015/02/11"),
        ("BM³ Mazovian Cluster of Materials Technology and Engineering", "Construction", None, None, None,
         "2016/12/08"),
        ("Bydgoszcz Industrial Cluster", "Production and engineering", None, None, None, "2018/05/06"),
    ]


def test_the_row_cut_off_by_the_partly_saved_page_is_kept_not_read(register):
    assert [v.text for v in register.leftovers] == ["Construction Cluster Innowator Cons"]
    assert register.truncated and any(i.kind == "truncated" and i.line == 29 for i in register.issues)
    assert register.unaccounted_lines() == []
    assert register.text[0].values[0].text.startswith("Cluster management organizations that are benchmarked")


@pytest.mark.parametrize("heading, keys", [
    ("Name Comparative portfolio www Label valid until", ["name", "portfolio", "website", "valid_until"]),
    ("Name Country www Label valid until", ["name", "country", "website", "valid_until"]),
    ("Cluster Name\tCountry\tLabel\tValid until", ["name", "country", "level", "valid_until"]),
    ("Name Country Label Valid until", ["name", "country", "level", "valid_until"]),
    ("Name and link of major players:", None),
    ("Country Name", None),  # no label column: not a register
])
def test_heading_rows(heading, keys):
    assert parse_columns(heading) == keys


def test_a_view_with_countries_and_websites_instead_of_portfolios():
    text = ("You are here: Home / Benchmarking: Silver Label\n\nCluster Management Excellence Label SILVER\n\n"
            "Name Country www Label valid until\n"
            "Aerospace Valley France www.aerospace-valley.com 2019/03/31\n"
            "Cluster of Czech Things Czech Republic 29.04.2019\n"
            "Bosnian Wood Cluster Bosnia and Herzegovina http://wood.ba 2020-01-15\n")
    reg = read_profile(text, "silver.txt")
    assert reg.level.text == "Silver"
    assert rows(reg) == [
        ("Aerospace Valley", None, "France", "www.aerospace-valley.com", None, "2019/03/31"),
        ("Cluster of Czech Things", None, "Czech Republic", None, None, "29.04.2019"),
        ("Bosnian Wood Cluster", None, "Bosnia and Herzegovina", "http://wood.ba", None, "2020-01-15"),
    ]
    assert not reg.truncated and reg.unaccounted_lines() == []


def test_a_list_of_all_levels_with_tabs_and_one_cell_per_line():
    text = ("Gold and Silver labels awarded\n\nName\tCountry\tLabel\tValid until\n"
            "Alpha Cluster\tGermany\tGold\t2019-03-31\nBeta Cluster\tAustria\tSilver Label\t31.12.2018\n"
            "Gamma Cluster\nSpain\nSilver\n2020/01/15\n")
    reg = read_profile(text, "all.txt")
    assert reg.level is None  # the title names two levels: each row says its own
    assert rows(reg) == [("Alpha Cluster", None, "Germany", None, "Gold", "2019-03-31"),
                         ("Beta Cluster", None, "Austria", None, "Silver Label", "31.12.2018"),
                         ("Gamma Cluster", None, "Spain", None, "Silver", "2020/01/15")]


def test_rows_without_a_date_stay_rows_of_their_own():
    reg = read_profile("Bronze Label register\n\nName Comparative portfolio www Label valid until\n"
                       "Alpha Cluster Food industry expired\nBeta Cluster Biotechnology 2018/04/29\n"
                       "Gamma Cluster Biotechnology\nDelta Cluster Construction 2019/01/01\n", "x.txt")
    assert rows(reg) == [("Alpha Cluster", "Food industry", None, None, None, "expired"),
                         ("Beta Cluster", "Biotechnology", None, None, None, "2018/04/29"),
                         ("Gamma Cluster", "Biotechnology", None, None, None, None),
                         ("Delta Cluster", "Construction", None, None, None, "2019/01/01")]
    assert reg.leftovers == [] and reg.issues == []
