"""A migrant's skill profile for tests: a nurse from Moldova heading for Germany.

Shared by the page and personal-data tests, which vary it field by field.
"""

from __future__ import annotations

from core.db import session_scope
from matching.models import SkillProfileInput
from matching.records import create_profile

NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"
VITAL_SIGNS = "http://data.europa.eu/esco/skill/60f826be-0c1b-413b-aad5-4f7546622e16"
BASIC_SUPPORT = "http://data.europa.eu/esco/skill/24f980ba-b44f-4739-b563-205104c3190d"
HYGIENE = "http://data.europa.eu/esco/skill/0450eaee-1a00-4622-8f4e-5356fce816d2"


def nurse_profile(owner: str, **fields) -> dict:
    return {
        "owner": owner,
        "origin_countries": ["MD"],
        "destination_countries": ["DE"],
        "occupations": [{"uri": NURSE, "title": "asistentă medicală", "years": 5}],
        "skills": [VITAL_SIGNS, BASIC_SUPPORT, HYGIENE],
        "languages": [{"language": "ro", "native": True}, {"language": "de", "overall": "C1"}],
        "education_level": 6,
        "qualifications": [{"title": "Nursing diploma", "isced_level": 6, "country": "MD", "recognition": "recognised",
                            "recognised_in": ["DE"]}],  # fmt: skip
        **fields,
    }


def add_profile(runtime, owner: str, **fields) -> int:
    """Save the nurse's profile with `fields` changed; returns its id."""
    with session_scope(runtime.engine) as db:
        return create_profile(session=db, data=SkillProfileInput.model_validate(nurse_profile(owner, **fields))).id
