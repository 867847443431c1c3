"""Controlled vocabularies of the library: the terms records may use, with English labels.

Terms are stable keys stored in records and used as filter values; labels are for people
(the web UI translates them). Countries are ISO 3166-1 alpha-2 codes, as DOMAIN.md asks,
plus XK for Kosovo, the code the EU and IOM use.
"""

from __future__ import annotations

from dataclasses import dataclass

# Countries are the platform's one list; the library's callers have long found them here.
from core.countries import EXTRA_COUNTRIES, country_name, is_country  # noqa: F401


@dataclass(frozen=True)
class Vocabulary:
    name: str
    labels: dict[str, str]  # term -> English label

    def __contains__(self, term: object) -> bool:
        return term in self.labels

    def label(self, term: str) -> str:
        return self.labels.get(term, term)

    def describe(self) -> str:
        return ", ".join(self.labels)


TARGET_GROUPS = Vocabulary(
    "target group",
    {
        "labour_migrants": "Labour migrants",
        "seasonal_workers": "Seasonal workers",
        "domestic_workers": "Domestic workers",
        "highly_skilled": "Highly skilled migrants",
        "family_migrants": "Family migrants",
        "students": "Students",
        "resettled_refugees": "Resettled refugees",
        "returnees": "Returnees",
        "potential_migrants": "People considering migration",
        "women": "Women",
        "youth": "Young people",
        "vulnerable_groups": "Vulnerable groups",
    },
)

# The four families of pre-departure measures in the HEADSTART global review.
MEASURE_TYPES = Vocabulary(
    "type of measure",
    {
        "information_orientation": "Pre-departure information and orientation",
        "skills_development": "Skills development: language and vocational",
        "job_matching": "Job matching",
        "skills_recognition": "Recognition of skills and qualifications",
    },
)

MEASURE_SUBTYPES = Vocabulary(
    "sub-type of measure",
    {
        "pre_departure_orientation": "Pre-departure orientation",
        "cultural_orientation": "Cultural orientation",
        "mrc_services": "Migrant resource centre services",
        "safe_migration_awareness": "Safe-migration awareness",
        "financial_literacy": "Financial literacy",
        "legal_counselling": "Legal counselling",
        "language_training": "Language training",
        "vocational_training": "Vocational training",
        "job_matching_services": "Job-matching services",
        "fair_recruitment": "Fair recruitment",
        "skills_assessment": "Skills assessment",
        "qualification_recognition": "Recognition of qualifications",
        "post_arrival_link": "Link with the post-arrival stage",
        "reintegration": "Reintegration",
        "family_support": "Support to families",
    },
)

DELIVERY_MODES = Vocabulary(
    "delivery mode",
    {
        "in_person": "In person",
        "online": "Online",
        "blended": "Blended",
        "printed_material": "Printed material",
        "mobile_outreach": "Mobile outreach",
        "hotline": "Hotline",
    },
)

EVALUATION_TYPES = Vocabulary(
    "evaluation type",
    {
        "external": "External evaluation",
        "internal": "Internal evaluation",
        "self_assessment": "Self-assessment",
        "none": "Not evaluated",
        "unknown": "Not known",
    },
)

HANDBOOK_TOPICS = Vocabulary(
    "handbook topic",
    {
        "introduction": "Introduction",
        "institutional_setup": "Institutional set-up and terms of reference",
        "legal_basis": "Legal basis",
        "service_design": "Service design and delivery",
        "standard_operating_procedures": "Standard operating procedures",
        "stakeholder_coordination": "Coordination with other stakeholders",
        "resources": "Resources",
        "staff_competences": "Staff competences and training",
        "data_collection": "Data collection",
        "monitoring_evaluation": "Monitoring and evaluation",
        "quality_control": "Quality control",
        "communication_outreach": "Communication and outreach",
        "post_arrival_link": "Link with the destination and the post-arrival stage",
        "sustainability": "Long-term sustainability",
    },
)

DOCUMENT_KINDS = Vocabulary("document kind", {"practice": "Good practice", "handbook": "Handbook section"})

# Narrative sections of a practice: key -> English heading. The key is the passage anchor
# and the name of the field in CSV and JSON; the heading in a record is free text.
PRACTICE_SECTIONS: dict[str, str] = {
    "challenge": "The challenge and the goals",
    "activities": "How it works",
    "results-quantitative": "Results in figures",
    "results-qualitative": "Results observed",
    "users-opinion": "What participants said",
    "evaluation": "Evaluation",
    "beneficiaries": "Who benefits and coverage",
    "funding": "Funding and resources",
    "transferability": "Transferability",
    "lessons": "Lessons learned",
}

# Headings written when a record in these languages comes from CSV or JSON without its own.
SECTION_HEADINGS: dict[str, dict[str, str]] = {
    "en": PRACTICE_SECTIONS,
    "fr": {
        "challenge": "Le défi et les objectifs",
        "activities": "Fonctionnement",
        "results-quantitative": "Résultats chiffrés",
        "results-qualitative": "Résultats observés",
        "users-opinion": "L'avis des participants",
        "evaluation": "Évaluation",
        "beneficiaries": "Bénéficiaires et couverture",
        "funding": "Financement et ressources",
        "transferability": "Transférabilité",
        "lessons": "Enseignements",
    },
    "ar": {
        "challenge": "التحدي والأهداف",
        "activities": "طريقة العمل",
        "results-quantitative": "النتائج بالأرقام",
        "results-qualitative": "النتائج الملاحظة",
        "users-opinion": "آراء المشاركين",
        "evaluation": "التقييم",
        "beneficiaries": "المستفيدون ونطاق التغطية",
        "funding": "التمويل والموارد",
        "transferability": "قابلية النقل",
        "lessons": "الدروس المستفادة",
    },
}
