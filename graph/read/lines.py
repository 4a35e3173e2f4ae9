"""Normalise a profile's text once, so readers see clean numbered lines.

Pages copied from a browser carry no-break spaces after labels, Windows line endings,
trailing blanks and sometimes a byte-order mark; all of that is settled here and nowhere
else (the mistune way: normalise first, then parse).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Line", "split_lines", "BULLET_RE", "NUMBER_RE", "check_truncated"]

#: A bullet at the start of a line: "•", "-", "*", "–", "·", "▪" followed by a space.
BULLET_RE = re.compile(r"^\s*[•\u2022\u25aa\u25cf\u00b7*\-\u2013]\s+")

_SPACES_RE = re.compile(r"[ \t\u00a0\u2007\u202f]+")
#: What :func:`split_lines` removes: control characters (category Cc: U+0000-U+001F,
#: U+007F-U+009F) but tab, and the Unicode noncharacters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF:
#: Unicode §23.7), which no document format may carry (XML 1.0 §2.2 refuses U+FFFE and U+FFFF).
_DROPPED_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ufdd0-\ufdef"
                         + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
                         + "]")


@dataclass(frozen=True)
class Line:
    """One line of a profile's text.

    :param number: 1-based line number in the source file.
    :param text: the line with no-break spaces made plain, runs of spaces kept as one,
        leading indentation removed and trailing blanks stripped.
    :param indent: number of leading blank characters in the source line.
    :param raw: the line exactly as in the file (minus its line ending).
    """

    number: int
    text: str
    indent: int
    raw: str

    @property
    def blank(self) -> bool:
        """True when the line holds nothing but blanks."""
        return not self.text

    @property
    def bullet(self) -> bool:
        """True when the line starts with a bullet ("• ", "- ", "* ")."""
        return bool(BULLET_RE.match(self.raw))

    @property
    def unbulleted(self) -> str:
        """The text with a leading bullet removed."""
        return BULLET_RE.sub("", self.text, count=1).strip() if self.bullet else self.text


def split_lines(text: str) -> list[Line]:
    """Split ``text`` into :class:`Line` records, 1-based, normalising once.

    Line endings ``\\r\\n``, ``\\r`` and ``\\n`` are all accepted; a leading BOM is
    dropped; text is put in Unicode NFC form; control characters other than tab and
    Unicode noncharacters (U+FFFE, U+FFFF...) are removed.

    :param text: the whole profile as a ``str``.
    :return: one :class:`Line` per source line, in order (blank lines included).

    >>> [l.text for l in split_lines("a:\\u00a0\\r\\n  \\u2022 b  \\n")]
    ['a:', '• b']
    """
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    out: list[Line] = []
    for i, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        raw = _DROPPED_RE.sub("", raw)
        stripped = raw.lstrip(" \t\u00a0")
        indent = len(raw) - len(stripped)
        clean = _SPACES_RE.sub(" ", stripped).strip()
        out.append(Line(i, clean, indent, raw))
    # A final newline does not make a last, empty line.
    if out and out[-1].raw == "" and text.endswith("\n"):
        out.pop()
    return out


#: Characters a complete page's last line may end with.
_TERMINAL = tuple('.!?…:;)"”\'»]')
#: A number as printed, thousands separators allowed ("1,200").
NUMBER_RE = re.compile(r"^[+-]?\d[\d,.\u2009 ]*$")


def check_truncated(profile, lines: list[Line]) -> None:
    """Flag a page that stops mid-sentence (a partly saved page): when its last non-blank
    line is a value (not a label, heading or number) without closing punctuation, set
    ``profile.truncated`` and add a ``truncated`` issue. The page is still read as far as
    it goes.

    :param profile: the :class:`~clusterkg.graph.read.profile.Profile` read from ``lines``.
    :param lines: the page's lines.
    """
    from clusterkg.graph.read.profile import ReadIssue

    last = next((ln for ln in reversed(lines) if not ln.blank), None)
    if last is None or last.number in profile.structure or NUMBER_RE.match(last.unbulleted):
        return
    if not last.text.endswith(_TERMINAL):
        profile.truncated = True
        profile.issues.append(ReadIssue("truncated", profile.source, last.number,
                                        "the page stops mid-sentence; read as far as it goes"))
