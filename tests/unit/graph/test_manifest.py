"""Manifest errors name the file and line."""

import pytest

from clusterkg.graph.errors import ManifestError
from clusterkg.graph.read.manifest import collect_sources, read_manifest


def test_bundled_manifest(sources):
    s = sources["ict-net"]
    assert (s.name, s.country, s.cluster_id) == ("ICT NET", "SRB", "ict-net")
    assert s.source_url == "https://www.clustercollaboration.eu/cluster-organisations/ict-net"
    assert sources["vojvodina-ict-cluster-2021"].cluster_id == "vojvodina-ict-cluster"


@pytest.mark.parametrize("row, message", [
    ("a.txt,,,,,2024-13-01,", "manifest.csv:2: column 'retrieved'"),
    ("a.txt,,,,,,Atlantis", "manifest.csv:2: column 'country': 'Atlantis'"),
    ("a.txt,Bad Id,,,,,", "manifest.csv:2: column 'id'"),
    ("a.txt,,,,ftp://x,,", "manifest.csv:2: column 'source_url'"),
    ("ict-net.txt,,,,http://exa mple.com/<x>,,", "manifest.csv:2: column 'source_url'"),
    ("/etc/hostname,,,,,,", "manifest.csv:2: column 'file'"),
    ("ict-net.txt,,,,,2021W011,", "YYYY-MM-DD"),
    ("ict-net.txt,,,,,2999-01-01,", "in the future"),
    ('"ict-net.txt,,,,,,\nmore,stuff', "column 'file'"),  # a quote left open
])
def test_bad_rows(tmp_path, row, message):
    m = tmp_path / "manifest.csv"
    m.write_text("file,id,cluster,name,source_url,retrieved,country\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(m)


def test_files_missing_from_the_manifest_are_read_with_a_note(tmp_path):
    (tmp_path / "x.txt").write_text("Printer-friendly version\n", encoding="utf-8")
    srcs, notes = collect_sources([tmp_path])
    assert [s.id for s in srcs] == ["x"] and "not in a manifest" in notes[0]


def test_a_manifest_row_naming_a_dangling_link_is_a_missing_file(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,id,cluster,name,source_url,retrieved,country\n"
                                           "ict-net.txt,ict-net,,ICT NET,,,SRB\n", encoding="utf-8")
    (tmp_path / "ict-net.txt").symlink_to(tmp_path / "unmounted" / "ict-net.txt")  # its target is gone
    with pytest.raises(ManifestError, match="lists 'ict-net.txt', which does not exist"):
        collect_sources([tmp_path])


def test_a_link_that_loops_in_an_input_folder_is_not_a_file(tmp_path, data_dir):
    (tmp_path / "ict-net.txt").write_bytes((data_dir / "ict-net.txt").read_bytes())
    (tmp_path / "notes").symlink_to(tmp_path / "notes")  # ELOOP when followed
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    found, notes = collect_sources([tmp_path])
    assert [s.id for s in found] == ["ict-net"] and len(notes) == 1
