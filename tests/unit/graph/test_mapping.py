"""Real values of the samples, as RDF."""

import pytest
from rdflib import Literal, URIRef

from clusterkg.graph.build import process
from clusterkg.graph.map.vocab import CKG, CONCEPT, EU_COUNTRY, EU_LANGUAGE, LOCN, ORG, RDF, SCHEMA, SKOS, XSD

B = "http://localhost:8000/"


@pytest.fixture(scope="module")
def mapped(sources, uris, vocab):
    return {pid: process(src, uris, vocab).mapped for pid, src in sources.items()}


def C(path):
    return URIRef(str(CONCEPT) + path)


def test_ict_net_facts(mapped):
    m = mapped["ict-net"]
    g, c = m.graph, URIRef(B + "id/cluster/ict-net")
    assert (c, RDF.type, CKG.ClusterOrganisation) in g
    assert g.value(c, SCHEMA.name) == Literal("ICT NET")  # from the manifest
    assert g.value(c, SCHEMA.foundingDate) == Literal("2010-07-12", datatype=XSD.date)
    label = g.value(c, CKG.excellenceLabel)
    assert g.value(label, CKG.labelLevel) == C("label-level/bronze")
    assert set(g.objects(c, CKG.sectoralIndustry)) == {
        C("sectoral-industry/business-services"), C("sectoral-industry/education-and-knowledge-creation")}
    assert set(g.objects(c, CKG.technologyField)) == {
        C("technology-field/electronic-engineering"), C("technology-field/embedded-systems-and-real-time-systems")}
    assert set(g.objects(c, CKG.emergingIndustry)) == {
        C("emerging-industry/creative-industries"), C("emerging-industry/digital-industries")}
    assert len(set(g.objects(c, CKG.providesService))) == 5
    assert C("support-service/periodic-information-dissemination") in set(g.objects(c, CKG.providesService))
    assert set(g.objects(c, CKG.targetCountry)) == {EU_COUNTRY.USA}
    assert (c, CKG.country, EU_COUNTRY.SRB) in g
    assert set(g.objects(c, ORG.memberOf)) == {URIRef(B + "id/network/bbs-ict-clusters-network")}
    region = g.value(c, CKG.region)
    assert region == URIRef(B + "id/region/nuts/rs12")  # the NUTS 2 unit, whatever form the page prints
    assert g.value(region, SKOS.exactMatch) == URIRef("http://data.europa.eu/nuts/code/RS12")
    assert g.value(region, LOCN.geographicName) == Literal("Region of Vojvodina")
    assert g.value(region, CKG.country) == EU_COUNTRY.SRB
    assert not m.unmapped and not m.new_concepts


def test_networks_spelled_two_ways_land_on_one_uri(mapped):
    net = URIRef(B + "id/network/bbs-ict-clusters-network")
    assert (URIRef(B + "id/cluster/ict-net"), ORG.memberOf, net) in mapped["ict-net"].graph
    voict = mapped["vojvodina-ict-cluster-voict"].graph
    assert (URIRef(B + "id/cluster/vojvodina-ict-cluster"), ORG.memberOf, net) in voict
    assert (net, SKOS.altLabel, Literal("Balkan & Black Sea ICT Custers Network")) in voict
    assert voict.value(net, SCHEMA.name) == Literal("The Balkan and Black Sea ICT Clusters Network")


def test_voict_members_and_contacts(mapped):
    g = mapped["vojvodina-ict-cluster-voict"].graph
    c = URIRef(B + "id/cluster/vojvodina-ict-cluster")
    schneider = URIRef(B + "id/organisation/srb/schneider-electric-dms-ns")  # scoped by the cluster's country
    assert (c, ORG.hasMember, schneider) in g
    assert g.value(schneider, CKG.organisationType) == C("organisation-type/larger-company")
    ms = URIRef(B + "id/cluster/vojvodina-ict-cluster/membership/schneider-electric-dms-ns")
    assert (ms, RDF.type, ORG.Membership) in g and g.value(ms, ORG.member) == schneider
    assert g.value(ms, ORG.role) == C("member-role/major-player")
    phones = {str(p) for cp in g.objects(c, SCHEMA.contactPoint) for p in g.objects(cp, SCHEMA.telephone)}
    assert phones == {"+381 60 100 2001", "+381 60 100 2002"}
    assert g.value(c, SCHEMA.foundingDate) == Literal("2010-06-19", datatype=XSD.date)


def test_2021_composition_counts_with_their_meaning(mapped):
    g = mapped["ict-cluster-bulgaria-2021"].graph
    c = URIRef(B + "id/cluster/ict-cluster-bulgaria")
    counts = {p: int(g.value(c, p)) for p in (CKG.totalMembers, CKG.smeMembers, CKG.startupMembers,
                                               CKG.researchMembers, CKG.civilSocietyMembers,
                                               CKG.otherEcosystemMembers)}
    assert counts == {CKG.totalMembers: 293, CKG.smeMembers: 280, CKG.startupMembers: 5,
                      CKG.researchMembers: 6, CKG.civilSocietyMembers: 5, CKG.otherEcosystemMembers: 2}
    assert g.value(c, CKG.largeCompanyMembers) is None
    assert g.value(c, SCHEMA.foundingDate) == Literal("2005-01-31", datatype=XSD.date)
    staff = g.value(c, SCHEMA.numberOfEmployees)
    assert (int(g.value(staff, SCHEMA.minValue)), int(g.value(staff, SCHEMA.maxValue))) == (1, 5)
    assert g.value(c, SCHEMA.alternateName) == Literal("IKT Klaster")
    assert (c, CKG.country, EU_COUNTRY.BGR) in g
    assert {str(u) for u in g.objects(c, CKG.upskillingService)} == {
        str(C("support-service/competence-development")), str(C("support-service/staff-mobility")),
        str(C("support-service/mentoring"))}
    gi = mapped["ict-cluster-bulgaria-2021"].graph_iri
    assert g.value(gi, CKG.profileCompleteness) == Literal(90, datatype=XSD.integer)


def test_text_after_the_profile_goes_to_the_catch_all(mapped):
    m = mapped["ict-cluster-bulgaria-2021"]
    assert [(u.line, u.label) for u in m.unmapped] == [(50, "(text after the profile)"), (52, "(text after the profile)")]
    g = m.graph
    node = URIRef(B + "id/profile/ict-cluster-bulgaria-2021/value/50")
    assert (node, RDF.type, CKG.UnmappedValue) in g
    assert g.value(node, CKG.sourceLabel) == Literal("(text after the profile)")
    assert str(g.value(node, RDF.value)).startswith('Webinar"Tools and services')


def test_klaster_s3_and_unnamed_members(mapped):
    g = mapped["klaster-innowacyjna-medycyna"].graph
    c = URIRef(B + "id/cluster/klaster-innowacyjna-medycyna")
    assert C("s3-priority-area/e-health-e-g-healthy-ageing") in set(g.objects(c, CKG.s3PriorityArea))
    types = {g.value(m, CKG.organisationType) for m in g.objects(c, ORG.hasMember)}
    assert types == {C("organisation-type/larger-company"), C("organisation-type/technology-center")}


def test_silver_label_and_unknown_networks_minted(mapped):
    m = mapped["romanian-textile-concept"]
    c = URIRef(B + "id/cluster/romanian-textile-concept")
    assert m.graph.value(m.graph.value(c, CKG.excellenceLabel), CKG.labelLevel) == C("label-level/silver")
    assert URIRef(B + "id/network/noatex-metacluster") in set(m.graph.objects(c, ORG.memberOf))
    assert len(m.new_networks) == 4


def test_value_outside_a_scheme_becomes_a_new_concept(tmp_path, uris, vocab):
    from clusterkg.graph.read.manifest import ProfileSource

    f = tmp_path / "x.txt"
    f.write_text("Printer-friendly version\nGeneral Information\nTechnology fields:\nQuantum Widgets\n"
                 "Languages spoken:\nEnglish\nOld Elvish Dialect\n", encoding="utf-8")
    out = process(ProfileSource(f, "x", "x", name="X"), uris, vocab)
    g, c = out.mapped.graph, URIRef(B + "id/cluster/x")
    new = URIRef(B + "id/concept/technology-field/quantum-widgets")
    assert (c, CKG.technologyField, new) in g
    assert (new, SKOS.inScheme, C("technology-field")) in g
    assert g.value(new, CKG.fromData) == Literal(True)
    assert (c, SCHEMA.knowsLanguage, EU_LANGUAGE.ENG) in g
    assert [u.text for u in out.mapped.unmapped] == ["Old Elvish Dialect"]
    assert out.status == "valid"
