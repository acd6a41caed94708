from __future__ import annotations

from django import forms

from caretrust.organisations.models import Team, User
from caretrust.workspace.models import Task


def _required(message: str) -> dict:
    return {"required": message}


class TaskForm(forms.Form):
    title = forms.CharField(
        label="What needs doing", max_length=200, error_messages=_required("Say what needs doing")
    )
    description = forms.CharField(label="Details (optional)", widget=forms.Textarea, required=False)
    assign_to = forms.ChoiceField(
        label="Who will do it", error_messages=_required("Choose a person or a team")
    )
    due_date = forms.DateField(
        label="Due by",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date it is due", "invalid": "Enter a real date"},
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=Task.Priority.choices,
        widget=forms.RadioSelect,
        initial=Task.Priority.ROUTINE,
        error_messages=_required("Choose how urgent it is"),
    )

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = list(Team.objects.filter(memberships__user=actor).order_by("name"))
        people = list(
            User.objects.filter(
                is_active=True,
                role__in=[User.Role.PRACTITIONER, User.Role.COORDINATOR],
                team_memberships__team__in=teams,
            )
            .distinct()
            .order_by("first_name", "last_name")
        )
        self.fields["assign_to"].choices = (
            [("", "Choose a person or a team")]
            + [(f"user:{u.pk}", f"{u.get_full_name()} ({u.role_label})") for u in people]
            + [(f"team:{t.pk}", f"{t.name} (anyone in the team)") for t in teams]
        )

    def assignee(self) -> dict:
        kind, pk = self.cleaned_data["assign_to"].split(":")
        if kind == "team":
            return {"assigned_team": Team.objects.get(pk=pk)}
        return {"assigned_user": User.objects.get(pk=pk)}


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Add a comment", widget=forms.Textarea, error_messages=_required("Write your comment")
    )


class CompleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.CharField(
        label="What was done (optional)", widget=forms.Textarea, required=False
    )


class StaffForm(forms.Form):
    first_name = forms.CharField(
        label="First name", error_messages=_required("Enter their first name")
    )
    last_name = forms.CharField(
        label="Last name", error_messages=_required("Enter their last name")
    )
    username = forms.CharField(label="User name", error_messages=_required("Enter a user name"))
    email = forms.EmailField(label="Email", required=False)
    role = forms.ChoiceField(label="Role", error_messages=_required("Choose their role"))
    profession = forms.ChoiceField(
        label="Profession (practitioners only)",
        choices=[("", "Not a practitioner"), *User.Profession.choices],
        required=False,
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        error_messages=_required("Choose their organisation"),
    )
    team = forms.ModelChoiceField(
        label="Team (optional)",
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="No team yet",
    )
    password = forms.CharField(
        label="First password (they change it after signing in)",
        widget=forms.PasswordInput,
        error_messages=_required("Enter a first password"),
    )

    def __init__(self, *args, **kwargs) -> None:
        from caretrust.organisations.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role")] + [
            (v, label) for v, label in User.Role.choices if v not in ("person", "carer")
        ]
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")


class AddToTeamForm(forms.Form):
    team = forms.ModelChoiceField(
        label="Add to team",
        queryset=Team.objects.order_by("name"),
        error_messages=_required("Choose a team"),
    )


class CloseAccountForm(forms.Form):
    reason = forms.CharField(
        label="Why is the account being closed?",
        widget=forms.Textarea,
        error_messages=_required("Say why the account is closed"),
    )
