"""Content negotiation: pick the media type to answer with from an Accept header.

Wraps Werkzeug's Accept parser (q-values, wildcards, specificity, ``q=0`` exclusions),
so the rest of the service only sees :func:`negotiate`. What is offered comes from the
offers of :mod:`clusterkg.graph.formats`.
"""

from __future__ import annotations

import functools
import re
from typing import Sequence

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from clusterkg.service.errors import NotAcceptable

__all__ = ["negotiate"]

_Q = re.compile(r"^q\s*=\s*([0-9.]+)$", re.I)


def _clean(accept: str) -> str:
    """Keep each media range's ``q`` only (clamped to 0..1): parameters such as
    ``charset`` or ``profile`` narrow nothing among the formats served here."""
    ranges = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = next((m.group(1) for b in bits[1:] if (m := _Q.match(b))), None)
        if q is not None:
            try:
                qv = min(max(float(q), 0.0), 1.0)
            except ValueError:
                qv = 1.0
            ranges.append(f"{bits[0]};q={qv:g}")
        else:
            ranges.append(bits[0])
    return ", ".join(ranges)


def negotiate(accept: str | None, offered: Sequence[str]) -> str:
    """The media type to answer with.

    :param accept: the request's Accept header, or None/empty (then the first offer).
    :param offered: media types the server can produce, the preferred one first.
    :return: one of ``offered``: the one with the highest q-value, the most specific
        matching range deciding between ranges, and server order deciding ties.
    :raises ~clusterkg.service.errors.NotAcceptable: when every offered type has q=0 or
        matches no range (it lists ``offered``).

    Spec: RFC 9110 §12.5.1 (Accept) and §12.4.2 (quality values).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", ["text/csv", "application/sparql-results+json"])
    'application/sparql-results+json'
    >>> negotiate("*/*", ["text/turtle", "application/n-triples"])
    'text/turtle'
    """
    if not accept or not accept.strip():
        return offered[0]
    best = _best_match(accept, tuple(offered))
    if best is None:
        raise NotAcceptable(offered)
    return best


@functools.lru_cache(maxsize=512)
def _best_match(accept: str, offered: tuple[str, ...]) -> str | None:
    """The parse of an Accept header, remembered: clients send the same few each time."""
    return parse_accept_header(_clean(accept), MIMEAccept).best_match(offered)
