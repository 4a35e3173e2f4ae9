"""Token-level facts about a SPARQL query's text, without a full parse.

Used before a query reaches the store: which keywords it uses (to refuse updates and
``SERVICE``, to see whether it names its own dataset with ``FROM``), and how deeply its
groups nest (Oxigraph's recursive parser overflows the stack on thousands of nested
braces, so such queries are refused first). Strings and comments
(and, for keywords, IRIs) are removed before looking, so words inside them never count.

Every function here takes time linear in the length of the text, whatever the text (a
request body may hold 1 MiB of anything, and these checks run before any time limit).
There is one tokenizer (SPARQL 1.1 Query §19.8, the terminals), written so that no token
is scanned twice: each kind of token consumes a maximal run or fails at once, and a
failed attempt never leaves a rescan to the next position. In particular:

* a prefixed name's prefix is a run of name characters taken whole; when no ``:``
  follows, the run is split into words, numbers and single characters afterwards;
* an unterminated short string (``"...`` or ``'...``) runs to the end of its line, which
  no engine reads past (it is a syntax error);
* an unterminated long string (``\"\"\"...``) is read as the engines' lexers fall back
  to reading it: an empty string ``""`` followed by a short one. Once one long string of
  a kind is unterminated, every later one of that kind is too (their scans meet), so the
  tokenizer stops looking for that kind instead of scanning to the end again.
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterator

__all__ = ["bare", "masked", "keywords", "keyword_tokens", "nesting_depth", "where_body", "shape",
           "unescape_codepoints", "inclusive_comparisons_wrapped", "MAX_NESTING"]

#: Deepest nesting of ``{`` / ``(`` / ``[`` accepted; real queries stay far below.
MAX_NESTING = 100

# --- the terminals (SPARQL 1.1 Query §19.8); every repetition is possessive ("*+")
_PN_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
#: Name characters: word characters and every non-ASCII character but the spaces
#: (wider than SPARQL's PN_CHARS, so a name never ends earlier than the engine's).
_NC = r"\w\u0080-\u009f\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\U0010ffff"
_PLX = rf"(?:%[0-9A-Fa-f]{{2}}|{_PN_ESC})"
_IRI_REST = r"(?:[^<>\"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>"  # IRIs may hold \u escapes
_IRI = "<" + _IRI_REST
# A long string: its content stops at the first unescaped triple quote; unterminated, it
# runs to the end (group open2 / open1 says so, and the caller reads it as the engines do).
_LONG2 = r'"""(?:[^"\\]++|\\.|"(?!""))*+(?:"""|(?P<open2>\\?\Z))'
_LONG1 = r"'''(?:[^'\\]++|\\.|'(?!''))*+(?:'''|(?P<open1>\\?\Z))"
# A short string ends at its quote; unterminated, at the end of its line.
_SHORT2 = r'"(?:[^"\\\r\n]++|\\.)*+(?:"|\\?(?![^\r\n]))'
_SHORT1 = r"'(?:[^'\\\r\n]++|\\.)*+(?:'|\\?(?![^\r\n]))"
_COMMENT = r"#[^\r\n]*+"  # a comment ends at CR or LF (SPARQL 1.1 Query §19.8)
_VAR = r"[?$][\w\u00b7]++"
_LANG = r"@[A-Za-z]++(?:-[A-Za-z0-9]++)*+"
# A prefixed name: the prefix is a whole run of name characters (no backtracking into
# it: ":" is not one of them) that does not end in "."; PN_LOCAL leaves out its
# trailing dots (a run of dots belongs to it only when a name character follows).
# "ex:a\#" is one name; "ex:.SERVICE" is "ex:", ".", "SERVICE".
_PNAME = (rf"(?:[^\W\d_][{_NC}.\-]*+(?<!\.))?:"
          rf"(?:(?:[{_NC}:]|{_PLX})(?:[{_NC}\-:]++|{_PLX}|\.++(?=[{_NC}\-:]|{_PLX}))*+)?")
# A run of name characters starting with a letter that is not a prefix: the words,
# numbers and single characters it holds are told apart afterwards (_RUN_PARTS).
_RUN = rf"[^\W\d_][{_NC}.\-]*+"
_NUM = r"[+-]?(?:\d++(?:\.\d*+)?(?:[eE][+-]?\d++)?|\.\d++(?:[eE][+-]?\d++)?)"
_WORD_TOKEN = r"[^\W\d]\w*+"
_OTHER = rf"[^\"'#<]|<(?!{_IRI_REST})"
_KEPT = f"{_VAR}|{_LANG}|{_PNAME}|{_RUN}|{_NUM}|{_WORD_TOKEN}|{_OTHER}"

#: A run's parts, as the tokenizer would read them one by one: numbers, words, others.
_RUN_PARTS = re.compile(rf"{_NUM}|(?P<word>{_WORD_TOKEN})|.", re.S)
#: The tokens left in a query's :func:`bare` text (no IRI, string or comment is left).
_TOKEN = re.compile(rf"{_VAR}|{_LANG}|(?P<pname>{_PNAME})|(?P<run>{_RUN})|{_NUM}|(?P<word>{_WORD_TOKEN})|.", re.S)

# A keyword is a run of letters not glued to a name, variable, prefixed name or language
# tag on either side. "." and "-" do not protect: "?o .SERVICE <...>" is a SERVICE call.
# (The letter comes first and the look-behind checks the character before it, so that a
# search skips non-letters at once instead of testing the look-behind at every position.)
_WORD = re.compile(r"([A-Za-z](?<![\w:?$@][A-Za-z])[A-Za-z]*+)(?![\w:])")
_NOT_BRACKET = re.compile(r"[^{}()\[\]]++")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


#: Most tokens one match of the full scanner reads in a row (see _scanner).
_RUN_TOKENS = 2000
#: Characters that are always a token of their own: a run of them is taken at once.
_LONE = r"[\s{}()\[\],;*=!|&/^>]++"


@functools.lru_cache(maxsize=8)
def _scanner(long2: bool, long1: bool, escapes: bool) -> re.Pattern[str]:
    """The pattern that finds the IRIs, strings and comments (group ``opaque``);
    without the long strings of a kind once one of them was found unterminated.

    Searching for them alone is exact unless a prefixed name holds an escaped ``'`` or
    ``#`` (``ex:a\\#``), the only way either can stand outside a string or a comment. For
    a text with such an escape (``escapes``), the pattern reads the other tokens too:
    each match is a run of at most :data:`_RUN_TOKENS` of them (group ``kept``), or an
    IRI, string or comment, and starts where the previous one ended (what stops a run of
    other tokens always starts one of those), so no position is tried twice. (The runs are
    bounded so that no single call into the regex engine, which holds Python's global
    lock, lasts more than a fraction of a millisecond.)
    """
    strings = ([_LONG2] if long2 else []) + ([_LONG1] if long1 else []) + [_SHORT2, _SHORT1]
    opaque = "|".join([_IRI, *strings, _COMMENT])
    if not escapes:
        return re.compile(f"(?P<opaque>{opaque})", re.S)
    return re.compile(rf"(?P<kept>(?:{_LONE}|{_KEPT}){{1,{_RUN_TOKENS}}}+)|(?P<opaque>{opaque})", re.S)


def _replace_opaque(sparql: str, replace: Callable[[str], str] | None = None) -> str:
    """``sparql`` with each IRI, string and comment replaced by ``replace(its text)``, or
    by as many spaces as it has characters when ``replace`` is None.

    An unterminated long string runs to the end, so it is the last match: it is then
    read again as the engines' lexers read it (``""``, then a short string), with the
    long strings of its kind left out from there on (they cannot end either). That
    happens at most once per kind, so the text is read at most three times.
    """
    escapes = "\\'" in sparql or "\\#" in sparql
    out: list[str] = []
    long2 = long1 = True
    rest = sparql
    while True:
        pattern = _scanner(long2, long1, escapes)
        size = len(rest)
        opens = [pattern.groupindex[name] for name in ("open2", "open1") if name in pattern.groupindex]
        unterminated = [-1]
        each = _replacer(replace, "kept" in pattern.groupindex, size, opens, unterminated)
        out.append(pattern.sub(each, rest))
        at = unterminated[0]
        if at < 0:
            return "".join(out)
        long2 = long2 and not rest.startswith('"""', at)
        long1 = long1 and not rest.startswith("'''", at)
        rest = rest[at + 2:]


def _replacer(replace: Callable[[str], str] | None, kept: bool, size: int, opens: list[int],
              unterminated: list[int]) -> Callable[[re.Match[str]], str]:
    """The function :func:`_replace_opaque` gives ``re.sub`` (one call per match, so it
    does as little as it can): it writes the replacement, and notes in
    ``unterminated[0]`` where an unterminated long string starts (its match ends the text)."""
    spaces = replace is None

    def each(m: re.Match[str]) -> str:
        start, end = m.span("opaque") if kept else m.span()
        if start < 0:  # a run of other tokens: kept as it is
            return m.group("kept")
        if end == size and any(m.start(g) >= 0 for g in opens):
            unterminated[0] = start
            end = start + 2  # "" (or ''): an empty string
        if spaces:
            return " " * (end - start)
        return replace(m.string[start:end])  # type: ignore[misc]

    return each


@functools.lru_cache(maxsize=4)
def bare(sparql: str) -> str:
    """The query with its strings, IRIs and comments each replaced by one space, so what
    is left are keywords, variables, names and operators. The last few answers are kept,
    since several checks ask about the same text.

    >>> bare('SELECT * { <http://x/a+b> ?p "1*2" } # a+b')
    'SELECT * {   ?p   }  '
    >>> bare("SELECT * { ?s ?p '''a 'b' c''', ex:a\\\\# } # done")
    'SELECT * { ?s ?p  , ex:a\\\\# }  '
    """
    return _replace_opaque(sparql, lambda _token: " ")


@functools.lru_cache(maxsize=4)
def masked(sparql: str) -> str:
    """The query with its strings, IRIs and comments each replaced by as many spaces as
    they have characters, so offsets in it are offsets in the query.

    >>> masked('ASK { ?s ?p "{" }')
    'ASK { ?s ?p     }'
    """
    return _replace_opaque(sparql)


def _first_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """A search for the first of ``words`` (any case) standing as a keyword: not glued
    to a name, a variable, a prefixed name or a language tag (``"x"@en-where``,
    ``ex:any-where``, ``ex:a.where``)."""
    spelled = []
    for word in words:
        first, *rest = (f"[{c.upper()}{c.lower()}]" for c in word)
        spelled.append(first + rf"(?<![\w:?$@.\-]{first})" + "".join(rest))  # see _WORD
    return re.compile(rf"(?:{'|'.join(spelled)})(?![\w:\-])")


_WHERE_OR_ASK = _first_word(("WHERE", "ASK"))
_SELECT = _first_word(("SELECT",))


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
    blank = masked(sparql)
    m = _WHERE_OR_ASK.search(blank) or _SELECT.search(blank)  # SELECT ... { } without WHERE
    if m is None:
        return None
    brace = blank.find("{", m.end())
    return brace + 1 if brace >= 0 else None


@functools.lru_cache(maxsize=16)
def _keywords(sparql: str) -> tuple[str, ...]:
    return tuple(w.upper() for w in _WORD.findall(masked(sparql)))


def keywords(sparql: str) -> tuple[str, ...]:
    """The bare words of the query, upper case, in order (variables, prefixed names,
    strings, IRIs and comments left out). The answers for the last few short texts are
    kept, since the guard, the response cache and the worker pool each ask about the same
    text (long ones would hold too much memory, and are read again).

    >>> keywords('PREFIX ex: <http://x/> SELECT ?s FROM <http://g> WHERE { ?s ex:p "from" }')
    ('PREFIX', 'SELECT', 'FROM', 'WHERE')
    """
    if len(sparql) > 64 * 1024:
        return tuple(w.upper() for w in _WORD.findall(masked(sparql)))
    return _keywords(sparql)


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of brackets ``{ ( [`` in the query (strings etc. left out).

    >>> nesting_depth("SELECT * { { ?s ?p (1) } }")
    3
    """
    depth = best = 0
    for ch in _NOT_BRACKET.sub("", masked(sparql)):
        if ch in "{([":
            depth += 1
            if depth > best:
                best = depth
        elif depth:
            depth -= 1
    return best


def _run_words(run: str) -> Iterator[str]:
    """The words a run of name characters holds (see ``_RUN``)."""
    if run.isalnum():  # the usual case: one word
        yield run
        return
    for m in _RUN_PARTS.finditer(run):
        if m.group("word") is not None:
            yield m.group("word")


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
    text = masked(sparql)
    if target not in text.lower():
        return 0
    count = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "run":
            count += sum(target in w.lower() for w in _run_words(m.group()))
        elif kind == "word" and target in m.group().lower():
            count += 1
        elif kind == "pname" and target in m.group().split(":", 1)[0].lower():
            count += 1
    return count


def unescape_codepoints(sparql: str) -> str:
    """The text with its ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes replaced by the characters
    they stand for, anywhere in the text, as SPARQL 1.1 Query §19.2 says a parser reads
    them ("processed before parsing", so ``\\u0053ERVICE`` is the keyword ``SERVICE`` to
    such an engine). An escape of no Unicode character is left as it is.

    >>> unescape_codepoints('SELECT * { \\\\u0053ERVICE <http://x/> {} }')
    'SELECT * { SERVICE <http://x/> {} }'
    """
    if "\\u" not in sparql and "\\U" not in sparql:
        return sparql

    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group()

    return _CODEPOINT.sub(char, sparql)


#: The tokens :func:`shape` tells apart, and what it writes for some of them.
_SHAPES = {"var": "?", "lang": "", "name": "<>", "num": "0", "space": ""}
_SHAPE_TOKEN = re.compile(rf"(?P<iri><>)|(?P<lit>\"\")|(?P<var>{_VAR})|(?P<lang>{_LANG})|(?P<name>{_PNAME})"
                          rf"|(?P<run>{_RUN})|(?P<num>{_NUM})|(?P<word>{_WORD_TOKEN})|(?P<space>\s++)|.", re.S)


def _shape_of(token: str) -> str:
    """What :func:`shape` writes for an IRI, a string or a comment."""
    return " <> " if token[0] == "<" else " " if token[0] == "#" else ' "" '


def shape(sparql: str, limit: int = 4096) -> str:
    """The query's shape: its keywords and operators, with every IRI and prefixed name
    written ``<>``, every literal ``""``, every number ``0``, every variable ``?``, and
    comments and spacing dropped (one space between tokens). Two queries that differ
    only in the resources, values and variable names they use have the same shape.

    :param sparql: the query text.
    :param limit: the shape is cut after this many characters (enough to tell queries
        apart).
    :return: the shape.

    >>> shape('SELECT ?x WHERE { <http://a/1> ex:p ?x ; ex:q "v"@en, 42 } # note')
    'SELECT ? WHERE { <> <> ? ; <> "" , 0 }'
    """
    out: list[str] = []
    size = 0
    for m in _SHAPE_TOKEN.finditer(_replace_opaque(sparql, _shape_of)):
        kind = m.lastgroup or ""
        token = _SHAPES.get(kind, m.group())
        if kind in ("run", "word"):
            token = token.upper()
        if token:
            out.append(token)
            size += len(token) + 1
            if size > limit:
                break
    return " ".join(out)[:limit]


#: What :func:`inclusive_comparisons_wrapped` reads in the masked text: brackets, the
#: separators an operand never spans (``,`` ``;`` ``&&`` ``||``, the keywords ``AS`` and
#: ``DISTINCT``), and the comparison operators (one per relational expression). ``numas``
#: is a number written right before ``AS`` (``3AS``, ``1e1AS``: the keyword's own check
#: takes a digit before it for part of a name).
_OPERAND_TOKEN = re.compile(r"(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<incl><=|>=)|(?P<cmp>!=|[<>=])"
                            r"|(?P<sep>[,;]|&&|\|\||(?:[Aa](?<![\w:?$@.\-][Aa])[Ss]|[Dd](?<![\w:?$@.\-][Dd])"
                            r"[Ii][Ss][Tt][Ii][Nn][Cc][Tt])(?![\w:\-]))"
                            r"|(?P<numas>(?<![\w:?$@.\-])[0-9][0-9.eE+\-]*(?=[Aa][Ss](?![\w:\-])))")


def inclusive_comparisons_wrapped(sparql: str) -> str:
    """The query with both operands of each ``<=`` and ``>=`` wrapped in ``COALESCE( )``,
    which gives the same answer: COALESCE of one expression is its value, or an error
    when it has none, as the comparison would meet (SPARQL 1.1 Query §17.4.1.4).

    Virtuoso 7.2 turns a comparison of a stored value with a constant into a range of its
    quad index, and a range whose upper bound is inclusive, over ``xsd:date`` values,
    misses rows (which ones depends on how the index pages were filled, so the same query
    over the same triples can lose rows on one server and not on another); a comparison
    of two function values is evaluated row by row instead. Everything else, line breaks
    included, is left as it is, so the server's line numbers still point at the query's.
    A text whose brackets do not balance, or that chains comparisons, is returned as it
    is (the server refuses it either way). One pass over the text, then its edits (four
    per comparison) sorted: O(n log n) in the length of the text at most.

    >>> inclusive_comparisons_wrapped('ASK { ?s ?p ?d FILTER(?d <= "2017-06-30"^^xsd:date && ?e >= 2) }')
    'ASK { ?s ?p ?d FILTER( COALESCE(?d )<= COALESCE( "2017-06-30"^^xsd:date )&& COALESCE( ?e )>= COALESCE( 2)) }'
    """
    if "<=" not in sparql and ">=" not in sparql:
        return sparql
    levels: list[list] = [[0, None]]  # per open bracket: where the operand being read starts, its comparison
    edits: list[tuple[int, int, str]] = []  # (offset, 0 to close / 1 to open, text)
    for m in _OPERAND_TOKEN.finditer(masked(sparql)):
        kind, at, after = m.lastgroup, m.start(), m.end()
        if kind == "numas":  # the number ends an operand; the AS after it separates
            kind, at, after = "sep", m.end(), m.end() + 2
        level = levels[-1]
        if kind == "open":
            if len(levels) > MAX_NESTING:
                return sparql  # refused before it is sent (nesting_depth)
            levels.append([m.end(), None])
            continue
        if kind in ("incl", "cmp"):
            if level[1] is not None:
                return sparql  # "a < b <= c" is no SPARQL
            level[1] = (level[0], at) if kind == "incl" else ()
            continue
        if level[1]:  # the end of the right operand of a <= or >=
            left, op = level[1]
            edits += [(left, 1, " COALESCE("), (op, 0, ")"), (op + 2, 1, " COALESCE("), (at, 0, ")")]
        level[1] = None
        if kind == "close":
            if len(levels) == 1:
                return sparql
            levels.pop()
        else:
            level[0] = after
    if len(levels) > 1 or levels[0][1] is not None:
        return sparql
    out, done = [], 0
    for at, _order, text in sorted(edits):
        out += [sparql[done:at], text]
        done = at
    return "".join(out) + sparql[done:]
