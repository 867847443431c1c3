"""Problems in submitted records are keyed on codes and fields (core/validation.py), so a
form, the JSON API and an import place them without reading the English sentence."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.errors import HeadstartError
from core.validation import field_problems
from matching.marketplace import input_errors
from matching.models import ServiceOfferInput, VacancyInput
from matching.records import parse_input

VACANCY = {"employer": "Werft Nord GmbH", "title": "Welder", "country": "DE"}


def test_a_whole_record_problem_names_its_code_and_field():
    with pytest.raises(ValidationError) as caught:
        VacancyInput.model_validate({**VACANCY, "salary_min": 3000, "salary_max": 2000, "salary_currency": "EUR"})
    (problem,) = field_problems(caught.value)
    assert (problem.code, problem.location) == ("salary_order", "salary_max")
    assert problem.message == "salary_max is below salary_min"


def test_a_form_gets_every_problem_under_its_field():
    _, errors = input_errors(VacancyInput, {**VACANCY, "title": "", "hours_per_week": 0})
    assert set(errors) == {"title", "hours_per_week"}
    _, errors = input_errors(VacancyInput, {**VACANCY, "salary_min": 100})
    assert errors["salary_currency"].code == "salary_currency_missing"
    _, errors = input_errors(ServiceOfferInput, {"provider": "Sprachschule", "title": "German", "kind": "language_course", "country": "DE"})
    assert errors["language_taught"].code == "course_language_missing"


def test_the_api_names_the_field_of_a_whole_record_problem():
    with pytest.raises(HeadstartError) as caught:
        parse_input(VacancyInput, {**VACANCY, "valid_through": "2026-01-01", "date_posted": "2026-02-01"})
    assert caught.value.field == "valid_through"
    assert caught.value.message == "valid_through is before date_posted"
