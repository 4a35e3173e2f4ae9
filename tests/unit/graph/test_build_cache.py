"""The build cache keeps what the last build used and nothing else."""

import sqlite3

from clusterkg.graph.build.cache import ProfileCache


def test_closing_keeps_the_entries_the_build_read_or_wrote_and_drops_the_rest(tmp_path):
    cache = ProfileCache(tmp_path)
    for key in ("a", "b", "c"):
        cache.put(key, {"key": key}, b"data of " + key.encode())
    cache.close()
    again = ProfileCache(tmp_path)
    assert again.get("a") == {"key": "a"}  # read: kept
    again.put("d", {"key": "d"})  # written: kept
    again.close()
    with sqlite3.connect(tmp_path / "profiles.sqlite") as db:
        assert sorted(k for (k,) in db.execute("SELECT key FROM item")) == ["a", "d"]
    third = ProfileCache(tmp_path)
    assert third.get("a") == {"key": "a"} and third.data("a") == b"data of a" and third.get("b") is None
    third.close(prune=False)  # an aborted build drops nothing
    with sqlite3.connect(tmp_path / "profiles.sqlite") as db:
        assert sorted(k for (k,) in db.execute("SELECT key FROM item")) == ["a", "d"]


def test_closing_never_rewrites_the_entries_it_keeps(tmp_path):
    """Marking an entry used by updating its row rewrote every page of the file (the rows
    hold the outcomes and graphs): the kept entries' pages must stay byte for byte."""
    cache = ProfileCache(tmp_path)
    for key in ("a", "b"):
        cache.put(key, {"key": key, "padding": key * 5000}, key.encode() * 8000)
    cache.close()
    before = (tmp_path / "profiles.sqlite").read_bytes()
    again = ProfileCache(tmp_path)
    assert again.get("a")["padding"] == "a" * 5000 and again.get("b")["key"] == "b"
    again.close()
    assert (tmp_path / "profiles.sqlite").read_bytes() == before
