"""Plausible dates of birth and the form that corrects a person's demographics (issue #15, ADR 72).

One rule for every form that takes a date of birth: not in the future, not more than 120 years ago
(the same limits the imports use, `caretrust.ingest.limits`, but with no day of tolerance: a
person typing a date is not a clock skew)."""

from __future__ import annotations

from datetime import date

from django import forms

from caretrust import clock
from caretrust.people.models import Person

MAX_AGE_YEARS = 120


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on a date (a birthday on 29 February counts from 1 March)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def birth_date_error(value: date, today: date | None = None) -> str | None:
    """A clear message when a date of birth cannot be right, or None."""
    today = today or clock.today()
    if value > today:
        return "Date of birth must be today or in the past"
    try:
        earliest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if value < earliest:
        return f"Date of birth must be within the last {MAX_AGE_YEARS} years"
    return None


def clean_plausible_birth_date(form: forms.Form) -> date | None:
    """For a form's `clean_birth_date`: refuse a future date or one more than 120 years ago."""
    value = form.cleaned_data.get("birth_date")
    if value is not None:
        error = birth_date_error(value)
        if error:
            raise forms.ValidationError(error)
    return value


class CorrectDemographicsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name"}
    )
    birth_date = forms.DateField(
        label="Date of birth",
        error_messages={
            "required": "Enter their date of birth",
            "invalid": "Date of birth must be a real date",
        },
    )
    sex = forms.ChoiceField(label="Sex", choices=Person.Sex.choices)
    ethnicity = forms.ChoiceField(
        label="Ethnic group (as they describe it)",
        choices=[("", "Not asked"), *Person.Ethnicity.choices],
        required=False,
    )
    address = forms.CharField(label="Address", required=False, max_length=300)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    phone = forms.CharField(label="Phone number", required=False, max_length=40)
    reason = forms.CharField(
        label="Why are you correcting their details?",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Say why you are correcting their details"},
    )

    clean_birth_date = clean_plausible_birth_date
