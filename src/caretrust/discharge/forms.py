"""Discharge forms. Messages follow the NHS.UK error message guidance: say what to do."""

from __future__ import annotations

from django import forms

from caretrust.discharge.models import Discharge
from caretrust.entitlements.models import ReablementEpisode

_DATE = {"required": "Enter a date", "invalid": "Enter a real date"}


class RecordDischargeForm(forms.Form):
    discharged_on = forms.DateField(
        label="Date the person left hospital",
        error_messages={
            "required": "Enter the date the person left hospital",
            "invalid": "Enter a real date",
        },
    )
    destination = forms.ChoiceField(
        label="Where did they go?",
        choices=Discharge.Destination.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the person went"},
    )
    delay_reason = forms.CharField(
        label="Why they left after their ready date (if they did)",
        max_length=300,
        required=False,
    )


class ReadyDateForm(forms.Form):
    ready_date = forms.DateField(label="New discharge ready date", error_messages=_DATE)
    reason = forms.CharField(
        label="Why it changed",
        max_length=300,
        error_messages={"required": "Say why the discharge ready date changed"},
    )


class CancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label="Why the person will not be discharged through us",
        max_length=300,
        error_messages={"required": "Say why this discharge is cancelled"},
    )


class StartReablementForm(forms.Form):
    start = forms.DateField(
        label="Reablement starts",
        error_messages={
            "required": "Enter the date reablement starts",
            "invalid": "Enter a real date",
        },
    )
    goal = forms.CharField(label="What the person wants to regain", max_length=300, required=False)


class ReablementOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happened at the end of reablement",
        choices=ReablementEpisode.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened at the end of reablement"},
    )
    ended_on = forms.DateField(
        label="Date reablement ended",
        error_messages={
            "required": "Enter the date reablement ended",
            "invalid": "Enter a real date",
        },
    )
