"""Reader for label registers (``esca-register``): the clusters an awarding body lists.

ESCA's register of benchmarked clusters ("Benchmarking: Bronze Label of the European
Cluster Excellence Initiative") prints a title, an introduction, then a table: a heading
row ("Name Comparative portfolio www Label valid until") and one row per cluster. Views of
the register differ in their columns (a country instead of the portfolio, a level column
in a list of all labels), and copies differ in how the cells survived: separated by tabs,
by runs of spaces, one cell per line, or joined by single spaces. The heading row says
which columns there are (:data:`COLUMNS`); each row is then read by the kind of each cell:

* with separators (tabs, two or more spaces, or one cell per line) the cells are known,
  and each is put in its column by its kind (a date, a web address, a country, a level)
  and, for the text columns, by order;
* with cells joined by single spaces, the typed columns are taken from the row's ends
  (a date, a web address, a country, a level is recognised as such), the portfolio as
  the trailing words that begin with a capital and go on in lower case ("Food
  industry", "Production and engineering"), and the name is what remains.

Dates are kept as printed ("2018/04/29"). A row cut off by the end of a partly saved page
is kept as a leftover line, not read as a cluster, and reported.
"""

from __future__ import annotations

import re

from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read.labels import norm_label
from clusterkg.graph.read.lines import Line
from clusterkg.graph.read.names import country_code
from clusterkg.graph.read.profile import Field, ReadIssue, Value
from clusterkg.graph.read.reader import Reader
from clusterkg.graph.read.records import ClusterRef, LabelRegister, RegisterRow
from clusterkg.graph.read.values import is_url, parse_date

__all__ = ["COLUMNS", "LEVELS", "parse_columns", "looks_like_register", "read_register", "READER"]

#: Column headings (normalised) -> column key.
COLUMNS: dict[str, str] = {
    **dict.fromkeys(["name", "cluster", "cluster name", "cluster organisation", "cluster organization",
                     "cluster management organisation", "cluster management organization", "organisation",
                     "organization"], "name"),
    **dict.fromkeys(["comparative portfolio", "portfolio", "sector", "sectors", "industry", "branch",
                     "sector/industry"], "portfolio"),
    "country": "country",
    **dict.fromkeys(["region", "city", "town"], "region"),
    **dict.fromkeys(["www", "website", "web site", "web", "url", "homepage", "internet"], "website"),
    **dict.fromkeys(["label valid until", "valid until", "valid till", "valid to", "expiry date", "expiry",
                     "expires", "label expiry", "label expires", "validity"], "valid_until"),
    **dict.fromkeys(["valid from", "label valid from", "awarded", "award date", "date of award", "labelled on",
                     "label date", "date of benchmarking", "benchmarked"], "valid_from"),
    **dict.fromkeys(["label", "level", "label level", "label type", "type of label"], "level"),
}
_COLUMN_WORDS = max(len(k.split()) for k in COLUMNS)
_FIRST_WORDS = {k.split()[0] for k in COLUMNS}
#: Label levels as a register's cells and titles print them.
LEVELS = {"bronze": "Bronze", "silver": "Silver", "gold": "Gold"}
_LEVEL_RE = re.compile(r"\b(bronze|silver|gold)\b", re.I)
_DATE_KEYS = ("valid_until", "valid_from")
_TEXT_KEYS = ("name", "portfolio", "region")
_SEPARATED = re.compile(r"\t|\s{2,}")
_DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.I)
_BODIES = {"esca": "ESCA", "european secretariat for cluster analysis": "ESCA", "eucles": "EUCLES",
           "european clusters labelling excellence structure": "EUCLES"}
_BREADCRUMB = re.compile(r"^(?:you are here:|home\s*[/>])", re.I)


def parse_columns(text: str) -> list[str] | None:
    """The column keys of a heading row, or None when ``text`` is not one: every word must
    belong to a known heading (:data:`COLUMNS`), there must be a name column and one
    saying the label (a level or a validity date).

    >>> parse_columns("Name Comparative portfolio www Label valid until")
    ['name', 'portfolio', 'website', 'valid_until']
    >>> parse_columns("Name Country Label Valid until"), parse_columns("Name and address")
    (['name', 'country', 'level', 'valid_until'], None)
    >>> parse_columns("Cluster Name Country Valid until")
    ['name', 'country', 'valid_until']
    """
    cells = [c for c in _SEPARATED.split(text.strip()) if c.strip()]
    if len(cells) > 1 and all(norm_label(c) in COLUMNS for c in cells):
        keys = [COLUMNS[norm_label(c)] for c in cells]
    else:
        keys = _segment(text.split()) or []
    ok = "name" in keys and any(k in keys for k in ("level", *_DATE_KEYS)) and len(set(keys)) == len(keys)
    return keys if ok else None


def _segment(words: list[str]) -> list[str] | None:
    """The column keys of heading words joined by spaces: every word in one known heading,
    no key twice; a heading's words after its first are in lower case unless the heading
    cannot be read otherwise ("Label valid until" is one heading, "Label Valid until" two;
    "Cluster Name" one). None when the words are no heading row."""
    best: tuple[int, list[str]] | None = None

    def walk(i: int, keys: list[str], breaks: int) -> None:
        nonlocal best
        if i == len(words):
            if len(set(keys)) == len(keys) and (best is None or (breaks, len(keys)) < (best[0], len(best[1]))):
                best = (breaks, list(keys))
            return
        for n in range(min(_COLUMN_WORDS, len(words) - i), 0, -1):
            key = COLUMNS.get(norm_label(" ".join(words[i:i + n])))
            if key is not None:
                walk(i + n, [*keys, key], breaks + sum(w[:1].isupper() for w in words[i + 1:i + n]))

    if len(words) <= 24:
        walk(0, [], 0)
    return best[1] if best is not None else None


def looks_like_register(lines: list[Line]) -> bool:
    """True when a line of the page is a register's heading row (:func:`parse_columns`)
    and a row follows it."""
    body = [ln for ln in lines if not ln.blank]
    return any(ln.text.split(" ", 1)[0].lower() in _FIRST_WORDS and " " in ln.text and i + 1 < len(body)
               and parse_columns(ln.raw) is not None for i, ln in enumerate(body))


def _date_at(tokens: list[str], end: bool) -> int:
    """How many tokens at the end (or start) of ``tokens`` make a date (0: none)."""
    for n in range(min(4, len(tokens)), 0, -1):
        part = tokens[-n:] if end else tokens[:n]
        if any(ch.isdigit() for ch in part[-1 if end else 0]) and parse_date(" ".join(part)) is not None:
            return n
    return 0


def _country_at(tokens: list[str], end: bool) -> int:
    for n in range(min(4, len(tokens)), 0, -1):
        part = tokens[-n:] if end else tokens[:n]
        if country_code(" ".join(part)) and part[0][:1].isupper():
            return n
    return 0


def _portfolio_at(tokens: list[str]) -> int:
    """How many trailing words make the portfolio: lower-case words (and connectors)
    after one word with a capital ("Food industry", "Biotechnology"); 0 when all are in
    lower case. (The caller keeps the name's first word out of ``tokens``.)"""
    i = len(tokens)
    while i > 0 and (tokens[i - 1][:1].islower() or tokens[i - 1] in ("&", "-", "/")):
        i -= 1
    start = i - 1
    return len(tokens) - start if start >= 0 else 0


def _take(kind: str, tokens: list[str], end: bool) -> int:
    """How many tokens at one end of ``tokens`` make a cell of column ``kind`` (the
    caller keeps the name's first word out of ``tokens``)."""
    if not tokens:
        return 0
    edge = tokens[-1] if end else tokens[0]
    if kind in _DATE_KEYS:
        if end and _NO_DATE.search(" " + tokens[-1]):
            return 1
        return _date_at(tokens, end)
    if kind == "website":
        return 1 if is_url(edge) or _DOMAIN_RE.match(edge) else 0
    if kind == "country":
        return _country_at(tokens, end)
    if kind == "level":
        if end and len(tokens) > 1 and tokens[-1].lower() == "label" and _LEVEL_RE.fullmatch(tokens[-2]):
            return 2
        return 1 if _LEVEL_RE.fullmatch(edge) else 0
    if kind == "portfolio" and end:
        return _portfolio_at(tokens)
    return 0


def _joined_cells(text: str, line: int, keys: list[str]) -> dict[str, Value]:
    """The cells of a row whose cells were joined by single spaces, by their kinds."""
    tokens = text.split(" ")
    cells: dict[str, Value] = {}
    k = keys.index("name")
    for kind in reversed(keys[k + 1:]):
        n = _take(kind, tokens[1:], end=True)
        if n:
            cells[kind] = Value(" ".join(tokens[-n:]), line)
            tokens = tokens[:-n]
    for kind in keys[:k]:
        n = _take(kind, tokens[:-1], end=False)
        if n:
            cells[kind] = Value(" ".join(tokens[:n]), line)
            tokens = tokens[n:]
    cells["name"] = Value(" ".join(tokens), line)
    return cells


def _kind_of(text: str) -> str | None:
    """The typed column a separated cell belongs to, by its content."""
    if parse_date(text) is not None and any(ch.isdigit() for ch in text):
        return "date"
    if is_url(text) or _DOMAIN_RE.match(text):
        return "website"
    if _LEVEL_RE.fullmatch(text.split(" ")[0]) and len(text.split(" ")) <= 3:
        return "level"
    if country_code(text):
        return "country"
    return None


def _separated_cells(cells: list[Value], keys: list[str]) -> tuple[dict[str, Value], list[Value]]:
    """The cells of a row whose cells are known (tabs, spaces, one per line), by kind,
    then the text columns in order; and the text cells no column is left for."""
    out: dict[str, Value] = {}
    text_columns = [k for k in keys if k in _TEXT_KEYS or k not in ("website", "level", "country", *_DATE_KEYS)]
    dates = [k for k in keys if k in _DATE_KEYS]
    rest: list[Value] = []
    for cell in cells:
        kind = _kind_of(cell.text)
        if kind == "date" and dates:
            out[dates.pop(0)] = cell
        elif kind in keys and kind not in out and kind is not None:
            out[kind] = cell
        else:
            rest.append(cell)
    for key, cell in zip(text_columns, rest, strict=False):
        out[key] = cell
    return out, rest[len(text_columns):]


def _row(cells: dict[str, Value], all_cells: list[Value]) -> RegisterRow:
    ref = ClusterRef(cells["name"], country=cells.get("country"), region=cells.get("region"),
                     website=cells.get("website"))
    return RegisterRow(ref, level=cells.get("level"), valid_until=cells.get("valid_until"),
                       valid_from=cells.get("valid_from"), portfolio=cells.get("portfolio"), cells=all_cells)


#: What a register prints in a date cell that holds no date.
_NO_DATE = re.compile(r"(?:\s|\t|^)(?:expired|pending|in progress|n/?a|-|\u2013)$", re.I)


def _ends_row(text: str, keys: list[str]) -> bool:
    """Whether a line ends a row: its last column is a date and the line ends in one (or
    in a word a register prints for no date: "expired", "-"), or the last column is not
    a date (one row per line)."""
    if keys[-1] not in _DATE_KEYS:
        return True
    return _date_at(text.split(" "), end=True) > 0 or bool(_NO_DATE.search(text))


def _is_whole_row(text: str) -> bool:
    """Whether a line that ends in a date holds more than that date (a whole row, not the
    last cell of a row copied one cell per line)."""
    tokens = text.split(" ")
    n = _date_at(tokens, end=True)
    return (n or 1) < len(tokens) and not _SEPARATED.search(text)


def _table(reg: LabelRegister, body: list[Line], keys: list[str]) -> None:
    """Read the rows after the heading row."""
    pending: list[Line] = []

    def flush(complete: bool) -> None:
        if not pending:
            return
        if not complete:
            reg.leftovers.extend(Value(ln.text, ln.number) for ln in pending)
            for ln in pending:
                reg.issues.append(ReadIssue("unrecognised-text", reg.source, ln.number,
                                            f"not a complete row of the register: {ln.text[:80]!r}"))
        elif len(pending) == 1 and not _SEPARATED.search(pending[0].raw.strip()):
            ln = pending[0]
            cells = _joined_cells(ln.text, ln.number, keys)
            reg.rows.append(_row(cells, [cells[k] for k in keys if k in cells]))
        else:
            raw = [Value(c.strip(), ln.number) for ln in pending for c in _SEPARATED.split(ln.raw.strip()) if c.strip()]
            cells, extra = _separated_cells(raw, keys)
            if "name" in cells:
                reg.rows.append(_row(cells, [c for c in raw if c not in extra]))
            for cell in extra if "name" in cells else raw:
                reg.leftovers.append(cell)
                reg.issues.append(ReadIssue("unrecognised-text", reg.source, cell.line,
                                            f"a cell no column of the register is left for: {cell.text[:80]!r}"))
        pending.clear()

    for ln in body:
        if _ends_row(ln.text, keys) and pending and _is_whole_row(ln.text):
            # a whole row on one line: the lines before it were rows without a date
            earlier = list(pending)
            for prev in earlier:
                pending[:] = [prev]
                flush(True)
        pending.append(ln)
        if _ends_row(ln.text, keys):
            flush(True)
        elif len(pending) > len(keys) + 1:  # more lines than a row has cells: the first was a row of its own
            rest = pending[1:]
            del pending[1:]
            flush(True)
            pending.extend(rest)
    flush(False)


def read_register(lines: list[Line], source: str) -> LabelRegister:
    """Read a label register page into a :class:`~.records.LabelRegister`.

    :param lines: the page's normalised lines (:func:`~.lines.split_lines`).
    :param source: where the text came from, for messages.
    :return: the register; rows in page order, the introduction as text, oddities in
        ``issues``. Never raises on odd content.
    """
    reg = LabelRegister(source=source, layout="esca-register")
    reg.line_texts = {ln.number: ln.text for ln in lines if not ln.blank}
    body = [ln for ln in lines if not ln.blank]
    head = next(i for i, ln in enumerate(body) if parse_columns(ln.raw) is not None)
    keys = parse_columns(body[head].raw) or []
    text = Field("description", "(introduction)", None, label_lost=True)
    for ln in body[:head]:
        norm = norm_label(ln.text)
        if _BREADCRUMB.match(ln.text) or norm in ("« back to overview", "back to overview", "« back"):
            reg.structure[ln.number] = "breadcrumb" if _BREADCRUMB.match(ln.text) else "boilerplate"
        elif reg.title is None and len(ln.text) <= 160 and not ln.text.endswith("."):
            reg.title = Value(ln.text, ln.number)
        elif reg.title is not None and norm == norm_label(reg.title.text):
            reg.structure[ln.number] = "heading"
        else:
            text.values.append(Value(ln.text, ln.number))
    if text.values:
        reg.text.append(text)
    reg.columns = [Value(body[head].text, body[head].number)]
    reg.structure[body[head].number] = "heading"
    _level_and_body(reg, body[:head])
    _table(reg, body[head + 1:], keys)
    if reg.leftovers and reg.leftovers[-1].line == body[-1].number:
        reg.truncated = True
        reg.issues.append(ReadIssue("truncated", source, body[-1].number,
                                    "the page stops mid-row; read as far as it goes"))
    if not reg.rows:
        raise ProfileReadError("a label register without one row that can be read", source, body[head].number)
    return reg


def _level_and_body(reg: LabelRegister, head: list[Line]) -> None:
    """The level the register is about (from its title or breadcrumb), and the body that
    awards its labels (named in its text; ESCA, whose register this layout is, otherwise)."""
    for ln in head:
        if reg.title is not None and ln.number > reg.title.line:
            break
        levels = {m.lower() for m in _LEVEL_RE.findall(ln.text)}
        if len(levels) == 1 and reg.level is None:
            reg.level = Value(levels.pop().capitalize(), ln.number)
        elif len(levels) > 1:  # "Silver and Gold labels": each row says its own
            reg.level = None
            break
    text = " ".join(ln.text.lower() for ln in head)
    named = [body for key, body in _BODIES.items() if re.search(rf"\b{re.escape(key)}\b", text)]
    reg.body = named[0] if named else "ESCA"


#: The registry's record of this reader (see :mod:`clusterkg.graph.read`).
READER = Reader("esca-register", ("esca-register",), (".txt",), looks_like_register, read_register,
                kind="label-register")
