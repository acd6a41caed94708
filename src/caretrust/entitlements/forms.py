from __future__ import annotations

from django import forms


class S117Form(forms.Form):
    detention = forms.CharField(
        label="Section and where the person was detained",
        max_length=300,
        error_messages={"required": "Enter the section and where the person was detained"},
    )
    s117_start = forms.DateField(
        label="Aftercare entitlement from",
        error_messages={"required": "Enter the start date", "invalid": "Enter a real date"},
    )
    s117_end = forms.DateField(label="Until (optional)", required=False)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "detention": data["detention"],
            "start": data["s117_start"],
            "end": data["s117_end"],
        }


class ReablementForm(forms.Form):
    goal = forms.CharField(label="What the person wants to regain", max_length=300, required=False)
    reablement_start = forms.DateField(
        label="Reablement starts",
        error_messages={"required": "Enter the start date", "invalid": "Enter a real date"},
    )
    reablement_end = forms.DateField(label="Ends (optional: six weeks on if empty)", required=False)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "goal": data["goal"],
            "start": data["reablement_start"],
            "end": data["reablement_end"],
        }
