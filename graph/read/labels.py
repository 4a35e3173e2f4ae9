"""Label tables of the ECCP layouts: printed label text -> canonical field key.

Data, not code (dateutil's ``parserinfo``): to teach the readers a new label, add a row.
Keys are matched after :func:`norm_label` (case, spacing, quotes and the trailing colon
do not matter). A label that no table knows is still read, under the key ``unknown``.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "norm_label",
    "SECTIONS_OLD",
    "LABELS_OLD",
    "LABELS_2021_DASH",
    "HEADINGS_2021",
    "COMPOSITION_CAPTIONS",
    "COMPOSITION_ORDER",
    "BOILERPLATE",
    "SECTION_SUFFIX",
]


@functools.lru_cache(maxsize=8192)
def norm_label(text: str) -> str:
    """Normalise a label for lookup: lower case, straight quotes, one space, no colon.

    >>> norm_label('Number of other ecosystem actors :\\u00a0')
    'number of other ecosystem actors'
    >>> norm_label("Do you have a specific strategy focus that addresses internationalisation ?:")
    'do you have a specific strategy focus that addresses internationalisation?'
    """
    t = text.replace("\u00a0", " ").replace("\u2019", "'").replace("\u2018", "'")
    t = t.replace("\u201c", '"').replace("\u201d", '"')
    t = re.sub(r"\s+", " ", t).strip().lower()
    t = t.rstrip(":").strip()
    t = re.sub(r"\s+([?:])", r"\1", t)
    return t


def _table(rows: dict[str, str]) -> dict[str, str]:
    """A label table: each printed label (normalised by :func:`norm_label`) -> its value."""
    return {norm_label(k): v for k, v in rows.items()}


#: Section headings of the old printer-friendly layout (2016-18 and 2019-20).
SECTIONS_OLD = {
    norm_label(s): s
    for s in [
        "General Information",
        "Sectoral and Industrial Focus",
        "Composition of the cluster",
        "Cluster Strategy",
        "Cooperation Activities",
        "International Cooperation",
        "Trans-national Cooperation",
        "Transnational Cooperation",
        "Support Programmes",
        "Contact Information",
        "Contact",
    ]
}

#: Sections whose name qualifies a label that appears in several of them.
SECTION_SUFFIX = {
    "International Cooperation": "international",
    "Trans-national Cooperation": "transnational",
    "Transnational Cooperation": "transnational",
}

#: Old-layout field labels -> canonical key. ``target_countries`` and the activity
#: labels get a suffix from the section they sit in (see ``SECTION_SUFFIX``).
LABELS_OLD = _table({
    "The date when the cluster organisation was established": "founding_date",
    "Date of establishment": "founding_date",
    "Number of staff in the management team of the cluster organisation": "staff",
    "Region": "region",
    "Country": "country",
    "Cluster Excellence Label": "excellence_label",
    "Other Label": "other_label",
    "Membership to other networks/partnerships": "networks",
    "Cluster Management Team": "management_team",
    "Languages spoken": "languages",
    "Sectoral Industries": "sectoral_industries",
    "Technology fields": "technology_fields",
    "S3 EU priority areas": "s3_priority_areas",
    "Emerging industries": "emerging_industries",
    "Areas of specialisation of the cluster not covered above": "other_specialisation",
    "Total number of members": "count:total",
    "Number of SME members": "count:sme",
    "Number of start-ups among SME members": "count:startup",
    "Number of larger company members": "count:large",
    "Number of research organisations/universities/technology centres": "count:research",
    "Number of civil society members": "count:civil_society",
    "Number of other ecosystem actors": "count:other_actors",
    "Entrepreneurship and scale-up support facilities in the cluster's ecosystem "
    '(see "Organisation type")': "facilities",
    "Name and link of major players": "major_players",
    "Mission": "mission",
    "Vision": "vision",
    "Cluster goals/objectives": "goals",
    "Do you have a formalised strategy?": "formalised_strategy",
    "Do you have a specific strategy focus that addresses internationalisation?":
        "internationalisation_strategy",
    "Support services provided": "support_services",
    "Details of support services": "support_service_details",
    "The main countries targeted by the cluster organisation": "target_countries",
    "Our cluster organisation undertook the following international activities to "
    "support our members": "activities",
    "Our cluster organisation undertook the following trans-national activities to "
    "support our members": "activities",
    "Participation in Funded Support Programmes": "funded_programmes",
    "Website": "website",
    "Web site": "website",
    "E-mail": "email",
    "Email": "email",
    "Phone": "phone",
    "Telephone": "phone",
    "Address": "address",
})

#: 2021+ layout: "Label - value" lines.
LABELS_2021_DASH = _table({
    "Established": "founding_date",
    "Staff in the management team": "staff",
    "Cluster Excellence Label": "excellence_label",
    "Website": "website",
})

#: 2021+ layout: headings followed by a bulleted list (or numbers, for composition).
HEADINGS_2021 = _table({
    "About us": "about",
    "Support services for upskilling and reskilling of companies workforce":
        "upskilling_services",
    "Cluster composition": "composition",
    "Sectoral Industries": "sectoral_industries",
    "Industrial sectors": "sectoral_industries",
    "Technology fields": "technology_fields",
    "Emerging industries": "emerging_industries",
    "S3 EU priority areas": "s3_priority_areas",
    "Membership to other networks/partnerships": "networks",
    "Cluster networks": "networks",
    "Languages spoken": "languages",
    "Support services": "support_services",
})

#: Captions of the 2021 "Cluster composition" numbers -> count key.
COMPOSITION_CAPTIONS = _table({
    "Cluster Members": "total",
    "Total number of members": "total",
    "SMEs": "sme",
    "SME's": "sme",
    "Number of SMEs": "sme",
    "Number of SME members": "sme",
    "Number of start-ups among SME's": "startup",
    "Number of start-ups among SMEs": "startup",
    "Number of start-ups among SME members": "startup",
    "Large Companies": "large",
    "Larger Companies": "large",
    "Number of large companies": "large",
    "Number of larger company members": "large",
    "Research Organisations, Universities, Technology Centers": "research",
    "Research Organisations, Universities, Technology Centres": "research",
    "Number of civil society members": "civil_society",
    "Civil society members": "civil_society",
    "Other Ecosystem Actors": "other_actors",
    "Number of other ecosystem actors": "other_actors",
})

#: The order in which the 2021 layout prints the composition numbers; a number whose
#: caption was lost gets the key of the free slot between its neighbours.
COMPOSITION_ORDER = ["total", "sme", "startup", "large", "research", "civil_society", "other_actors"]

#: Lines that are page furniture, not data.
BOILERPLATE = {
    norm_label(s)
    for s in [
        "Printer-friendly versionPrinter-friendly version",
        "Printer-friendly version",
        "Primary tabs",
        "Organisation/Facility NameOrganisation/Facility TypeWebsite",
        "Organisation/Facility Name Organisation/Facility Type Website",
        "Share this Article",
        "Share",
    ]
}
