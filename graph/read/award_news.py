"""Reader for news of cluster excellence labels (``award-news``): who was awarded what, when.

An article names the clusters awarded a label in a list after a colon ("... 8 Romanian
cluster organisations were awarded the Silver Label ...: A (North West Region), B
(agricultural machinery – Region Bucharest Ilfov), ..."), in bullets after such a sentence,
or in prose ("X received the Gold Label", "The Gold Label was awarded to X and Y"). The
headline, the byline ("Submitted by ECCP Team on 11 February 2016"), a period the awards
were made in ("in the period November 2015 – January 2016"), a validity ("valid until
...") and the awarding body ("ESCA") are read when the article states them. What brackets
after a name hold is split: a region, a translation or alias of the name (a bracket that
names a cluster), or other details (a sector). The rest of the text is kept as the
article's description.
"""

from __future__ import annotations

import re

from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read.labels import BOILERPLATE, norm_label
from clusterkg.graph.read.lines import Line
from clusterkg.graph.read.network_page import NUMBER_WORDS, split_list
from clusterkg.graph.read.names import country_code, country_of_adjective
from clusterkg.graph.read.profile import Field, ReadIssue, Value
from clusterkg.graph.read.reader import Reader
from clusterkg.graph.read.records import AwardItem, AwardNews, ClusterRef
from clusterkg.graph.read.values import parse_date

__all__ = ["award_sentences", "looks_like_award_news", "read_award_news", "split_item", "READER"]

_LEVEL = r"(bronze|silver|gold)"
#: A label level named in a sentence: "Silver Label", "label GOLD", "Gold label of ...".
_LEVEL_LABEL = re.compile(rf"\b{_LEVEL}\s+(?:label|level|cluster\s+label)\b|\blabel\s+{_LEVEL}\b|"
                          rf"\b{_LEVEL}[\"”]?\s+clusters?\b", re.I)
_VERBS = (r"awarded|received|receives|obtained|obtains|achieved|achieves|earned|earns|gained|gains|won|wins|got|"
          r"gets|renewed|renews|secured|secures")
_AWARD_VERB = re.compile(rf"\b(?:{_VERBS}|granted|was\s+given|were\s+given|labelled|certified)\b", re.I)
_SUBJECT_VERB = re.compile(r"^(.+?)\s+(?:has\s+been\s+|have\s+been\s+|was\s+|were\s+|is\s+|are\s+|has\s+|have\s+)?"
                           rf"(?:{_VERBS})\s+(?:the|a|an|its|their)?\s*", re.I)
#: "X is proud to announce that it has been awarded ...": the subject is X.
_ANNOUNCES = re.compile(r"^(.+?)\s+(?:is|are)\s+(?:proud|happy|pleased|delighted)\s+to\s+announce\s+that\s+"
                        r"(?:it|they)$|^(.+?)\s+announce[sd]?\s+that\s+(?:it|they)$", re.I)
_TO_LIST = re.compile(r"\b(?:awarded|granted|given)\s+(?:\w+\s+){0,6}?to\s+(?:the\s+)?(.+)$", re.I)
_BYLINE = re.compile(r"^(?:submitted|posted|published|written)(?:\s+by\s+(.+?)\s+on|\s+on|\s*:)?\s+(.+)$", re.I)
_DATE_WORDS = r"(?:\d{1,2}[\s./-]+)?(?:[A-Z][a-z]+\.?\s+)?(?:\d{1,2}[\s./-]+)?\d{4}"
_PERIOD = re.compile(rf"\b(?:in\s+the\s+period|period|between|from)\s+(?:of\s+)?({_DATE_WORDS})\s*"
                     rf"(?:[-\u2013\u2014]|to|and|until)\s*({_DATE_WORDS})")
_VALID_UNTIL = re.compile(r"\bvalid\s+(?:until|till|to|through)\s+(?:the\s+)?([^,;.()]+\d{4}|\d[\d./-]+\d)", re.I)
_VALID_FROM = re.compile(r"\bvalid\s+(?:from|since)\s+(?:the\s+)?([^,;.()]+?\d{4})", re.I)
_BODIES = {"esca": "ESCA", "european secretariat for cluster analysis": "ESCA", "eucles": "EUCLES",
           "european clusters labelling excellence structure": "EUCLES"}
_REGIONISH = re.compile(r"\b(?:region|regiunea|county|province|voivodeship|oblast|district|judet|județ|"
                        r"north|south|east|west|centre|center|central)\b", re.I)
_CLUSTERISH = re.compile(r"\b(?:cluster|klaster|klaszter|association|asociatia|network|pole|pôle)\b", re.I)
_NOT_A_NAME = re.compile(r"^(?:it|they|we|he|she|this|these|those|our|its|their|which|who|all|both|each|"
                         r"the\s+following|following|in\s+addition|also|moreover|furthermore|finally|"
                         r"\d+|" + "|".join(NUMBER_WORDS) + r")\b", re.I)
#: Words of a clause, never of a name: a stretch of prose holding one is no name.
_CLAUSE_WORDS = {"there", "are", "is", "was", "were", "have", "has", "had", "we", "that", "which", "who", "been",
                 "will", "would", "can", "could", "our", "their", "they", "this", "these"}
_FUNCTION_CAPS = {"The", "A", "An", "In", "On", "At", "For", "Of", "And", "To", "By"}
_YEAR = re.compile(r"\b(?:1[89]|2[01])\d\d\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")


def _is_name(text: str) -> bool:
    """Whether a stretch of prose can be a cluster's name: 1 to 12 words, starting with a
    capital, a digit and letter ("3D Cluster") or a word with a capital inside ("iTech"),
    with a word other than an article that has a capital; not a pronoun, a count ("24
    Romanian cluster organisations") or a clause ("there are ...")."""
    words = text.split()
    if not 0 < len(words) <= 12 or _NOT_A_NAME.match(text):
        return False
    first = words[0]
    if not (first[:1].isupper() or re.match(r"^\d+[A-Za-z]", first) or any(c.isupper() for c in first[1:])):
        return False
    if any(w.lower() in _CLAUSE_WORDS or w.isdigit() for w in words):
        return False
    return any(any(c.isupper() for c in w) for w in words if w not in _FUNCTION_CAPS)


def split_item(text: str, line: int) -> ClusterRef:
    """One listed cluster: its name, and what brackets after it hold, split at dashes and
    commas: a region ("Region Bucharest Ilfov"), an alias (a bracket naming a cluster), a
    country, or other details ("agricultural machinery").

    >>> ref = split_item("Indagro Pol (agricultural machinery \u2013 Region Bucharest Ilfov)", 4)
    >>> ref.name.text, ref.region.text, [d.text for d in ref.details]
    ('Indagro Pol', 'Region Bucharest Ilfov', ['agricultural machinery'])
    """
    m = re.match(r"^(.+?)\s*\((.+)\)\s*$", text.strip())
    ref = ClusterRef(Value(m.group(1).strip() if m else text.strip().rstrip("."), line))
    if not m:
        return ref
    for part in (p.strip() for p in re.split(r"\s+[-\u2013\u2014]\s+|\s*[,;]\s*", m.group(2)) if p.strip()):
        if ref.country is None and country_code(part) and len(part) > 3:
            ref.country = Value(part, line)
        elif ref.region is None and _REGIONISH.search(part):
            ref.region = Value(part, line)
        elif _CLUSTERISH.search(part):
            ref.aliases.append(Value(part, line))
        else:
            ref.details.append(Value(part, line))
    return ref


def _items(text: str, line: int, expected: int | None) -> list[ClusterRef]:
    """The clusters of a list printed in a sentence, brackets kept with their names."""
    depth, cut, start = 0, [], 0  # commas inside brackets do not separate items
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch in ",;" and depth == 0:
            cut.append(text[start:i])
            start = i + 1
    cut.append(text[start:])
    joined = [c.strip() for c in cut if c.strip()]
    names = split_list(", ".join(c.replace(",", "\u201a") for c in joined), expected)
    return [split_item(n.replace("\u201a", ","), line) for n in names if _is_name(n)]


def award_sentences(text: str) -> list[tuple[str, str, str | None, str]]:
    """The sentences of ``text`` that award a label, with their level and list.

    :return: ``(level, list text, head, sentence)`` per awarding sentence: the list after
        a colon (``head`` is then the text before it), after "awarded ... to", or the
        subject of "X received the Gold Label" (``head`` None).

    >>> award_sentences("Alpha Cluster received the Gold Label of ESCA.")[0][:3]
    ('Gold', 'Alpha Cluster', None)
    """
    found: list[tuple[str, str, str | None, str]] = []
    for sentence in _SENTENCE.split(text):
        for part in re.split(r";\s+(?=[A-Z])", sentence):
            m = _LEVEL_LABEL.search(part)
            if not m or not _AWARD_VERB.search(part):
                continue
            level = next(g for g in m.groups() if g).capitalize()
            head, colon, tail = part.partition(":")
            if colon and _LEVEL_LABEL.search(head) and tail.strip():
                found.append((level, tail.strip(), head, part))
                continue
            to = _TO_LIST.search(part)
            if to and _LEVEL_LABEL.search(part[:to.start(1)]):
                listed = re.split(r"\s+by\s+(?:the\s+)?(?=[A-Z])", to.group(1).strip().rstrip("."))[0]
                found.append((level, listed, None, part))
                continue
            subject = _SUBJECT_VERB.match(part)
            if subject and subject.end() <= m.start() + 4:
                name = subject.group(1).split(", ")[-1].strip()
                announced = _ANNOUNCES.match(name)
                if announced:
                    name = (announced.group(1) or announced.group(2)).strip()
                if _is_name(name):
                    found.append((level, name, None, part))
    return found


def looks_like_award_news(lines: list[Line]) -> bool:
    """True for a news article that awards a label: a byline or a date near its top, and
    a sentence awarding a level to named clusters."""
    body = [ln for ln in lines if not ln.blank]
    if not any(("bronze" in t or "silver" in t or "gold" in t) and _LEVEL_LABEL.search(t)
               for t in (ln.text.lower() for ln in body)):
        return False
    dated = any(_BYLINE.match(ln.text) or (len(ln.text) < 40 and _YEAR.search(ln.text) and parse_date(ln.text))
                for ln in body[:6])
    awarding = (ln.text for ln in body if _AWARD_VERB.search(ln.text))
    return bool(dated) and any(_refs(text, head, 0) for t in awarding for _level, text, head, _s in award_sentences(t))


def _refs(text: str, head: str | None, line: int) -> list[ClusterRef]:
    """The clusters of an awarding sentence's list (or its one subject)."""
    if head is not None or "," in text or " and " in text:
        return _items(text, line, _count(head))
    return [split_item(text, line)] if _is_name(text) else []


def _count(head: str | None) -> int | None:
    """How many clusters a list's introduction says there are ("8 Romanian cluster organisations")."""
    if not head:
        return None
    m = re.search(r"\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")\s+(?:[A-Z]\w+\s+)?(?:cluster|clusters|organisations|"
                  r"organizations)\b", head, re.I)
    if not m:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _awards_in(news: AwardNews, ln: Line, pending: list[str]) -> bool:
    """The awards a line states, each with the period, validity and body its own sentence
    gives; True when it states any. A sentence ending in a colon that awards a level
    leaves the level in ``pending`` for the bullets that follow."""
    found = False
    for level, text, head, sentence in award_sentences(ln.text):
        period, until, since, body = _dates_and_body(sentence, ln.number)
        for ref in _refs(text, head, ln.number):
            news.awards.append(AwardItem(ref, Value(level, ln.number), since, until, period, body))
            found = True
        expected = _count(head)
        if expected is not None:
            news.declared = (news.declared or 0) + expected
        for word in re.findall(r"[A-Z]\w+", head or "") if news.country is None else []:
            if country_of_adjective(word) or (len(word) > 3 and country_code(word)):
                news.country = Value(word, ln.number)
                break
    stripped = ln.text.rstrip()
    m = _LEVEL_LABEL.search(stripped)
    if not found and stripped.endswith(":") and m and _AWARD_VERB.search(stripped):
        pending[:] = [next(g for g in m.groups() if g).capitalize()]
    return found


def _dates_and_body(text: str, line: int) -> tuple[Value | None, Value | None, Value | None, str | None]:
    """The award period, validity end and start, and the awarding body a text states."""
    period = until = since = None
    if m := _PERIOD.search(text):
        period = Value(f"{m.group(1)} \u2013 {m.group(2)}", line)
    if m := _VALID_UNTIL.search(text):
        until = Value(m.group(1).strip(), line)
    if m := _VALID_FROM.search(text):
        since = Value(m.group(1).strip(), line)
    lowered = text.lower()
    named = [b for key, b in _BODIES.items() if re.search(rf"\b{re.escape(key)}\b", lowered)]
    return period, until, since, named[0] if named else None


def _article_wide(news: AwardNews, body: list[Line]) -> None:
    """What the article says for all its awards (a period, a validity, the body, in a
    sentence of its own) fills what an award's own sentence left open."""
    awarding = {a.level.line for a in news.awards}
    for ln in body:
        if ln.number in awarding:
            continue
        period, until, since, named = _dates_and_body(ln.text, ln.number)
        for a in news.awards:
            a.period, a.valid_until = a.period or period, a.valid_until or until
            a.valid_from, a.body = a.valid_from or since, a.body or named


def read_award_news(lines: list[Line], source: str) -> AwardNews:
    """Read a news article announcing cluster excellence labels.

    :param lines: the page's normalised lines.
    :param source: where the text came from, for messages.
    :return: the article: headline, byline, the awards it announces, the rest as its text.
    :raises ProfileReadError: an article that names no awarded cluster.
    """
    news = AwardNews(source=source, layout="award-news")
    news.line_texts = {ln.number: ln.text for ln in lines if not ln.blank}
    body = [ln for ln in lines if not ln.blank]
    text = Field("description", "(article)", None, label_lost=True)
    pending: list[str] = []  # the level of a sentence whose list follows as bullets
    for ln in body:
        byline = _BYLINE.match(ln.text)
        if norm_label(ln.text) in BOILERPLATE:
            news.structure[ln.number] = "boilerplate"
        elif news.title is None:
            news.title = Value(ln.text, ln.number)
        elif news.published is None and byline and parse_date(byline.group(2)) is not None:
            news.published = Value(byline.group(2).strip(), ln.number)
            if byline.group(1):
                news.author = Value(byline.group(1).strip(), ln.number)
        elif news.published is None and parse_date(ln.text) is not None and len(ln.text) < 40:
            news.published = Value(ln.text, ln.number)
        elif pending and ln.bullet:
            news.awards.append(AwardItem(split_item(ln.unbulleted, ln.number), Value(pending[0], ln.number)))
        else:
            pending.clear()
            _awards_in(news, ln, pending)
            text.values.append(Value(ln.text, ln.number))
    if not news.awards:
        raise ProfileReadError("a news article that names no cluster awarded a label", source)
    if text.values:
        news.text.append(text)
    if news.declared is not None and news.declared != len(news.awards):
        news.issues.append(ReadIssue("ambiguous", source, news.awards[0].level.line,
                                     f"the article says {news.declared} clusters and names {len(news.awards)}"))
    _article_wide(news, body)
    return news


#: The registry's record of this reader (see :mod:`clusterkg.graph.read`).
READER = Reader("award-news", ("award-news",), (".txt",), looks_like_award_news, read_award_news, kind="award-news")
