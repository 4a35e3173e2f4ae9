"""Reader for the old ECCP printer-friendly layout, both variants.

* ``eccp-2016`` (2016-18): the body starts at "Printer-friendly version"; the cluster's
  name is not in the text (it was the page title), so the manifest supplies it.
* ``eccp-2019`` (2019-20): a breadcrumb ("Home > Cluster Organisations > NAME") and a
  title line come first; adds S3 EU priority areas, start-ups, "Other Label" and the
  flattened member/facility tables.

The page is a run of section headings, ``Label:`` lines and value lines. Two things the
printed view loses are recovered here: the region's label (its value follows the staff
count under the staff label) and the columns of the member tables (a member name line
followed by its organisation type line).
"""

from __future__ import annotations

import re

from clusterkg.graph.read.profile import Contact, Count, Field, Member, Profile, ReadIssue, Value
from clusterkg.graph.read.values import is_email, is_phone, is_url, parse_range
from clusterkg.graph.read.labels import BOILERPLATE, LABELS_OLD, SECTION_SUFFIX, SECTIONS_OLD, norm_label
from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read.lines import Line, check_truncated
from clusterkg.graph.read.reader import Reader
from clusterkg.graph.read.orgtypes import is_organisation_type

__all__ = ["read_printer", "detect_variant", "looks_printed", "READER"]

_BREADCRUMB_RE = re.compile(r"^Home\s*>\s*(.+)$")
_MAX_LABEL_LEN = 120
_VARIANT_2019_LABELS = {"s3_priority_areas", "other_label", "count:startup", "count:other_actors"}


def detect_variant(lines: list[Line]) -> str:
    """Tell the 2016-18 variant from the 2019-20 one: ``"eccp-2016"`` or ``"eccp-2019"``."""
    for line in lines:
        if _BREADCRUMB_RE.match(line.text) or norm_label(line.text) == "primary tabs":
            return "eccp-2019"
        head, _, _ = line.text.partition(":")
        if LABELS_OLD.get(norm_label(head)) in _VARIANT_2019_LABELS:
            return "eccp-2019"
    return "eccp-2016"


def _split_label(text: str) -> tuple[str, str, str] | None:
    """Return ``(key, label, inline value)`` when ``text`` is a field label, else None.

    A known label may carry its value on the same line ("Mission: To ensure ...").
    An unknown label is a short line ending in a colon; its key is ``unknown``.
    """
    if ":" not in text:
        return None
    head, _, tail = text.partition(":")
    key = LABELS_OLD.get(norm_label(head))
    if key is None and text.rstrip().endswith(":"):
        # "Do you have ...?:" style labels hold a colon only at the end.
        key = LABELS_OLD.get(norm_label(text))
        if key is not None:
            return key, text.rstrip(": "), ""
    if key is not None:
        return key, head.strip(), tail.strip()
    if text.endswith(":") and len(text) <= _MAX_LABEL_LEN and not text.startswith(("•", "-", "*")):
        return "unknown", text[:-1].strip(), ""
    return None


def read_printer(lines: list[Line], source: str, layout: str) -> Profile:
    """Read an old-layout ECCP page into a :class:`Profile`.

    :param lines: the normalised lines of the page (:func:`~.lines.split_lines`).
    :param source: where the text came from, for messages.
    :param layout: ``"eccp-2016"`` or ``"eccp-2019"`` (see :func:`detect_variant`).
    :return: the profile; oddities are in ``profile.issues``. Never raises on odd content.
    """
    p = Profile(source=source, layout=layout)
    p.line_texts = {ln.number: ln.text for ln in lines if not ln.blank}
    section = ""
    current: Field | None = None
    in_header = True
    breadcrumb_name: str | None = None

    for ln in lines:
        if ln.blank:
            continue
        text = ln.text
        norm = norm_label(text)
        if norm in BOILERPLATE:
            p.structure[ln.number] = "boilerplate"
            continue
        m = _BREADCRUMB_RE.match(text) if in_header else None
        if m:
            p.structure[ln.number] = "breadcrumb"
            breadcrumb_name = m.group(1).split(">")[-1].strip()
            continue
        if norm in SECTIONS_OLD and not text.endswith(":"):
            in_header = False
            section = SECTIONS_OLD[norm]
            p.structure[ln.number] = "heading"
            current = None
            continue
        split = _split_label(text)
        if split is not None:
            in_header = False
            key, label, inline = split
            if key in ("target_countries", "activities"):
                key = f"{key}_{SECTION_SUFFIX.get(section, 'international')}"
            current = Field(key=key, label=label, line=ln.number, section=section)
            p.fields.append(current)
            if key == "unknown":
                p.issues.append(ReadIssue("unknown-label", source, ln.number, label))
            if inline:
                current.values.append(Value(inline, ln.number))
            else:
                p.structure[ln.number] = "label"
            continue
        if in_header:
            # The title line of the 2019-20 variant: the cluster's name.
            if p.name is None:
                p.name = Value(text, ln.number)
                p.structure[ln.number] = "name"
                if breadcrumb_name and norm_label(breadcrumb_name) != norm:
                    p.issues.append(ReadIssue("ambiguous", source, ln.number,
                                              f"title {text!r} differs from breadcrumb {breadcrumb_name!r}"))
                continue
        if current is None:
            key = "strategy_text" if section == "Cluster Strategy" else "unknown"
            current = Field(key=key, label=section or "(no label)", line=None, section=section,
                            label_lost=True)
            p.fields.append(current)
            if key == "unknown":
                p.issues.append(ReadIssue("unrecognised-text", source, ln.number, text[:80]))
        current.values.append(Value(ln.unbulleted if ln.bullet else text, ln.number))

    if p.name is None and breadcrumb_name:
        p.issues.append(ReadIssue("ambiguous", source, None, "name taken from the breadcrumb"))
        p.name = Value(breadcrumb_name, min(n for n, r in p.structure.items() if r == "breadcrumb"))

    _split_staff_and_region(p)
    _contacts(p)
    _members(p)
    _counts(p)
    check_truncated(p, lines)
    return p


def _split_staff_and_region(p: Profile) -> None:
    """The region's label is lost in the printed view: its value follows the staff count
    under the staff label. Numbers and ranges stay staff; other text becomes the region."""
    for f in list(p.fields):
        if f.key != "staff":
            continue
        staff = [v for v in f.values if parse_range(v.text) is not None]
        other = [v for v in f.values if parse_range(v.text) is None]
        if other:
            f.values = staff
            region = Field(key="region", label="Region", line=None, values=other,
                           section=f.section, label_lost=True)
            p.fields.insert(p.fields.index(f) + 1, region)
            for v in other:
                p.issues.append(ReadIssue("label-lost", p.source, v.line,
                                          f"{v.text!r} read as the region (its label is not printed)"))


def _contacts(p: Profile) -> None:
    """Management team: role lines, each optionally followed by phone / e-mail lines."""
    for f in p.get("management_team"):
        last: Contact | None = None
        for v in f.values:
            if is_phone(v.text) or is_email(v.text):
                if last is None:
                    last = Contact()
                    p.contacts.append(last)
                (last.phones if is_phone(v.text) else last.emails).append(v)
            else:
                last = Contact(role=v)
                p.contacts.append(last)
        f.values = []


def _members(p: Profile) -> None:
    """Flattened tables: a member name line, then (optionally) its organisation type line
    and website line. A type line with no name before it is a member whose name is lost."""
    tables = {"major_players": "major-players", "facilities": "facilities"}
    for f in p.fields:
        if f.key in tables:
            table = tables[f.key]
            last: Member | None = None
            for v in f.values:
                if is_organisation_type(v.text):
                    if last is not None and last.org_type is None and last.name is not None:
                        last.org_type = v
                    else:
                        last = Member(table=table, org_type=v)
                        p.members.append(last)
                        p.issues.append(ReadIssue("label-lost", p.source, v.line,
                                                  f"a {v.text!r} member whose name is not printed"))
                elif is_url(v.text) and last is not None and last.website is None:
                    last.website = v
                else:
                    last = Member(table=table, name=v)
                    p.members.append(last)
            f.values = []


def _counts(p: Profile) -> None:
    """``count:KEY`` fields become :class:`Count` records (the label is the caption)."""
    for f in list(p.fields):
        if f.key.startswith("count:"):
            for v in f.values:
                p.counts.append(Count(key=f.key.split(":", 1)[1], number=v,
                                      caption=Value(f.label, f.line or v.line)))
            f.values = []


#: Labels any web page may have; they do not make a page a cluster profile.
_GENERIC_LABELS = {"website", "email", "phone", "address", "country", "region"}


def looks_printed(lines: list[Line]) -> bool:
    """True when the text is an old-layout (printer-friendly) ECCP profile: it has the
    "Printer-friendly version" line or the cluster breadcrumb, or two labels of the layout
    that an ordinary web page would not have.

    :raises ProfileReadError: for an ECCP page of another kind (its breadcrumb is not the
        cluster organisations'), naming it.
    """
    first = next(ln for ln in lines if not ln.blank)
    head = norm_label(first.text)
    if head.startswith("home >") and not head.startswith("home > cluster organisations >"):
        raise ProfileReadError(f"not a cluster organisation profile: the page is {first.text!r}", "", first.number)
    known = {LABELS_OLD[n] for ln in lines if (n := norm_label(ln.text.partition(":")[0])) in LABELS_OLD
             and LABELS_OLD[n] not in _GENERIC_LABELS}
    printer = any(norm_label(ln.text).startswith(("printer-friendly version", "home > cluster organisations >"))
                  for ln in lines)
    return printer or len(known) >= 2


def _read(lines: list[Line], source: str) -> Profile:
    return read_printer(lines, source, detect_variant(lines))


#: The registry's record of this reader (see :mod:`clusterkg.graph.read`).
READER = Reader("eccp-printer", ("eccp-2016", "eccp-2019"), (".txt",), looks_printed, _read)
