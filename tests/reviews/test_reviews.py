"""Reviews (Care Act s27): scheduled when a plan is agreed, on the team's due list, recorded with
who took part and outcomes met, changing the plan (a new version) and scheduling the next; states
move only scheduled → done or cancelled."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from caretrust.access.models import AuditEvent
from caretrust.assessments.models import Assessment
from caretrust.careplans import services as plans
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services as referrals
from caretrust.reviews import selectors, services
from caretrust.reviews.models import Review
from caretrust.statemachine import InvalidTransition
from tests.factories import person_row


@pytest.fixture
def agreed(user_for, decide_eligible, settings):
    settings.CARETRUST_TODAY = "2026-02-10"
    person = person_row(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
        sex="female",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Fell at home.",
        what_matters="To stay in my own home.",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    decide_eligible(person)
    plan = plans.create_plan(actor=coordinator, person=person, referral=referral)
    plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        per="day",
        start=date(2026, 2, 11),
        funding_stream="council",
    )
    plan.refresh_from_db()
    return plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)


def test_agreeing_schedules_the_first_review_6_to_8_weeks_on(agreed) -> None:
    review = Review.objects.get(plan=agreed)
    assert (review.status, review.reason) == ("scheduled", "first")
    assert (review.due_from, review.due_by) == (date(2026, 3, 24), date(2026, 4, 7))
    assert agreed.review_date == date(2026, 4, 7)
    assert AuditEvent.objects.filter(object_type="reviews.review", action="create").exists()


def test_the_team_sees_it_due_then_overdue(agreed, user_for) -> None:
    ot, nurse, gp = user_for("ot"), user_for("nurse"), user_for("gp")
    assert selectors.team_reviews_due(ot, date(2026, 3, 23)) == []
    [row] = selectors.team_reviews_due(nurse, date(2026, 3, 24))
    assert row.state == "due"
    [row] = selectors.team_reviews_due(ot, date(2026, 4, 10))
    assert (row.state, row.days_overdue) == ("overdue", 3)
    assert selectors.team_reviews_due(gp, date(2026, 4, 10)) == []  # not on the care team


def test_a_review_changes_the_plan_and_schedules_the_next(agreed, user_for, settings) -> None:
    settings.CARETRUST_TODAY = "2026-03-30"
    review = Review.objects.get(plan=agreed)
    version_before = agreed.version
    done = services.record_review(
        actor=user_for("socialworker"),
        review=review,
        done_on=date(2026, 3, 30),
        method="face_to_face",
        participants="Mary Jones; her daughter Susan; Grace Okafor (social worker)",
        person_took_part=True,
        outcomes_met="partially",
        changes="Wants to go to the lunch club on Tuesdays",
        goals=["To stay in my own home.", "To see my friends at the lunch club"],
    )
    assert done.status == "done" and done.plan_version_after == version_before + 1
    agreed.refresh_from_db()
    assert agreed.version == version_before + 1
    assert [g.text for g in agreed.goals.all()][-1] == "To see my friends at the lunch club"
    assert agreed.versions.last().summary.startswith("Reviewed on 30 Mar 2026")
    following = Review.objects.get(plan=agreed, status="scheduled")
    assert (following.reason, following.due_by) == ("planned", date(2027, 3, 30))
    assert agreed.review_date == date(2027, 3, 30)
    event = (
        AuditEvent.objects.filter(object_type="reviews.review", action="update")
        .order_by("id")
        .last()
    )
    assert event.details["status"] == {"from": "scheduled", "to": "done"}


def test_needs_changed_starts_a_reassessment_without_a_referral(agreed, user_for, settings):
    settings.CARETRUST_TODAY = "2026-03-30"
    services.record_review(
        actor=user_for("socialworker"),
        review=Review.objects.get(plan=agreed),
        done_on=date(2026, 3, 30),
        method="phone",
        participants="Mary Jones",
        person_took_part=True,
        outcomes_met="not_met",
        result="reassess",
    )
    started = Assessment.objects.get(person=agreed.person, status="in-progress")
    assert started.referral is None and "review on 30 Mar 2026" in started.started_because


def test_a_done_review_cannot_be_recorded_again_or_cancelled(agreed, user_for, settings) -> None:
    settings.CARETRUST_TODAY = "2026-03-30"
    sw = user_for("socialworker")
    review = Review.objects.get(plan=agreed)
    kwargs = dict(
        done_on=date(2026, 3, 30),
        method="phone",
        participants="Mary",
        person_took_part=True,
        outcomes_met="fully",
    )
    services.record_review(actor=sw, review=review, **kwargs)
    review.refresh_from_db()
    with pytest.raises(InvalidTransition, match="'done' and cannot become 'done'"):
        services.record_review(actor=sw, review=review, **kwargs)
    with pytest.raises(InvalidTransition, match="cannot become 'cancelled'"):
        services.cancel_review(actor=sw, review=review, reason="Moved away")
    review.refresh_from_db()
    assert review.status == "done" and review.cancelled_reason == ""
    assert Review.objects.filter(plan=agreed).count() == 2  # no third one


def test_a_stale_copy_cannot_move_a_review_someone_else_moved(agreed, user_for) -> None:
    sw = user_for("socialworker")
    stale = Review.objects.get(plan=agreed)
    services.cancel_review(actor=sw, review=Review.objects.get(pk=stale.pk), reason="Moved away")
    with pytest.raises(InvalidTransition):
        services.cancel_review(actor=sw, review=stale, reason="Died")
    stale.refresh_from_db()
    assert stale.cancelled_reason == "Moved away"


def test_bad_review_input_changes_nothing(agreed, user_for, settings) -> None:
    settings.CARETRUST_TODAY = "2026-03-30"
    review = Review.objects.get(plan=agreed)
    with pytest.raises(ValidationError) as error:
        services.record_review(
            actor=user_for("socialworker"),
            review=review,
            done_on=date(2026, 4, 2),
            method="carrier pigeon",
            participants=" ",
            person_took_part=True,
            outcomes_met="",
        )
    assert set(error.value.message_dict) == {"done_on", "method", "participants", "outcomes_met"}
    review.refresh_from_db()
    assert review.status == "scheduled"


def test_the_date_is_adjustable_within_twelve_months(agreed, user_for) -> None:
    sw = user_for("socialworker")
    review = Review.objects.get(plan=agreed)
    moved = services.reschedule(
        actor=sw, review=review, due_by=date(2026, 4, 21), reason="Mary is in hospital"
    )
    assert moved.due_by == date(2026, 4, 21)
    with pytest.raises(ValidationError, match="10 February 2027"):
        services.reschedule(actor=sw, review=moved, due_by=date(2027, 3, 1), reason="Later")
    with pytest.raises(ValidationError, match="past"):
        services.reschedule(actor=sw, review=moved, due_by=date(2026, 2, 1), reason="Earlier")


def test_the_gp_cannot_record_a_review_without_being_on_the_care_team(agreed, user_for) -> None:
    from django.core.exceptions import PermissionDenied

    outsider = user_for("finance")
    with pytest.raises(PermissionDenied):
        services.cancel_review(actor=outsider, review=Review.objects.get(plan=agreed), reason="No")


def test_a_review_on_request_is_brought_forward(agreed, user_for, settings, client) -> None:
    """Care Act s27(1)(b): a review on reasonable request (two weeks is local policy)."""
    settings.CARETRUST_TODAY = "2026-02-20"
    review = Review.objects.get(plan=agreed)
    client.force_login(user_for("socialworker"))
    page = client.post(f"/reviews/{review.uuid}/request/", {"asked_by": ""}).content.decode()
    assert "Say who asked for the review and why" in page and 'href="#asked_by"' in page
    client.post(
        f"/reviews/{review.uuid}/request/", {"asked_by": "Her son: she fell again on Sunday"}
    )
    review.refresh_from_db()
    assert (review.reason, review.due_from, review.due_by) == (
        "requested",
        date(2026, 2, 20),
        date(2026, 3, 6),
    )
    [row] = selectors.team_reviews_due(user_for("ot"), date(2026, 2, 20))
    assert row.review == review
    page = client.get("/reviews/due/").content.decode()
    assert "Mary JONES" in page or "Mary Jones" in page
