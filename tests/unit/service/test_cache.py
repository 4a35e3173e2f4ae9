"""ResponseCache: LRU by bytes, one snapshot at a time, ETags (RFC 9110 §8.8.3, §13.1.2)."""

from clusterkg.service.cache import CacheKey, ResponseCache
from clusterkg.service.http import etag_matches

CSV = ("text/csv", None)


def key(query: str, generation: str = "20261130T100000000000Z-1", media=CSV) -> CacheKey:
    return CacheKey(generation, query, None, None, media)


def test_hit_returns_the_stored_bytes_and_counts():
    c = ResponseCache(10_000)
    assert c.get(key("q1")) is None
    assert c.put(key("q1"), "text/csv", b"n\r\n3\r\n") is True
    hit = c.get(key("q1"))
    assert (hit.media, hit.body, hit.etag) == ("text/csv", b"n\r\n3\r\n", key("q1").etag())
    assert c.stats() == {"entries": 1, "bytes": 6 + 256, "max_bytes": 10_000, "hits": 1, "misses": 1, "stored": 1}


def test_every_part_of_the_key_matters():
    c = ResponseCache(10_000)
    c.put(key("q1"), "text/csv", b"a")
    assert c.get(key("q1 ")) is None
    assert c.get(key("q1", media=("text/tab-separated-values", None))) is None
    assert c.get(CacheKey("20261130T100000000000Z-1", "q1", ("urn:g",), None, CSV)) is None
    assert c.get(CacheKey("20261130T100000000000Z-1", "q1", None, (), CSV)) is None
    assert len({key("q1").etag(), key("q2").etag(), key("q1", "20261130T110000000000Z-2").etag()}) == 3


def test_least_recently_used_goes_first_when_over_budget():
    c = ResponseCache(3 * (100 + 256), max_entry=100)
    for q in ("a", "b", "c"):
        assert c.put(key(q), "text/csv", bytes(100))
    c.get(key("a"))  # now b is the least recently used
    c.put(key("d"), "text/csv", bytes(100))
    assert [c.get(key(q)) is not None for q in "abcd"] == [True, False, True, True]
    assert c.stats()["bytes"] == 3 * (100 + 256)


def test_too_big_and_disabled_are_not_stored():
    c = ResponseCache(8 * 1000)  # entries up to 1000 bytes
    assert c.put(key("big"), "text/csv", bytes(1001)) is False
    assert c.put(key("ok"), "text/csv", bytes(1000)) is True
    off = ResponseCache(0)
    assert off.enabled is False and off.put(key("q"), "text/csv", b"x") is False and off.get(key("q")) is None


def test_a_newer_snapshot_drops_the_older_one_and_older_answers_are_refused():
    old, new = "20261130T100000000000Z-1", "20261130T110000000000Z-2"
    c = ResponseCache(10_000)
    c.put(key("q", old), "text/csv", b"old")
    c.put(key("q", new), "text/csv", b"new")
    assert c.get(key("q", old)) is None and c.get(key("q", new)).body == b"new"
    assert c.put(key("late", old), "text/csv", b"old") is False  # a query still in flight on the old one
    assert c.stats()["entries"] == 1


def test_etag_matches():
    tag = key("q").etag()
    assert tag.startswith('"20261130T100000000000Z-1-') and tag.endswith('"')
    assert etag_matches(tag, tag) and etag_matches("*", tag) and etag_matches(f'"x", W/{tag}', tag)
    assert not etag_matches('"x"', tag) and not etag_matches("", tag) and not etag_matches(None, tag)
