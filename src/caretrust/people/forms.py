from __future__ import annotations

from django import forms


class UnmergeForm(forms.Form):
    reason = forms.CharField(
        min_length=10,
        max_length=2000,
        error_messages={
            "required": "Say why these records are not the same person",
            "min_length": "Say why in at least 10 characters",
        },
    )
