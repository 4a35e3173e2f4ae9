"""The neutral records of the sources that are not a cluster's own profile.

A cluster's standing is also told by others: the label register of its awarding body
(ESCA), the news announcing an award, the page of a network naming its founders. Each
reader of such a source fills one of these records; every value keeps its line, and
every line is accounted for (:meth:`~.profile.Record.unaccounted_lines`), as in a profile.

A record names clusters as :class:`ClusterRef`: what it says of one cluster, which the
build then reconciles with what the other sources say (one cluster, one IRI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clusterkg.graph.read.profile import Contact, Field, Record, Value

__all__ = ["ClusterRef", "RegisterRow", "LabelRegister", "NetworkPage", "AwardItem", "AwardNews"]


@dataclass
class ClusterRef:
    """A cluster as another source names it.

    :param name: the name as printed (it may hold an acronym or a translation:
        :func:`~.namekeys.name_variants` splits them).
    :param aliases: other names the source gives it (a translation in brackets).
    :param country: the country as printed (a cell, a bullet), or None.
    :param region: the region as printed, or None.
    :param website: the web address as printed, or None.
    :param details: other words the source says of it (a sector: "agricultural
        machinery"), as printed.
    """

    name: Value
    aliases: list[Value] = field(default_factory=list)
    country: Value | None = None
    region: Value | None = None
    website: Value | None = None
    details: list[Value] = field(default_factory=list)

    def lines(self) -> set[int]:
        """The lines its values come from."""
        return {v.line for v in (self.name, *self.aliases, self.country, self.region, self.website, *self.details)
                if v is not None}


@dataclass
class RegisterRow:
    """One row of a label register: a cluster and its label.

    :param cluster: the cluster (name; country and website when the view has them).
    :param level: the label level of the row, when the view has a level column.
    :param valid_until: the "valid until" cell as printed, or None.
    :param valid_from: the "valid from" (or "awarded") cell as printed, or None.
    :param portfolio: the "comparative portfolio" cell as printed, or None.
    :param cells: every cell of the row as read, in column order (for the report).
    """

    cluster: ClusterRef
    level: Value | None = None
    valid_until: Value | None = None
    valid_from: Value | None = None
    portfolio: Value | None = None
    cells: list[Value] = field(default_factory=list)


@dataclass
class LabelRegister(Record):
    """A label register: the clusters an awarding body lists with their labels (kind
    ``label-register``).

    :param title: the register's title as printed.
    :param level: the label level the whole register is about ("Bronze"), from its
        title, or None when each row gives its own.
    :param body: the awarding body as printed or known from the page ("ESCA").
    :param columns: the heading row as printed (its line is structure, not a value).
    :param rows: the rows, in page order.
    :param text: the page's prose (its introduction), as fields.
    :param leftovers: lines of the table that could not be read as a row (a row cut off
        at the end of a partly saved page); kept, reported.
    """

    kind: str = "label-register"
    title: Value | None = None
    level: Value | None = None
    body: str | None = None
    columns: list[Value] = field(default_factory=list)
    rows: list[RegisterRow] = field(default_factory=list)
    text: list[Field] = field(default_factory=list)
    leftovers: list[Value] = field(default_factory=list)

    def value_lines(self) -> set[int]:
        """Line numbers that hold a value."""
        lines = {v.line for v in (self.title, self.level, *self.leftovers) if v is not None}
        for row in self.rows:
            lines |= row.cluster.lines() | {v.line for v in row.cells}
        for f in self.text:
            lines.update(v.line for v in f.values)
        return lines


@dataclass
class NetworkPage(Record):
    """The page of a cluster network (kind ``network-page``).

    :param name: the network's name as printed.
    :param acronym: its acronym, when the page gives one ("SCAN").
    :param country: a country the page places the network in (named in its text), or None.
    :param founders: the clusters the page names as its founding members.
    :param members: other member clusters it lists.
    :param declared_founders: how many founders the page says there are ("The seven
        clusters ..."), or None.
    :param description: the page's prose, as fields (kept as the network's description).
    :param contacts: e-mail addresses and telephone numbers of the network.
    """

    kind: str = "network-page"
    name: Value | None = None
    acronym: Value | None = None
    country: Value | None = None
    founders: list[ClusterRef] = field(default_factory=list)
    members: list[ClusterRef] = field(default_factory=list)
    declared_founders: int | None = None
    description: list[Field] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def value_lines(self) -> set[int]:
        """Line numbers that hold a value."""
        lines = {v.line for v in (self.name, self.acronym, self.country) if v is not None}
        for ref in (*self.founders, *self.members):
            lines |= ref.lines()
        for f in self.description:
            lines.update(v.line for v in f.values)
        for c in self.contacts:
            lines.update(v.line for v in (c.role, c.name, *c.phones, *c.emails) if v is not None)
        return lines


@dataclass
class AwardItem:
    """One award an article announces.

    :param cluster: the cluster awarded (with the region and details the article gives).
    :param level: the label level as printed ("Silver Label").
    :param valid_from: the first day of validity, or the award date, as printed; None
        when the article does not say.
    :param valid_until: the last day of validity as printed, or None.
    :param period: the period the award was made in, as printed ("November 2015 -
        January 2016"), or None.
    :param body: the awarding body the article names ("ESCA"), or None.
    """

    cluster: ClusterRef
    level: Value
    valid_from: Value | None = None
    valid_until: Value | None = None
    period: Value | None = None
    body: str | None = None


@dataclass
class AwardNews(Record):
    """A news article announcing cluster excellence labels (kind ``award-news``).

    :param title: the headline as printed.
    :param published: the date it was published, as printed.
    :param author: who submitted it, as printed ("ECCP Team").
    :param country: the country the article says the clusters are from ("8 Romanian
        cluster organisations"), as printed, or None.
    :param declared: how many clusters the article says were awarded, or None.
    :param awards: the awards it announces, in page order.
    :param text: the article's prose, as fields (kept as its description).
    """

    kind: str = "award-news"
    title: Value | None = None
    published: Value | None = None
    author: Value | None = None
    country: Value | None = None
    declared: int | None = None
    awards: list[AwardItem] = field(default_factory=list)
    text: list[Field] = field(default_factory=list)

    def value_lines(self) -> set[int]:
        """Line numbers that hold a value."""
        lines = {v.line for v in (self.title, self.published, self.author, self.country) if v is not None}
        for a in self.awards:
            lines |= a.cluster.lines() | {v.line for v in (a.level, a.valid_from, a.valid_until, a.period) if v}
        for f in self.text:
            lines.update(v.line for v in f.values)
        return lines
