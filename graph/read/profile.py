"""The neutral records a reader fills: what a source file says, before any RDF.

:class:`Record` is what every kind of source has (its file, layout, kind, issues, the
lines it accounts for); :class:`Profile` is a cluster's profile page (ECCP, or a portal
republishing one); the other kinds (label registers, network pages, award news) are in
:mod:`.records`.

Every value keeps the 1-based line it came from, and every line of the source ends up
somewhere: as a value of a field, as a label or heading (``Record.structure``), or in an
``unknown`` field. ``Record.unaccounted_lines()`` lists the lines that did not, which
must be none; the tests check it for every sample and for every truncation of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Value", "Field", "Member", "Contact", "Count", "ReadIssue", "Record", "Profile", "SOURCE_KINDS"]

#: The kinds of source a reader reads, in the order the build report lists them.
SOURCE_KINDS = ("profile", "republication", "label-register", "network-page", "award-news")


@dataclass(frozen=True)
class Value:
    """One value as printed.

    :param text: the value's text, normalised (see :mod:`clusterkg.graph.read.lines`).
    :param line: 1-based line number in the source file.
    """

    text: str
    line: int


@dataclass
class Field:
    """A labelled field and its values, in page order.

    :param key: canonical field key (see :mod:`clusterkg.graph.read.labels`), or
        ``"unknown"`` for a label no table knows; such fields are kept, never dropped.
    :param label: the label as printed; for a label lost in the printed view, the name
        the reader gives it (e.g. ``"Region"``) and ``label_lost`` is True.
    :param line: 1-based line of the label, or ``None`` when the label is lost.
    :param values: the field's values, one per printed line; free-text fields are joined
        back with ``free_text``.
    :param section: the page section the field sits in (e.g. ``"General Information"``).
    """

    key: str
    label: str
    line: int | None
    values: list[Value] = field(default_factory=list)
    section: str = ""
    label_lost: bool = False

    @property
    def free_text(self) -> str:
        """The values joined back into text: lines that were adjacent on the page are
        joined with a newline, lines that had blank lines between them with two."""
        parts: list[str] = []
        prev: Value | None = None
        for v in self.values:
            if prev is not None:
                parts.append("\n" if v.line == prev.line + 1 else "\n\n")
            parts.append(v.text)
            prev = v
        return "".join(parts)


@dataclass
class Member:
    """A row of a flattened member or facility table ("name" line then "type" line).

    :param table: ``"major-players"`` or ``"facilities"``.
    :param name: the organisation's name, or ``None`` when only its type survived.
    :param org_type: the organisation type as printed (e.g. ``"Larger Company"``), or None.
    :param website: the website column, when it survived as its own line.
    """

    table: str
    name: Value | None = None
    org_type: Value | None = None
    website: Value | None = None


@dataclass
class Contact:
    """A person or role of the cluster management team.

    :param role: the role as printed (``"Cluster Manager"``), or None.
    :param name: a person's name when the page shows one, or None.
    :param phones: telephone numbers as printed.
    :param emails: e-mail addresses as printed.
    """

    role: Value | None = None
    name: Value | None = None
    phones: list[Value] = field(default_factory=list)
    emails: list[Value] = field(default_factory=list)


@dataclass
class Count:
    """A number from the cluster composition, with its meaning.

    :param key: canonical key (``total``, ``sme``, ``startup``, ``large``, ``research``,
        ``civil_society``, ``other_actors``) or ``unknown``.
    :param number: the number as printed (thousands separators allowed).
    :param caption: the caption as printed, or None when it was lost and ``key`` was
        inferred from the caption order of the layout.
    """

    key: str
    number: Value
    caption: Value | None = None


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """Something a reader noticed and recovered from.

    :param kind: ``truncated``, ``unknown-label``, ``label-lost``, ``caption-lost``,
        ``unrecognised-text``, ``ambiguous`` or ``bad-value``.
    :param source: the file the profile came from.
    :param line: 1-based line, or None for the whole file.
    :param text: the text concerned, or a short explanation.
    """

    kind: str
    source: str
    line: int | None
    text: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.kind}: {self.text}"


@dataclass(slots=True)
class Record:
    """What every source file yields, whatever its kind.

    :param source: path or URL the text came from.
    :param layout: the detected layout (``eccp-2016``, ``eccp-2019``, ``eccp-2021``,
        ``portal-entry``, ``esca-register``, ``eccp-network``, ``award-news``).
    :param kind: the kind of source, one of :data:`SOURCE_KINDS`.
    :param issues: what the reader recovered from.
    :param structure: line number -> role (``heading``, ``label``, ``caption``,
        ``boilerplate``, ``breadcrumb``, ``name``, ``header``) for lines that label values
        or are page furniture.
    :param line_texts: line number -> normalised text, for every non-blank line.
    :param truncated: True when the page stops mid-way (a partly saved page).
    """

    source: str
    layout: str
    issues: list[ReadIssue] = field(default_factory=list)
    structure: dict[int, str] = field(default_factory=dict)
    line_texts: dict[int, str] = field(default_factory=dict)
    truncated: bool = False
    kind: str = "profile"

    def value_lines(self) -> set[int]:
        """Line numbers that hold a value (subclasses say which)."""
        return set()

    def unaccounted_lines(self) -> list[int]:
        """Non-blank lines that are neither a value nor structure: must be empty."""
        seen = self.value_lines() | set(self.structure)
        return sorted(n for n in self.line_texts if n not in seen)

    def slim(self) -> "Record":
        """A copy with what a build keeps after mapping: source, layout, kind, issues, truncated."""
        return Record(self.source, self.layout, issues=self.issues, truncated=self.truncated, kind=self.kind)


@dataclass
class Profile(Record):
    """What one cluster profile page says, in page order, with line numbers (kind
    ``profile``, or ``republication`` for a portal's copy of a cluster's profile).

    :param name: the cluster's name, None when the page text lacks it (the manifest then
        supplies it).
    :param native_name: the name in the cluster's own language (2021 layout).
    :param fields: labelled fields in page order; unknown labels have key ``unknown``.
    :param members: rows of the member and facility tables.
    :param contacts: management team roles and contact persons.
    :param counts: composition numbers with their meaning.
    :param publisher: for a republication, the portal that publishes it (as printed).
    :param published: the date the page says it was posted, as printed, or None.

    The name line is also a value; see :class:`Record` for the rest.
    """

    name: Value | None = None
    native_name: Value | None = None
    fields: list[Field] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    publisher: str | None = None
    published: Value | None = None

    def get(self, key: str) -> list[Field]:
        """All fields with canonical ``key``, in page order (may be empty)."""
        return [f for f in self.fields if f.key == key]

    def values(self, key: str) -> list[Value]:
        """All values of all fields with canonical ``key``, in page order."""
        return [v for f in self.get(key) for v in f.values]

    def value_lines(self) -> set[int]:
        """Line numbers that hold a value (field values, members, contacts, counts, name)."""
        lines: set[int] = set()
        for f in self.fields:
            lines.update(v.line for v in f.values)
        for m in self.members:
            for v in (m.name, m.org_type, m.website):
                if v:
                    lines.add(v.line)
        for c in self.contacts:
            for v in (c.role, c.name, *c.phones, *c.emails):
                if v:
                    lines.add(v.line)
        for n in self.counts:
            lines.add(n.number.line)
        for v in (self.name, self.native_name, self.published):
            if v:
                lines.add(v.line)
        return lines
