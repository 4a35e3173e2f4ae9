"""Reader for the ECCP profile layout of 2021 onwards (``eccp-2021``).

The page text runs: name; native name; "Country: Region"; the contact person;
"NN% completed"; "About us" and free text; "Label - value" lines ("Established - 31
January 2005", "Staff in the management team - 1-5"); headings followed by bullets
("Support services for upskilling ..."); "Cluster composition", a bullet per number with
its caption on the next, indented line; then whatever the page shows next (news,
events), which is kept as unrecognised text. One composition caption is often lost
(the SME count): its meaning is inferred from the fixed caption order.
"""

from __future__ import annotations

import re

from clusterkg.graph.read.names import country_code
from clusterkg.graph.read.profile import Contact, Count, Field, Profile, ReadIssue, Value
from clusterkg.graph.read.labels import (
    BOILERPLATE,
    COMPOSITION_CAPTIONS,
    COMPOSITION_ORDER,
    HEADINGS_2021,
    LABELS_2021_DASH,
    norm_label,
)
from clusterkg.graph.read.lines import NUMBER_RE
from clusterkg.graph.read.lines import Line, check_truncated
from clusterkg.graph.read.reader import Reader

__all__ = ["read_2021", "looks_like_2021", "READER"]

_COMPLETED_RE = re.compile(r"^(\d{1,3})\s*%\s*completed$", re.I)
_COUNTRY_RE = re.compile(r"^([A-Z][^:]{1,60}):\s*(.*)$")
_DASH_RE = re.compile(r"^(.{2,80}?)\s+[-\u2013]\s+(.+)$")
_FREE_TEXT_KEYS = {"about", "unknown"}


def looks_like_2021(lines: list[Line]) -> bool:
    """True when the text has the 2021 layout's landmarks ("NN% completed", "About us"
    with "Established - ...", or "Cluster composition")."""
    norms = {norm_label(ln.text) for ln in lines if not ln.blank}
    if any(_COMPLETED_RE.match(ln.text) for ln in lines):
        return True
    if "cluster composition" in norms:
        return True
    return "about us" in norms and any(ln.text.startswith("Established - ") for ln in lines)


def read_2021(lines: list[Line], source: str) -> Profile:
    """Read a 2021+ layout ECCP page into a :class:`Profile`.

    :param lines: the normalised lines of the page.
    :param source: where the text came from, for messages.
    :return: the profile; oddities are in ``profile.issues``. Never raises on odd content.
    """
    p = Profile(source=source, layout="eccp-2021")
    p.line_texts = {ln.number: ln.text for ln in lines if not ln.blank}
    body = [ln for ln in lines if not ln.blank]
    i = _read_header(p, body)
    _read_body(p, body[i:])
    _infer_lost_captions(p)
    check_truncated(p, body)
    return p


def _is_landmark(ln: Line) -> bool:
    n = norm_label(ln.text)
    if n in HEADINGS_2021:
        return True
    m = _DASH_RE.match(ln.text)
    return bool(m and norm_label(m.group(1)) in LABELS_2021_DASH)


def _read_header(p: Profile, body: list[Line]) -> int:
    """Name, native name, "Country: Region", contact person, "NN% completed".

    :return: index in ``body`` of the first line after the header.
    """
    i = 0
    header: list[Line] = []
    while i < len(body) and not _is_landmark(body[i]):
        header.append(body[i])
        i += 1
        if _COMPLETED_RE.match(header[-1].text):
            break
    seen_country = False
    for k, ln in enumerate(header):
        m_done = _COMPLETED_RE.match(ln.text)
        m_country = _COUNTRY_RE.match(ln.text)
        if norm_label(ln.text) in BOILERPLATE:
            p.structure[ln.number] = "boilerplate"
        elif m_done:
            p.fields.append(Field("completeness", "Profile completeness", None,
                                  [Value(m_done.group(1), ln.number)], label_lost=True))
        elif not seen_country and m_country and (country_code(m_country.group(1)) or k in (1, 2)):
            seen_country = True
            country, region = m_country.group(1).strip(), m_country.group(2).strip()
            p.fields.append(Field("country", "Country", None, [Value(country, ln.number)],
                                  label_lost=True))
            if region:
                p.fields.append(Field("region", "Region", None, [Value(region, ln.number)],
                                      label_lost=True))
            if not country_code(country):
                p.issues.append(ReadIssue("bad-value", p.source, ln.number,
                                          f"{country!r} is not a country name I know"))
        elif p.name is None:
            p.name = Value(ln.text, ln.number)
            p.structure[ln.number] = "name"
        elif not seen_country and p.native_name is None:
            p.native_name = Value(ln.text, ln.number)
        elif seen_country:
            p.contacts.append(Contact(name=Value(ln.text, ln.number)))
        else:
            p.fields.append(Field("unknown", "(page header)", None, [Value(ln.text, ln.number)],
                                  label_lost=True))
            p.issues.append(ReadIssue("unrecognised-text", p.source, ln.number, ln.text[:80]))
    return i


def _read_body(p: Profile, body: list[Line]) -> None:
    current: Field | None = None
    in_composition = False
    pending: Count | None = None  # last number waiting for its caption
    for idx, ln in enumerate(body):
        text, norm = ln.text, norm_label(ln.text)
        if norm in BOILERPLATE:
            p.structure[ln.number] = "boilerplate"
            continue
        dash = _DASH_RE.match(text)
        if dash and norm_label(dash.group(1)) in LABELS_2021_DASH:
            key = LABELS_2021_DASH[norm_label(dash.group(1))]
            p.fields.append(Field(key, dash.group(1).strip(), ln.number,
                                  [Value(dash.group(2).strip(), ln.number)]))
            current, in_composition, pending = None, False, None
            continue
        if norm in HEADINGS_2021:
            key = HEADINGS_2021[norm]
            p.structure[ln.number] = "heading"
            in_composition, pending = key == "composition", None
            current = None if in_composition else Field(key, text, ln.number)
            if current is not None:
                p.fields.append(current)
            continue
        if in_composition:
            value_text = ln.unbulleted
            if ln.bullet and NUMBER_RE.match(value_text):
                pending = Count("unknown", Value(value_text, ln.number))
                p.counts.append(pending)
                continue
            if pending is not None and pending.caption is None and not ln.bullet and (
                ln.indent > 0 or norm in COMPOSITION_CAPTIONS
            ):
                pending.caption = Value(text, ln.number)
                p.structure[ln.number] = "caption"
                pending.key = COMPOSITION_CAPTIONS.get(norm, "unknown")
                if pending.key == "unknown":
                    p.issues.append(ReadIssue("unknown-label", p.source, ln.number, text))
                continue
            in_composition, pending = False, None
        nxt = body[idx + 1] if idx + 1 < len(body) else None
        if current is not None and current.key in _FREE_TEXT_KEYS:
            current.values.append(Value(text, ln.number))
            continue
        if ln.bullet and current is not None:
            current.values.append(Value(ln.unbulleted, ln.number))
            continue
        if not ln.bullet and nxt is not None and nxt.bullet and len(text) <= 120:
            # A heading no table knows, followed by its list: keep it as an unknown field.
            current = Field("unknown", text.rstrip(":"), ln.number)
            p.fields.append(current)
            p.structure[ln.number] = "label"
            p.issues.append(ReadIssue("unknown-label", p.source, ln.number, text))
            continue
        if dash and len(dash.group(1)) <= 60 and "." not in dash.group(1):
            p.fields.append(Field("unknown", dash.group(1).strip(), ln.number,
                                  [Value(dash.group(2).strip(), ln.number)]))
            p.issues.append(ReadIssue("unknown-label", p.source, ln.number, dash.group(1)))
            current = None
            continue
        # Text after the profile proper (news, events): kept, reported.
        current = Field("unknown", "(text after the profile)", None, label_lost=True)
        p.fields.append(current)
        current.values.append(Value(text, ln.number))
        p.issues.append(ReadIssue("unrecognised-text", p.source, ln.number, text[:80]))


def _infer_lost_captions(p: Profile) -> None:
    """Give each caption-less number the free key between its neighbours' keys, in the
    layout's caption order (the SME count sits between "Cluster Members" and start-ups)."""
    order = {k: n for n, k in enumerate(COMPOSITION_ORDER)}
    counts = p.counts
    used = {c.key for c in counts}
    for i, c in enumerate(counts):
        if c.caption is not None:
            continue
        lo = max((order[x.key] for x in counts[:i] if x.key in order), default=-1)
        hi = min((order[x.key] for x in counts[i + 1:] if x.key in order), default=len(order))
        free = [k for k in COMPOSITION_ORDER[lo + 1:hi] if k not in used]
        if free:
            c.key = free[0]
            used.add(c.key)
            note = f"caption lost; read as {c.key!r} from the caption order"
            if len(free) > 1:
                note += f" (could also be {', '.join(free[1:])})"
            p.issues.append(ReadIssue("caption-lost", p.source, c.number.line, note))
        else:
            p.issues.append(ReadIssue("caption-lost", p.source, c.number.line,
                                      "caption lost and no free slot: meaning unknown"))


#: The registry's record of this reader (see :mod:`clusterkg.graph.read`).
READER = Reader("eccp-2021", ("eccp-2021",), (".txt",), looks_like_2021, read_2021)
