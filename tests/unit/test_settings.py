"""Configuration: CLUSTERKG_* variables, flags over variables, errors naming the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from clusterkg.graph.publish.catalog import Publishing
from clusterkg.settings import Settings, bundled_data, configuration_table, default_store

VIRTUOSO = "sparql+http://dba:secret@127.0.0.1:8890/sparql?data=/sparql-graph-crud-auth&auth=digest"


def test_a_remote_store_keeps_the_files_in_clusterkg_files():
    s = Settings.from_env({"CLUSTERKG_STORE": VIRTUOSO, "CLUSTERKG_FILES": "/srv/ckg-files"})
    assert s.remote == VIRTUOSO and s.store == Path("/srv/ckg-files")
    e = s.endpoint()
    assert (e.query_url, e.data_url, e.auth, e.dialect) == (
        "http://127.0.0.1:8890/sparql", "http://127.0.0.1:8890/sparql-graph-crud-auth", "digest", "virtuoso")
    assert "secret" not in e.url and e.query_auth is False


def test_passwords_never_appear_in_store_url_errors():
    for url in ("sparql+http://dba:S3cret@127.0.0.1:99999/sparql", "sparql+http://dba:S3/cret@h/sparql",
                "sparql+http://dba:S3cret@h/sparql?foo=1"):
        with pytest.raises(ValueError) as info:
            Settings.from_env({"CLUSTERKG_STORE": url})
        assert "S3" not in str(info.value) and "dba:***@" in str(info.value)


def test_the_store_flag_overrides_the_variable_both_ways():
    s = Settings.from_env({"CLUSTERKG_STORE": VIRTUOSO}, store="/tmp/local-store")
    assert s.remote is None and s.store == Path("/tmp/local-store") and s.endpoint() is None
    s = Settings.from_env({"CLUSTERKG_STORE": "/tmp/x"}, store="sparql+http://127.0.0.1:3030/ckg/query?data=/ckg/data")
    assert s.endpoint().data_url == "http://127.0.0.1:3030/ckg/data"


def test_a_bad_remote_store_url_names_the_variable():
    with pytest.raises(ValueError, match="CLUSTERKG_STORE.*unknown parameter"):
        Settings.from_env({"CLUSTERKG_STORE": "sparql+http://h/sparql?grpah=x"})


def test_port_errors_name_the_variable():
    with pytest.raises(ValueError, match="CLUSTERKG_PORT"):
        Settings.from_env({"CLUSTERKG_PORT": "eighty"})


def test_cache_budget_and_query_workers():
    assert Settings.from_env({}).cache_bytes == 64 * 1024 * 1024
    assert Settings.from_env({}).query_workers == 2 * (os.cpu_count() or 1)
    assert Settings.from_env({"CLUSTERKG_CACHE_BYTES": "0"}).cache_bytes == 0
    assert Settings.from_env({"CLUSTERKG_CACHE_BYTES": "1048576"}).cache_bytes == 1048576
    with pytest.raises(ValueError, match="CLUSTERKG_CACHE_BYTES"):
        Settings.from_env({"CLUSTERKG_CACHE_BYTES": "-1"})
    with pytest.raises(ValueError, match="CLUSTERKG_CACHE_BYTES"):
        Settings.from_env({"CLUSTERKG_CACHE_BYTES": "lots"})


# -- one settings object: every variable, its default, its meaning, its check

ROOT = Path(__file__).resolve().parents[2]


def _readme_table() -> list[str]:
    """The table rows of the README's "## Configuration" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_readme_configuration_table_is_the_settings_table():
    """A variable added to Settings without its README row (or a README row the settings
    do not have) fails here; paste configuration_table() into the README."""
    assert _readme_table() == configuration_table().splitlines()


def test_every_field_has_a_meaning_and_its_own_variable():
    variables = [Settings.variable(name) for name in Settings.model_fields]
    assert [n for n, v in zip(Settings.model_fields, variables, strict=True) if v is None] == ["base_uri_given", "remote"]
    named = [v for v in variables if v is not None]
    assert len(set(named)) == len(named)
    assert all(v.startswith("CLUSTERKG_") for v in named if v != "SOURCE_DATE_EPOCH")
    assert all(field.description for field in Settings.model_fields.values())


def test_publisher_defaults_are_the_catalogues():
    assert Settings().publishing() == Publishing()
    s = Settings.from_env({"CLUSTERKG_PUBLISHER_NAME": "Cluster office", "CLUSTERKG_PUBLISHER_URI": "https://e.org/o",
                           "CLUSTERKG_CONTACT_EMAIL": "o@e.org", "CLUSTERKG_LICENSE": "https://e.org/licence"})
    p = s.publishing()
    assert (p.publisher_name, p.publisher_uri, p.contact_email, p.license, p.title) == (
        "Cluster office", "https://e.org/o", "o@e.org", "https://e.org/licence", Publishing().title)


def test_only_the_mapping_given_is_read(monkeypatch):
    monkeypatch.setenv("CLUSTERKG_PORT", "1234")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    assert (Settings.from_env({}).port, Settings.from_env({}).source_date_epoch) == (8000, None)
    assert (Settings.from_env().port, Settings.from_env().source_date_epoch) == (1234, 1764000000)
    assert Settings().port == 8000  # the constructor reads no variable


def test_empty_variables_count_as_unset():
    env = {name: "" for name in ("CLUSTERKG_PORT", "CLUSTERKG_BASE_URI", "CLUSTERKG_STORE", "CLUSTERKG_DATA",
                                 "CLUSTERKG_QUERY_WORKERS", "SOURCE_DATE_EPOCH", "CLUSTERKG_DCAT_AP_SHAPES")}
    assert Settings.from_env(env) == Settings.from_env({})


def test_source_date_epoch_has_no_prefix_and_only_whole_numbers_count():
    assert Settings.from_env({"SOURCE_DATE_EPOCH": "1764000000"}).source_date_epoch == 1764000000
    assert Settings.from_env({"CLUSTERKG_SOURCE_DATE_EPOCH": "1764000000"}).source_date_epoch is None
    for ignored in ("soon", "-1", "1.5", " 1"):
        assert Settings.from_env({"SOURCE_DATE_EPOCH": ignored}).source_date_epoch is None


def test_lists_and_folders():
    s = Settings.from_env({"CLUSTERKG_DATA": os.pathsep.join(["/a", "", "b"]),
                           "CLUSTERKG_SERVICE_ALLOW": " https://x.org/sparql\thttps://y.org/sparql ",
                           "CLUSTERKG_DCAT_AP_SHAPES": "/srv/dcat-ap"})
    assert s.data == (Path("/a"), Path("b"))
    assert s.service_allow == ("https://x.org/sparql", "https://y.org/sparql")
    assert s.dcat_ap_shapes == Path("/srv/dcat-ap")
    assert Settings.from_env({}).data == (bundled_data(),) and Settings.from_env({}).dcat_ap_shapes is None
    assert Settings.from_env({}, data=["/x"]).data == (Path("/x"),)


def test_where_the_files_go():
    assert Settings.from_env({}).store == default_store()
    assert Settings.from_env({"CLUSTERKG_FILES": "/f"}).store == Path("/f")
    assert Settings.from_env({"CLUSTERKG_FILES": "/f", "CLUSTERKG_STORE": "/s"}).store == Path("/s")
    s = Settings.from_env({"CLUSTERKG_STORE": VIRTUOSO})
    assert (s.store, s.remote) == (default_store(), VIRTUOSO)
    s = Settings.from_env({"CLUSTERKG_STORE": "/s"}, store=VIRTUOSO)  # the folder named before stays
    assert (s.store, s.remote) == (Path("/s"), VIRTUOSO)


def test_a_flag_overrides_its_variable():
    env = {"CLUSTERKG_BASE_URI": "https://data.example.org/", "CLUSTERKG_PORT": "9000"}
    s = Settings.from_env(env, base_uri="https://kg.example.org/", port=8080, host=None)
    assert (s.base_uri, s.port, s.host) == ("https://kg.example.org/", 8080, "127.0.0.1")
    # a bad variable the flag replaces is no error, except a store URL (checked as read)
    assert Settings.from_env({"CLUSTERKG_BASE_URI": "nope"}, base_uri="https://kg.example.org/").base_uri
    with pytest.raises(ValueError, match="CLUSTERKG_STORE"):
        Settings.from_env({"CLUSTERKG_STORE": "sparql+http://h/s?grpah=1"}, store="/tmp/s")


@pytest.mark.parametrize("env, overrides, message", [
    ({"CLUSTERKG_PORT": "eighty"}, {}, r"^port \(CLUSTERKG_PORT\) 'eighty' is not a port number$"),
    ({"CLUSTERKG_PORT": "0"}, {}, r"^port \(--port / CLUSTERKG_PORT\) 0 is not a port number \(1-65535\)$"),
    ({}, {"port": 70000}, r"^port \(--port / CLUSTERKG_PORT\) 70000 is not a port number \(1-65535\)$"),
    ({"CLUSTERKG_BASE_URI": "http://x.org"}, {},
     r"^base URI \(--base-uri / CLUSTERKG_BASE_URI\) 'http://x.org' must be an absolute http\(s\) IRI ending in '/'"),
    ({}, {"base_uri": "urn:x/"}, r"^base URI \(--base-uri / CLUSTERKG_BASE_URI\) 'urn:x/'"),
    ({"CLUSTERKG_QUERY_WORKERS": "0"}, {}, r"^CLUSTERKG_QUERY_WORKERS must be more than 0$"),
    ({"CLUSTERKG_QUERY_WORKERS": "two"}, {}, r"^CLUSTERKG_QUERY_WORKERS: 'two' is not a number$"),
    ({"CLUSTERKG_QUERY_TIMEOUT": "-1"}, {}, r"^CLUSTERKG_QUERY_TIMEOUT must be more than 0$"),
    ({"CLUSTERKG_QUEUE_WAIT": "soon"}, {}, r"^CLUSTERKG_QUEUE_WAIT: 'soon' is not a number$"),
    ({"CLUSTERKG_MAX_ROWS": "1.5"}, {}, r"^CLUSTERKG_MAX_ROWS: '1.5' is not a number$"),
    ({"CLUSTERKG_MAX_RESPONSE_BYTES": "0"}, {}, r"^CLUSTERKG_MAX_RESPONSE_BYTES must be more than 0$"),
    ({"CLUSTERKG_QUERY_QUEUE": "-1"}, {}, r"^CLUSTERKG_QUERY_QUEUE must be more than 0$"),
    ({"CLUSTERKG_CATALOG_PAGE_SIZE": "0"}, {}, r"^CLUSTERKG_CATALOG_PAGE_SIZE must be more than 0$"),
    ({"CLUSTERKG_CONTACT_EMAIL": "nobody"}, {}, r"^CLUSTERKG_CONTACT_EMAIL: 'nobody' is not an e-mail address$"),
    ({"CLUSTERKG_LICENSE": "ftp://x"}, {}, r"^CLUSTERKG_LICENSE: 'ftp://x' is not an http\(s\) IRI$"),
    ({"CLUSTERKG_PUBLISHER_URI": "http://a b"}, {}, r"^CLUSTERKG_PUBLISHER_URI: 'http://a b' is not an http\(s\) IRI$"),
    ({}, {"host": 5}, r"^CLUSTERKG_HOST: 5: "),  # pydantic's own check, after the variable's name
])
def test_errors_are_value_errors_naming_the_variable(env, overrides, message):
    with pytest.raises(ValueError, match=message) as info:
        Settings.from_env(env, **overrides)
    assert type(info.value) is ValueError  # not pydantic's ValidationError


def test_zero_turns_the_queue_and_the_cache_off():
    s = Settings.from_env({"CLUSTERKG_QUERY_QUEUE": "0", "CLUSTERKG_CACHE_BYTES": "0"})
    assert (s.query_queue, s.cache_bytes) == (0, 0)


def test_settings_are_frozen():
    s = Settings.from_env({})
    with pytest.raises(ValidationError):
        s.port = 1
    assert s.model_copy(update={"port": 1}).port == 1 and hash(s) == hash(Settings.from_env({}))
