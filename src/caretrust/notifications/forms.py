from __future__ import annotations

from django import forms

from caretrust.notifications.models import Kind


class EmailChoicesForm(forms.Form):
    by_email = forms.MultipleChoiceField(
        label="Also send me an email when",
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
