"""The evaluation form: design, outcome, treated area and localities, start date, comparison pool.

The choices come from the data (its areas and localities). The checks here are the ones a person
can fix on the form; what the design itself cannot answer (too few donors, no pre-period, failed
balance) comes back from the library as a refusal in words on the result page."""

from __future__ import annotations

import datetime as dt

from django import forms

from caretrust.evaluation.running import DESIGN_TITLES, Place
from caretrust.population.evaluation.prepare import OUTCOMES


class EvaluationForm(forms.Form):
    design = forms.ChoiceField(
        label="Design",
        choices=list(DESIGN_TITLES.items()),
        help_text="A matched cohort compares people; the area designs compare places; synthetic "
        "control needs 10 or more donor areas; staggered starts need each locality's date.",
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=[(k, o.label) for k, o in OUTCOMES.items()]
    )
    treated_area = forms.ChoiceField(label="Area that integrated")
    localities = forms.MultipleChoiceField(
        label="Localities that integrated (leave all unticked for the whole area)",
        required=False,
        widget=forms.SelectMultiple,
    )
    start = forms.DateField(
        label="Start of integration (YYYY-MM-DD)",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the start as a date, like 2019-04-01"},
    )
    locality_starts = forms.CharField(
        label="Staggered starts (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="One line per locality that started on its own date, like "
        "paignton=2020-04-01. Others start on the date above.",
    )
    comparison_areas = forms.MultipleChoiceField(
        label="Comparison areas (leave all unticked for every other area)",
        required=False,
        widget=forms.SelectMultiple,
    )
    pre_years = forms.IntegerField(
        label="Years before the start to analyse", min_value=1, max_value=10
    )
    seed = forms.IntegerField(
        label="Seed",
        min_value=0,
        max_value=2**31 - 1,
        help_text="For bootstraps: the same data, settings and seed give the same result.",
    )

    def __init__(self, *args, place: Place, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.place = place
        self.fields["treated_area"].choices = [
            (name, f"{name.title()} ({place.people(name):,} people)") for name in place.names
        ]
        self.fields["localities"].choices = [
            (f"{area}:{locality}", f"{locality.title()} ({area.title()})")
            for area in place.names
            for locality in sorted(place.areas[area])
            if len(place.areas[area]) > 1
        ]
        self.fields["comparison_areas"].choices = [(name, name.title()) for name in place.names]

    @staticmethod
    def initial_for(place: Place, start: dt.date) -> dict:
        treated = "torbay" if "torbay" in place.areas else place.names[0]
        return {
            "design": "matched_did",
            "outcome": "emergency_admissions",
            "treated_area": treated,
            "start": start.isoformat(),
            "pre_years": 3,
            "seed": 1,
        }

    def clean(self) -> dict:
        data = super().clean()
        area = data.get("treated_area")
        if not area:
            return data
        chosen = []
        for value in data.get("localities") or []:
            owner, _, locality = value.partition(":")
            if owner != area:
                self.add_error(
                    "localities", f"{locality.title()} is not in {area.title()}: tick only its own"
                )
                return data
            chosen.append(locality)
        data["treated_localities"] = tuple(chosen)
        comparisons = tuple(data.get("comparison_areas") or ())
        if area in comparisons:
            self.add_error(
                "comparison_areas",
                f"{area.title()} is the area that integrated: it cannot also be a comparison",
            )
        starts = []
        for number, line in enumerate((data.get("locality_starts") or "").splitlines(), 1):
            if not line.strip():
                continue
            name, sep, day = line.partition("=")
            name = name.strip().lower()
            try:
                when = dt.date.fromisoformat(day.strip())
            except ValueError:
                when = None
            if not sep or when is None:
                self.add_error(
                    "locality_starts",
                    f"Line {number}: write a locality and its start, like paignton=2020-04-01",
                )
                return data
            if name not in self.place.areas.get(area, {}):
                self.add_error(
                    "locality_starts", f"Line {number}: {name} is not a locality of {area.title()}"
                )
                return data
            starts.append((name, when))
        data["staggered"] = tuple(starts)
        return data
