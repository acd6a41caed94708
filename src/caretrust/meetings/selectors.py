"""Reads for MDT meetings, and the two lists an agenda is built from (case finding, breaches)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.meetings.models import AgendaItem, Meeting, TeamMeetingSettings
from caretrust.organisations.models import Organisation, Team, User
from caretrust.people.models import Person

DEFAULT_CASE_FINDING_PLACES = 5


def agenda_item_for(viewer: User, uuid, pk: int) -> AgendaItem:
    """One agenda item for its page: Http404 if there is none, PermissionDenied (the refusal
    noted) if `viewer` may not see the meeting or discuss the item, else the item with the read
    of its person recorded (ADR 107)."""
    meeting = get_object_or_404(Meeting.objects.select_related("team"), uuid=uuid)
    policy.require(viewer, "meetings.view", meeting)
    item = get_object_or_404(
        AgendaItem.objects.select_related("person", "meeting__team"), meeting=meeting, pk=pk
    )
    audit.authorised_read(
        viewer, "meetings.discuss", item, person=item.person, purpose="meetings.item", obj=item
    )
    return item


def person_to_add(viewer: User, ref) -> Person:
    """The person for "add to an MDT meeting": Http404 if there is none (or merged away),
    PermissionDenied (the refusal noted) if `viewer` may not add them, else the person with the
    read recorded (ADR 107)."""
    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        "meetings.add_person",
        person,
        person=person,
        purpose="meetings.add_person",
        obj=person,
    )
    return person


def locality_teams_of(user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user, kind=Team.Kind.LOCALITY_MDT).order_by("name")


def meetings_for(user: User) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(team__in=locality_teams_of(user).values("id"))
        .select_related("team")
        .order_by("-starts_at", "-id")
    )


def upcoming_meetings_for(user: User) -> QuerySet[Meeting]:
    return meetings_for(user).filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")


def agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(
        meeting.agenda.select_related("person", "added_by", "discussion").order_by("position", "id")
    )


def agenda_shown(viewer: User, meeting: Meeting) -> tuple[list[AgendaItem], int]:
    """The meeting's agenda items about people `viewer` may see on it (a relationship, or a
    case-finding entry they may refer from), each person's read recorded like any list page's;
    and how many other items there are (counted, never named)."""
    from caretrust.meetings.access_rules import sees_on_agenda

    items = agenda(meeting)
    shown = [item for item in items if sees_on_agenda(viewer, item)]
    audit.people_shown(actor=viewer, objects=shown, object_type="meetings.agenda")
    return shown, len(items) - len(shown)


def case_finding_places(team: Team) -> int:
    found = TeamMeetingSettings.objects.filter(team=team).values_list(
        "case_finding_places", flat=True
    )
    return next(iter(found), DEFAULT_CASE_FINDING_PLACES)


@dataclass(frozen=True)
class Candidate:
    person: Person
    reason: str


def team_practices(team: Team) -> list[Organisation]:
    """The GP practices of the team's locality (Torbay aligned each zone's team with them)."""
    if team.locality_id is None:
        return []
    return list(
        Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE, locality=team.locality_id)
    )


def case_finding_candidates(team: Team, places: int) -> list[Candidate]:
    """The top of the case-finding list for the team's practices, highest risk first, leaving out
    people already on a care plan (draft or agreed) and people who opted out."""
    from caretrust.outcomes.selectors import case_finding_list

    if places <= 0:
        return []
    # Some of the top are left out below: look a little further down the list.
    page = case_finding_list(team_practices(team), top=places * 4 + 20)
    refs = [row.person_ref for row in page.rows]
    eligible = {
        str(p.ref): p
        for p in Person.objects.filter(ref__in=refs, opted_out_of_secondary_use=False).exclude(
            care_plans__status__in=["draft", "active"]
        )
    }
    candidates = []
    for row in page.rows:
        person = eligible.get(row.person_ref)
        if person is None:
            continue
        band = f"{row.band} " if row.band else ""
        candidates.append(
            Candidate(person, f"{band}risk of an emergency admission ({row.risk_percent})")
        )
        if len(candidates) == places:
            break
    return candidates


def breached_candidates(team: Team, limit: int = 10) -> list[Candidate]:
    """Open referrals in the team's locality (or routed to it) whose response standard is
    breached: no response yet and past the time it was due."""
    from caretrust.referrals.lifecycle import TERMINAL
    from caretrust.referrals.models import Referral

    where = Q(routed_team=team)
    if team.locality_id:
        where |= Q(locality_id=team.locality_id)
    referrals = (
        Referral.objects.filter(
            where,
            person__isnull=False,
            responded_at__isnull=True,
            due_by__lt=timezone.now(),
        )
        .exclude(status__in=TERMINAL)
        .select_related("person")
        .order_by("due_by")[:limit]
    )
    return [
        Candidate(
            r.person,
            f"Response standard breached: {r.reference} was due "
            f"{timezone.localtime(r.due_by):%d %b %Y %H:%M}",
        )
        for r in referrals
    ]
