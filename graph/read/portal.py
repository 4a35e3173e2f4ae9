"""Reader for portal entries that republish a cluster's profile (``portal-entry``).

Third-party portals (Black Sea Horizon's "Cooperation & Networks > Clusters" entries, and
portals like it) copy a cluster's profile into an entry of their own: the portal's header
("BLACK SEA HORIZON – Bi-regional STI Dialogue"), the cluster's name, its description,
then a card of bullets ("Posted on: 21.01.2016", the country, "Acronym: ..."),
"Website: ...", the label line ("Cluster Excellence Label: No", "... : Silver Label"),
lists of objectives and activities, and a line of facets ("Organisation type: Network |
Scientific field: ... | Geographical focus: ..."). It is read into a
:class:`~.profile.Profile` of kind ``republication``, with the portal as its publisher;
an explicit "No" label is kept as such (the mapping says the cluster holds no label).
"""

from __future__ import annotations

import re

from clusterkg.graph.read.labels import LABELS_OLD, norm_label
from clusterkg.graph.read.lines import Line, check_truncated
from clusterkg.graph.read.names import country_code
from clusterkg.graph.read.profile import Field, Profile, ReadIssue, Value
from clusterkg.graph.read.reader import Reader

__all__ = ["PORTAL_LABELS", "looks_like_portal_entry", "read_portal_entry", "READER"]

#: Labels of a portal entry -> field key (those ECCP profiles share come from their table).
PORTAL_LABELS = {
    **{k: v for k, v in LABELS_OLD.items() if v in ("excellence_label", "website", "email", "phone", "address",
                                                    "country", "region", "founding_date")},
    "cluster excellence label": "excellence_label", "excellence label": "excellence_label",
    "label": "excellence_label", "posted on": "published", "published on": "published", "date": "published",
    "acronym": "acronym", "short name": "acronym", "country": "country", "city": "region", "region": "region",
    "web": "website", "web site": "website", "homepage": "website", "e-mail": "email", "email": "email",
    "established": "founding_date", "founded": "founding_date", "year of establishment": "founding_date",
}
_HEADER = re.compile(r"^(.{2,60}?)\s+[\u2013\u2014-]\s+(.{2,80})$")
_LABELLED = re.compile(r"^([^:|]{2,60}):\s*(.*)$")
_ECCP = ("printer-friendly version", "home > cluster organisations >", "% completed", "cluster composition")


def looks_like_portal_entry(lines: list[Line]) -> bool:
    """True for a portal's copy of a cluster profile: a cluster excellence label line and
    the entry's card ("Posted on:" or "Acronym:"), without an ECCP profile's landmarks."""
    lowered = [ln.text.lower() for ln in lines if not ln.blank]
    if not (any("excellence label" in t for t in lowered)
            and any(w in t for t in lowered for w in ("posted on", "published on", "acronym", "short name"))):
        return False
    norms = [norm_label(ln.text) for ln in lines if not ln.blank]
    heads = {norm_label(_LABELLED.match(ln.unbulleted).group(1)) for ln in lines  # type: ignore[union-attr]
             if not ln.blank and _LABELLED.match(ln.unbulleted)}
    eccp = any(n.startswith(_ECCP[:2]) or n.endswith(_ECCP[2]) or n == _ECCP[3] for n in norms)
    card = bool(heads & {"posted on", "published on", "acronym", "short name"})
    return not eccp and card and bool(heads & {"cluster excellence label", "excellence label"})


def _facets(p: Profile, ln: Line) -> bool:
    """A line of facets ("Organisation type: Network | Scientific field: ..."): one field
    per facet; True when the line is one."""
    parts = [part.strip() for part in ln.text.split(" | ")]
    if len(parts) < 2 or not all(_LABELLED.match(part) for part in parts):
        return False
    p.structure[ln.number] = "label"
    for part in parts:
        m = _LABELLED.match(part)
        assert m is not None
        label, value = m.group(1).strip(), m.group(2).strip()
        key = PORTAL_LABELS.get(norm_label(label), "unknown")
        values = [Value(v.strip(), ln.number) for v in value.split(", ") if v.strip()] if key == "unknown" \
            else [Value(value, ln.number)]
        p.fields.append(Field(key, label, ln.number, values))
        if key == "unknown":
            p.issues.append(ReadIssue("unknown-label", p.source, ln.number, label))
    return True


def _labelled(p: Profile, ln: Line) -> bool:
    """A "Label: value" line (a bullet of the card or a line of its own); True when read."""
    m = _LABELLED.match(ln.unbulleted)
    if not m:
        return False
    key = PORTAL_LABELS.get(norm_label(m.group(1)))
    if key is None:
        return False
    value = m.group(2).strip()
    if key == "published":
        p.published = Value(value, ln.number)
        p.structure[ln.number] = "label"
    elif value:
        p.fields.append(Field(key, m.group(1).strip(), ln.number, [Value(value, ln.number)]))
    else:
        p.fields.append(Field(key, m.group(1).strip(), ln.number))
        p.structure[ln.number] = "label"
    return True


def read_portal_entry(lines: list[Line], source: str) -> Profile:
    """Read a portal's copy of a cluster profile into a :class:`~.profile.Profile` of kind
    ``republication`` (layout ``portal-entry``).

    :param lines: the page's normalised lines.
    :param source: where the text came from, for messages.
    :return: the profile: name, publisher (the portal, from its header), posting date,
        country, acronym, website, label, description; facets as fields of their own
        labels (kept under the catch-all by the mapping). Never raises on odd content.
    """
    p = Profile(source=source, layout="portal-entry", kind="republication")
    p.line_texts = {ln.number: ln.text for ln in lines if not ln.blank}
    body = [ln for ln in lines if not ln.blank]
    about = Field("about", "(description)", None, label_lost=True)
    header = _HEADER.match(body[0].text) if body else None
    for i, ln in enumerate(body):
        if i == 0 and header:  # the portal's banner: page furniture that names the publisher
            p.publisher = header.group(1).strip()
            p.structure[ln.number] = "boilerplate"
        elif p.name is None and i <= 2 and (i > 0 or not header) and _next_is_name(body, i):
            p.structure[ln.number] = "breadcrumb"
        elif p.name is None and not ln.bullet and len(ln.text) <= 120 and not _LABELLED.match(ln.text):
            p.name = Value(ln.text, ln.number)
            p.structure[ln.number] = "name"
        elif p.name is not None and norm_label(ln.text) == norm_label(p.name.text):
            p.structure[ln.number] = "heading"  # the entry card's title: the name again
        elif _facets(p, ln) or _labelled(p, ln):
            continue
        elif ln.bullet and country_code(ln.unbulleted) and not p.get("country"):
            p.fields.append(Field("country", "Country", None, [Value(ln.unbulleted, ln.number)], label_lost=True))
        else:
            about.values.append(Value(ln.unbulleted if ln.bullet else ln.text, ln.number))
    if about.values:
        p.fields.append(about)
        _founded_in(p, about)
    check_truncated(p, body)
    return p


_ESTABLISHED = re.compile(r"\b(?:was\s+)?(?:established|founded|created|set\s+up)\s+(?:in|on)\s+"
                          r"((?:\d{1,2}\s+)?(?:[A-Z][a-z]+\s+)?\d{4})\b")


def _founded_in(p: Profile, about: Field) -> None:
    """A founding date the description states ("Cluster was established in 1 July 2008"),
    when no field gives one."""
    if p.get("founding_date"):
        return
    for v in about.values:
        m = _ESTABLISHED.search(v.text)
        if m:
            p.fields.append(Field("founding_date", "(established, in the description)", None,
                                  [Value(m.group(1), v.line)], label_lost=True))
            return


def _next_is_name(body: list[Line], i: int) -> bool:
    """Whether line ``i`` is the portal's section path ("Cooperation & NetworksClusters"):
    a short line before the name, which the description then follows."""
    return i + 2 < len(body) and len(body[i].text) <= 60 and len(body[i + 1].text) <= 120 and \
        len(body[i + 2].text) > 120


#: The registry's record of this reader (see :mod:`clusterkg.graph.read`).
READER = Reader("portal-entry", ("portal-entry",), (".txt",), looks_like_portal_entry, read_portal_entry,
                kind="republication")
