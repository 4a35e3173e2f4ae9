"""Names as printed -> the keys that identify and compare them.

Several sources name one cluster or organisation in different ways: "Vojvodina ICT
Cluster - VOICT" and "Vojvodina ICT Cluster", "Klaster Innowacyjna Medycyna/ Innovative
medicine Cluster" (a name and its translation), "Acme Robotics Ltd", "ACME Robotics Ltd."
and "Acme Robotics Limited". This module settles the printed forms once:

* :func:`name_variants` splits what one printed name holds: the name, a translation or
  alias after ``/``, an acronym after a dash or in brackets;
* :func:`identity_key` is the key two member organisations of one country share when
  their names differ only in case, spacing, punctuation and the spelling of their legal
  form (diacritics and symbols kept: "Bär GmbH" and "Bar GmbH" stay apart);
* :func:`match_tokens` are the words name comparison works on (ASCII, lower case, no
  punctuation, no legal form, no generic words such as "cluster");
* :func:`is_acronym`, :func:`initials` and :func:`web_domain` give the other evidence.

Pure functions of text, no I/O; the readers, the mapping and the reconciliation share them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from slugify import slugify as _slugify

from clusterkg.graph.read.names import slugify

__all__ = ["NameVariants", "name_variants", "identity_key", "identity_slug", "match_tokens", "is_acronym",
           "initials", "web_domain", "LEGAL_FORMS", "GENERIC_WORDS"]

#: Legal-form words and abbreviations (as tokens after dots are dropped) -> one spelling.
#: Sources: the company-law forms of the EU and neighbouring countries ECCP pages name.
LEGAL_FORMS: dict[tuple[str, ...], str] = {
    **{(w,): "ltd" for w in ("ltd", "limited")},
    **{(w,): "inc" for w in ("inc", "incorporated")},
    **{(w,): "corp" for w in ("corp", "corporation")},
    **{(w,): w for w in (
        "plc", "llc", "llp", "gmbh", "ag", "kg", "ug", "ev", "sa", "sl", "srl", "spa", "sas", "sarl", "sasu", "eurl",
        "doo", "dd", "ad", "ood", "eood", "jsc", "ojsc", "pjsc", "bv", "nv", "aps", "ab", "oy", "oyj", "kft", "zrt",
        "nyrt", "bt", "sro", "as", "ltda", "asbl", "vzw", "ou", "uab", "sia", "ooo", "sc", "ik", "ks", "oe", "ae")},
    ("sp", "z", "oo"): "sp z oo",
    ("spolka", "z", "oo"): "sp z oo",
    ("sp", "zoo"): "sp z oo",
    ("gmbh", "co", "kg"): "gmbh co kg",
    ("a", "s"): "as",
    ("s", "a"): "sa",
}
_LEGAL_MAX = max(len(k) for k in LEGAL_FORMS)
#: Legal-form words printed before the name ("S.C. ... S.R.L.", "JSC ...").
_LEADING_FORMS = {"sc", "jsc", "ojsc", "pjsc", "ooo", "ao", "zao", "oao"}
#: Words that say what kind of body a name is, not which one: left out of name comparison.
GENERIC_WORDS = frozenset({
    "cluster", "clusters", "klaster", "klastr", "klaszter", "cluj", "clustero", "the", "of", "and", "for", "in", "a",
    "an", "de", "des", "du", "la", "le", "del", "der", "die", "das", "und", "i", "y", "et", "na", "za",
    "association", "asociatia", "asocijacija", "udruzenje", "stowarzyszenie", "organisation", "organization",
})
_CLUSTER_WORDS = re.compile(r"\b(cluster|klaster|klastr|klaszter|clusters|association|network|pole|pôle)\b", re.I)

_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}(?:[^\W\d_]\b)?")
_DASH_TAIL = re.compile(r"^(.+?)\s+[-\u2013\u2014]\s+(\S+)$")
_BRACKET_TAIL = re.compile(r"^(.+?)\s*\(([^()]+)\)$")
_SLASH = re.compile(r"\s*/\s*")
_NON_WORD = re.compile(r"[^\w+#]+")


@dataclass(frozen=True)
class NameVariants:
    """What one printed name holds.

    :param names: the name as printed first, then the shorter names it contains (the
        name without its acronym, each side of a ``/``), each once.
    :param acronyms: acronyms the name states ("VOICT").
    """

    names: tuple[str, ...]
    acronyms: tuple[str, ...] = ()


def is_acronym(text: str) -> bool:
    """True for an acronym: one word of 2-10 letters or digits, mostly capitals, at least
    two of them ("VOICT", "FACTS", "NiCAT", "SCAN"; not "iTech", "Serbia").

    >>> [is_acronym(t) for t in ("VOICT", "NiCAT", "iTech", "Serbia", "A")]
    [True, True, False, False, False]
    """
    t = text.strip()
    if not 2 <= len(t) <= 10 or not re.fullmatch(r"[^\W_][\w&]*", t):
        return False
    letters = [c for c in t if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 > len(letters)


def name_variants(text: str) -> NameVariants:
    """Split a printed name into its names and acronyms.

    "Name - ACRONYM", "Name – ACRONYM" and "Name (ACRONYM)" give the name without the
    acronym and the acronym; "Name / Translation" gives each side; brackets holding a
    name of a cluster or association ("Klaster X (Cluster X)") give it as an alias.

    >>> name_variants("Vojvodina ICT Cluster - VOICT")
    NameVariants(names=('Vojvodina ICT Cluster - VOICT', 'Vojvodina ICT Cluster'), acronyms=('VOICT',))
    >>> name_variants("Klaster Innowacyjna Medycyna/ Innovative medicine Cluster").names[1:]
    ('Klaster Innowacyjna Medycyna', 'Innovative medicine Cluster')
    """
    full = re.sub(r"\s+", " ", text).strip()
    names: list[str] = [full]
    acronyms: list[str] = []
    pending = [full]
    while pending:
        current = pending.pop(0)
        found: list[str] = []
        dash = _DASH_TAIL.match(current)
        if dash and is_acronym(dash.group(2)):
            acronyms.append(dash.group(2))
            found.append(dash.group(1).strip())
        bracket = _BRACKET_TAIL.match(current)
        if bracket:
            inner = bracket.group(2).strip()
            if is_acronym(inner):
                acronyms.append(inner)
                found.append(bracket.group(1).strip())
            elif _CLUSTER_WORDS.search(inner):
                found += [bracket.group(1).strip(), inner]
        parts = [p.strip() for p in _SLASH.split(current) if p.strip()]
        if len(parts) > 1 and all(len(p) > 2 for p in parts):
            found += parts
        for f in found:
            if f and f not in names:
                names.append(f)
                pending.append(f)
    if is_acronym(full) and full not in acronyms:
        acronyms.append(full)
    return NameVariants(tuple(names), tuple(dict.fromkeys(acronyms)))


def _words(text: str, fold: bool) -> list[str]:
    """Lower-case words of ``text``: dotted abbreviations joined ("d.o.o." -> "doo"), "&"
    read as "and", other punctuation a space; ``fold`` also drops diacritics (ASCII)."""
    t = unicodedata.normalize("NFKC", text)
    t = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), t)
    t = t.replace("&", " and ")
    if fold:
        t = _slugify(t, separator=" ", lowercase=True, regex_pattern=r"[^a-z0-9+#]+")
    return [w for w in _NON_WORD.sub(" ", t.casefold()).split() if w]


def _legal_form(words: list[str]) -> tuple[list[str], str | None]:
    """The words without their legal form (at the end, or a form printed first such as
    "S.C."), and its one spelling (both, when a name has both: "sc srl")."""
    forms: list[str] = []
    if len(words) > 1 and words[0] in _LEADING_FORMS:
        forms.append(words[0])
        words = words[1:]
    for n in range(min(_LEGAL_MAX, len(words) - 1), 0, -1):
        form = LEGAL_FORMS.get(tuple(words[-n:]))
        if form is not None:
            words, forms = words[:-n], forms + [form]
            break
    return words, " ".join(forms) or None


def identity_key(text: str) -> str:
    """The key of a name for identity: lower case, punctuation and spacing settled, the
    legal form in one spelling, diacritics and symbols such as "+" kept.

    >>> {identity_key(n) for n in ("Acme Robotics Ltd", "ACME Robotics Ltd.", "Acme Robotics Limited")}
    {'acme robotics ltd'}
    >>> identity_key("Bär GmbH") == identity_key("Bar GmbH")
    False
    """
    words, form = _legal_form(_words(text, fold=False))
    if not words and not form:  # nothing but symbols ("★★★"): the text itself keeps it apart
        return unicodedata.normalize("NFKC", text).strip().casefold()
    return " ".join(words + ([form] if form else []))


def identity_slug(text: str) -> str:
    """A URI-safe slug of :func:`identity_key`: its slug, and, when the slug loses letters
    the key has (diacritics, symbols), a short digest of the key, so that names which
    merely slug alike keep apart.

    >>> identity_slug("ACME Robotics Ltd."), identity_slug("Bär GmbH") != identity_slug("Bar GmbH")
    ('acme-robotics-ltd', True)
    """
    key = identity_key(text)
    slug = slugify(key)
    if slug.replace("-", " ") == key or not key or slug.startswith("x-"):  # "x-": a digest already
        return slug
    return f"{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:6]}"


def match_tokens(text: str) -> tuple[str, ...]:
    """The words two names are compared by: ASCII, lower case, no punctuation, no legal
    form, no generic words ("cluster", "association", "of"); when nothing else is left,
    the generic words are kept.

    >>> match_tokens("Vojvodina ICT Cluster"), match_tokens("Acme Robotics Limited")
    (('vojvodina', 'ict'), ('acme', 'robotics'))
    """
    words, _form = _legal_form(_words(text, fold=True))
    core = tuple(w for w in words if w not in GENERIC_WORDS)
    return core or tuple(words)


def initials(text: str) -> str:
    """The capitals of a name's words ("Vojvodina Metal Cluster" -> "VMC"), generic words
    and legal forms left out except "cluster", which acronyms often keep.

    >>> initials("Vojvodina Metal Cluster"), initials("Nis Cluster of Advanced Technologies")
    ('VMC', 'NCAT')
    """
    words, _form = _legal_form(_words(text, fold=True))
    return "".join(w[0] for w in words if w not in GENERIC_WORDS or w in ("cluster", "klaster")).upper()


def web_domain(url: str | None) -> str | None:
    """The host of a web address, lower case, without ``www.`` ("https://www.voict.rs/en"
    -> "voict.rs"); None for no address.

    >>> web_domain("https://www.VOICT.rs/en/"), web_domain("voict.rs"), web_domain(None)
    ('voict.rs', 'voict.rs', None)
    """
    if not url:
        return None
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.I).split("/")[0].split("?")[0]
    host = host.split("@")[-1].split(":")[0].lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host else None
