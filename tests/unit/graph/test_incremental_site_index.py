"""A rebuild changes the build record only where a graph changed (each graph keeps the build
that last changed it), and updates the site index from the previous snapshot's where the
current view changed: the result equals the index made in full from the same snapshot."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from clusterkg.graph.build import build
from clusterkg.graph.publish.site import SITE_FILE, write_site_index
from clusterkg.graph.store import open_store
from clusterkg.graph.store.snapshot import current_generation

BASE = "http://localhost:8000/"
FIRST, SECOND = 1764000000, 1764086400  # 2025-11-24T16:00:00Z, a day later
FIRST_BUILD, SECOND_BUILD = BASE + "id/build/20251124T160000Z", BASE + "id/build/20251125T160000Z"


@pytest.fixture
def copied_data(tmp_path, data_dir):
    folder = tmp_path / "data"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _select(root: Path, sparql: str) -> list[tuple[str, ...]]:
    result = open_store(root).query(sparql)
    return [tuple(term.value for term in row) for row in result.raw]


def test_a_rebuild_keeps_the_provenance_of_the_graphs_it_did_not_change(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=FIRST)
    _edit(copied_data / "ict-net.txt", "Bronze Label", "Silver Label")
    build([copied_data], root, BASE, source_date_epoch=SECOND)

    made = dict(_select(root, f"""SELECT ?g ?by WHERE {{ GRAPH <{BASE}graph/build> {{
        ?g <http://www.w3.org/ns/prov#wasGeneratedBy> ?by }} }}"""))
    assert made.pop(BASE + "graph/profile/ict-net") == SECOND_BUILD
    assert len(made) == 5 and set(made.values()) == {FIRST_BUILD}
    at = dict(_select(root, f"""SELECT ?g ?at WHERE {{ GRAPH <{BASE}graph/build> {{
        ?g <http://www.w3.org/ns/prov#generatedAtTime> ?at }} }}"""))
    assert at[BASE + "graph/profile/ict-net"][:19] == "2025-11-25T16:00:00"
    assert at[BASE + "graph/profile/romanian-textile-concept"][:19] == "2025-11-24T16:00:00"
    # the earlier build is still described in full (carried in meta/), the new one too
    described = _select(root, f"""SELECT ?a ?ended ?what WHERE {{ GRAPH <{BASE}graph/build> {{
        ?a a <http://www.w3.org/ns/prov#Activity> ; <http://www.w3.org/ns/prov#endedAtTime> ?ended ;
           <http://purl.org/dc/terms/description> ?what }} }} ORDER BY ?a""")
    assert [(a, ended[:10]) for a, ended, _what in described] == [(FIRST_BUILD, "2025-11-24"),
                                                                  (SECOND_BUILD, "2025-11-25")]
    assert described[0][2] == "6 profiles published, 0 rejected, 0 unreadable"


def test_a_rebuild_with_nothing_changed_changes_the_current_view_only_by_its_own_activity(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=FIRST)
    before = set((open_store(root).dumps_dir / "clusterkg.nt").read_bytes().splitlines())
    again = build([copied_data], root, BASE, source_date_epoch=SECOND)
    after = set((open_store(root).dumps_dir / "clusterkg.nt").read_bytes().splitlines())
    assert before - after == set()  # the first build stays described: every graph still names it
    added = after - before
    assert len(added) == 5 and {line.split(b" ", 1)[0] for line in added} == {f"<{SECOND_BUILD}>".encode()}
    assert {line.split(b" ", 2)[1] for line in added} == {  # its description, and nothing it generated
        b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", b"<http://www.w3.org/2000/01/rdf-schema#label>",
        b"<http://www.w3.org/ns/prov#startedAtTime>", b"<http://www.w3.org/ns/prov#endedAtTime>",
        b"<http://purl.org/dc/terms/description>"}
    assert again.site_updated == 0 and (again.processed, again.loaded, again.changed) == (0, 0, 0)


def _full_index(root: Path, out: Path) -> Path:
    """The site index made in full from the store's current snapshot, into ``out``."""
    store = ox.Store.read_only(str(current_generation(root) / "db"))

    def select(sparql: str):
        for row in store.query(sparql):
            yield tuple(None if term is None else term.value for term in row)

    out.mkdir()
    write_site_index(select, out, "2025-11-25T16:00:00+00:00")
    return out / SITE_FILE


def _tables(path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        out = {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in ("cluster", "facet", "member", "source", "query")}
        out["figure"] = sorted(r for r in db.execute("SELECT * FROM figure") if r[0] != "built")
        out["doc"] = sorted(db.execute("SELECT iri, kind, title, names, text FROM doc"))
        return out
    finally:
        db.close()


def _rename_member(data: Path) -> None:
    _edit(data / "vojvodina-ict-cluster-voict.txt", "Schneider Electric DMS NS", "Schneider Electric DMS Novi Sad")


def _remove_profile(data: Path) -> None:
    (data / "romanian-textile-concept.txt").unlink()
    _edit(data / "manifest.csv", next(line for line in (data / "manifest.csv").read_text(encoding="utf-8")
                                      .splitlines(keepends=True) if line.startswith("romanian-textile-concept.txt,")),
          "")


def _curated_page(data: Path) -> None:
    """A curated file typing a page about a network (not a cluster) as a profile graph."""
    (data / "curated-page.ttl").write_text(
        "@prefix ckg: <https://w3id.org/clusterkg/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "@prefix dct: <http://purl.org/dc/terms/> .\n"
        f"<http://example.org/pages/about> a ckg:ProfileGraph ; foaf:primaryTopic <{BASE}id/network/somewhere> ;\n"
        '  dct:title "About a network" .\n', encoding="utf-8")


def _relabel(data: Path) -> None:
    _edit(data / "ict-net.txt", "Bronze Label", "Silver Label")
    _edit(data / "ict-net.txt", "Business Services\n", "Business Services\nAerospace\n")


@pytest.mark.parametrize("change, touched", [
    (_relabel, {"ict-net"}),
    (_rename_member, {"vojvodina-ict-cluster"}),
    (_remove_profile, {"romanian-textile-concept"}),
    (_curated_page, set()),
])
def test_the_site_index_is_updated_where_the_view_changed_and_equals_a_full_one(tmp_path, copied_data, change,
                                                                                 touched):
    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=FIRST)
    before = _tables(open_store(root).meta_dir / SITE_FILE)
    change(copied_data)
    again = build([copied_data], root, BASE, source_date_epoch=SECOND)

    assert again.site_updated == len(touched)  # updated, not made again: only the changed cluster read again
    updated = _tables(open_store(root).meta_dir / SITE_FILE)
    assert updated == _tables(_full_index(root, tmp_path / "full"))
    assert updated != before or not touched
    if change is _relabel:
        assert ("label", "https://w3id.org/clusterkg/concept/label-level/silver", BASE + "id/cluster/ict-net",
                "Silver") in updated["facet"]
    if change is _rename_member:
        assert any(title == "Schneider Electric DMS Novi Sad" and kind == "organisation"
                   for _iri, kind, title, _names, _text in updated["doc"])
        assert not any("Schneider Electric DMS NS" in " ".join(row[2:]) for row in updated["doc"])
    if change is _remove_profile:
        assert BASE + "id/cluster/romanian-textile-concept" not in {row[0] for row in updated["cluster"]}
        assert dict(updated["figure"])["clusters"] == "4"


def test_a_damaged_previous_index_is_made_again_in_full_not_carried_forward(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=FIRST)
    index = open_store(root).meta_dir / SITE_FILE
    data = bytearray(index.read_bytes())
    data[2 * 4096 + 100:2 * 4096 + 3100] = b"\xff" * 3000  # inside a page: SQLite itself would not notice
    index.write_bytes(bytes(data))
    _relabel(copied_data)
    again = build([copied_data], root, BASE, source_date_epoch=SECOND)
    assert again.ok and again.site_updated is None  # made in full
    fresh = open_store(root).meta_dir / SITE_FILE
    assert sqlite3.connect(fresh).execute("PRAGMA quick_check").fetchall() == [("ok",)]
    assert _tables(fresh) == _tables(_full_index(root, tmp_path / "full"))


def test_a_store_made_before_builds_were_kept_in_meta_keeps_the_earlier_builds_description(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=FIRST)
    (open_store(root).meta_dir / "build-activities.nt").unlink()  # as a store of an earlier version
    _relabel(copied_data)
    build([copied_data], root, BASE, source_date_epoch=SECOND)
    described = _select(root, f"""SELECT ?a ?what WHERE {{ GRAPH <{BASE}graph/build> {{
        ?a <http://purl.org/dc/terms/description> ?what }} }} ORDER BY ?a""")
    assert [a for a, _what in described] == [FIRST_BUILD, SECOND_BUILD]  # read back from the union dump


def test_an_update_reading_its_clusters_one_query_each_equals_a_full_index(tmp_path, copied_data):
    root = tmp_path / "store"
    build([copied_data], root, BASE, source_date_epoch=FIRST)
    before = tmp_path / "before"
    shutil.copytree(open_store(root).meta_dir, before)
    old_view = set((open_store(root).dumps_dir / "clusterkg.nt").read_bytes().splitlines(keepends=True))
    _relabel(copied_data)
    _rename_member(copied_data)
    _remove_profile(copied_data)
    build([copied_data], root, BASE, source_date_epoch=SECOND)
    new_view = set((open_store(root).dumps_dir / "clusterkg.nt").read_bytes().splitlines(keepends=True))
    changes = b"".join(sorted(old_view - new_view)), b"".join(sorted(new_view - old_view))
    store = ox.Store.read_only(str(current_generation(root) / "db"))

    def select(sparql: str):
        for row in store.query(sparql):
            yield tuple(None if term is None else term.value for term in row)

    out = tmp_path / "out"
    out.mkdir()
    figures, touched = write_site_index(select, out, "2025-11-25T16:00:00+00:00", before / SITE_FILE, changes,
                                        piece=1)
    assert touched == 3 and figures.clusters == 4
    assert _tables(out / SITE_FILE) == _tables(_full_index(root, tmp_path / "full"))
