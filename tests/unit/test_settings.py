"""Configuration: CLUSTERKG_* variables, flags over variables, errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterkg.settings import Settings

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
    import os

    assert Settings.from_env({}).cache_bytes == 64 * 1024 * 1024
    assert Settings.from_env({}).query_workers == 2 * (os.cpu_count() or 1)
    assert Settings.from_env({"CLUSTERKG_CACHE_BYTES": "0"}).cache_bytes == 0
    assert Settings.from_env({"CLUSTERKG_CACHE_BYTES": "1048576"}).cache_bytes == 1048576
    with pytest.raises(ValueError, match="CLUSTERKG_CACHE_BYTES"):
        Settings.from_env({"CLUSTERKG_CACHE_BYTES": "-1"})
    with pytest.raises(ValueError, match="CLUSTERKG_CACHE_BYTES"):
        Settings.from_env({"CLUSTERKG_CACHE_BYTES": "lots"})
