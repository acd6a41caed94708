from __future__ import annotations

from django import forms

from caretrust.organisations.models import Team, User


class MessageForm(forms.Form):
    send_to = forms.ChoiceField(
        label="Send to", error_messages={"required": "Choose a colleague or a team"}
    )
    subject = forms.CharField(
        label="Subject", max_length=200, error_messages={"required": "Enter a subject"}
    )
    body = forms.CharField(
        label="Message", widget=forms.Textarea, error_messages={"required": "Write your message"}
    )

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = list(Team.objects.filter(memberships__user=actor).order_by("name"))
        colleagues = list(
            User.objects.filter(
                is_active=True, role__in=[User.Role.PRACTITIONER, User.Role.COORDINATOR]
            )
            .exclude(pk=actor.pk)
            .order_by("first_name", "last_name")
        )
        self.fields["send_to"].choices = (
            [("", "Choose a colleague or a team")]
            + [(f"user:{u.pk}", f"{u.get_full_name()} ({u.role_label})") for u in colleagues]
            + [
                (f"team:{t.pk}", f"{t.name} (everyone in the team who cares for them)")
                for t in teams
            ]
        )

    def recipient(self) -> dict:
        kind, pk = self.cleaned_data["send_to"].split(":")
        if kind == "team":
            return {"recipient_team": Team.objects.get(pk=pk)}
        return {"recipient_user": User.objects.get(pk=pk)}


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply", widget=forms.Textarea, error_messages={"required": "Write your reply"}
    )
