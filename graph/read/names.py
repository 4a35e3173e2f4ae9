"""What printed names stand for: URI-safe slugs, and countries and languages as codes of
the EU authority tables.

The EU Publications Office authority tables identify countries and languages with
three-letter codes (``http://publications.europa.eu/resource/authority/country/SRB``,
``.../language/ENG``). For countries these are ISO 3166-1 alpha-3 codes, with the EU's
own code for Kosovo; for languages, ISO 639-2/T codes. Names are looked up with
:mod:`pycountry` (ISO names, common and official names) plus the few forms ECCP pages use
that ISO does not.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import pycountry
from slugify import slugify as _slugify

__all__ = ["slugify", "country_code", "country_name", "country_of_adjective", "countries_named", "language_code",
           "language_name", "COUNTRY_ADJECTIVES"]


def slugify(text: str) -> str:
    """URI-safe slug of a name ("Bucureşti - Ilfov" -> "bucuresti-ilfov"): ASCII, lower
    case, hyphens (python-slugify), "&" read as a space, so names that differ only in case,
    spacing and punctuation share a slug. A name with nothing a slug can keep (only symbols:
    "★★★") gets ``x-`` and a digest of the name instead, so two such names stay apart;
    a blank name gives ``"x"``. The same input always gives the same slug, so the last
    16,384 of at most 200 characters are remembered (a build slugs about 37 names per
    profile, most of them region, country and concept names seen before; python-slugify
    imports its transliteration module on every call).

    >>> slugify("Balkan & Black Sea ICT Custers Network"), slugify("ALPHA-GMBH") == slugify("Alpha GmbH")
    ('balkan-black-sea-ict-custers-network', True)
    >>> slugify("★★★") != slugify("※"), slugify("★★★")[:2]
    (True, 'x-')
    """
    return _slug(text) if len(text) > _REMEMBERED else _remembered_slug(text)


#: Longest text whose slug is remembered (names are short; a page's text is not worth keeping).
_REMEMBERED = 200


def _slug(text: str) -> str:
    slug = _slugify(text, replacements=[["&", " "]])
    if slug:
        return slug
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    return "x-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10] if key else "x"


_remembered_slug = functools.lru_cache(maxsize=1 << 14)(_slug)

_COUNTRY_EXTRA = {
    "kosovo": "XKX",
    "united states": "USA",
    "usa": "USA",
    "us": "USA",
    "united states of america": "USA",
    "uk": "GBR",
    "united kingdom": "GBR",
    "great britain": "GBR",
    "russia": "RUS",
    "south korea": "KOR",
    "korea": "KOR",
    "north macedonia": "MKD",
    "macedonia": "MKD",
    "fyrom": "MKD",
    "moldova": "MDA",
    "czech republic": "CZE",
    "czechia": "CZE",
    "turkey": "TUR",
    "turkiye": "TUR",
    "iran": "IRN",
    "vietnam": "VNM",
    "taiwan": "TWN",
    "bosnia": "BIH",
    "bosnia and herzegovina": "BIH",
    "slovak republic": "SVK",
    "the netherlands": "NLD",
    "holland": "NLD",
}


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("&", "and")).strip().lower()


@functools.lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Name key (:func:`_key`) or lower-case alpha-2/alpha-3 code -> alpha-3 code, for every
    ISO 3166-1 country (the first country in ISO's order wins a shared name)."""
    index: dict[str, str] = {}
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")):
            if n:
                index.setdefault(_key(n), c.alpha_3)
        index.setdefault(c.alpha_2.lower(), c.alpha_3)
        index.setdefault(c.alpha_3.lower(), c.alpha_3)
    return index


@functools.lru_cache(maxsize=1)
def _languages() -> dict[str, str]:
    """Name key (:func:`_key`) -> ISO 639-2/T code in upper case, for every ISO 639 language
    that has one (the first language in ISO's order wins a shared name)."""
    index: dict[str, str] = {}
    for lang in pycountry.languages:
        code = getattr(lang, "alpha_3", None)
        if code:
            for n in (lang.name, getattr(lang, "common_name", "") or ""):
                if n:
                    index.setdefault(_key(n), code.upper())
    return index


def country_code(name: str) -> str | None:
    """EU authority code of a country named in English ("Serbia" -> "SRB").

    :param name: a country's common, official or ISO name, or an alpha-2/alpha-3 code.
    :return: the three-letter code, or None when the name is not a country.

    >>> country_code("United States"), country_code("Serbia"), country_code("Vojvodina")
    ('USA', 'SRB', None)
    """
    k = _key(name)
    if not k:
        return None
    return _COUNTRY_EXTRA.get(k) or _countries().get(k)


#: Adjectives of countries ("Romanian cluster organisations", "Serbian Cluster Association")
#: -> EU authority code: Europe and its neighbours, the countries ECCP pages come from.
COUNTRY_ADJECTIVES = {
    "albanian": "ALB", "armenian": "ARM", "austrian": "AUT", "azerbaijani": "AZE", "belarusian": "BLR",
    "belgian": "BEL", "bosnian": "BIH", "bulgarian": "BGR", "croatian": "HRV", "cypriot": "CYP", "czech": "CZE",
    "danish": "DNK", "dutch": "NLD", "estonian": "EST", "finnish": "FIN", "french": "FRA", "georgian": "GEO",
    "german": "DEU", "greek": "GRC", "hungarian": "HUN", "icelandic": "ISL", "irish": "IRL", "italian": "ITA",
    "kosovar": "XKX", "latvian": "LVA", "lithuanian": "LTU", "luxembourgish": "LUX", "macedonian": "MKD",
    "maltese": "MLT", "moldovan": "MDA", "montenegrin": "MNE", "norwegian": "NOR", "polish": "POL",
    "portuguese": "PRT", "romanian": "ROU", "russian": "RUS", "serbian": "SRB", "slovak": "SVK",
    "slovenian": "SVN", "slovene": "SVN", "spanish": "ESP", "swedish": "SWE", "swiss": "CHE", "turkish": "TUR",
    "ukrainian": "UKR", "british": "GBR", "israeli": "ISR", "tunisian": "TUN", "moroccan": "MAR",
}

_CAPITALISED = re.compile(r"\b[A-Z][\w'-]+(?:\s+(?:and\s+)?[A-Z][\w'-]+){0,3}")


def country_of_adjective(word: str) -> str | None:
    """EU authority code of a country named by its adjective ("Romanian" -> "ROU").

    >>> country_of_adjective("Romanian"), country_of_adjective("Transylvanian")
    ('ROU', None)
    """
    return COUNTRY_ADJECTIVES.get(word.strip().lower())


def countries_named(text: str) -> list[str]:
    """The countries a text names, by name or adjective, each once, in order of their first
    mention ("clusters in Serbia", "8 Romanian cluster organisations").

    >>> countries_named("The Serbian Cluster Association gathers clusters in Serbia and Montenegro.")
    ['SRB', 'MNE']
    """
    found: list[str] = []
    for m in _CAPITALISED.finditer(text):
        words = m.group(0).split()
        i = 0
        while i < len(words):
            for n in range(len(words) - i, 0, -1):
                part = " ".join(words[i:i + n])
                code = country_code(part) if words[i] != "and" else None
                code = code or (country_of_adjective(words[i]) if n == 1 else None)
                if code and (len(part) > 3 or part in ("UK", "USA")):  # "Pol", "IT" in a name: no codes
                    if code not in found:
                        found.append(code)
                    i += n
                    break
            else:
                i += 1
    return found


def language_code(name: str) -> str | None:
    """EU authority code of a language named in English ("English" -> "ENG").

    :return: the ISO 639-2/T code in upper case, or None when the name is not a language.

    >>> language_code("English"), language_code("German"), language_code("Klingonese")
    ('ENG', 'DEU', None)
    """
    k = _key(name)
    return _languages().get(k) if k else None


def country_name(code: str) -> str | None:
    """English short name of a country from its EU authority code ("SRB" -> "Serbia")."""
    if code == "XKX":
        return "Kosovo"
    c = pycountry.countries.get(alpha_3=code)
    return getattr(c, "common_name", None) or (c.name if c else None)


def language_name(code: str) -> str | None:
    """English name of a language from its EU authority code ("ENG" -> "English"), or None."""
    lang = pycountry.languages.get(alpha_3=code.lower())
    return lang.name if lang else None
