"""The pages of referrals, care plans, meetings, reviews, safeguarding, tasks, assessments,
messages, carers and the record read a person's data through selectors that authorise the read
and record it (issue #14, ADR 107): for each selector, a viewer with a relationship gets the data
and a read row naming the person is recorded; a member of staff with no relationship is refused
(PermissionDenied, as the pages gave: 403) or gets nothing, and no read row is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from caretrust import clock
from caretrust.access import policy
from caretrust.access.models import AuditEvent
from caretrust.assessments import selectors as assessments
from caretrust.assessments.models import Assessment
from caretrust.careplans import selectors as careplans
from caretrust.careplans import services as careplan_services
from caretrust.carers import selectors as carers
from caretrust.carers import services as carer_services
from caretrust.meetings import selectors as meetings
from caretrust.meetings import services as meeting_services
from caretrust.messaging import selectors as messaging
from caretrust.organisations.models import Organisation, Team, TeamMembership, User
from caretrust.record import selectors as record
from caretrust.record.models import Resource
from caretrust.referrals import selectors as referrals
from caretrust.reviews import selectors as reviews
from caretrust.reviews.models import Review
from caretrust.safeguarding import selectors as safeguarding
from caretrust.safeguarding import services as safeguarding_services
from caretrust.workspace import selectors as workspace
from caretrust.workspace import services as workspace_services
from tests.factories import demo_user, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(demo_directory):
    """Mary Jones's plan: her referral routed to the Torquay team, held by the OT."""
    return make_plan()


@pytest.fixture
def person(plan):
    return plan.person


@pytest.fixture
def ot(demo_directory):
    return demo_user("ot")


@pytest.fixture
def stranger(demo_directory):
    """A Brixham OT: the same role as Mary's OT, no relationship with Mary."""
    user = User.objects.create(
        username="brixham-ot",
        role="practitioner",
        profession="occupational_therapist",
        organisation=Organisation.objects.get(code="DEMO-TRUST"),
        password=make_password("x"),
    )
    TeamMembership.objects.create(team=Team.objects.get(code="brixham-mdt"), user=user)
    return user


def last_row() -> int:
    """The newest audit row so far: a test counts the reads after it (setting up by services
    records reads of its own; audit rows are never deleted)."""
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def read_rows(viewer, person=None, *, after: int = 0):
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=viewer, pk__gt=after)
    return rows.filter(person_ref=person.audit_ref) if person is not None else rows


def assert_one_read(viewer, person, purpose: str, after: int) -> AuditEvent:
    (row,) = read_rows(viewer, person, after=after)
    assert row.details["purpose"] == purpose
    assert row.details["basis"]
    return row


# ------------------------------------------------------- selectors that fetch one object


@pytest.fixture
def task(person, ot):
    return workspace_services.create_task(
        actor=demo_user("coordinator"),
        person=person,
        title="Check the bath board",
        due_date=timezone.localdate() + timedelta(days=2),
        assigned_user=ot,
    )


@pytest.fixture
def concern(person):
    return safeguarding_services.raise_concern(
        actor=demo_user("nurse"),
        person=person,
        details=safeguarding_services.ConcernDetails(
            facts="Bruises on both arms.",
            abuse_types=["physical"],
            location="own_home",
            source_of_risk="known",
            immediate_actions="Told the GP.",
            person_wishes="I want it to stop.",
        ),
    )


@pytest.fixture
def agenda_item(person, ot):
    team = Team.objects.get(code="torquay-mdt")
    meeting = meeting_services.schedule_meeting(
        actor=demo_user("coordinator"),
        team=team,
        starts_at=timezone.now() + timedelta(days=1),
        place="Room 2",
    )
    return meeting_services.add_to_agenda(actor=ot, meeting=meeting, person=person, reason="Bath")


@pytest.fixture
def carer(person, ot):
    return carer_services.record_carer(actor=ot, person=person, name="Susan Jones")


@pytest.fixture
def carers_assessment(carer, ot):
    return carer_services.start_assessment(actor=ot, carer=carer)


@pytest.fixture
def review(plan, decide_eligible):
    """The first review, scheduled when Mary's plan is agreed."""
    coordinator = demo_user("coordinator")
    decide_eligible(plan.person)
    careplan_services.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        per="day",
        start=clock.today() + timedelta(days=1),
        funding_stream="council",
    )
    plan.refresh_from_db()
    careplan_services.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    return Review.objects.get(plan=plan)


# Each: (fixture that makes the object, how to select it, its person, the purpose recorded).
ONE_OBJECT = [
    pytest.param(
        "plan",
        lambda viewer, p: referrals.referral_for(viewer, p.referral.reference),
        "referrals.detail",
        id="referrals.referral_for",
    ),
    pytest.param(
        "plan",
        lambda viewer, p: careplans.plan_for(viewer, p.uuid, purpose="careplans.fhir"),
        "careplans.fhir",
        id="careplans.plan_for",
    ),
    pytest.param(
        "agenda_item",
        lambda viewer, item: meetings.agenda_item_for(viewer, item.meeting.uuid, item.pk),
        "meetings.item",
        id="meetings.agenda_item_for",
    ),
    pytest.param(
        "review",
        lambda viewer, review: reviews.review_for(viewer, review.uuid),
        "reviews.detail",
        id="reviews.review_for",
    ),
    pytest.param(
        "concern",
        lambda viewer, concern: safeguarding.concern_for(viewer, concern.uuid),
        "safeguarding.concern",
        id="safeguarding.concern_for",
    ),
    pytest.param(
        "task",
        lambda viewer, task: workspace.task_for(viewer, task.uuid),
        "workspace.task",
        id="workspace.task_for",
    ),
    pytest.param(
        "plan",
        lambda viewer, p: assessments.assessment_for(
            viewer,
            Assessment.objects.filter(person=p.person).first().uuid,
            purpose="assessments.detail",
        ),
        "assessments.detail",
        id="assessments.assessment_for",
    ),
    pytest.param(
        "carer",
        lambda viewer, carer: carers.carer_for(viewer, carer.uuid),
        "carers.carer",
        id="carers.carer_for",
    ),
    pytest.param(
        "carers_assessment",
        lambda viewer, a: carers.carers_assessment_for(viewer, a.uuid),
        "carers.assessment",
        id="carers.carers_assessment_for",
    ),
]


@pytest.mark.parametrize(("made", "select", "purpose"), ONE_OBJECT)
def test_an_object_selector_records_the_read(request, person, ot, made, select, purpose) -> None:
    obj = request.getfixturevalue(made)
    after = last_row()
    found = select(ot, obj)
    assert policy.person_ref_of(found) == person.audit_ref  # the object asked for, about Mary
    row = assert_one_read(ot, person, purpose, after)
    assert (row.object_type, row.object_id) == (found._meta.label_lower, str(found.pk))


@pytest.mark.parametrize(("made", "select", "purpose"), ONE_OBJECT)
def test_an_object_selector_refuses_a_stranger(
    request, person, stranger, made, select, purpose
) -> None:
    obj = request.getfixturevalue(made)
    with pytest.raises(PermissionDenied):
        select(stranger, obj)
    assert not read_rows(stranger).exists()


# ------------------------------------------------------ the person for a form about them

PERSON_FORMS = [
    pytest.param(meetings.person_to_add, "meetings.add_person", id="meetings.person_to_add"),
    pytest.param(
        safeguarding.person_to_raise_concern_about,
        "safeguarding.raise",
        id="safeguarding.person_to_raise_concern_about",
    ),
    pytest.param(
        workspace.person_to_set_a_task_about,
        "workspace.new_task",
        id="workspace.person_to_set_a_task_about",
    ),
    pytest.param(
        assessments.person_to_assess, "assessments.start", id="assessments.person_to_assess"
    ),
    pytest.param(
        messaging.person_to_write_about,
        "messaging.new_message",
        id="messaging.person_to_write_about",
    ),
    pytest.param(
        carers.person_to_add_a_carer_for, "carers.new", id="carers.person_to_add_a_carer_for"
    ),
]


@pytest.mark.parametrize(("select", "purpose"), PERSON_FORMS)
def test_a_form_selector_records_the_read(person, ot, select, purpose) -> None:
    after = last_row()
    assert select(ot, person.ref) == person
    row = assert_one_read(ot, person, purpose, after)
    assert row.object_type == "people.person"


@pytest.mark.parametrize(("select", "purpose"), PERSON_FORMS)
def test_a_form_selector_refuses_a_stranger(person, stranger, select, purpose) -> None:
    with pytest.raises(PermissionDenied):
        select(stranger, person.ref)
    assert not read_rows(stranger).exists()


# ------------------------------------------------------------------------- list selectors


def test_the_reviews_due_list_records_each_person_listed(review, person, ot) -> None:
    after = last_row()
    [row] = reviews.team_reviews_due(ot, review.due_by)
    assert row.review == review
    (read,) = read_rows(ot, person, after=after)
    assert read.object_type == "reviews.due"


def test_the_reviews_due_list_gives_a_stranger_nothing(review, stranger) -> None:
    assert reviews.team_reviews_due(stranger, review.due_by) == []
    assert not read_rows(stranger).exists()


@pytest.fixture
def orphaned_service(plan):
    """A service on Mary's plan that names nobody to visit (the co-ordinator co-ordinates it)."""
    service = careplan_services.add_service(
        actor=demo_user("coordinator"),
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        frequency=1,
        per="day",
        start=clock.today(),
        funding_stream="council",
    )
    assert service.is_orphaned
    return service


def test_the_orphaned_services_list_records_each_person_listed(orphaned_service, person) -> None:
    coordinator = demo_user("coordinator")
    after = last_row()
    assert careplans.orphaned_services_shown(coordinator) == [orphaned_service]
    (read,) = read_rows(coordinator, person, after=after)
    assert read.object_type == "careplans.services"


def test_the_orphaned_services_list_gives_a_stranger_nothing(orphaned_service, stranger) -> None:
    assert careplans.orphaned_services_shown(stranger) == []
    assert not read_rows(stranger).exists()


def test_the_person_pages_concerns_record_the_read(concern, person, ot) -> None:
    after = last_row()
    [row] = safeguarding.concerns_on_person_page(ot, person)
    assert str(concern.uuid) in row.href
    read = assert_one_read(ot, person, "safeguarding.person_page", after)
    assert (read.object_type, read.object_id) == ("safeguarding.concern", str(concern.pk))


def test_the_person_pages_concerns_give_a_stranger_nothing(concern, person, stranger) -> None:
    assert safeguarding.concerns_on_person_page(stranger, person) == []
    assert not read_rows(stranger).exists()


# ----------------------------------------------------------------- the person page's parts


def test_the_timeline_records_the_person_pages_read(person, ot) -> None:
    after = last_row()
    page = record.timeline_page(
        person, [person.pk], viewer=ot, sector="", kind="", page=None, per_page=20
    )
    assert len(page.events.object_list) > 0
    read = assert_one_read(ot, person, "record.person", after)
    assert read.object_type == "people.person"
    assert read.details["page"] == 1


def test_the_timeline_gives_a_stranger_nothing(person, stranger) -> None:
    page = record.timeline_page(
        person, [person.pk], viewer=stranger, sector="", kind="", page=None, per_page=20
    )
    assert list(page.events.object_list) == [] and page.kinds == []
    assert not read_rows(stranger).exists()


@pytest.fixture
def alert(person):
    return Resource.objects.create(
        person=person,
        resource_type="Flag",
        logical_id="flag-1",
        last_updated="2026-01-01T00:00:00Z",
        content={"resourceType": "Flag", "status": "active", "code": {"text": "Dog in house"}},
        content_hash="flag-1",
        source="fhir",
        source_id="flag-1",
        subject_reference="Patient/mary",
    )


def test_alerts_and_carers_record_the_read(alert, person, ot) -> None:
    after = last_row()
    alerts, _ = record.alerts_and_carers(person, [person.pk], viewer=ot)
    assert alerts == [alert]
    assert_one_read(ot, person, "record.alerts_and_carers", after)


def test_alerts_and_carers_give_a_stranger_nothing(alert, person, stranger) -> None:
    assert record.alerts_and_carers(person, [person.pk], viewer=stranger) == ([], [])
    assert not read_rows(stranger).exists()


# --------------------------------------------------------------- a read about no one yet


@pytest.fixture
def orphan(demo_directory):
    return Resource.objects.create(
        resource_type="Condition",
        logical_id="orphan",
        last_updated="2026-01-01T00:00:00Z",
        content={"resourceType": "Condition", "subject": {"reference": "Patient/x"}},
        content_hash="x",
        source="fhir",
        source_id="orphan",
        subject_reference="Patient/x",
        quarantined=True,
    )


def test_a_quarantined_resource_read_is_recorded_about_no_one(orphan) -> None:
    admin = demo_user("admin")
    after = last_row()
    assert record.quarantined_resource_for(admin, orphan.pk) == orphan
    (read,) = read_rows(admin, after=after)
    assert (read.object_type, read.object_id, read.person_ref) == (
        "record.resource",
        str(orphan.pk),
        "",
    )


def test_a_quarantined_resource_is_refused_without_the_data_quality_role(orphan, ot) -> None:
    with pytest.raises(PermissionDenied):
        record.quarantined_resource_for(ot, orphan.pk)
    assert not read_rows(ot).exists()
