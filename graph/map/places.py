"""Labels of the EU authority tables' country and language IRIs.

The graph links countries and languages to the EU Publications Office authority tables
(``http://publications.europa.eu/resource/authority/country/SRB``); those tables are not
in the store, so pages that show such a link take its English name from here.
"""

from __future__ import annotations

from clusterkg.graph.map.vocab import EU_COUNTRY, EU_LANGUAGE
from clusterkg.graph.read.names import country_name, language_name

__all__ = ["authority_label"]


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
