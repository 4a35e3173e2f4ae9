"""Conditional requests and profile negotiation, on Werkzeug's header parsers.

Every route that sends an ``ETag`` or ``Last-Modified`` decides ``304 Not Modified`` with
:func:`not_modified`, and the catalogue picks its profile with :func:`accept_profile`, so
the header grammars are parsed in one place, by Werkzeug (``parse_etags``,
``parse_date``, ``parse_accept_header``).

Specs: RFC 9110 §8.8.3 (ETag), §8.8.2 (Last-Modified), §13.1.2 (If-None-Match),
§13.1.3 (If-Modified-Since), §13.2.2 (precedence), §15.4.5 (304); W3C Content
Negotiation by Profile §7.1 (Accept-Profile).
"""

from __future__ import annotations

import datetime as _dt
from typing import Mapping

from werkzeug.http import parse_accept_header, parse_date, parse_etags, unquote_etag

__all__ = ["etag_matches", "not_modified", "accept_profile", "page_number"]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an ``If-None-Match`` value names ``etag`` or is ``*``, by the weak
    comparison RFC 9110 §13.1.2 asks for (``W/"a"`` and ``"a"`` match).

    :param if_none_match: the header's value, or None.
    :param etag: the current entity tag, quoted (``"a-1"`` or ``W/"a-1"``).
    :return: True on a match.

    >>> etag_matches('W/"a-1", "b-2"', '"a-1"'), etag_matches('"x"', '"a-1"'), etag_matches(None, '"a"')
    (True, False, False)
    """
    if not if_none_match:
        return False
    opaque, _weak = unquote_etag(etag)
    return opaque is not None and parse_etags(if_none_match.strip()).contains_weak(opaque)


def _seconds(when: float | _dt.datetime) -> _dt.datetime:
    """A time as an aware UTC datetime, to the second (HTTP dates have no fractions)."""
    if isinstance(when, _dt.datetime):
        moment = when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)
    else:
        moment = _dt.datetime.fromtimestamp(when, _dt.timezone.utc)
    return moment.replace(microsecond=0)


def not_modified(headers: Mapping[str, str], etag: str | None,
                 last_modified: float | _dt.datetime | None = None) -> bool:
    """True when a GET or HEAD should be answered ``304 Not Modified``.

    :param headers: the request's headers (names looked up in lower case, as Starlette's
        ``Headers`` and any case-insensitive mapping allow).
    :param etag: the representation's current entity tag, quoted, or None.
    :param last_modified: its last modification: a POSIX timestamp (seconds) or a
        datetime (naive means UTC), or None.
    :return: True when ``If-None-Match`` names ``etag`` (weak comparison, or ``*``); when
        there is no ``If-None-Match``, True when ``If-Modified-Since`` holds a valid date
        no earlier than ``last_modified`` (to the second). ``If-None-Match`` takes
        precedence: when present, ``If-Modified-Since`` is not looked at (RFC 9110
        §13.2.2); an ``If-Modified-Since`` that is not an HTTP date is ignored (§13.1.3).

    >>> not_modified({"if-none-match": '"a"', "if-modified-since": "Thu, 01 Jan 2099 00:00:00 GMT"}, '"b"', 0)
    False
    >>> not_modified({"if-modified-since": "Thu, 01 Jan 1970 00:00:10 GMT"}, '"b"', 10.9)
    True
    """
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag is not None and etag_matches(if_none_match, etag)
    since = parse_date(headers.get("if-modified-since"))
    if since is None or last_modified is None:
        return False
    return _seconds(last_modified) <= since


def accept_profile(header: str | None, known: Mapping[str, str]) -> str | None:
    """The profile to answer with, from an ``Accept-Profile`` header (W3C Content
    Negotiation by Profile §7.1).

    :param header: the header's value: profile URIs in angle brackets (a known profile's
        token also works), each with an optional ``q``; or None.
    :param known: token -> URI of the profiles this resource has.
    :return: the token of the acceptable profile with the highest ``q`` (header order
        between equal ones), or None when the header names none of them with ``q`` > 0.

    >>> known = {"a": "http://x/a", "b": "http://x/b"}
    >>> accept_profile("<http://x/a>;q=0.5, <http://x/b>", known), accept_profile("<http://x/c>", known)
    ('b', None)
    """
    if not header:
        return None
    by_name = {name: token for token, uri in known.items() for name in (token, uri)}
    for value, quality in parse_accept_header(header):
        token = by_name.get(value.strip().strip("<>"))
        if token is not None and quality > 0:
            return token
    return None


#: Most digits a page number may have (its length is checked before it is read, so a
#: number of thousands of digits costs nothing and is refused as any other bad value).
_PAGE_DIGITS = 9


def page_number(raw: str | None) -> int:
    """A ``page=`` parameter: 1 when absent, else a whole number from 1 (at most nine digits).

    :param raw: the parameter's value, or None.
    :return: the page number.
    :raises ~clusterkg.service.errors.BadRequest: anything else, named in the message.

    >>> page_number(None), page_number("3")
    (1, 3)
    """
    from clusterkg.service.errors import BadRequest

    if raw is None:
        return 1
    if len(raw) > _PAGE_DIGITS or not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise BadRequest(f"page={shown!r} is not a page number (1, 2, ... up to {10 ** _PAGE_DIGITS - 1})")
    return int(raw)
