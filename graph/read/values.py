"""Typed values from printed text: dates, counts, ranges, phones, e-mails, URLs.

Each parser returns ``None`` when the text is not of its kind (the feedparser way: a
chain of small handlers), so callers can keep the text as it was and report it.
Dates go through :mod:`dateutil`, which knows weekday and month names.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from dateutil import parser as _dateparser

__all__ = ["PartialDate", "parse_date", "parse_count", "parse_range", "is_phone", "is_email", "is_url"]


@dataclass(frozen=True)
class PartialDate:
    """A calendar date that may lack its day or month.

    :param year: four-digit year.
    :param month: 1-12, or None when the text gave only a year.
    :param day: 1-31, or None when the text gave no day.

    ``xsd_type`` is ``date``, ``gYearMonth`` or ``gYear`` (XML Schema 1.1 Part 2, §3.3.9,
    §3.3.13, §3.3.11) and ``lexical`` the matching lexical form.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def xsd_type(self) -> str:
        if self.month is None:
            return "gYear"
        if self.day is None:
            return "gYearMonth"
        return "date"

    @property
    def lexical(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


_DEFAULT_A = _dt.datetime(1904, 1, 1)
_DEFAULT_B = _dt.datetime(1908, 12, 28)
_HAS_DIGIT = re.compile(r"\d")
#: A date that starts with its four-digit year ("2016-02-11", "2018/04/29", "2018.04.29"):
#: always year, month, day (ISO 8601 §5.2.1.1 and the registers' "YYYY/MM/DD"), never day first.
_YEAR_FIRST = re.compile(r"^\d{4}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?$")


def parse_date(text: str) -> PartialDate | None:
    """Read a printed date: "Monday, 12 July, 2010", "31 January 2005", "2010-07-12",
    "12/07/2010" (day first, the European order), "2018/04/29" (a date that starts with its
    year is year, month, day), "July 2010", "2010".

    Missing parts are detected by parsing against two different default dates, so
    "July 2010" is a ``gYearMonth``, never a made-up day.

    :param text: the value as printed.
    :return: a :class:`PartialDate`, or None when the text is not a real date (including
        impossible ones such as "31 February 2011").

    >>> parse_date("Monday, 12 July, 2010").lexical
    '2010-07-12'
    >>> parse_date("31 January 2005").lexical
    '2005-01-31'
    >>> parse_date("31 February 2011") is None
    True
    >>> parse_date("2016-02-11").lexical, parse_date("2018/04/05").lexical
    ('2016-02-11', '2018-04-05')
    """
    t = text.strip()
    if not t or not _HAS_DIGIT.search(t) or len(t) > 60:
        return None
    dayfirst = not _YEAR_FIRST.match(t)
    try:
        a = _dateparser.parse(t, dayfirst=dayfirst, yearfirst=not dayfirst, default=_DEFAULT_A)
        b = _dateparser.parse(t, dayfirst=dayfirst, yearfirst=not dayfirst, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.year != b.year or not (1000 <= a.year <= 2999):
        return None  # no year in the text
    if (a.hour, a.minute, a.second) != (0, 0, 0):
        return None  # "1-5" and such come back as times or odd dates; not a date
    month = a.month if a.month == b.month else None
    day = a.day if (a.day == b.day and month is not None) else None
    return PartialDate(a.year, month, day)


_COUNT_RE = re.compile(r"^[+-]?(\d{1,3}(?:([,.\u2009 ])\d{3})(?:\2\d{3})*|\d+)$")


def parse_count(text: str) -> int | None:
    """Read a whole number, allowing thousands separators ("1,200", "1.200", "1 200").

    :return: the int (may be negative: the shapes, not the reader, reject that), or None.

    >>> parse_count("1,200"), parse_count("-3"), parse_count("12 members")
    (1200, -3, None)
    """
    t = text.strip()
    m = _COUNT_RE.match(t)
    if not m:
        return None
    return int(re.sub(r"[,.\u2009 ]", "", t))


_RANGE_RE = re.compile(r"^(\d+)\s*[-\u2013\u2014]\s*(\d+)$")
_OPEN_RE = re.compile(r"^(?:(?:more than|over|>)\s*(\d+)|(\d+)\s*\+|(\d+)\s*(?:or more|and more))$", re.I)


def parse_range(text: str) -> tuple[int, int | None] | None:
    """Read a count or a range: "5" -> (5, 5), "1-5" -> (1, 5), "more than 50" -> (51, None).

    :return: ``(minimum, maximum)`` with ``maximum`` None for an open range, or None.

    >>> parse_range("1-5"), parse_range("12"), parse_range("50+")
    ((1, 5), (12, 12), (50, None))
    """
    t = text.strip()
    m = _RANGE_RE.match(t)
    if m:
        return int(m.group(1)), int(m.group(2))
    n = parse_count(t)
    if n is not None:
        return n, n
    m = _OPEN_RE.match(t)
    if m:
        if m.group(1):
            return int(m.group(1)) + 1, None
        return int(m.group(2) or m.group(3)), None
    return None


_PHONE_RE = re.compile(r"^(?:tel\.?:?\s*|phone:?\s*)?\+?[\d][\d ()./-]{5,}\d$", re.I)
_EMAIL_RE = re.compile(r"^(?:e-?mail:?\s*)?[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_URL_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


def is_phone(text: str) -> bool:
    """True for a telephone number as printed ("+381 60 100 2001")."""
    return bool(_PHONE_RE.match(text.strip())) and sum(c.isdigit() for c in text) >= 6


def is_email(text: str) -> bool:
    """True for an e-mail address."""
    return bool(_EMAIL_RE.match(text.strip()))


def is_url(text: str) -> bool:
    """True for a web address ("https://...", "www....")."""
    return bool(_URL_RE.match(text.strip()))
