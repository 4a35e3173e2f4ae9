"""The command line: formats named by the format registry's keys, the store opened through
the backend, settings errors as usage errors (exit 2), the catalogue's shapes folder from
the settings."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from clusterkg.cli import DUMP_OUT, QUERY_OUT, RDF_OUT, main
from clusterkg.graph import formats
from clusterkg.settings import bundled_data

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "<https://w3id.org/clusterkg/ns#ClusterOrganisation>"


def run(*args: str, env: dict[str, str] | None = None):
    """Invoke ``clusterkg ARGS`` in-process; the result has exit_code, stdout, stderr."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _choices(command: str) -> list[str]:
    option = next(p for p in main.commands[command].params if p.name == "fmt")
    return list(option.type.choices)


def test_format_choices_are_registry_keys_in_the_documented_order():
    assert _choices("convert") == ["turtle", "json-ld", "nt", "trig", "nquads"]
    assert _choices("query") == ["table", "json", "xml", "csv", "tsv", "turtle", "nt"]
    assert _choices("dump") == ["turtle", "nt", "nquads", "json-ld"]
    keys = {f.key: f for f in formats.ALL}
    for table in (RDF_OUT, QUERY_OUT, DUMP_OUT):
        assert all(f is None or keys[k] is f for k, f in table.items())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("convert", "query", "dump"):
        assert "--format " + "\\|".join(_choices(command)) in readme, command


def test_dumps_are_named_by_their_suffix():
    assert {k: "clusterkg" + f.suffix for k, f in DUMP_OUT.items()} == {
        "turtle": "clusterkg.ttl", "nt": "clusterkg.nt", "nquads": "clusterkg.nq", "json-ld": "clusterkg.jsonld"}
    assert all(f in formats.DUMPS for f in DUMP_OUT.values())


def test_convert_prints_sorted_ntriples_once_each():
    r = run("convert", "--format", "nt", str(bundled_data() / "ict-net.txt"))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines == sorted(set(lines)) and any(CLUSTER in line for line in lines)


def test_a_bad_variable_is_a_usage_error_naming_it():
    r = run("convert", str(bundled_data() / "ict-net.txt"), env={"CLUSTERKG_BASE_URI": "http://x.org"})
    assert r.exit_code == 2 and "CLUSTERKG_BASE_URI" in r.stderr
    r = run("serve", env={"CLUSTERKG_PORT": "eighty"})
    assert r.exit_code == 2 and "port (CLUSTERKG_PORT) 'eighty' is not a port number" in r.stderr


def test_query_formats_must_fit_the_query_form(built_store):
    store = str(built_store[0])
    select = f"SELECT ?c WHERE {{ ?c a {CLUSTER} }} ORDER BY ?c"
    r = run("query", select, "--store", store)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "c" and "rows)" in r.stderr
    r = run("query", select, "--store", store, "--format", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "c"
    r = run("query", select, "--store", store, "--format", "nt")
    assert r.exit_code == 2
    assert "--format nt does not fit a SELECT/ASK query; use one of: table, json, xml, csv, tsv" in r.stderr
    construct = f"CONSTRUCT {{ ?c a {CLUSTER} }} WHERE {{ ?c a {CLUSTER} }}"
    r = run("query", construct, "--store", store, "--format", "json")
    assert r.exit_code == 2 and "CONSTRUCT/DESCRIBE query; use one of: turtle, nt" in r.stderr
    r = run("query", construct, "--store", store, "--format", "nt")
    assert r.exit_code == 0 and all(line.endswith(f"{CLUSTER} .") for line in r.stdout.splitlines())


def test_query_on_an_empty_store_fails(tmp_path):
    r = run("query", "ASK {}", "--store", str(tmp_path / "none"))
    assert r.exit_code == 1 and "no data yet; run 'clusterkg build' first" in r.stderr


@pytest.mark.parametrize("fmt", list(DUMP_OUT))
def test_dump_copies_the_snapshots_file(built_store, tmp_path, fmt):
    from clusterkg.graph.store import open_store

    dumps = open_store(built_store[0]).dumps_dir
    out = tmp_path / "d.gz"
    r = run("dump", "--store", str(built_store[0]), "--format", fmt, "--out", str(out))
    assert r.exit_code == 0 and re.search(r"wrote .* bytes, " + fmt, r.stderr)
    assert out.read_bytes() == (dumps / f"clusterkg{DUMP_OUT[fmt].suffix}.gz").read_bytes()
    assert gzip.decompress(out.read_bytes())


@pytest.mark.parametrize("name, fmt", [("g.nt", "nt"), ("g.nq.gz", "nquads"), ("g.jsonld", "json-ld"),
                                       ("g.ttl", "turtle"), ("dump", "turtle")])
def test_dump_without_format_takes_the_one_the_file_name_says(built_store, tmp_path, name, fmt):
    from clusterkg.graph.store import open_store

    out = tmp_path / name
    r = run("dump", "--store", str(built_store[0]), "--out", str(out))
    assert r.exit_code == 0 and r.stderr.strip().endswith(f"bytes, {fmt})")
    dumps = open_store(built_store[0]).dumps_dir
    expected = f"clusterkg{DUMP_OUT[fmt].suffix}" + (".gz" if name.endswith(".gz") else "")
    assert out.read_bytes() == (dumps / expected).read_bytes()


def test_dump_to_a_name_no_dump_format_ends_in_asks_for_the_format(built_store, tmp_path):
    r = run("dump", "--store", str(built_store[0]), "--out", str(tmp_path / "g.rdf"))
    assert r.exit_code == 2 and ".rdf is no dump format's ending" in r.stderr and "--format" in r.stderr
    assert not (tmp_path / "g.rdf").exists()
    r = run("dump", "--store", str(built_store[0]), "--out", str(tmp_path / "g.rdf"), "--format", "turtle")
    assert r.exit_code == 0 and (tmp_path / "g.rdf").read_bytes().startswith(b"@prefix")


def test_catalog_takes_its_shapes_folder_from_the_settings(built_store, tmp_path):
    store = str(built_store[0])
    r = run("catalog", "--store", store, "--score", env={"CLUSTERKG_DCAT_AP_SHAPES": str(tmp_path)})
    assert r.exit_code == 2 and f"{tmp_path / 'dcat-ap_2.1.1_shacl_shapes.ttl'}: no such file" in r.stderr
    a_file = tmp_path / "shapes.ttl"
    a_file.write_text("")
    r = run("catalog", "--store", store, env={"CLUSTERKG_DCAT_AP_SHAPES": str(a_file)})
    assert r.exit_code == 2 and "Invalid value for '--dcat-ap-shapes'" in r.stderr and "is a file" in r.stderr
    r = run("catalog", "--store", store, "--dcat-ap-shapes", str(tmp_path), env={"CLUSTERKG_DCAT_AP_SHAPES": str(a_file)})
    assert r.exit_code == 0 and "dcat:Catalog" in r.stdout


#: The README's own text that the lexical check misses: the engine reads a comparison,
#: then SERVICE with the endpoint ":#>" (the prefix's IRI + "#>").
BYPASS = "PREFIX : <{url}sparql> SELECT * WHERE {{ FILTER(1<2)SERVICE:#>\n{{ ?s ?p ?o }} }}"


def test_query_reaches_no_host(built_store, listener):
    """`clusterkg query` runs the engine with no network (issue item 8): the text the check
    misses makes the in-process engine POST to the listener; the isolated child cannot."""
    import subprocess
    import sys

    query = BYPASS.format(url=listener.url)
    r = subprocess.run([sys.executable, "-m", "clusterkg", "query", query, "--store", str(built_store[0])],
                       capture_output=True, text=True, timeout=120)
    assert not listener.connected(1.0), "clusterkg query reached the network"
    if r.returncode == 0:  # a check that refuses nothing may still let the engine answer nothing
        assert len(r.stdout.strip().splitlines()) <= 1, r.stdout  # the variables' line at most
    else:
        assert r.returncode in (1, 2) and r.stderr.strip().splitlines()[-1].startswith("Error: "), r.stderr


def test_query_without_a_network_namespace_refuses_service(built_store, monkeypatch):
    """Where the system allows no private network namespace, the child's check is strict,
    as the server's: any text containing "service" is refused (the child's function is
    called here directly, as not isolated)."""
    import click

    from clusterkg.answers import answer_offline
    from clusterkg.settings import Settings

    settings = Settings.from_env(store=str(built_store[0]))
    with pytest.raises(click.UsageError, match="containing the word 'service'"):
        answer_offline(False, settings, BYPASS.format(url="http://127.0.0.1:9/"), "table")


def test_query_in_the_child_keeps_the_exit_statuses(built_store):
    store = str(built_store[0])
    r = run("query", "ASK {", "--store", store)
    assert r.exit_code == 1 and r.stderr.startswith("SPARQL syntax error:")
    r = run("query", "SELECT ?s ?p ?o { ?s ?p ?o } LIMIT 2", "--store", store, "--format", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "s,p,o" and len(r.stdout.splitlines()) == 3
    r = run("query", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "--store", store)
    assert r.exit_code == 2 and "SERVICE" in r.stderr


def test_two_builds_on_one_store_run_one_at_a_time(tmp_path):
    """Two real `clusterkg build` processes on one store at once (issue item 14): the one
    that comes second exits 1 with the lock message while the first goes on; the first
    publishes a whole snapshot, and nothing half-made is left."""
    import subprocess
    import sys
    import time

    from clusterkg.graph.store import open_store

    profiles, store = tmp_path / "profiles", tmp_path / "store"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "400", str(profiles)], check=True,
                   capture_output=True, timeout=120)
    command = [sys.executable, "-m", "clusterkg", "build", str(profiles), "--store", str(store), "-q"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list((store / "generations").glob("*.partial")):  # the first build holds the lock
        assert first.poll() is None and time.monotonic() < deadline, "the first build never started writing"
        time.sleep(0.02)
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.poll() is None, "the first build ended before the second tried: make it longer"
    out, err = first.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 1), (err, second.stderr)
    assert second.stderr.strip() == f"Error: {store}: another build is writing to this store; wait for it to finish"
    published = open_store(store)
    assert sum("/graph/profile/" in g for g in published.named_graphs()) == 400
    assert published.generation in err
    assert not list((store / "generations").glob("*.partial"))


def test_build_quiet_is_a_few_lines_for_any_number_of_unlisted_files_and_the_report_keeps_the_list(tmp_path):
    folder, store = tmp_path / "profiles", tmp_path / "store"
    folder.mkdir()
    page = (bundled_data() / "ict-net.txt").read_text(encoding="utf-8")
    for i in range(40):  # no manifest.csv: every file is unlisted
        (folder / f"page-{i:02d}.txt").write_text(page.replace("ICT NET", f"ICT NET {i}"), encoding="utf-8")
    quiet = run("build", str(folder), "--store", str(store), "-q")
    assert quiet.exit_code == 0, quiet.stderr
    lines = quiet.stderr.strip().splitlines()
    assert lines[0] == ("files not in a manifest: 40, ids from their file names, no source URL, country or "
                        "retrieval date (the list: build-report.txt in the snapshot's meta/)")
    assert len(lines) == 2 and lines[1].startswith("profiles read: 40 of 40, published: 40")
    report = (store / "current" / "meta" / "build-report.txt").read_text(encoding="utf-8").splitlines()
    unlisted = [line for line in report if ": not in a manifest; id " in line]
    assert len(unlisted) == 40 and unlisted[0] == (f"{folder / 'page-00.txt'}: not in a manifest; id 'page-00', "
                                                   "no source URL, country or retrieval date")
    assert report[-1].startswith("profiles read: 40 of 40, published: 40")
    verbose = run("build", str(folder), "--store", str(store), "--full")
    assert sum(": not in a manifest; id " in line for line in verbose.stderr.splitlines()) == 40


def test_validate_gives_the_same_report_with_either_engine(tmp_path):
    text = (bundled_data() / "ict-net.txt").read_text(encoding="utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_text(text.replace("Total number of members:\u00a0\n", "Total number of members:\u00a0\n-5\n"),
                      encoding="utf-8")
    reports = {engine: run("validate", "--engine", engine, str(broken)) for engine in ("pyshacl", "turbo")}
    assert {r.exit_code for r in reports.values()} == {1}
    assert reports["turbo"].stdout == reports["pyshacl"].stdout
    assert re.search(r"broken\.txt:\d+: Violation: field 'Total number of members'", reports["pyshacl"].stdout)


def test_validate_writes_the_rdf_report_with_our_prefixes(tmp_path):
    from rdflib import Graph, Literal, URIRef

    text = (bundled_data() / "ict-net.txt").read_text(encoding="utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_text(text.replace("Total number of members:\u00a0\n", "Total number of members:\u00a0\n-5\n"),
                      encoding="utf-8")
    out = tmp_path / "report.ttl"
    assert run("validate", "--rdf", str(out), str(broken)).exit_code == 1
    turtle = out.read_text(encoding="utf-8")
    assert "@prefix ckg: <https://w3id.org/clusterkg/ns#> ." in turtle and "ckg:sourceLine" in turtle
    g = Graph().parse(data=turtle, format="turtle")
    labels = set(g.objects(None, URIRef("https://w3id.org/clusterkg/ns#sourceLabel")))
    assert Literal("Total number of members") in labels


def test_an_unknown_shacl_engine_is_a_usage_error_naming_it(tmp_path):
    r = run("build", "--store", str(tmp_path / "store"), env={"CLUSTERKG_SHACL_ENGINE": "jena"})
    assert r.exit_code == 2 and "CLUSTERKG_SHACL_ENGINE) 'jena' is none of pyshacl, turbo" in r.stderr
    r = run("build", "--store", str(tmp_path / "store"), "--shacl-engine", "jena")
    assert r.exit_code == 2 and "'jena' is not one of 'pyshacl', 'turbo'" in r.stderr
    assert not (tmp_path / "store").exists()
