from __future__ import annotations

from django import forms

from caretrust.careplans.models import PlannedService, VisitKind
from caretrust.organisations.models import Organisation, Team, User


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
        label="Team (needed when the provider has teams in caretrust)",
        queryset=Team.objects.all(),
        required=False,
        empty_label="No particular team",
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
        # Every planned service names who visits (issue #15): a provider whose teams are in
        # caretrust (the trust's locality teams) must be given one; an independent provider with
        # no teams here is named by the organisation.
        cleaned = super().clean()
        provider, team = cleaned.get("provider_organisation"), cleaned.get("provider_team")
        if provider is not None and team is None and provider.hosted_teams.exists():
            self.add_error("provider_team", f"Choose the {provider.name} team that will visit")
        return cleaned


class MemberForm(VersionedForm):
    user = forms.ModelChoiceField(
        label="Practitioner",
        required=False,
        empty_label="Choose a practitioner",
        queryset=User.objects.filter(
            role__in=[User.Role.PRACTITIONER, User.Role.COORDINATOR], is_active=True
        ),
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
