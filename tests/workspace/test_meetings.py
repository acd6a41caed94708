"""MDT meetings (issue #15, ADR 71): the agenda is built from case finding (top N for the team's
practices, not on a plan, not opted out) and breached response standards; each member sees only
the people they have a relationship with; a discussion records its consent basis and its actions
become tasks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from caretrust import clock
from caretrust.access.models import AuditEvent
from caretrust.access.relationships import legitimate_relationship
from caretrust.meetings import presenters, selectors, services
from caretrust.meetings.models import TeamMeetingSettings
from caretrust.notifications.models import Notification
from caretrust.organisations.models import Organisation, Team
from caretrust.outcomes.models import RiskScore
from caretrust.referrals import services as referrals
from caretrust.workspace.models import Task
from tests.factories import force_update, person_row, plan_row


@pytest.fixture
def team():
    return Team.objects.get(code="torquay-mdt")


@pytest.fixture
def risk_list(user_for):
    """Seven Harbour Medical Practice patients, highest risk first: the first opted out, the
    second already on a plan."""
    practice = Organisation.objects.get(code="DEMO-GP1")
    people = []
    for i, risk in enumerate([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]):
        person = person_row(
            given_name=f"Risk{i}",
            family_name="Patient",
            birth_date=date(1935, 1, 1 + i),
            gp_practice=practice,
            opted_out_of_secondary_use=(i == 0),
        )
        RiskScore.objects.create(
            person=person,
            score_date=clock.today(),
            model="test",
            risk=risk,
            rank_percentile=99.9 - i,
        )
        people.append(person)
    plan_row(
        person=people[1],
        coordinator=user_for("coordinator"),
        created_by=user_for("coordinator"),
        status="active",
        review_date=clock.today() + timedelta(days=90),
    )
    return people


@pytest.fixture
def breached(user_for):
    person = person_row(
        given_name="Bert",
        family_name="Late",
        birth_date=date(1938, 3, 3),
        gp_practice=Organisation.objects.get(code="DEMO-GP2"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Two falls this week at home",
        consent=True,
    )
    force_update(
        type(referral).objects.filter(pk=referral.pk), due_by=timezone.now() - timedelta(hours=2)
    )
    return referral


def _schedule(user, team):
    return services.schedule_meeting(
        actor=user, team=team, starts_at=timezone.now() + timedelta(days=1), place="Room 2"
    )


def test_the_agenda_comes_from_case_finding_and_breaches(
    user_for, team, risk_list, breached, accepted
) -> None:
    TeamMeetingSettings.objects.create(team=team, case_finding_places=3)
    meeting = _schedule(user_for("coordinator"), team)
    items = selectors.agenda(meeting)
    found = [i.person for i in items if i.source == "case_finding"]
    # Top three, leaving out the opted-out person and the person on a plan.
    assert found == risk_list[2:5]
    assert [i.person for i in items if i.source == "breached"] == [breached.person]
    assert "Response standard breached" in items[-1].reason
    # Each person put on an agenda is in their audit trail.
    rows = AuditEvent.objects.filter(object_type="meetings.agendaitem", action="create")
    assert {r.person_ref for r in rows} == {i.person.audit_ref for i in items}
    # The setting defaults to five.
    assert selectors.case_finding_places(Team.objects.get(code="paignton-mdt")) == 5


def test_the_agenda_selector_records_the_people_it_shows_and_only_them(
    user_for, team, risk_list, breached, accepted
) -> None:
    coordinator, nurse, ot = user_for("coordinator"), user_for("nurse"), user_for("ot")
    meeting = _schedule(coordinator, team)
    services.add_to_agenda(actor=ot, meeting=meeting, person=accepted.person, reason="Review")
    shown, hidden = selectors.agenda_shown(nurse, meeting)
    assert [item.person for item in shown] == [accepted.person] and hidden >= 1
    read = AuditEvent.objects.filter(actor=nurse, action="read", object_type="meetings.agenda")
    assert set(read.values_list("person_ref", flat=True)) == {accepted.person.audit_ref}


def test_members_see_only_the_people_they_have_a_relationship_with(
    client, user_for, team, risk_list, breached, accepted
) -> None:
    TeamMeetingSettings.objects.create(team=team, case_finding_places=1)
    coordinator, nurse, ot = user_for("coordinator"), user_for("nurse"), user_for("ot")
    meeting = _schedule(coordinator, team)
    services.add_to_agenda(actor=ot, meeting=meeting, person=accepted.person, reason="Review")
    items = selectors.agenda(meeting)
    assert len(items) == 3

    # The co-ordinator: the case-finding person (their locality's practices), the breached
    # referral (open in their locality) and Mary (an open referral in their locality).
    assert presenters.agenda_for(*selectors.agenda_shown(coordinator, meeting)).hidden == 0
    # The nurse: only Mary, whose referral her team accepted.
    view = presenters.agenda_for(*selectors.agenda_shown(nurse, meeting))
    assert [r.person for r in view.rows] == [accepted.person.display_name]
    assert view.hidden_text == "2 people you do not have a relationship with"

    client.force_login(nurse)
    page = client.get(f"/meetings/{meeting.uuid}/").content.decode()
    assert "2 people you do not have a relationship with" in page
    assert "Risk2" not in page and "Bert" not in page
    hidden = next(i for i in items if i.source == "case_finding")
    assert client.get(f"/meetings/{meeting.uuid}/agenda/{hidden.pk}/").status_code == 403
    assert AuditEvent.objects.filter(
        actor=nurse, action="access_denied", person_ref=hidden.person.audit_ref
    ).exists()
    # Only the people shown were audited as seen by the nurse.
    seen = AuditEvent.objects.filter(actor=nurse, object_type="meetings.agenda")
    assert set(seen.values_list("person_ref", flat=True)) == {accepted.person.audit_ref}


def test_a_discussion_records_consent_and_its_actions_become_tasks(
    user_for, team, risk_list, django_capture_on_commit_callbacks
) -> None:
    TeamMeetingSettings.objects.create(team=team, case_finding_places=1)
    coordinator, nurse = user_for("coordinator"), user_for("nurse")
    meeting = _schedule(coordinator, team)
    [item] = selectors.agenda(meeting)
    assert legitimate_relationship(nurse, item.person) is None
    with pytest.raises(ValidationError) as error:
        services.record_discussion(
            actor=coordinator, item=item, attendees=[], note="", decision="x"
        )
    assert {"attendees", "note"} <= set(error.value.message_dict)

    due = clock.today() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        discussion = services.record_discussion(
            actor=coordinator,
            item=item,
            attendees=[coordinator, nurse],
            note="Lives alone; two admissions this year.",
            decision="Offer case management and a joint assessment.",
            action_title="Visit to offer a joint assessment",
            action_owner=nurse,
            action_due=due,
        )
    assert discussion.consent_basis == "direct_care"
    [task] = discussion.actions.all()
    assert task.assigned_user == nurse and task.due_date == due and task.person == item.person
    assert Task.objects.filter(assigned_user=nurse, status="requested").get() == task
    assert Notification.objects.filter(user=nurse, kind="task_assigned").count() == 1
    # The discussion made the team the person's direct-care team: the nurse can open her task.
    assert legitimate_relationship(nurse, item.person) == "discussed at your team's MDT meeting"
    rows = AuditEvent.objects.filter(object_type="meetings.agendaitem", object_id=str(item.pk))
    assert rows.filter(details__consent_basis="direct_care").exists()
    assert rows.filter(details__action_task=str(task.uuid)).exists()

    with pytest.raises(ValidationError, match="already recorded"):
        services.record_discussion(
            actor=coordinator, item=item, attendees=[nurse], note="n", decision="d"
        )
    second = services.add_action(
        actor=nurse,
        discussion=discussion,
        title="Ask the GP for a medicines review",
        owner=coordinator,
        due=due,
    )
    assert second.assigned_user == coordinator


def test_outsiders_cannot_see_or_schedule(client, user_for, team, django_user_model) -> None:
    outsider = django_user_model.objects.create_user(
        "physio8", role="practitioner", profession="physiotherapist"
    )
    with pytest.raises(PermissionDenied):
        _schedule(outsider, team)
    meeting = _schedule(user_for("ot"), team)
    client.force_login(outsider)
    assert client.get(f"/meetings/{meeting.uuid}/").status_code == 403
    assert client.get("/meetings/").status_code == 200
    with pytest.raises(ValidationError, match="today or in the future"):
        services.schedule_meeting(
            actor=user_for("ot"), team=team, starts_at=timezone.now() - timedelta(days=2)
        )


def test_scheduling_and_recording_by_clicking(client, user_for, team, risk_list) -> None:
    coordinator, nurse = user_for("coordinator"), user_for("nurse")
    client.force_login(coordinator)
    assert "/meetings/" in client.get("/").content.decode()
    assert "Schedule a meeting" in client.get("/meetings/").content.decode()
    bad = client.post("/meetings/schedule/", {"team": str(team.pk), "date": "", "time": "25:00"})
    assert "There is a problem" in bad.content.decode()
    tomorrow = clock.today() + timedelta(days=1)
    response = client.post(
        "/meetings/schedule/",
        {"team": str(team.pk), "date": tomorrow.isoformat(), "time": "14:00", "place": ""},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Risk2 PATIENT" in page or "Risk2" in page
    assert "Case finding" in page
    meeting = selectors.meetings_for(coordinator).get()
    item = selectors.agenda(meeting)[0]
    url = f"/meetings/{meeting.uuid}/agenda/{item.pk}/"
    form = client.get(url).content.decode()
    assert "Direct care (implied consent)" in form
    recorded = client.post(
        url,
        {
            "attendees": [str(coordinator.pk), str(nurse.pk)],
            "note": "Discussed",
            "decision": "Offer case management",
            "consent_basis": "direct_care",
            "action_title": "Phone her",
            "action_owner": str(nurse.pk),
            "action_due": (clock.today() + timedelta(days=2)).isoformat(),
        },
    )
    assert recorded.status_code == 302
    assert "Phone her" in client.get(url).content.decode()
    assert Task.objects.get(title="Phone her").assigned_user == nurse
