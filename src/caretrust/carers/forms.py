from __future__ import annotations

from django import forms

from caretrust.carers.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.carers.models import CarerSupportLine

TRI = [("", "Not yet decided"), ("yes", "Yes"), ("no", "No")]
DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"]


def tri_value(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def tri_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


class CarerForm(forms.Form):
    name = forms.CharField(
        label="Carer's name", max_length=200, error_messages={"required": "Enter the carer's name"}
    )
    relationship = forms.CharField(
        label="Relationship to the person (for example: daughter)", max_length=100, required=False
    )
    contact = forms.CharField(label="Phone number or email", max_length=200, required=False)
    hours_caring_per_week = forms.IntegerField(
        label="Hours spent caring each week (about)",
        min_value=0,
        max_value=168,
        required=False,
        error_messages={
            "invalid": "Enter the hours as a whole number, like 20",
            "min_value": "Enter hours of 0 or more",
            "max_value": "A week has 168 hours: enter 168 or fewer",
        },
    )
    own_record = forms.ChoiceField(
        label="Add the carer to the people index, with a record of their own?",
        choices=[("yes", "Yes: they will have their own assessment and plan"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether to give the carer a record of their own"},
    )
    given_name = forms.CharField(label="Carer's first name", max_length=100, required=False)
    family_name = forms.CharField(label="Carer's last name", max_length=100, required=False)
    birth_date = forms.DateField(
        label="Carer's date of birth (for example 15/03/1962)",
        input_formats=DATE_FORMATS,
        required=False,
        error_messages={"invalid": "Enter the date of birth like 15/03/1962"},
    )
    postcode = forms.CharField(label="Carer's postcode", max_length=10, required=False)

    def clean(self):
        data = super().clean()
        if data.get("own_record") == "yes":
            if not data.get("given_name"):
                self.add_error("given_name", "Enter the carer's first name for their record")
            if not data.get("family_name"):
                self.add_error("family_name", "Enter the carer's last name for their record")
        return data


class FindingsForm(forms.Form):
    what_matters = forms.CharField(
        label="What matters to the carer (in their words)", widget=forms.Textarea, required=False
    )
    caring_role = forms.CharField(label="The care they give", widget=forms.Textarea, required=False)
    willing_and_able = forms.ChoiceField(
        label="Is the carer willing and able to go on caring?", choices=TRI, required=False
    )
    needs_from_caring = forms.ChoiceField(
        label="Do the carer's needs arise from providing necessary care for an adult?",
        choices=TRI,
        required=False,
    )
    health_at_risk = forms.ChoiceField(
        label="Is the carer's physical or mental health deteriorating, or at risk of it?",
        choices=TRI,
        required=False,
    )
    health_details = forms.CharField(
        label="The carer's health", widget=forms.Textarea, required=False
    )
    significant_impact = forms.ChoiceField(
        label="Is there, or is there likely to be, a significant impact on the carer's wellbeing?",
        choices=TRI,
        required=False,
    )
    wellbeing_details = forms.CharField(
        label="How their wellbeing is affected", widget=forms.Textarea, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, text in OUTCOMES.items():
            self.fields[f"outcome_{code}"] = forms.ChoiceField(
                label=text,
                choices=[("", "Not yet assessed"), *DIFFICULTIES.items()],
                required=False,
            )

    def outcome_names(self) -> list[str]:
        return [f"outcome_{code}" for code in OUTCOMES]

    def findings(self) -> tuple[dict, dict]:
        data = self.cleaned_data
        fields = {
            name: (tri_value(data[name]) if name in TRI_FIELDS else data[name])
            for name in (
                "what_matters",
                "caring_role",
                "health_details",
                "wellbeing_details",
                *TRI_FIELDS,
            )
        }
        outcomes = {
            code: (data[f"outcome_{code}"], "") for code in OUTCOMES if data.get(f"outcome_{code}")
        }
        return fields, outcomes


TRI_FIELDS = ("willing_and_able", "needs_from_caring", "health_at_risk", "significant_impact")


class SupportPlanForm(forms.Form):
    goals = forms.CharField(
        label="The carer's goals (one a line, in their words)",
        widget=forms.Textarea,
        required=False,
    )
    kind = forms.ChoiceField(
        label="Who the support is given to",
        choices=[("", "Choose"), *CarerSupportLine.Kind.choices],
        required=False,
    )
    description = forms.CharField(label="Support to add", max_length=300, required=False)
    provider = forms.CharField(label="Who provides it", max_length=200, required=False)
    frequency_text = forms.CharField(
        label="How often (for example: one day a week)", max_length=100, required=False
    )
    start = forms.DateField(
        label="Starting (for example 05/01/2027; blank for today)",
        input_formats=DATE_FORMATS,
        required=False,
        error_messages={"invalid": "Enter the start date like 05/01/2027"},
    )

    def clean(self):
        data = super().clean()
        if data.get("description") and not data.get("kind"):
            self.add_error("kind", "Choose who the support is given to")
        return data
