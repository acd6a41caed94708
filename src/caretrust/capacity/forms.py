from __future__ import annotations

from django import forms

from caretrust.capacity.mca import FUNCTIONAL_ABILITIES
from caretrust.capacity.models import DecisionCategory, LegalAuthority

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"]
YES_NO = [("yes", "Yes"), ("no", "No")]


class CapacityAssessmentForm(forms.Form):
    decision = forms.CharField(
        label="The decision the person needs to make",
        widget=forms.Textarea,
        error_messages={"required": "Enter the decision the person needs to make"},
    )
    category = forms.ChoiceField(
        label="What kind of decision is it?",
        choices=[("", "Choose"), *DecisionCategory.choices],
        error_messages={"required": "Choose what kind of decision it is"},
    )
    practicable_steps = forms.CharField(
        label="What was done to help the person make the decision themselves",
        widget=forms.Textarea,
        error_messages={"required": "Record what was done to help the person decide"},
    )
    impairment = forms.ChoiceField(
        label="Stage 1: is there an impairment of, or a disturbance in the functioning of, the "
        "mind or brain?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer stage 1: is there an impairment of mind or brain?"},
    )
    impairment_details = forms.CharField(
        label="The impairment or disturbance", widget=forms.Textarea, required=False
    )
    unable_to = forms.MultipleChoiceField(
        label="Stage 2: is the person unable to do any of these? (any one means they cannot "
        "make the decision)",
        choices=[(k, f"Unable to {v}") for k, v in FUNCTIONAL_ABILITIES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    functional_details = forms.CharField(
        label="Why they are unable (or able) to make the decision",
        widget=forms.Textarea,
        required=False,
    )
    assessed_on = forms.DateField(
        label="Date of the assessment (for example 01/12/2026; blank for today)",
        input_formats=DATE_FORMATS,
        required=False,
        error_messages={"invalid": "Enter the date like 01/12/2026"},
    )


class BestInterestsForm(forms.Form):
    capacity_assessment = forms.ChoiceField(
        label="The capacity assessment that found the person lacks capacity for this decision",
        error_messages={"required": "Choose the capacity assessment for this decision"},
    )
    decision = forms.CharField(
        label="The decision taken in the person's best interests",
        widget=forms.Textarea,
        error_messages={"required": "Enter the decision taken in the person's best interests"},
    )
    wishes_and_feelings = forms.CharField(
        label="The person's wishes and feelings, beliefs and values",
        widget=forms.Textarea,
        error_messages={"required": "Record the person's wishes and feelings"},
    )
    consulted = forms.CharField(
        label="Who was consulted (family, carers, attorney or deputy, advocate) and what they said",
        widget=forms.Textarea,
        error_messages={"required": "Record who was consulted"},
    )
    less_restrictive_options = forms.CharField(
        label="Less restrictive options considered, and why they were not chosen",
        widget=forms.Textarea,
        error_messages={"required": "Record the less restrictive options considered"},
    )

    def __init__(self, *args, assessments=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["capacity_assessment"].choices = [("", "Choose")] + [
            (str(a.uuid), f"{a.decision} (assessed {a.assessed_on:%d %b %Y})") for a in assessments
        ]


class AuthorityForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of authority",
        choices=LegalAuthority.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of power of attorney or deputyship"},
    )
    holder_name = forms.CharField(
        label="Attorney's or deputy's name",
        max_length=200,
        error_messages={"required": "Enter the attorney's or deputy's name"},
    )
    holder_relationship = forms.CharField(
        label="Relationship to the person", max_length=100, required=False
    )
    registered_on = forms.DateField(
        label="Registered with the Office of the Public Guardian, or court order made, on "
        "(for example 14/02/2023)",
        input_formats=DATE_FORMATS,
        error_messages={
            "required": "Enter the date it was registered",
            "invalid": "Enter the date like 14/02/2023",
        },
    )
    reference = forms.CharField(
        label="OPG or Court of Protection reference",
        max_length=50,
        error_messages={"required": "Enter the OPG or Court of Protection reference"},
    )
    scope_notes = forms.CharField(
        label="Conditions or restrictions", widget=forms.Textarea, required=False
    )
    life_sustaining_treatment = forms.BooleanField(
        label="Gives authority over life-sustaining treatment", required=False
    )
    holder_user = forms.ChoiceField(label="Their portal sign-in", required=False)

    def __init__(self, *args, portal_users=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder_user"].choices = [("", "None")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in portal_users
        ]


class ReferralConsentForm(forms.Form):
    """Who agreed to a referral, how and when; or that it is made in the person's best interests."""

    basis = forms.ChoiceField(
        label="Does the person agree to be referred?",
        choices=[
            ("agreed", "Yes: they (or their attorney or deputy) agreed"),
            (
                "best_interests",
                "They cannot decide about it and it is in their best interests (a capacity "
                "assessment finding so is recorded)",
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person agrees to be referred"},
    )
    given_by = forms.CharField(
        label="Who agreed (for example: Edith herself)", max_length=200, required=False
    )
    method = forms.ChoiceField(
        label="How",
        choices=[("in_person", "In person"), ("phone", "By phone"), ("written", "In writing")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say how they agreed, or how you checked"},
    )
    given_on = forms.DateField(
        label="When (for example 01/12/2026)",
        input_formats=DATE_FORMATS,
        error_messages={
            "required": "Enter the date they agreed",
            "invalid": "Enter the date like 01/12/2026",
        },
    )
