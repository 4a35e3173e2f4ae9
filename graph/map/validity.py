"""When a label was valid: from what a record prints, or derived from it and marked so.

An ESCA (now EUCLES) cluster management excellence label is valid for two years from the
month of its assessment; a renewal extends it by three (https://www.cluster-analysis.org/
benchmarked-clusters, .../silver-label). Records print one date or none:

* a register prints the end ("Label valid until 2018/04/29"): the label was certainly
  valid in the two years before it, so *valid from* is derived as that end less two years
  (plus a day);
* news of an award names the period of the assessments ("November 2015 – January 2016"):
  the label was certainly valid from the first day of the period's last month until the
  end of two years from its first month (the span every assessment month of the period
  covers);
* news without a period gives its publication day: the label is taken as valid from that
  day, for two years (an estimate: the award came shortly before the news);
* a record that prints a start ("valid from", "awarded on") and no end gets the end two
  years on.

A month or a year printed alone stands for its first day as a start and its last day as an
end. What is derived is listed in ``derived``, with a note saying how.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from clusterkg.graph.read.values import PartialDate, parse_date

__all__ = ["Validity", "validity", "TERM_YEARS"]

#: The years a first label is valid for (ESCA / EUCLES).
TERM_YEARS = 2


@dataclass(frozen=True)
class Validity:
    """A label's validity.

    :param valid_from: the first day, or None.
    :param valid_until: the last day, or None.
    :param derived: which of the two were derived (``"valid_from"``, ``"valid_until"``),
        not printed.
    :param note: how they were derived, for a person (None when nothing was).
    """

    valid_from: _dt.date | None = None
    valid_until: _dt.date | None = None
    derived: tuple[str, ...] = ()
    note: str | None = None


def _first(d: PartialDate) -> _dt.date:
    return _dt.date(d.year, d.month or 1, d.day or 1)


def _last(d: PartialDate) -> _dt.date:
    if d.day is not None and d.month is not None:
        return _dt.date(d.year, d.month, d.day)
    if d.month is None:
        return _dt.date(d.year, 12, 31)
    return _dt.date(d.year, d.month, 1) + relativedelta(months=1, days=-1)


def _period(text: str | None) -> tuple[PartialDate, PartialDate] | None:
    """A period printed as "November 2015 – January 2016" (or "2015 - 2016")."""
    if not text:
        return None
    parts = [p for p in re.split(r"\s*(?:[\u2013\u2014]|\s-\s|\bto\b|\band\b|\buntil\b)\s*", text) if p.strip()]
    if len(parts) != 2:
        return None
    start, end = parse_date(parts[0]), parse_date(parts[1])
    return (start, end) if start and end else None


def validity(valid_from: str | None = None, valid_until: str | None = None, period: str | None = None,
             published: str | None = None) -> Validity:
    """The validity of one award, from the texts a record prints (see the module docstring).

    :param valid_from: the start as printed ("1 March 2019", "2019/03"), or None.
    :param valid_until: the end as printed ("2018/04/29"), or None.
    :param period: the period of the assessment as printed ("November 2015 – January 2016").
    :param published: the day the record was published, as printed.
    :return: the :class:`Validity`; both dates None when nothing gives one. Texts that
        are not dates count as not given (the mapping keeps them as printed).

    >>> v = validity(valid_until="2018/04/29")
    >>> v.valid_from.isoformat(), v.valid_until.isoformat(), v.derived
    ('2016-04-30', '2018-04-29', ('valid_from',))
    >>> v = validity(period="November 2015 \\u2013 January 2016", published="11 February 2016")
    >>> v.valid_from.isoformat(), v.valid_until.isoformat()
    ('2016-01-01', '2017-10-31')
    """
    start = parse_date(valid_from) if valid_from else None
    end = parse_date(valid_until) if valid_until else None
    term = relativedelta(years=TERM_YEARS)
    if start and end:
        return Validity(_first(start), _last(end))
    if end:
        until = _last(end)
        return Validity(until - term + relativedelta(days=1), until, ("valid_from",),
                        f"valid from: {TERM_YEARS} years before the end of validity the record prints (the term of "
                        "a first ESCA label; a renewed one runs longer, so the label was valid at least then)")
    if start:
        since = _first(start)
        return Validity(since, since + term - relativedelta(days=1), ("valid_until",),
                        f"valid until: {TERM_YEARS} years after the start the record prints (the term of a first "
                        "ESCA label)")
    span = _period(period)
    if span:
        first, last = span
        return Validity(_first(PartialDate(last.year, last.month or 1)),
                        _first(PartialDate(first.year, first.month or 1)) + term - relativedelta(days=1),
                        ("valid_from", "valid_until"),
                        f"valid from the first day of the last month of the assessment period ({period}) until "
                        f"{TERM_YEARS} years after its first month, less a day: the days on which the label was "
                        f"valid whichever month of the period the assessment took place in (an ESCA label is "
                        f"valid for {TERM_YEARS} years from the month of its assessment)")
    day = parse_date(published) if published else None
    if day and day.day is not None:
        since = _first(day)
        return Validity(since, since + term - relativedelta(days=1), ("valid_from", "valid_until"),
                        f"an estimate: from the day the record was published, for the {TERM_YEARS} years an "
                        "ESCA label is valid")
    return Validity()
