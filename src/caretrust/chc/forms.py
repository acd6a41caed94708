from __future__ import annotations

from datetime import date, datetime, time

from django import forms

from caretrust import clock
from caretrust.chc import rules
from caretrust.chc.models import ChcCase, ChcReview, FundedNursingCare

DATE_ERRORS = {"required": "Enter the date", "invalid": "Enter a real date"}


def _received_at(day: date) -> datetime:
    """The moment the ICB received it: now when it is today, else midday London that day."""
    if day == clock.today():
        return clock.now()
    return datetime.combine(day, time(12), tzinfo=clock.LONDON)


class ChecklistForm(forms.Form):
    completed_on = forms.DateField(
        label="Date the checklist was completed", error_messages=DATE_ERRORS
    )
    received_on = forms.DateField(
        label="Date the ICB received it (if positive: the 28-day clock starts)",
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, name in rules.CHECKLIST_DOMAINS.items():
            star = " (a domain with a DST Priority level)" if key in rules.PRIORITY_DOMAINS else ""
            self.fields[f"checklist_{key}"] = forms.ChoiceField(
                label=f"{name}{star}",
                choices=[("", "Choose"), *rules.CHECKLIST_LEVELS.items()],
                error_messages={"required": f"Choose A, B or C for {name.lower()}"},
            )

    def domain_fields(self) -> list[str]:
        return [f"checklist_{key}" for key in rules.CHECKLIST_DOMAINS]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "levels": {key: data[f"checklist_{key}"] for key in rules.CHECKLIST_DOMAINS},
            "completed_on": data["completed_on"],
            "received_at": _received_at(data["received_on"]),
        }


class FastTrackForm(forms.Form):
    clinician = forms.CharField(
        label="The appropriate clinician (name and role: a registered nurse or doctor caring for "
        "the person)",
        max_length=200,
        error_messages={"required": "Enter the appropriate clinician (name and role)"},
    )
    reason = forms.CharField(
        label="Why: the nature of the need and the rapid deterioration",
        widget=forms.Textarea,
        error_messages={"required": "Say why the person needs the Fast Track"},
    )


class DstForm(forms.Form):
    mdt = forms.CharField(
        label="The multidisciplinary team (one a line: name and profession; at least two)",
        widget=forms.Textarea,
        error_messages={"required": "Name the MDT: at least two professionals"},
    )
    recommendation = forms.ChoiceField(
        label="The MDT's recommendation",
        choices=[("", "Choose"), *ChcCase.Decision.choices],
        error_messages={"required": "Choose the MDT's recommendation"},
    )
    rationale = forms.CharField(
        label="The MDT's reasons (nature, intensity, complexity, unpredictability)",
        widget=forms.Textarea,
        error_messages={"required": "Give the MDT's reasons"},
    )
    completed_on = forms.DateField(label="Date of the assessment", error_messages=DATE_ERRORS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, (name, levels) in rules.DST_DOMAINS.items():
            self.fields[f"dst_{key}"] = forms.ChoiceField(
                label=name,
                choices=[("", "Choose"), *((lvl, rules.LEVEL_NAMES[lvl]) for lvl in levels)],
                error_messages={"required": f"Choose a level for {name.lower()}"},
            )

    def domain_fields(self) -> list[str]:
        return [f"dst_{key}" for key in rules.DST_DOMAINS]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "levels": {key: data[f"dst_{key}"] for key in rules.DST_DOMAINS},
            "mdt": data["mdt"],
            "recommendation": data["recommendation"],
            "rationale": data["rationale"],
            "completed_on": data["completed_on"],
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="The ICB's decision",
        choices=[("", "Choose"), *ChcCase.Decision.choices],
        error_messages={"required": "Choose the decision"},
    )
    reasons = forms.CharField(
        label="Reasons (sent to the person in writing)",
        widget=forms.Textarea,
        error_messages={"required": "Give the reasons for the decision"},
    )
    decider_role = forms.CharField(
        label="Your role (the ICB decision-maker)",
        max_length=200,
        error_messages={"required": "Enter your role"},
    )
    decided_on = forms.DateField(label="Date of the decision", error_messages=DATE_ERRORS)


class ReviewForm(forms.Form):
    done_on = forms.DateField(label="Date of the review", error_messages=DATE_ERRORS)
    outcome = forms.ChoiceField(
        label="What the review found",
        choices=[("", "Choose"), *ChcReview.Outcome.choices],
        error_messages={"required": "Choose what the review found"},
    )
    notes = forms.CharField(
        label="Notes", widget=forms.Textarea, error_messages={"required": "Record what it found"}
    )


class FncForm(forms.Form):
    nursing_home = forms.CharField(
        label="Nursing home", max_length=200, error_messages={"required": "Enter the nursing home"}
    )
    start = forms.DateField(label="Funded nursing care from", error_messages=DATE_ERRORS)
    band = forms.ChoiceField(
        label="Rate", choices=FundedNursingCare.Band.choices, initial="standard"
    )


class ReportForm(forms.Form):
    start = forms.DateField(label="From", error_messages=DATE_ERRORS)
    end = forms.DateField(label="To", error_messages=DATE_ERRORS)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end must be on or after the start")
        return data
