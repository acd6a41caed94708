from __future__ import annotations

from datetime import date

from django import forms

from caretrust.access.models import BreakGlassAccess
from caretrust.dates import parse_date
from caretrust.people.forms import UnmergeForm  # noqa: F401  (moved to people; the old name)


def parse_birth_date(value: str) -> date | None:
    return parse_date(value)


class SearchForm(forms.Form):
    name = forms.CharField(required=False, max_length=100)
    nhs_number = forms.CharField(required=False, max_length=20)
    birth_date = forms.CharField(required=False, max_length=10)

    def clean_birth_date(self) -> date | None:
        try:
            return parse_birth_date(self.cleaned_data["birth_date"])
        except ValueError:
            raise forms.ValidationError("Enter a date of birth like 02/03/1941") from None

    def clean(self):
        data = super().clean()
        if not any(data.get(k) for k in ("name", "nhs_number", "birth_date")) and not self.errors:
            raise forms.ValidationError("Enter a name, an NHS number or a date of birth")
        return data


class AboutMeForm(forms.Form):
    what_matters = forms.CharField(required=False, widget=forms.Textarea, max_length=4000)
    communication = forms.CharField(required=False, widget=forms.Textarea, max_length=4000)
    lives_with = forms.CharField(required=False, widget=forms.Textarea, max_length=2000)
    carer = forms.CharField(required=False, widget=forms.Textarea, max_length=2000)


class BreakGlassForm(forms.Form):
    justification = forms.ChoiceField(
        choices=BreakGlassAccess.Justification.choices,
        error_messages={"required": "Choose why you need to see this record"},
    )
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Give your reason for seeing this record"}
    )


class QuarantineForm(forms.Form):
    """Data quality's decision on a quarantined resource: whose it is, or nobody's we hold."""

    decision = forms.ChoiceField(
        choices=[("attach", "Attach it to a person"), ("reject", "Reject it")],
        error_messages={"required": "Choose whether to attach or reject this record"},
    )
    nhs_number = forms.CharField(required=False, max_length=20)
    reason = forms.CharField(required=False, max_length=500)

    def clean(self):
        from caretrust.people.intake import by_nhs_number

        data = super().clean()
        if data.get("decision") == "attach":
            number = (data.get("nhs_number") or "").replace(" ", "")
            if not number:
                self.add_error("nhs_number", "Enter the NHS number of the person it is about")
            else:
                person = by_nhs_number(number)
                if person is None:
                    self.add_error("nhs_number", "Nobody in the people index has this NHS number")
                data["person"] = person
        elif data.get("decision") == "reject" and len((data.get("reason") or "").strip()) < 10:
            self.add_error("reason", "Say why it is rejected, in at least 10 characters")
        return data
