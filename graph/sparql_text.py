"""Token-level facts about a SPARQL query's text, without a full parse.

Used before a query reaches the store: which keywords it uses (to refuse updates and
``SERVICE``, to see whether it names its own dataset with ``FROM``), and how deeply its
groups nest (Oxigraph's recursive parser overflows the stack on thousands of nested
braces, so such queries are refused first). Strings, IRIs and comments are removed
before looking, so words inside them never count.
"""

from __future__ import annotations

import re

__all__ = ["keywords", "nesting_depth", "MAX_NESTING"]

#: Deepest nesting of ``{`` / ``(`` / ``[`` accepted; real queries stay far below.
MAX_NESTING = 100

_STRIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.S,
)
_WORD = re.compile(r"(?<![\w:?$@.-])([A-Za-z]+)(?![\w:-])")


def _bare(sparql: str) -> str:
    return _STRIP.sub(" ", sparql)


def keywords(sparql: str) -> list[str]:
    """The bare words of the query, upper case, in order (variables, prefixed names,
    strings, IRIs and comments left out).

    >>> keywords('PREFIX ex: <http://x/> SELECT ?s FROM <http://g> WHERE { ?s ex:p "from" }')
    ['PREFIX', 'SELECT', 'FROM', 'WHERE']
    """
    return [w.upper() for w in _WORD.findall(_bare(sparql))]


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of brackets ``{ ( [`` in the query (strings etc. left out).

    >>> nesting_depth("SELECT * { { ?s ?p (1) } }")
    3
    """
    depth = best = 0
    for ch in _bare(sparql):
        if ch in "{([":
            depth += 1
            best = max(best, depth)
        elif ch in "})]":
            depth = max(depth - 1, 0)
    return best
