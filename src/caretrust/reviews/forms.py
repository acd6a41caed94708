from __future__ import annotations

from django import forms

from caretrust.reviews.models import Review

YES_NO = [("", "Choose"), ("yes", "Yes"), ("no", "No")]


class ReviewForm(forms.Form):
    done_on = forms.DateField(
        label="Date of the review",
        error_messages={"required": "Enter the date of the review", "invalid": "Enter a real date"},
    )
    method = forms.ChoiceField(
        label="How the review was done",
        choices=[("", "Choose"), *Review.Method.choices],
        error_messages={"required": "Choose how the review was done"},
    )
    participants = forms.CharField(
        label="Who took part (names and relationship or role)",
        widget=forms.Textarea,
        error_messages={"required": "Enter who took part in the review"},
    )
    person_took_part = forms.ChoiceField(
        label="Did the person take part?",
        choices=YES_NO,
        error_messages={"required": "Say whether the person took part"},
    )
    outcomes_met = forms.ChoiceField(
        label="Were the person's outcomes met?",
        choices=[("", "Choose"), *Review.OutcomesMet.choices],
        error_messages={"required": "Choose whether the person's outcomes were met"},
    )
    outcomes_notes = forms.CharField(
        label="About the outcomes (optional)", widget=forms.Textarea, required=False
    )
    changes = forms.CharField(
        label="What changes (optional)", widget=forms.Textarea, required=False
    )
    goals = forms.CharField(
        label="The plan's goals after the review, in the person's words (one a line)",
        widget=forms.Textarea,
        required=False,
    )
    result = forms.ChoiceField(
        label="What happens next",
        choices=Review.Result.choices,
        initial=Review.Result.CONTINUE,
    )
    next_review_by = forms.DateField(
        label="Next review by (optional: 12 months on if empty, and never later)",
        required=False,
        error_messages={"invalid": "Enter a real date"},
    )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["person_took_part"] = data["person_took_part"] == "yes"
        data["goals"] = [g.strip() for g in data["goals"].splitlines() if g.strip()]
        return data


class RescheduleForm(forms.Form):
    due_by = forms.DateField(
        label="New date the review is due by",
        error_messages={"required": "Enter the new date", "invalid": "Enter a real date"},
    )
    reason = forms.CharField(
        label="Why the date changes",
        error_messages={"required": "Say why the review date is changing"},
    )


class RequestForm(forms.Form):
    asked_by = forms.CharField(
        label="Who asked for a review, and why",
        error_messages={"required": "Say who asked for the review and why"},
    )
