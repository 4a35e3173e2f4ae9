"""Places: labels of the EU authority tables' countries and languages, and NUTS regions.

The graph links countries and languages to the EU Publications Office authority tables
(``http://publications.europa.eu/resource/authority/country/SRB``); those tables are not
in the store, so pages that show such a link take its English name from here.

Regions are resolved to units of the NUTS 2021 classification (Eurostat) by name
(:class:`NutsTable`), so that the same region printed in different forms ("Region of
Vojvodina", "Vojvodina", an English or a native-script name) is one resource, linked to
the EU's NUTS IRIs (``http://data.europa.eu/nuts/code/RS12``).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from clusterkg.graph.map.vocab import EU_COUNTRY, EU_LANGUAGE
from clusterkg.graph.read.names import country_code, country_name, language_name, slugify

__all__ = ["authority_label", "NUTS", "NUTS_SCHEME", "NutsUnit", "NutsTable", "nuts_country"]


def authority_label(iri: str) -> str | None:
    """The English name of an EU authority table country or language IRI, else None.

    >>> authority_label("http://publications.europa.eu/resource/authority/country/SRB")
    'Serbia'
    >>> authority_label("http://publications.europa.eu/resource/authority/language/ENG")
    'English'
    >>> authority_label("http://example.org/SRB") is None
    True
    """
    for ns, lookup in ((str(EU_COUNTRY), country_name), (str(EU_LANGUAGE), language_name)):
        if iri.startswith(ns) and len(iri) > len(ns):
            return lookup(iri[len(ns):])
    return None


#: The EU's linked-data IRIs of NUTS units (``{NUTS}RS12``), and of the classification.
NUTS = "http://data.europa.eu/nuts/code/"
NUTS_SCHEME = "http://data.europa.eu/nuts"
#: NUTS country codes that are not the ISO 3166-1 alpha-2 ones.
_NUTS_COUNTRY = {"EL": "GRC", "UK": "GBR"}
#: Words of descriptive forms ("Region of Vojvodina", "Lodz Voivodeship") that name no place.
_DESCRIPTIVE = {"region", "regions", "province", "autonomous", "city", "county", "district", "municipality",
                "voivodeship", "department", "state", "land", "of", "the", "nuts", "area", "capital"}


@dataclass(frozen=True)
class NutsUnit:
    """A unit of the NUTS 2021 classification.

    :param code: the NUTS code (``RS12``); its length is the level plus two.
    :param level: 0 (country), 1, 2 or 3.
    :param name: the official name in Latin script (``Autonomous Province of Vojvodina``).
    """

    code: str
    level: int
    name: str

    @property
    def country(self) -> str | None:
        """The EU authority country code of the unit (``SRB``; ``EL`` is ``GRC``)."""
        return nuts_country(self.code)

    @property
    def iri(self) -> str:
        """The unit's EU linked-data IRI."""
        return NUTS + self.code

    @property
    def parents(self) -> list[str]:
        """Codes of the units above it, nearest first (``RS12`` -> ``RS1``, ``RS``)."""
        return [self.code[:n] for n in range(len(self.code) - 1, 1, -1)]


def nuts_country(code: str) -> str | None:
    """The EU authority country code of a NUTS code's country (``EL12`` -> ``GRC``).

    >>> nuts_country("RS12"), nuts_country("EL30"), nuts_country("UKI3")
    ('SRB', 'GRC', 'GBR')
    """
    head = code[:2].upper()
    return _NUTS_COUNTRY.get(head) or country_code(head)


def _key(text: str) -> str:
    return slugify(text)


def _bare(text: str) -> str:
    """The name without descriptive words ("Region of Vojvodina" -> "Vojvodina")."""
    words = [w for w in _key(text).split("-") if w not in _DESCRIPTIVE]
    return "-".join(words)


class NutsTable:
    """NUTS 2021 (``data/nuts-2021.csv``: code, level, Latin name; Eurostat) and the curated
    aliases of how pages print regions (``data/nuts-aliases.csv``: alias, code), as
    look-ups by name. Loaded once per process (:meth:`load`).

    :param units: the units, by code.
    :param aliases: name key -> codes it may name.
    """

    def __init__(self, units: dict[str, NutsUnit], aliases: dict[str, list[str]]):
        self.units = units
        self._names: dict[str, list[str]] = {}
        for unit in units.values():
            for key in {_key(unit.name), _bare(unit.name)} - {"", "x"}:
                self._names.setdefault(key, []).append(unit.code)
        for key, codes in aliases.items():
            self._names.setdefault(key, [])
            self._names[key] = list(dict.fromkeys(codes + self._names[key]))

    @classmethod
    @functools.lru_cache(maxsize=1)
    def load(cls) -> "NutsTable":
        """The shipped table (cached per process)."""
        root = Path(str(files("clusterkg.data")))
        units = {}
        with open(root / "nuts-2021.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                units[row["code"]] = NutsUnit(row["code"], int(row["level"]), row["name_latn"])
        aliases: dict[str, list[str]] = {}
        with open(root / "nuts-aliases.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for key in {_key(row["alias"]), _bare(row["alias"])} - {"", "x"}:
                    aliases.setdefault(key, []).append(row["code"])
        return cls(units, aliases)

    def resolve(self, text: str, country: str | None = None) -> NutsUnit | None:
        """The finest NUTS unit ``text`` names, or None when it names none, or several at
        the finest level and ``country`` does not tell them apart.

        Tried: the text as printed, without descriptive words ("Region of X"), and each part
        of "A (B)" (a native name with its transliteration, or a name with its country, which
        then narrows the search).

        :param text: the region as printed ("South-West (Bulgaria)", "Region of Vojvodina").
        :param country: the cluster's EU country code, when known.

        >>> t = NutsTable.load()
        >>> t.resolve("Region of Vojvodina").code, t.resolve("South-West (Bulgaria)").code
        ('RS12', 'BG41')
        >>> t.resolve("Южен централен (Yuzhen tsentralen)").code, t.resolve("Oberbayern").code
        ('BG42', 'DE21')
        >>> t.resolve("City of Belgrade", "SRB").code, t.resolve("Atlantis") is None
        ('RS110', True)
        """
        texts, hints = [text], []  # type: list[str], list[str]
        m = re.match(r"^(.+?)\s*\((.+)\)\s*$", text)
        if m:
            for part in m.groups():
                hint = country_code(part)
                (hints if hint else texts).append(hint or part)
        country = country or (hints[0] if hints else None)
        codes: list[str] = []
        for t in texts:
            for key in (_key(t), _bare(t)):
                codes += [c for c in self._names.get(key, []) if c not in codes]
        found = [self.units[c] for c in codes if c in self.units and (country is None or nuts_country(c) == country)]
        if not found:
            return None
        finest = max(u.level for u in found)
        best = [u for u in found if u.level == finest]
        return best[0] if len(best) == 1 else None
