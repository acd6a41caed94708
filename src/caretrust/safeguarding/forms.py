from __future__ import annotations

from django import forms

from caretrust.safeguarding.models import (
    ABUSE_TYPES,
    Enquiry,
    Location,
    SafeguardingAdultsReview,
    SourceOfRisk,
)

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"]
YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ConcernForm(forms.Form):
    facts = forms.CharField(
        label="What has happened, or what have you seen or been told?",
        widget=forms.Textarea,
        error_messages={"required": "Say what has happened or what you have seen"},
    )
    abuse_types = forms.MultipleChoiceField(
        label="What kind of abuse or neglect do you suspect? (choose all that apply)",
        choices=list(ABUSE_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one type of abuse or neglect suspected"},
    )
    location = forms.ChoiceField(
        label="Where did it happen, or where is the risk?",
        choices=[("", "Choose"), *Location.choices],
        error_messages={"required": "Choose where the abuse or neglect happened"},
    )
    source_of_risk = forms.ChoiceField(
        label="Who is the source of risk?",
        choices=SourceOfRisk.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who the source of risk is"},
    )
    immediate_actions = forms.CharField(
        label="What have you done already to keep them safe? (optional)",
        widget=forms.Textarea,
        required=False,
    )
    person_wishes = forms.CharField(
        label="What does the person want to happen, in their words? (optional)",
        widget=forms.Textarea,
        required=False,
    )


class DecisionForm(forms.Form):
    care_and_support_needs = forms.ChoiceField(
        label="(a) Does the adult have needs for care and support (whether or not the council is "
        "meeting any of them)?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer criterion (a): needs for care and support"},
    )
    care_and_support_needs_evidence = forms.CharField(
        label="Evidence for (a)", widget=forms.Textarea, required=False
    )
    abuse_or_neglect = forms.ChoiceField(
        label="(b) Is the adult experiencing, or at risk of, abuse or neglect?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer criterion (b): abuse or neglect"},
    )
    abuse_or_neglect_evidence = forms.CharField(
        label="Evidence for (b)", widget=forms.Textarea, required=False
    )
    unable_to_protect = forms.ChoiceField(
        label="(c) As a result of those needs, is the adult unable to protect themself against "
        "the abuse or neglect or the risk of it?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer criterion (c): unable to protect themself"},
    )
    unable_to_protect_evidence = forms.CharField(
        label="Evidence for (c)", widget=forms.Textarea, required=False
    )
    route = forms.ChoiceField(
        label="What happens next?",
        choices=[
            ("s42", "Section 42 enquiry (all three criteria met)"),
            ("other", "Other safeguarding enquiry (not all met, but necessary and proportionate)"),
            ("nfa", "No further safeguarding action"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens next"},
    )
    caused_to_enquire = forms.ChoiceField(
        label="Who makes the enquiries?",
        choices=Enquiry.CausedBy.choices,
        initial=Enquiry.CausedBy.COUNCIL,
        required=False,
    )
    reasons = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea,
        error_messages={"required": "Give the reasons for the decision"},
    )


class OutcomesForm(forms.Form):
    asked = forms.ChoiceField(
        label="Was the person (or their representative) asked what they want to happen?",
        choices=Enquiry.MspAsked.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person was asked what they want to happen"},
    )
    desired_outcomes = forms.CharField(
        label="The outcomes they want, in their own words", widget=forms.Textarea, required=False
    )
    not_asked_reason = forms.CharField(
        label="If they were not asked, why not", widget=forms.Textarea, required=False
    )
    lacked_capacity = forms.ChoiceField(
        label="Did they lack capacity to take part in decisions about the enquiry?",
        choices=[("", "Choose"), *Enquiry.Capacity.choices],
        required=False,
    )
    advocate = forms.ChoiceField(
        label="Were they supported by an advocate (Care Act s68)?",
        choices=[("", "Choose"), *YES_NO],
        required=False,
    )


class RiskForm(forms.Form):
    assessment = forms.CharField(
        label="Risk assessment",
        widget=forms.Textarea,
        error_messages={"required": "Write the risk assessment"},
    )
    risk_found = forms.ChoiceField(
        label="What did the assessment find?",
        choices=Enquiry.RiskFound.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the assessment found"},
    )


class PlanActionForm(forms.Form):
    action = forms.CharField(
        label="Action", max_length=500, error_messages={"required": "Say what will be done"}
    )
    owner = forms.CharField(
        label="Who will do it", max_length=200, error_messages={"required": "Say who will do it"}
    )
    due = forms.DateField(
        label="By when (for example 15/12/2026)",
        input_formats=DATE_FORMATS,
        error_messages={
            "required": "Enter the date it will be done by",
            "invalid": "Enter the date like 15/12/2026",
        },
    )


class ConcludeForm(forms.Form):
    ceased_at_request = forms.BooleanField(
        label="The enquiry ceased at the person's request", required=False
    )
    action_taken = forms.ChoiceField(
        label="Was action taken?", choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    risk_result = forms.ChoiceField(
        label="Where a risk was identified and action taken: the risk result",
        choices=Enquiry.RiskResult.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    msp_achieved = forms.ChoiceField(
        label="Were the outcomes the person wanted achieved?",
        choices=Enquiry.Achieved.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    outcome_summary = forms.CharField(
        label="Outcome of the enquiry",
        widget=forms.Textarea,
        error_messages={"required": "Summarise the outcome of the enquiry"},
    )


class YearForm(forms.Form):
    year = forms.ChoiceField(label="Financial year")


class ReviewForm(forms.Form):
    basis = forms.ChoiceField(
        label="Is the review mandatory or discretionary?",
        choices=SafeguardingAdultsReview.Basis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the review is mandatory or discretionary"},
    )
    decided_on = forms.DateField(
        label="When did the Safeguarding Adults Board decide? (for example 15/12/2026)",
        input_formats=DATE_FORMATS,
        error_messages={
            "required": "Enter the date the board decided to hold the review",
            "invalid": "Enter the date like 15/12/2026",
        },
    )
    adult_died = forms.ChoiceField(
        label="Did the adult die?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the adult died"},
    )
    sab_reference = forms.CharField(
        label="The board's name for the review, if it covers several adults (optional)",
        max_length=60,
        required=False,
    )
