"""ResponseCache: LRU by bytes, one snapshot at a time, ETags (RFC 9110 §8.8.3, §13.1.2);
keys are digests, and the budget counts everything an entry holds (issue "Protect, round
2", item 3: keys held whole query texts, and 400 distinct 1 MB queries grew the process by
360 MB while the cache said 113 kB)."""

import dataclasses
import sys
import tracemalloc

from clusterkg.service.cache import CacheKey, ResponseCache
from clusterkg.service.http import etag_matches

CSV = ("text/csv", None)
GEN = "20261130T100000000000Z-1"


def key(query: str, generation: str = GEN, media=CSV, default=None, named=None) -> CacheKey:
    return CacheKey.for_request(generation, query, default, named, media)


def _held(c: ResponseCache) -> int:
    return c.stats()["bytes"]


def test_hit_returns_the_stored_bytes_and_counts():
    c = ResponseCache(10_000)
    assert c.get(key("q1")) is None
    assert c.put(key("q1"), "text/csv", b"n\r\n3\r\n") is True
    hit = c.get(key("q1"))
    assert (hit.media, hit.body, hit.etag) == ("text/csv", b"n\r\n3\r\n", key("q1").etag())
    stats = c.stats()
    held = stats.pop("bytes")
    assert stats == {"entries": 1, "max_bytes": 10_000, "hits": 1, "misses": 1, "stored": 1}
    assert sys.getsizeof(b"n\r\n3\r\n") < held < 1000


def test_every_part_of_the_key_matters():
    c = ResponseCache(10_000)
    c.put(key("q1"), "text/csv", b"a")
    assert c.get(key("q1 ")) is not None  # spaces around the text do not change the answer
    assert c.get(key("q 1")) is None
    assert c.get(key("q1", media=("text/tab-separated-values", None))) is None
    assert c.get(key("q1", default=("urn:g",))) is None
    assert c.get(key("q1", named=())) is None
    assert key("q1", default=("urn:a", "urn:b")) != key("q1", default=("urn:a,urn:b",))
    assert len({key("q1").etag(), key("q2").etag(), key("q1", "20261130T110000000000Z-2").etag()}) == 3


def test_least_recently_used_goes_first_when_over_budget():
    probe = ResponseCache(10_000)
    probe.put(key("x"), "text/csv", bytes(100))
    one = _held(probe)
    c = ResponseCache(3 * one, max_entry=100)
    for q in ("a", "b", "c"):
        assert c.put(key(q), "text/csv", bytes(100))
    c.get(key("a"))  # now b is the least recently used
    c.put(key("d"), "text/csv", bytes(100))
    assert [c.get(key(q)) is not None for q in "abcd"] == [True, False, True, True]
    assert _held(c) == 3 * one


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


def test_a_key_holds_a_digest_not_the_query():
    big = "ASK {} #" + "x" * 1_000_000
    k = key(big)
    assert len(k.digest) == 32
    held = [getattr(k, f.name) for f in dataclasses.fields(k)]
    assert not [v for v in held if isinstance(v, (str, bytes)) and len(v) > 64], "a key field holds the query"
    c = ResponseCache(64 * 1024 * 1024)
    for i in range(50):
        c.put(key(f"{big}{i}"), "text/csv", b"_askResult\r\ntrue\r\n")
    assert c.stats()["entries"] == 50 and _held(c) < 50 * 1000


def test_the_budget_counts_at_least_what_the_entries_really_hold():
    budget = 4 * 1024 * 1024
    c = ResponseCache(budget)
    media = "".join(["text/", "csv"])  # not an interned constant: held by the entries
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            c.put(key(f"SELECT * {{ ?s ?p {i} }}"), media, b"x,y\r\n" + str(i).encode())
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert c.stats()["entries"] < 20_000  # the budget was reached, and the oldest dropped
    assert held <= _held(c) <= budget, (held, _held(c))

