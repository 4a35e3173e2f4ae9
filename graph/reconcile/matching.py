"""How alike two records of a cluster or organisation are: a score from 0 to 1, with reasons.

The evidence, in the order it counts:

* **names**, each record's names and their variants (:mod:`clusterkg.graph.read.namekeys`:
  the name without its acronym, each side of a translation): the same identity key
  (case, spacing, punctuation, legal form aside) scores 1; the same words once accents and
  generic words ("cluster", "association") are set aside 0.98; otherwise the share of
  words that match (equal, a spelling variant, or one abbreviating the other: "NET",
  "Network") over the words of both;
* **acronyms**: the same acronym ("VOICT") scores 0.92, an acronym that spells the
  other's initials ("VMC", "Vojvodina Metal Cluster") 0.8;
* **website**: the same host lifts the score to 0.9 (0.75 when the names hardly agree);
  two different hosts lower it by a fifth;
* **country**: two different countries multiply it by 0.7, so that the same name in two
  countries is at most worth a review, never a merge, unless the website says it is one
  body; a country known on one side only costs 3%.

:class:`MatchPolicy` says where a merge starts and where review starts.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass

from clusterkg.graph.read.namekeys import identity_key, initials, match_tokens

__all__ = ["Candidate", "Match", "MatchPolicy", "score", "name_score", "blocking_keys"]


@dataclass(frozen=True)
class MatchPolicy:
    """Where a score becomes a merge, and where a pair is sent to review.

    :param merge: from this score on, two records are one (default 0.9).
    :param review: from this score up to ``merge``, the pair goes to the review file and
        the records stay apart (default 0.6).
    :raises ValueError: unless 0 < review <= merge <= 1.
    """

    merge: float = 0.9
    review: float = 0.6

    def __post_init__(self) -> None:
        if not 0 < self.review <= self.merge <= 1:
            raise ValueError(f"the review score ({self.review}) must be above 0 and at most the merge score "
                             f"({self.merge}), which is at most 1")


@dataclass(frozen=True)
class Candidate:
    """What a record (or a cluster made of several) offers for comparison: its names
    (with their variants), acronyms, country (EU code) and website host."""

    names: tuple[str, ...]
    acronyms: tuple[str, ...] = ()
    country: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Match:
    """A score (0 to 1) and the reasons for it, for people."""

    score: float
    reasons: tuple[str, ...]


@functools.lru_cache(maxsize=65536)
def _tokens(name: str) -> tuple[str, ...]:
    return match_tokens(name)


@functools.lru_cache(maxsize=65536)
def _key(name: str) -> str:
    return identity_key(name)


def _word(a: str, b: str) -> float:
    """How well two words match: 1 equal, 0.9 a spelling variant, 0.6 one abbreviating
    the other ("net", "network"), else 0."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return 0.6
    if min(len(a), len(b)) >= 5 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.85:
        return 0.9
    return 0.0


def _words(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    left = sum(max(_word(x, y) for y in b) for x in set(a))
    right = sum(max(_word(y, x) for x in a) for y in set(b))
    return (left + right) / (len(set(a)) + len(set(b)))


def name_score(a: Candidate, b: Candidate) -> Match:
    """The best agreement of two candidates' names and acronyms (no country or website).

    >>> name_score(Candidate(("ICT Network",)), Candidate(("ICT NET",))).score
    0.8
    >>> name_score(Candidate(("Acme Robotics Limited",)), Candidate(("ACME Robotics Ltd.",))).score
    1.0
    """
    best, why = 0.0, "names differ"
    for x in a.names:
        for y in b.names:
            if _key(x) == _key(y):
                return Match(1.0, (f"same name: {x!r} / {y!r}",))
            tx, ty = _tokens(x), _tokens(y)
            s = 0.98 if tx == ty else _words(tx, ty)
            if s > best:
                best, why = s, f"names {x!r} / {y!r} alike ({s:.2f})"
    acr_a = {x.casefold() for x in a.acronyms}
    acr_b = {x.casefold() for x in b.acronyms}
    shared = acr_a & acr_b
    if shared and best < 0.92:
        best, why = 0.92, f"same acronym {sorted(shared)[0].upper()}"
    for acr, other in ((acr_a, b), (acr_b, a)):
        if best < 0.8 and any(initials(n).casefold() in acr for n in other.names if len(initials(n)) >= 2):
            best, why = 0.8, "an acronym spells the other name's initials"
    return Match(round(best, 4), (why,))


def score(a: Candidate, b: Candidate) -> Match:
    """How alike two candidates are, all evidence weighed (see the module docstring).

    >>> score(Candidate(("Alpha GmbH",), country="DEU"), Candidate(("Alpha GmbH",), country="AUT")).score
    0.7
    >>> score(Candidate(("Alpha GmbH",), country="DEU", website="alpha.eu"),
    ...       Candidate(("Alpha GmbH",), country="AUT", website="alpha.eu")).score
    1.0
    """
    m = name_score(a, b)
    s, reasons = m.score, list(m.reasons)
    same_site = a.website is not None and a.website == b.website
    if same_site:
        s = max(s, 0.9 if s >= 0.5 else 0.75)
        reasons.append(f"same website {a.website}")
    elif a.website and b.website:
        s *= 0.8
        reasons.append(f"different websites {a.website} / {b.website}")
    if a.country and b.country:
        if a.country == b.country:
            reasons.append(f"same country {a.country}")
        elif not same_site:
            s *= 0.7
            reasons.append(f"different countries {a.country} / {b.country}")
        else:
            reasons.append(f"different countries {a.country} / {b.country}, but the same website")
    elif a.country or b.country:
        s *= 0.97
        reasons.append("country known on one side only")
    return Match(round(s, 4), tuple(reasons))


def blocking_keys(c: Candidate) -> set[str]:
    """The keys under which a candidate is indexed, so that only candidates sharing one
    are compared: each word of its names (and its first 4 letters, for abbreviations),
    each acronym, its website host."""
    keys: set[str] = set()
    for n in c.names:
        for w in _tokens(n):
            keys.add("w:" + w)
            if len(w) >= 3:
                keys.add("p:" + w[:3])
        keys.add("i:" + initials(n).casefold())
    keys.update("i:" + a.casefold() for a in c.acronyms)
    if c.website:
        keys.add("s:" + c.website)
    return keys
