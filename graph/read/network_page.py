"""Reader for cluster network pages (``eccp-network``): a network, its founders, its contacts.

ECCP's network pages ("Home > Cluster Networks > NAME") print the network's name, its
prose (mission, vision, services), sometimes who founded it, and a contact block. The
founders are named in a sentence ("The seven clusters ... are the founders of the Serbian
Cluster Association: A, B, C, and D.") or listed under a heading ("Founding members:"
with a bullet per cluster); other members the same way ("Members: ..."). Each named
cluster becomes a :class:`~.records.ClusterRef`; the prose is kept as the network's
description; ``email:`` and ``phone:`` lines are its contacts.
"""

from __future__ import annotations

import re

from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read.labels import norm_label
from clusterkg.graph.read.lines import Line, check_truncated
from clusterkg.graph.read.namekeys import is_acronym
from clusterkg.graph.read.names import country_code, country_of_adjective
from clusterkg.graph.read.profile import Contact, Field, ReadIssue, Value
from clusterkg.graph.read.reader import Reader
from clusterkg.graph.read.records import ClusterRef, NetworkPage
from clusterkg.graph.read.values import is_email, is_phone, is_url

__all__ = ["looks_like_network_page", "read_network_page", "split_list", "NUMBER_WORDS", "READER"]

_BREADCRUMB = re.compile(r"^home\s*>\s*(?:cluster\s+)?networks?\s*>\s*(.+)$", re.I)
#: Sentences and headings that introduce the founders, and the other members.
_FOUNDERS = re.compile(r"\b(?:founders?|founding members?|co-?founders?|founded by|were founded by)\b", re.I)
_MEMBERS = re.compile(r"^(?:(?:current|full|its)\s+)?members?(?:\s+(?:clusters|organisations|organizations))?\s*:",
                      re.I)
_CONTACT = re.compile(r"^(e-?mail|phone|tel\.?|telephone|fax|web(?:site)?|www)\s*:\s*(.*)$", re.I)
_CLUSTERISH = re.compile(r"(?:cluster|klaster|klaszter|network|association|alliance|pole|hub)", re.I)
#: Number words a page may state its founders' count in.
NUMBER_WORDS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_COUNT = re.compile(r"\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")\s+(?:\w+\s+){0,2}?(?:clusters|founders|members|"
                    r"organisations|organizations|founding members)\b", re.I)


def looks_like_network_page(lines: list[Line]) -> bool:
    """True for an ECCP cluster network page: its breadcrumb ("Home > Cluster Networks >
    NAME") is among its first lines."""
    head = [ln for ln in lines if not ln.blank][:3]
    return any(_BREADCRUMB.match(ln.text) for ln in head)


def split_list(text: str, expected: int | None = None) -> list[str]:
    """The names of a list printed in a sentence: "A, B, C, and D" or "A, B and C".

    A last item "C and D" is split when ``expected`` says one more name is due, or when
    both sides name a cluster, network or association, or an acronym ends each;
    "Fashion and Apparel Cluster" stays whole.

    >>> split_list("Vojvodina ICT Cluster - VOICT, Autocluster Serbia, and ICT Cluster of Central Serbia")
    ['Vojvodina ICT Cluster - VOICT', 'Autocluster Serbia', 'ICT Cluster of Central Serbia']
    >>> split_list("Fashion and Apparel Cluster of Serbia, Autocluster Serbia and ICT Network")
    ['Fashion and Apparel Cluster of Serbia', 'Autocluster Serbia', 'ICT Network']
    """
    items = [i.strip() for i in re.split(r"\s*[,;]\s*", text.strip().rstrip(".")) if i.strip()]
    if not items:
        return []
    items = [re.sub(r"^(?:and|&)\s+", "", i) for i in items]
    last = items[-1]
    if " and " in last:
        left, _, right = last.rpartition(" and ")
        named = all(_CLUSTERISH.search(p) or is_acronym(p.split()[-1]) for p in (left, right))
        if (expected is not None and len(items) == expected - 1) or (expected is None and named):
            items[-1:] = [left.strip(), right.strip()]
    return [i for i in items if i]


def _count(sentence: str) -> int | None:
    m = _COUNT.search(sentence)
    if not m:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _refs(text: str, line: int, expected: int | None) -> list[ClusterRef]:
    return [ClusterRef(Value(name, line)) for name in split_list(text, expected) if len(name) > 1]


#: "The network was founded (in 2012) by A, B and C", "Its founding members are A and B".
_FOUNDED_BY = re.compile(r"\b(?:co-?)?founded\s+(?:in\s+\d{4}\s+)?by\s+(?:the\s+)?(?:\w+\s+clusters?\s+)?(.+)$"
                         r"|\bfound(?:ing members|ers)\s+(?:are|were|include|included)\s+(?:the\s+)?(.+)$", re.I)


def _founders_in(page: NetworkPage, ln: Line) -> bool:
    """Founders named in a sentence of ``ln`` ("... are the founders of X: A, B and C.",
    "X was founded by A, B and C.", "Its founding members are A and B."); True when found."""
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", ln.text):
        head, colon, tail = sentence.partition(":")
        by = _FOUNDED_BY.search(sentence) if not colon else None
        if colon and _FOUNDERS.search(head) and tail.strip():
            listed = tail
        elif by is not None:
            head, listed = sentence[:by.start()], by.group(1) or by.group(2)
        else:
            continue
        expected = _count(head)
        refs = [r for r in _refs(listed.strip().rstrip("."), ln.number, expected) if r.name.text[:1].isupper()
                or any(c.isupper() for c in r.name.text[1:])]
        if refs:
            page.declared_founders = expected
            page.founders.extend(refs)
            return True
    return False


def _country(page: NetworkPage) -> None:
    """The country a national network is in: named in its name ("Serbian Cluster
    Association", "Cluster Network of Poland")."""
    if page.name is None:
        return
    for word in re.findall(r"[\w'-]+", page.name.text):
        code = country_of_adjective(word) or (country_code(word) if len(word) > 3 else None)
        if code:
            page.country = Value(word, page.name.line)
            return


def _acronym(page: NetworkPage, body: list[Line]) -> None:
    """The acronym the page gives its name: "Serbian Cluster Association – SCAN"."""
    if page.name is None:
        return
    pattern = re.compile(re.escape(page.name.text) + r"\s*(?:[-\u2013\u2014]\s*|\()\s*([^\s,.;()]+)")
    for ln in body:
        m = pattern.search(ln.text)
        if m and is_acronym(m.group(1)):
            page.acronym = Value(m.group(1), ln.number)
            return


def read_network_page(lines: list[Line], source: str) -> NetworkPage:
    """Read an ECCP cluster network page into a :class:`~.records.NetworkPage`.

    :param lines: the page's normalised lines.
    :param source: where the text came from, for messages.
    :return: the page; founders and members as named, the rest as its description.
    :raises ProfileReadError: a network page without a name.
    """
    page = NetworkPage(source=source, layout="eccp-network")
    page.line_texts = {ln.number: ln.text for ln in lines if not ln.blank}
    body = [ln for ln in lines if not ln.blank]
    crumb_name = None
    text = Field("description", "(description)", None, label_lost=True)
    listing: str | None = None  # "founders" / "members" while a heading's bullets follow
    for ln in body:
        crumb = _BREADCRUMB.match(ln.text)
        if crumb and crumb_name is None:
            crumb_name = crumb.group(1).strip()
            page.structure[ln.number] = "breadcrumb"
            continue
        if page.name is None and crumb_name is not None and norm_label(ln.text) == norm_label(crumb_name):
            page.name = Value(ln.text, ln.number)
            continue
        if listing and ln.bullet:
            (page.founders if listing == "founders" else page.members).append(ClusterRef(Value(ln.unbulleted,
                                                                                               ln.number)))
            continue
        listing = None
        if _contact(page, ln):
            continue
        if ln.text.rstrip().endswith(":") and len(ln.text) < 80:
            listing = "founders" if _FOUNDERS.search(ln.text) else "members" if _MEMBERS.match(ln.text) else None
            page.structure[ln.number] = "label"
            continue
        head, colon, tail = ln.text.partition(":")
        if colon and _MEMBERS.match(head + ":") and len(head) < 40 and tail.strip():
            page.members.extend(_refs(tail, ln.number, None))
            continue
        _founders_in(page, ln)
        text.values.append(Value(ln.unbulleted if ln.bullet else ln.text, ln.number))
    if page.name is None and crumb_name is not None:
        page.name = Value(crumb_name, min(n for n, r in page.structure.items() if r == "breadcrumb"))
        page.issues.append(ReadIssue("ambiguous", source, page.name.line, "name taken from the breadcrumb"))
    if page.name is None:
        raise ProfileReadError("a cluster network page without the network's name", source)
    if text.values:
        page.description.append(text)
    if page.declared_founders is not None and page.declared_founders != len(page.founders):
        page.issues.append(ReadIssue("ambiguous", source, page.founders[0].name.line if page.founders else None,
                                     f"the page says {page.declared_founders} founders and names "
                                     f"{len(page.founders)}"))
    _country(page)
    _acronym(page, body)
    check_truncated(page, body)
    return page


def _contact(page: NetworkPage, ln: Line) -> bool:
    """An ``email:`` / ``phone:`` line: the network's contact (a value that is not an
    address or number of its kind is kept in the description instead); True when taken."""
    m = _CONTACT.match(ln.text)
    if not m:
        return False
    label, value = m.group(1).lower(), m.group(2).strip()
    check = is_email if "mail" in label else is_url if label.startswith(("web", "www")) else is_phone
    if not value or not check(value) or label.startswith(("web", "www")):
        return False
    if not page.contacts:
        page.contacts.append(Contact())
    (page.contacts[0].emails if "mail" in label else page.contacts[0].phones).append(Value(value, ln.number))
    page.structure[ln.number] = "label"
    return True


#: The registry's record of this reader (see :mod:`clusterkg.graph.read`).
READER = Reader("eccp-network", ("eccp-network",), (".txt",), looks_like_network_page, read_network_page,
                kind="network-page")
