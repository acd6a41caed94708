from __future__ import annotations

from django import forms

from caretrust.careplans.models import PlannedService, VisitKind
from caretrust.organisations.models import Organisation, Team, User

# Who can be named to visit: active staff who give care.
_VISITORS = User.objects.filter(
    role__in=[User.Role.PRACTITIONER, User.Role.COORDINATOR], is_active=True
).order_by("last_name", "first_name")


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlanDetailsForm(VersionedForm):
    goals = forms.CharField(
        label="Goals, in the person's own words (one a line)",
        widget=forms.Textarea,
        error_messages={"required": "Enter at least one goal in the person's words"},
    )
    review_date = forms.DateField(
        label="Review date",
        error_messages={
            "required": "Enter a review date",
            "invalid": "Review date must be a real date",
        },
    )

    def goal_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["goals"].splitlines() if line.strip()]


class ServiceForm(VersionedForm):
    kind = forms.ChoiceField(
        label="Service",
        choices=[("", "Choose a service"), *PlannedService.Kind.choices],
        error_messages={"required": "Choose the service"},
    )
    description = forms.CharField(label="Details (optional)", required=False, max_length=300)
    provider_organisation = forms.ModelChoiceField(
        label="Provided by",
        queryset=Organisation.objects.all(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose who provides the service"},
    )
    provider_team = forms.ModelChoiceField(
        label="Team who visits",
        queryset=Team.objects.all(),
        required=False,
        empty_label="Choose a team",
    )
    provider_practitioner = forms.ModelChoiceField(
        label="or a named practitioner who visits",
        queryset=_VISITORS,
        required=False,
        empty_label="Choose a practitioner",
    )
    workers_needed = forms.TypedChoiceField(
        label="Workers needed at each visit",
        choices=[(1, "One worker"), (2, "Two workers (double-handed)")],
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,
    )
    second_worker_team = forms.ModelChoiceField(
        label="Team the second worker comes from (if not the same team)",
        queryset=Team.objects.all(),
        required=False,
        empty_label="The same team",
    )
    frequency = forms.IntegerField(
        label="How many visits",
        min_value=1,
        max_value=7,
        initial=1,
        error_messages={"required": "Enter how many visits"},
    )
    per = forms.ChoiceField(label="Per", choices=PlannedService.Period.choices, initial="week")
    hours_per_visit = forms.DecimalField(
        label="Hours per visit (optional)",
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=2,
    )
    start = forms.DateField(
        label="Start date",
        error_messages={
            "required": "Enter a start date",
            "invalid": "Start date must be a real date",
        },
    )
    end = forms.DateField(label="End date (optional)", required=False)
    visit_kind = forms.ChoiceField(
        label="Kind of visit (if not the usual for this service)",
        choices=[("", "The usual for this service"), *VisitKind.choices],
        required=False,
    )
    funding_stream = forms.ChoiceField(
        label="Funding stream",
        choices=[("", "Choose who funds it"), *PlannedService.FundingStream.choices],
        error_messages={"required": "Choose the funding stream"},
    )

    def clean(self) -> dict:
        # Every planned service names who visits (issue #15, ADR 72), a team or a named
        # practitioner: visits with neither appear on nobody's list.
        cleaned = super().clean()
        team, practitioner = cleaned.get("provider_team"), cleaned.get("provider_practitioner")
        if team is None and practitioner is None:
            self.add_error("provider_team", "Choose the team or the named practitioner who visits")
        elif team is not None and practitioner is not None:
            self.add_error("provider_team", "Choose a team or a named practitioner, not both")
        if (
            cleaned.get("workers_needed") == 2
            and team is None
            and cleaned.get("second_worker_team") is None
        ):
            self.add_error("second_worker_team", "Choose the team the second worker comes from")
        return cleaned


class WhoVisitsForm(VersionedForm):
    """Name who delivers a service that has nobody named (an orphaned service)."""

    provider_team = forms.ModelChoiceField(
        label="Team who visits",
        queryset=Team.objects.all(),
        required=False,
        empty_label="Choose a team",
    )
    provider_practitioner = forms.ModelChoiceField(
        label="or a named practitioner who visits",
        queryset=_VISITORS,
        required=False,
        empty_label="Choose a practitioner",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        team, practitioner = cleaned.get("provider_team"), cleaned.get("provider_practitioner")
        if (team is None) == (practitioner is None):
            self.add_error("provider_team", "Choose a team or a named practitioner who visits")
        return cleaned


class MemberForm(VersionedForm):
    user = forms.ModelChoiceField(
        label="Practitioner",
        required=False,
        empty_label="Choose a practitioner",
        queryset=_VISITORS,
    )
    team = forms.ModelChoiceField(
        label="or a team", required=False, queryset=Team.objects.all(), empty_label="Choose a team"
    )
    role = forms.CharField(
        label="Their role in the person's care",
        max_length=100,
        error_messages={"required": "Enter their role in the person's care"},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if bool(cleaned.get("user")) == bool(cleaned.get("team")):
            self.add_error("user", "Choose a practitioner or a team")
        return cleaned
