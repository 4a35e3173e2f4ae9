"""Token-level facts about a SPARQL query's text, without a full parse.

Used before a query reaches the store: which keywords it uses (to refuse updates and
``SERVICE``, to see whether it names its own dataset with ``FROM``), and how deeply its
groups nest (Oxigraph's recursive parser overflows the stack on thousands of nested
braces, so such queries are refused first). Strings and comments
(and, for keywords, IRIs) are removed before looking, so words inside them never count.
"""

from __future__ import annotations

import functools
import re

__all__ = ["bare", "keywords", "keyword_tokens", "nesting_depth", "where_body", "MAX_NESTING"]

#: Deepest nesting of ``{`` / ``(`` / ``[`` accepted; real queries stay far below.
MAX_NESTING = 100

_STRING = (r'"""(?:[^"\\]|\\.|"(?!""))*"""'
           r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
           r'|"(?:[^"\\\n]|\\.)*"'
           r"|'(?:[^'\\\n]|\\.)*'")
_IRI = r"<(?:[^<>\"{}|^`\\\s]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>"  # IRIs may hold \u escapes
_COMMENT = r"#[^\r\n]*"  # a comment ends at CR or LF (SPARQL 1.1 Query §19.8)
_STRIP = re.compile(f"{_STRING}|{_IRI}|{_COMMENT}", re.S)
# A keyword is a run of letters not glued to a name, variable, prefixed name or language
# tag on either side. "." and "-" do not protect: "?o .SERVICE <...>" is a SERVICE call.
_WORD = re.compile(r"(?<![\w:?$@])([A-Za-z]+)(?![\w:])")


def bare(sparql: str) -> str:
    """The query with its strings, IRIs and comments each replaced by one space, so what
    is left are keywords, variables, names and operators.

    >>> bare('SELECT * { <http://x/a+b> ?p "1*2" } # a+b')
    'SELECT * {   ?p   }  '
    """
    return _STRIP.sub(" ", sparql)


def where_body(sparql: str) -> int | None:
    """The offset just inside the ``{`` that opens the query's WHERE clause (the first
    group after the keyword ``WHERE``, after ``ASK``, or after ``SELECT`` when ``WHERE``
    is left out), or None when there is none. Words inside strings, IRIs, comments,
    language tags (``"x"@en-where``) and prefixed names (``ex:any-where``) do not count.

    >>> q = 'CONSTRUCT { ?s ?p "WHERE {" } WHERE { ?s ?p ?o }'
    >>> q[where_body(q):]
    ' ?s ?p ?o }'
    >>> q = 'SELECT ?r { ?r ?p "x"@en-where OPTIONAL { ?r ?q ?z } }'
    >>> q[where_body(q):where_body(q) + 3]
    ' ?r'
    """
    blank = _STRIP.sub(lambda m: " " * len(m.group()), sparql)
    form_end = None
    for m in _WORD.finditer(blank):
        before = blank[m.start() - 1] if m.start() else " "
        after = blank[m.end()] if m.end() < len(blank) else " "
        if before in "-." or after == "-":  # part of a language tag or a prefixed name
            continue
        word = m.group(1).upper()
        if word in ("WHERE", "ASK"):
            brace = blank.find("{", m.end())
            return brace + 1 if brace >= 0 else None
        if word == "SELECT" and form_end is None:
            form_end = m.end()
    if form_end is not None:  # SELECT ... { } without the optional word WHERE
        brace = blank.find("{", form_end)
        return brace + 1 if brace >= 0 else None
    return None


@functools.lru_cache(maxsize=256)
def keywords(sparql: str) -> tuple[str, ...]:
    """The bare words of the query, upper case, in order (variables, prefixed names,
    strings, IRIs and comments left out). The last few queries' answers are kept, since
    the guard, the response cache and the worker pool each ask about the same text.

    >>> keywords('PREFIX ex: <http://x/> SELECT ?s FROM <http://g> WHERE { ?s ex:p "from" }')
    ('PREFIX', 'SELECT', 'FROM', 'WHERE')
    """
    return tuple(w.upper() for w in _WORD.findall(bare(sparql)))


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of brackets ``{ ( [`` in the query (strings etc. left out).

    >>> nesting_depth("SELECT * { { ?s ?p (1) } }")
    3
    """
    depth = best = 0
    for ch in bare(sparql):
        if ch in "{([":
            depth += 1
            best = max(best, depth)
        elif ch in "})]":
            depth = max(depth - 1, 0)
    return best


# A one-pass lexer, tried at each position in this order (the first that matches wins):
# IRI, long string, short string, comment, variable, language tag, prefixed name,
# number, word, any other character. Prefixed names follow SPARQL's PN_LOCAL (escapes,
# %xx, no leading or trailing "."), so "ex:a\#" is one name and "ex:.SERVICE" is the
# name "ex:", a ".", then the word "SERVICE".
_PN_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
#: Name characters: word characters and every non-ASCII character but the spaces
#: (wider than SPARQL's PN_CHARS, so a name never ends earlier than the engine's).
_NC = r"\w\u0080-\u009f\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\U0010ffff"
_PLX = rf"(?:%[0-9A-Fa-f]{{2}}|{_PN_ESC})"
_LEX = re.compile(
    r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)"
    r'|(?P<str>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r"|(?P<comment>#[^\r\n]*)"
    r"|(?P<var>[?$][\w\u00b7]+)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    rf"|(?P<pname>(?:[^\W\d_](?:[{_NC}.\-]*[{_NC}\-])?)?:(?:(?:[{_NC}:]|{_PLX})(?:(?:[{_NC}.\-:]|{_PLX})*(?:[{_NC}\-:]|{_PLX}))?)?)"
    r"|(?P<num>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<other>.)",
    re.S,
)


def keyword_tokens(sparql: str, word: str) -> int:
    """How many tokens could be read as the keyword ``word`` by a parser that does not
    split tokens the way the grammar's lexer does (Oxigraph reads ``SERVICE:p`` as the
    keyword then ``:p``): words containing it, and prefixed names whose prefix contains it.
    Strings, IRIs, comments, variables and language tags never count.

    >>> keyword_tokens('SELECT ?service { ?s <http://x/service> "service" ; ckg:providesService 1SERVICE:p }',
    ...                "service")
    1
    """
    target = word.lower()
    count = 0
    for m in _LEX.finditer(sparql):
        kind = m.lastgroup
        if kind == "word" and target in m.group().lower():
            count += 1
        elif kind == "pname" and target in m.group().split(":", 1)[0].lower():
            count += 1
    return count
