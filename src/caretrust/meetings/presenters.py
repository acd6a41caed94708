"""MDT meetings as plain values for NHS.UK templates: who a member may see on an agenda, and how
many they may not."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from caretrust.meetings.access_rules import sees_on_agenda
from caretrust.meetings.models import AgendaItem, Meeting


def when(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%A %d %B %Y at %H:%M}"


@dataclass(frozen=True)
class AgendaRow:
    person: str
    url: str
    source: str
    reason: str
    discussed: bool


@dataclass(frozen=True)
class AgendaView:
    rows: list[AgendaRow]
    shown: list[AgendaItem]
    hidden: int

    @property
    def hidden_text(self) -> str:
        if not self.hidden:
            return ""
        people = "person" if self.hidden == 1 else "people"
        return f"{self.hidden} {people} you do not have a relationship with"


def agenda_for(user, items: list[AgendaItem]) -> AgendaView:
    shown = [item for item in items if sees_on_agenda(user, item)]
    rows = [
        AgendaRow(
            person=item.person.display_name,
            url=reverse("meetings:item", args=[item.meeting.uuid, item.pk]),
            source=item.get_source_display(),
            reason=item.reason,
            discussed=hasattr(item, "discussion"),
        )
        for item in shown
    ]
    return AgendaView(rows, shown, len(items) - len(shown))
