"""Which property each field of a profile maps to: data, not code.

The mapping (:mod:`.mapping`) looks a field's key up in these tables (keys are those of
:mod:`clusterkg.graph.read.labels`); to map a new kind of field to an existing property,
add a row.
"""

from __future__ import annotations

from clusterkg.graph.map.vocab import CKG, DCTERMS, LOCN

__all__ = ["COUNT_PROPERTIES", "CONCEPT_FIELDS", "LITERAL_FIELDS", "TEXT_FIELDS", "YES_NO_FIELDS", "COUNTRY_FIELDS",
           "YES", "NO"]

#: count key -> property
COUNT_PROPERTIES = {
    "total": CKG.totalMembers,
    "sme": CKG.smeMembers,
    "startup": CKG.startupMembers,
    "large": CKG.largeCompanyMembers,
    "research": CKG.researchMembers,
    "civil_society": CKG.civilSocietyMembers,
    "other_actors": CKG.otherEcosystemMembers,
}

#: field key -> (concept scheme, property) for list fields whose values are concepts
CONCEPT_FIELDS = {
    "sectoral_industries": ("sectoral-industry", CKG.sectoralIndustry),
    "emerging_industries": ("emerging-industry", CKG.emergingIndustry),
    "technology_fields": ("technology-field", CKG.technologyField),
    "s3_priority_areas": ("s3-priority-area", CKG.s3PriorityArea),
    "support_services": ("support-service", CKG.providesService),
    "upskilling_services": ("support-service", CKG.upskillingService),
    "activities_international": ("cooperation-activity", CKG.internationalActivity),
    "activities_transnational": ("cooperation-activity", CKG.transnationalActivity),
}

#: field key -> property, for fields whose every value is one literal
LITERAL_FIELDS = {
    "other_label": CKG.otherLabel,
    "other_specialisation": CKG.otherSpecialisation,
    "goals": CKG.goal,
    "support_service_details": CKG.supportServiceDetails,
    "funded_programmes": CKG.fundedProgramme,
    "address": LOCN.fullAddress,
}

#: field key -> property, for free-text fields (all values joined into one literal)
TEXT_FIELDS = {
    "mission": CKG.mission,
    "vision": CKG.vision,
    "strategy_text": CKG.strategy,
    "about": DCTERMS.description,
}

#: field key -> property, for yes / no answers
YES_NO_FIELDS = {
    "formalised_strategy": CKG.formalisedStrategy,
    "internationalisation_strategy": CKG.internationalisationStrategy,
}

#: field key -> property, for lists of countries
COUNTRY_FIELDS = {
    "target_countries_international": CKG.targetCountry,
    "target_countries_transnational": CKG.transnationalTargetCountry,
}

#: Answers read as yes / no (in the languages ECCP pages are written in).
YES = {"yes", "y", "true", "oui", "ja", "da", "si", "tak"}
NO = {"no", "n", "false", "non", "nein", "ne", "nie"}
