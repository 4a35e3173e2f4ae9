"""Broken input ends in a clear message naming the file (and line), never a traceback;
nothing already published is lost."""

import pytest
from rdflib import URIRef

from clusterkg.graph.build import NothingToPublish, build
from clusterkg.graph.errors import ManifestError, ProfileReadError
from clusterkg.graph.read.manifest import collect_sources, read_manifest
from clusterkg.graph.read import read_profile_file
from clusterkg.graph.store import open_store

BASE = "http://localhost:8000/"


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"   \n\n", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    (b"<html><body><h1>Hello</h1></body></html>", "not a cluster profile, label register, network page or award news"),
    (b"Printer-friendly version\n", "holds no value"),
    (b"Home > Events > Cluster Matchmaking Days\n\nCluster Matchmaking Days\nemail: a@b.rs\nphone: +381 21 000 0000\n",
     "not a cluster organisation profile"),
    (b"Name Comparative portfolio www Label valid until\nThe register is empty in this view\n",
     "a label register without one row that can be read"),
    (b"Gold in Bavaria\n\nPosted on 3 March 2019\n\nIt received the Gold Label.\n", "none of the known layouts"),
])
def test_unreadable_files_name_the_file(tmp_path, content, message):
    f = tmp_path / "p.txt"
    f.write_bytes(content)
    with pytest.raises(ProfileReadError, match=message) as exc:
        read_profile_file(f)
    assert str(exc.value).startswith(str(f))


def test_utf16_with_bom_is_read(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("Printer-friendly version\nGeneral Information\nCluster Excellence Label:\nGold Label\n", encoding="utf-16")
    p = read_profile_file(f)
    assert [v.text for v in p.values("excellence_label")] == ["Gold Label"]


def test_one_bad_line_does_not_garble_the_rest(tmp_path, data_dir):
    f = tmp_path / "p.txt"
    f.write_bytes((data_dir / "ict-net.txt").read_bytes() + b"\nOther Label:\nQualit\xe4t\n")
    p = read_profile_file(f)
    assert [i.line for i in p.issues if i.kind == "encoding"] == [70]
    assert [v.text for v in p.values("other_label")] == ["Qualität"]
    assert p.values("support_service_details")[0].text.endswith("realization of new, joint projects.")
    assert "years’ experience" in p.values("support_service_details")[0].text


def test_a_build_that_publishes_nothing_keeps_the_previous_snapshot(tmp_path, data_dir):
    build([data_dir], tmp_path / "s", BASE)
    before = open_store(tmp_path / "s").generation
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_text("Printer-friendly version\nGeneral Information\n"
                               "The date when the cluster organisation was established:\n31 February 2011\n",
                               encoding="utf-8")
    with pytest.raises(NothingToPublish) as exc:
        build([bad], tmp_path / "s", BASE)
    assert [o.status for o in exc.value.summary.outcomes] == ["rejected"]
    store = open_store(tmp_path / "s")
    assert store.generation == before
    assert sum(g.startswith(BASE + "graph/profile/") for g in store.named_graphs()) == 6


def test_manifest_encoding_and_unknown_columns(tmp_path):
    m = tmp_path / "manifest.csv"
    m.write_bytes(b"file,country\nict-net.txt,Bucure\xbati\n")
    with pytest.raises(ManifestError, match=r"manifest.csv:2: not UTF-8"):
        read_manifest(m)
    m.write_text(" File , colour \nx.txt,blue\n", encoding="utf-8")
    (tmp_path / "x.txt").write_text("Printer-friendly version\n", encoding="utf-8")
    _sources, notes = collect_sources([tmp_path])
    assert any("'colour' ignored" in n for n in notes)


def test_a_folder_networks_table_adds_aliases(tmp_path, data_dir):
    (tmp_path / "romanian-textile-concept.txt").write_bytes((data_dir / "romanian-textile-concept.txt").read_bytes())
    (tmp_path / "networks.csv").write_text(
        "network,name,alias\nnoatex,NOATEX Metacluster,NOATEX metacluster\n", encoding="utf-8")
    summary = build([tmp_path], tmp_path / "s", BASE)
    out = summary.outcomes[0]
    assert "NOATEX metacluster" not in out.mapped.new_networks
    rows = open_store(tmp_path / "s").query(
        f"SELECT ?n WHERE {{ <{BASE}id/network/noatex> <https://schema.org/name> ?n }}").rows()
    assert rows == [{"n": "NOATEX Metacluster"}]


def test_curated_rdf_files_load_offline_and_xxe_or_remote_contexts_are_never_fetched(tmp_path, data_dir, listener):
    port = listener.port
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    (folder / "links.ttl").write_text(
        "@prefix ckg: <https://w3id.org/clusterkg/ns#> .\n"
        f"<{BASE}id/region/srb/region-of-vojvodina> <http://www.w3.org/2004/02/skos/core#notation> \"RS12\" .\n",
        encoding="utf-8")
    (folder / "evil.rdf").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/secret"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/x"><ex:p>&xxe;</ex:p></rdf:Description></rdf:RDF>\n',
        encoding="utf-8")
    (folder / "remote.jsonld").write_text(
        '{"@context": "http://127.0.0.1:%d/context.jsonld", "@id": "http://example.org/y", "name": "Y"}' % port,
        encoding="utf-8")
    summary = build([folder], tmp_path / "s", BASE)
    assert not listener.connected(), "a URL named in a loaded file was fetched"
    assert [str(e).split(":")[0] for e in summary.extra_errors] == [str(folder / "evil.rdf"), str(folder / "remote.jsonld")]
    assert "remote JSON-LD @context is not fetched" in str(summary.extra_errors[1])
    assert not summary.ok and summary.of("published")
    rows = open_store(tmp_path / "s").query(
        f"SELECT ?n WHERE {{ GRAPH <{BASE}graph/extra/links> {{ ?r <http://www.w3.org/2004/02/skos/core#notation> ?n }} }}").rows()
    assert rows == [{"n": "RS12"}]


def test_curated_files_may_not_write_into_the_builds_graphs_or_share_one(tmp_path, data_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    (folder / "a-intrude.trig").write_text(
        f'<{BASE}graph/profile/ict-net> {{ <http://example.org/s> <http://example.org/p> "sneaked in" }}\n',
        encoding="utf-8")
    (folder / "x.nt").write_text('<http://example.org/s> <http://example.org/p> "once" .\n', encoding="utf-8")
    (folder / "x.ttl").write_text('<http://example.org/s> <http://example.org/p> "once" .\n', encoding="utf-8")
    (folder / "y.trig").write_text('_:g { <http://example.org/t> <http://example.org/p> "blank graph" }\n',
                                   encoding="utf-8")
    summary = build([folder], tmp_path / "s", BASE)
    errors = [str(e) for e in summary.extra_errors]
    assert len(errors) == 2
    assert errors[0].startswith(str(folder / "a-intrude.trig")) and "a graph the build makes" in errors[0]
    assert errors[1].startswith(str(folder / "x.ttl")) and f"as {folder / 'x.nt'} does" in errors[1]
    store = open_store(tmp_path / "s")
    assert store.query('ASK { ?s ?p "sneaked in" }').boolean is False
    # a graph named by a blank node is the file's own graph
    assert store.query(f'ASK {{ GRAPH <{BASE}graph/extra/y> {{ ?s ?p "blank graph" }} }}').boolean
    # and the next (incremental) build still works
    assert build([folder], tmp_path / "s", BASE).of("published")


def test_curated_blank_nodes_are_the_files_own_and_the_same_in_every_build(tmp_path, data_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    for name in ("a", "b"):  # the same label in two files: two nodes; [] gets a label of its own
        (folder / f"{name}.ttl").write_text(f'_:b1 <http://example.org/in> "{name}" .\n'
                                            '[] <http://example.org/anon> "x" .\n', encoding="utf-8")
    (folder / "quoted.nq").write_text(  # RDF 1.2: refused, not a crash of the whole build
        '<http://example.org/a> <http://example.org/said> <<( <http://example.org/s> <http://example.org/p> "o" )>> .\n',
        encoding="utf-8")
    first = build([folder], tmp_path / "one", BASE)
    build([folder], tmp_path / "two", BASE)
    assert [str(e).split(":")[0] for e in first.extra_errors] == [str(folder / "quoted.nq")]
    assert "RDF 1.2 triple term" in str(first.extra_errors[0])
    store = open_store(tmp_path / "one")
    assert store.query('SELECT (COUNT(DISTINCT ?b) AS ?n) { ?b <http://example.org/in> ?v }').rows() == [{"n": "2"}]
    assert store.query('SELECT (COUNT(DISTINCT ?b) AS ?n) { ?b <http://example.org/anon> ?v }').rows() == [{"n": "2"}]

    def curated(root):
        nq = (open_store(root).dumps_dir / "clusterkg.nq").read_bytes()
        return sorted(line for line in nq.splitlines() if b"/graph/extra/" in line)

    assert len(curated(tmp_path / "one")) == 4
    assert curated(tmp_path / "one") == curated(tmp_path / "two")  # same labels in both builds


def test_labels_in_another_language_are_kept(tmp_path):
    f = tmp_path / "de.txt"
    f.write_text("Printer-friendly version\nGeneral Information\nCluster Excellence Label:\nGold Label\n"
                 "Gründungsdatum des Clusters:\n12. Juli 2010\n", encoding="utf-8")
    p = read_profile_file(f)
    unknown = p.get("unknown")
    assert [(u.label, [v.text for v in u.values]) for u in unknown] == [("Gründungsdatum des Clusters", ["12. Juli 2010"])]


def test_a_billion_laughs_rdfxml_file_is_refused_by_name_and_the_rest_is_published(tmp_path, data_dir):
    import resource

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    (folder / "laughs.rdf").write_text(  # 1.5 kB that expand to 3 GB: 10**9 times "lol"
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ {entities} ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/x"><ex:p>&lol9;</ex:p></rdf:Description></rdf:RDF>\n',
        encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = build([folder], tmp_path / "s", BASE)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert [str(e) for e in summary.extra_errors] == [
        f"{folder / 'laughs.rdf'}:2: declares a document type (<!DOCTYPE ...>): XML entities are never expanded "
        "or fetched here; remove the declaration"]
    assert [o.source.id for o in summary.of("published")] == ["ict-net"]
    assert grown_mib < 300


def test_names_that_slug_alike_share_an_iri_unless_they_have_nothing_to_slug(tmp_path, data_dir):
    """Member IRIs are scoped by the cluster's country (here Serbia, from its region)."""
    from clusterkg.graph.build import process
    from clusterkg.graph.map.vocab import Uris
    from clusterkg.graph.read.manifest import ProfileSource

    text = (data_dir / "vojvodina-ict-cluster-voict.txt").read_text(encoding="utf-8").replace(
        "Schneider Electric DMS NS\nLarger Company\nSerbian Development Agency\n",
        "★★★\nLarger Company\n※\nLarger Company\nAlpha GmbH\nALPHA-GMBH\n")
    f = tmp_path / "p.txt"
    f.write_text(text, encoding="utf-8")
    out = process(ProfileSource(f, "p", "p"), Uris(BASE))
    members = {str(o) for o in out.mapped.graph.objects(None, URIRef("http://www.w3.org/ns/org#hasMember"))}
    symbols = sorted(m for m in members if "/organisation/srb/x-" in m)
    assert len(symbols) == 2  # "★★★" and "※" are two organisations
    assert f"{BASE}id/organisation/srb/alpha-gmbh" in members  # "Alpha GmbH" and "ALPHA-GMBH": one
    assert len([m for m in members if m.endswith("/alpha-gmbh")]) == 1


def test_unicode_noncharacters_are_stripped_at_read_time(tmp_path, data_dir):
    from clusterkg.graph.read import read_profile_file

    text = (data_dir / "ict-net.txt").read_text(encoding="utf-8").replace("Bronze Label", "Bronze\ufffe Label\uffff")
    f = tmp_path / "p.txt"
    f.write_text(text, encoding="utf-8")
    p = read_profile_file(f)
    assert [v.text for v in p.values("excellence_label")] == ["Bronze Label"]
    assert not any(ch in t for t in p.line_texts.values() for ch in "\ufffe\uffff")
