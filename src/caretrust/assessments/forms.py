from __future__ import annotations

from django import forms

from caretrust.assessments.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.assessments.models import Contribution

TRI = [("", "Not yet decided"), ("yes", "Yes"), ("no", "No")]


def tri_value(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def tri_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


class FindingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    what_matters = forms.CharField(
        label="What matters to the person (in their words)", widget=forms.Textarea, required=False
    )
    health_needs = forms.CharField(label="Health needs", widget=forms.Textarea, required=False)
    impairment = forms.ChoiceField(
        label="Do the needs arise from a physical or mental impairment or illness?",
        choices=TRI,
        required=False,
    )
    impairment_details = forms.CharField(label="Impairment or illness", required=False)
    significant_impact = forms.ChoiceField(
        label="Is there, or is there likely to be, a significant impact on their wellbeing?",
        choices=TRI,
        required=False,
    )
    wellbeing_details = forms.CharField(
        label="How their wellbeing is affected", widget=forms.Textarea, required=False
    )
    desired_outcomes = forms.CharField(
        label="What they want to achieve (their desired outcomes, in their words)",
        widget=forms.Textarea,
        required=False,
    )
    strengths = forms.CharField(
        label="Their strengths and abilities", widget=forms.Textarea, required=False
    )
    community_resources = forms.CharField(
        label="Support from family, friends and the community",
        widget=forms.Textarea,
        required=False,
    )
    needs_fluctuate = forms.ChoiceField(
        label="Do their needs fluctuate?", choices=TRI, required=False
    )
    fluctuation_period = forms.CharField(
        label="If so, over what period were their needs judged, and how do they vary?",
        widget=forms.Textarea,
        required=False,
    )
    substantial_difficulty = forms.ChoiceField(
        label="Would they have substantial difficulty understanding, retaining, weighing or "
        "communicating information to be involved?",
        choices=TRI,
        required=False,
    )
    appropriate_person = forms.CharField(
        label="Appropriate person to support their involvement (name and relationship)",
        required=False,
    )
    advocate = forms.CharField(
        label="Independent advocate (name and organisation), if one is needed", required=False
    )
    has_carer = forms.ChoiceField(
        label="Do they have an unpaid carer?", choices=TRI, required=False
    )
    carer_name = forms.CharField(label="Carer's name", required=False)
    carer_needs = forms.CharField(label="Carer's needs", widget=forms.Textarea, required=False)
    carer_willing_and_able = forms.ChoiceField(
        label="Is the carer willing and able to carry on?", choices=TRI, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, text in OUTCOMES.items():
            self.fields[f"outcome_{code}"] = forms.ChoiceField(
                label=text,
                choices=[("", "Not assessed"), *DIFFICULTIES.items()],
                required=False,
            )
            self.fields[f"notes_{code}"] = forms.CharField(
                label=f"Notes and evidence: {text.lower()}",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )

    def outcome_field_names(self) -> list[str]:
        return [f"outcome_{code}" for code in OUTCOMES]

    def outcome_field_pairs(self) -> list[tuple[str, str]]:
        return [(f"outcome_{code}", f"notes_{code}") for code in OUTCOMES]

    def typed_values(self) -> dict[str, str]:
        """Every editable part as the text the person left in the form (see
        `services.finding_values`)."""
        names = [n for n in self.fields if n != "version"]
        return {name: self.cleaned_data.get(name) or "" for name in names}

    def display(self, name: str, value: str) -> str:
        """A value as the person saw it (the option's label for a choice)."""
        choices = dict(getattr(self.fields[name], "choices", ()) or ())
        if choices:
            return str(choices.get(value, value)) or "Not given"
        return value or "Empty"

    def changes(self) -> tuple[dict, dict]:
        from caretrust.assessments.services import FINDING_FIELDS, TRI_FIELDS

        data = self.cleaned_data
        fields = {
            name: tri_value(data[name]) if name in TRI_FIELDS else data[name]
            for name in FINDING_FIELDS
        }
        outcomes = {
            code: (data[f"outcome_{code}"], data[f"notes_{code}"])
            for code in OUTCOMES
            if data[f"outcome_{code}"]
        }
        return fields, outcomes


class ContributionForm(forms.Form):
    section = forms.ChoiceField(
        label="Part of the assessment", choices=Contribution.Section.choices
    )
    text = forms.CharField(
        label="Your contribution",
        widget=forms.Textarea,
        error_messages={"required": "Enter your contribution"},
    )


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label="Notes on the decision (optional)", widget=forms.Textarea, required=False
    )


class DeciderForm(forms.Form):
    profession = forms.ChoiceField(
        label="Every practitioner of a profession",
        required=False,
    )
    user = forms.ModelChoiceField(
        label="or one named practitioner",
        required=False,
        queryset=None,
        empty_label="Choose a practitioner",
    )
    note = forms.CharField(
        label="The council's authority (optional)", required=False, max_length=300
    )

    def __init__(self, *args, **kwargs) -> None:
        from caretrust.organisations.models import User

        super().__init__(*args, **kwargs)
        self.fields["profession"].choices = [("", "Choose a profession"), *User.Profession.choices]
        self.fields["user"].queryset = User.objects.filter(role="practitioner", is_active=True)
