"""MDT meetings as plain values for NHS.UK templates: who a member may see on an agenda, and how
many they may not."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

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


def agenda_for(shown: list[AgendaItem], hidden: int) -> AgendaView:
    """The agenda as the member sees it: the items `selectors.agenda_shown` let them see, and how
    many others there are."""
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
    return AgendaView(rows, shown, hidden)
