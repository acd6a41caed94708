from __future__ import annotations

from django import forms

from caretrust.feedback.surveys import Survey


class SurveyForm(forms.Form):
    """One optional radio question per survey question; at least one must be answered."""

    def __init__(self, *args, survey: Survey, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        for question in survey.questions:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=list(question.answers),
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choose one of the answers"},
            )

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not any(data.get(q.key) for q in self.survey.questions):
            first = self.survey.questions[0].key
            self.add_error(first, "Answer at least one question, or leave the survey")
        return data
