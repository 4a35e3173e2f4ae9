"""Conditional requests (RFC 9110 §13.1.1-§13.1.3, §13.2.2) and Accept-Profile (W3C
Content Negotiation by Profile §7.1): tables of headers and the expected decision."""

import datetime as dt

import pytest

from clusterkg.service.http import accept_profile, etag_matches, not_modified

ETAG = '"5d41402abc4b2a76"'
#: The representation's Last-Modified: 2026-11-30 10:00:00 UTC (with a fraction, which HTTP dates drop).
MODIFIED = dt.datetime(2026, 11, 30, 10, 0, 0, tzinfo=dt.timezone.utc).timestamp() + 0.75
AT = "Mon, 30 Nov 2026 10:00:00 GMT"
BEFORE = "Mon, 30 Nov 2026 09:59:59 GMT"
AFTER = "Mon, 30 Nov 2026 10:00:01 GMT"


@pytest.mark.parametrize("if_none_match, expected", [
    ("*", True),
    (ETAG, True),
    ("W/" + ETAG, True),  # weak comparison (§13.1.2)
    ('"other"', False),
    (f'"other", {ETAG}', True),
    (f'"other",W/{ETAG} , "third"', True),
    ('"other", "third"', False),
    ('"5d41402abc4b2a7"', False),  # a prefix is no match
    ('""', False),
    ("", False),
])
def test_if_none_match(if_none_match, expected):
    assert not_modified({"if-none-match": if_none_match}, ETAG, MODIFIED) is expected
    assert etag_matches(if_none_match, ETAG) is expected


def test_a_weak_current_tag_matches_by_weak_comparison():
    assert not_modified({"if-none-match": ETAG}, "W/" + ETAG)


@pytest.mark.parametrize("if_modified_since, expected", [
    (AT, True),  # equal, to the second
    (AFTER, True),  # newer than the representation
    (BEFORE, False),  # older: it changed since
    ("Monday, 30-Nov-26 10:00:00 GMT", True),  # the obsolete RFC 850 form is still an HTTP date
    ("not a date", False),  # ignored (§13.1.3)
    ("", False),
    ("2026-11-30T10:00:00Z", False),  # ISO 8601 is not an HTTP date
])
def test_if_modified_since(if_modified_since, expected):
    assert not_modified({"if-modified-since": if_modified_since}, ETAG, MODIFIED) is expected


def test_if_modified_since_accepts_a_datetime():
    naive = dt.datetime(2026, 11, 30, 10, 0, 0, 500_000)  # naive: UTC
    assert not_modified({"if-modified-since": AT}, None, naive)
    assert not not_modified({"if-modified-since": BEFORE}, None, naive)


@pytest.mark.parametrize("headers, expected", [
    ({"if-none-match": '"other"', "if-modified-since": AFTER}, False),  # If-None-Match wins (§13.2.2)
    ({"if-none-match": ETAG, "if-modified-since": BEFORE}, True),
    ({"if-none-match": "garbage", "if-modified-since": AFTER}, False),  # present, so the date is not read
    ({}, False),
    ({"if-modified-since": AT}, True),
])
def test_precedence(headers, expected):
    assert not_modified(headers, ETAG, MODIFIED) is expected


def test_no_validator_means_no_304():
    assert not not_modified({"if-none-match": ETAG}, None, MODIFIED)
    assert not not_modified({"if-modified-since": AFTER}, ETAG, None)


PROFILES = {"dcat-ap-3.0": "https://semiceu.github.io/DCAT-AP/releases/3.0.1/",
            "dcat-ap-2.1.1": "https://example.org/dcat-ap/2.1.1"}


@pytest.mark.parametrize("header, expected", [
    (None, None),
    ("", None),
    ("<https://example.org/dcat-ap/2.1.1>", "dcat-ap-2.1.1"),
    ("<https://example.org/other>, <https://example.org/dcat-ap/2.1.1>", "dcat-ap-2.1.1"),
    ("<https://example.org/dcat-ap/2.1.1>;q=0.5, <https://semiceu.github.io/DCAT-AP/releases/3.0.1/>",
     "dcat-ap-3.0"),  # the higher q wins
    ("<https://semiceu.github.io/DCAT-AP/releases/3.0.1/>, <https://example.org/dcat-ap/2.1.1>", "dcat-ap-3.0"),
    ("<https://example.org/dcat-ap/2.1.1>;q=0", None),  # q=0: not acceptable
    ("dcat-ap-2.1.1", "dcat-ap-2.1.1"),  # a token of a known profile
    ("<https://example.org/other>", None),
])
def test_accept_profile(header, expected):
    assert accept_profile(header, PROFILES) == expected
