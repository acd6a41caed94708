from __future__ import annotations

from django import forms
from django.utils import timezone

from caretrust.meetings.models import Discussion, Meeting
from caretrust.organisations.models import Team, User


def _required(message: str) -> dict:
    return {"required": message}


def _members(team: Team) -> list[User]:
    return list(
        User.objects.filter(
            team_memberships__team=team,
            is_active=True,
            role__in=[User.Role.PRACTITIONER, User.Role.COORDINATOR],
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


class ScheduleForm(forms.Form):
    team = forms.ChoiceField(label="Team", error_messages=_required("Choose the team"))
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the date of the meeting",
            "invalid": "Enter a real date",
        },
    )
    time = forms.TimeField(
        label="Time",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={
            "required": "Enter the time it starts",
            "invalid": "Enter a time like 14:30",
        },
    )
    place = forms.CharField(label="Where (optional)", max_length=200, required=False)

    def __init__(self, *args, teams: list[Team], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        self.fields["team"].choices = [(str(t.pk), t.name) for t in teams]
        if len(teams) == 1:
            self.fields["team"].initial = str(teams[0].pk)

    def chosen_team(self) -> Team:
        return self.teams[self.cleaned_data["team"]]

    def starts_at(self):
        from datetime import datetime

        moment = datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return timezone.make_aware(moment)


class ActionFields(forms.Form):
    action_title = forms.CharField(label="Action", max_length=200, required=False)
    action_owner = forms.ChoiceField(label="Who will do it", required=False)
    action_due = forms.DateField(
        label="Due by",
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        error_messages={"invalid": "Enter a real date"},
    )

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(u.pk): u for u in _members(team)}
        self.fields["action_owner"].choices = [("", "Choose a member of the team")] + [
            (pk, f"{u.get_full_name()} ({u.role_label})") for pk, u in self.members.items()
        ]

    def owner(self) -> User | None:
        return self.members.get(self.cleaned_data.get("action_owner") or "")


class ActionForm(ActionFields):
    def clean(self):
        data = super().clean()
        if not (data.get("action_title") or "").strip():
            self.add_error("action_title", "Say what the action is")
        if not data.get("action_owner"):
            self.add_error("action_owner", "Choose who will do it")
        if not data.get("action_due") and "action_due" not in self.errors:
            self.add_error("action_due", "Enter the date it is due")
        return data


class DiscussionForm(ActionFields):
    attendees = forms.MultipleChoiceField(
        label="Who took part", error_messages=_required("Choose who took part")
    )
    note = forms.CharField(
        label="Note of the discussion",
        widget=forms.Textarea,
        error_messages=_required("Write a note of the discussion"),
    )
    decision = forms.CharField(
        label="Decision", widget=forms.Textarea, error_messages=_required("Write the decision")
    )
    consent_basis = forms.ChoiceField(
        label="Basis for discussing the person",
        choices=Discussion.ConsentBasis.choices,
        widget=forms.RadioSelect,
        initial=Discussion.ConsentBasis.DIRECT_CARE,
        error_messages=_required("Choose the basis for discussing the person"),
    )
    field_order = [
        "attendees",
        "note",
        "decision",
        "consent_basis",
        "action_title",
        "action_owner",
        "action_due",
    ]

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, team=team, **kwargs)
        self.fields["attendees"].choices = [
            (pk, f"{u.get_full_name()} ({u.role_label})") for pk, u in self.members.items()
        ]

    def chosen_attendees(self) -> list[User]:
        return [self.members[pk] for pk in self.cleaned_data["attendees"] if pk in self.members]


class AddPersonForm(forms.Form):
    meeting = forms.ChoiceField(
        label="Which meeting",
        widget=forms.RadioSelect,
        error_messages=_required("Choose a meeting"),
    )
    reason = forms.CharField(label="Why discuss them (optional)", max_length=300, required=False)

    def __init__(self, *args, meetings: list[Meeting], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.meetings = {str(m.pk): m for m in meetings}
        self.fields["meeting"].choices = [
            (
                str(m.pk),
                f"{m.team.name}, {timezone.localtime(m.starts_at):%A %d %B %Y at %H:%M}",
            )
            for m in meetings
        ]

    def chosen_meeting(self) -> Meeting:
        return self.meetings[self.cleaned_data["meeting"]]
