"""Every write to an MDT meeting: authorised first, audited in the same transaction (each person
put on an agenda, each discussion and each action is a row in the person's audit trail)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.meetings import selectors
from caretrust.meetings.models import AgendaItem, Discussion, Meeting
from caretrust.organisations.models import Team, User
from caretrust.people.models import Person
from caretrust.workspace.models import Task


def _audit_item(actor: User | None, item: AgendaItem, action: str, **details) -> None:
    audit.record(
        actor=actor,
        actor_label="" if actor else "caretrust",
        action=action,
        obj=item,
        person_ref=item.person.audit_ref,
        details={"meeting": str(item.meeting.uuid), "source": item.source, **details},
    )


def _next_position(meeting: Meeting) -> int:
    return (meeting.agenda.aggregate(top=Max("position"))["top"] or 0) + 1


def _put_on_agenda(
    meeting: Meeting, person: Person, source: str, reason: str, actor: User | None
) -> AgendaItem | None:
    if meeting.agenda.filter(person=person).exists():
        return None
    item = AgendaItem.objects.create(
        meeting=meeting,
        person=person,
        source=source,
        reason=reason[:300],
        added_by=actor if source == AgendaItem.Source.ADDED else None,
        position=_next_position(meeting),
    )
    _audit_item(actor, item, AuditEvent.Action.CREATE)
    return item


@transaction.atomic
def schedule_meeting(*, actor: User, team: Team, starts_at: datetime, place: str = "") -> Meeting:
    """Schedule a meeting and build its agenda: the top of the case-finding list for the team's
    practices (how many: the team's setting) and the open cases whose response standard is
    breached. Members add further people from the person's page."""
    policy.require(actor, "meetings.schedule", team)
    if starts_at is None:
        raise ValidationError({"date": "Enter the date of the meeting."})
    if clock.local_date(starts_at) < clock.today():
        raise ValidationError({"date": "The meeting date must be today or in the future."})
    meeting = Meeting.objects.create(
        team=team, starts_at=starts_at, place=(place or "").strip()[:200], scheduled_by=actor
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=meeting,
        details={"team": team.code, "starts_at": starts_at.isoformat()},
    )
    for candidate in selectors.case_finding_candidates(team, selectors.case_finding_places(team)):
        _put_on_agenda(
            meeting, candidate.person, AgendaItem.Source.CASE_FINDING, candidate.reason, actor
        )
    for candidate in selectors.breached_candidates(team):
        _put_on_agenda(
            meeting, candidate.person, AgendaItem.Source.BREACHED, candidate.reason, actor
        )
    return meeting


@transaction.atomic
def add_to_agenda(*, actor: User, meeting: Meeting, person: Person, reason: str = "") -> AgendaItem:
    policy.require(actor, "meetings.view", meeting)
    policy.require(actor, "meetings.add_person", person)
    try:
        with transaction.atomic():
            item = _put_on_agenda(
                meeting, person, AgendaItem.Source.ADDED, reason or "Added by a member", actor
            )
    except IntegrityError:
        item = None
    if item is None:
        raise ValidationError({"meeting": "This person is already on that meeting's agenda."})
    return item


def _check_action(title: str, owner: User | None, due: date | None, team: Team) -> None:
    errors = {}
    if not (title or "").strip():
        errors["action_title"] = "Say what the action is."
    if owner is None:
        errors["action_owner"] = "Choose who will do it."
    elif not owner.team_memberships.filter(team=team).exists():
        errors["action_owner"] = "Choose a member of the team."
    if due is None:
        errors["action_due"] = "Enter the date it is due."
    elif due < clock.today():
        errors["action_due"] = "The due date must be today or in the future."
    if errors:
        raise ValidationError(errors)


def _create_action(actor: User, discussion: Discussion, title: str, owner: User, due: date) -> Task:
    from caretrust.workspace.services import create_task

    item = discussion.item
    task = create_task(
        actor=actor,
        person=item.person,
        title=title.strip(),
        due_date=due,
        assigned_user=owner,
        description=(
            f"Action from the {item.meeting.team.name} MDT meeting on "
            f"{clock.local_date(item.meeting.starts_at):%d %b %Y}: {discussion.decision}"
        ),
    )
    discussion.actions.add(task)
    _audit_item(actor, item, AuditEvent.Action.UPDATE, action_task=str(task.uuid))
    return task


@transaction.atomic
def record_discussion(
    *,
    actor: User,
    item: AgendaItem,
    attendees: list[User],
    note: str,
    decision: str,
    consent_basis: str = Discussion.ConsentBasis.DIRECT_CARE,
    action_title: str = "",
    action_owner: User | None = None,
    action_due: date | None = None,
) -> Discussion:
    """Record what the team said and decided about a person, on what basis it discussed them, and
    (optionally) a first action. Recording it makes the team the person's direct-care team."""
    policy.require(actor, "meetings.discuss", item)
    item = AgendaItem.objects.select_for_update().select_related("meeting__team").get(pk=item.pk)
    team = item.meeting.team
    errors = {}
    if hasattr(item, "discussion"):
        raise ValidationError("This person's discussion is already recorded: add an action.")
    if not (note or "").strip():
        errors["note"] = "Write a note of the discussion."
    if not (decision or "").strip():
        errors["decision"] = "Write the decision."
    if consent_basis not in Discussion.ConsentBasis.values:
        errors["consent_basis"] = "Choose the basis for discussing the person."
    if not attendees:
        errors["attendees"] = "Choose who took part."
    elif any(not a.team_memberships.filter(team=team).exists() for a in attendees):
        errors["attendees"] = "Attendees must be members of the team."
    wants_action = any([(action_title or "").strip(), action_owner, action_due])
    if wants_action:
        try:
            _check_action(action_title, action_owner, action_due, team)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    discussion = Discussion.objects.create(
        item=item,
        note=note.strip(),
        decision=decision.strip(),
        consent_basis=consent_basis,
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    discussion.attendees.set(attendees)
    _audit_item(
        actor,
        item,
        AuditEvent.Action.UPDATE,
        discussed=True,
        consent_basis=consent_basis,
        attendees=sorted(a.username for a in attendees),
    )
    if wants_action:
        _create_action(actor, discussion, action_title, action_owner, action_due)
    return discussion


@transaction.atomic
def add_action(
    *, actor: User, discussion: Discussion, title: str, owner: User | None, due: date | None
) -> Task:
    policy.require(actor, "meetings.discuss", discussion.item)
    _check_action(title, owner, due, discussion.item.meeting.team)
    return _create_action(actor, discussion, title, owner, due)
