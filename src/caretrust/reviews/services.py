"""Writes of reviews. Each state change is a conditional UPDATE on the state read (an invalid or
raced move changes nothing and gets a clear error), audited with its from and to states."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.careplans import review_schedule as scheduling
from caretrust.organisations.models import User
from caretrust.reviews.models import Review
from caretrust.reviews.states import TRANSITIONS


def _audit(actor: User, review: Review, action: str, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=review,
        person_ref=review.person.audit_ref,
        details={"review": str(review.uuid), **details},
    )


def _schedule(actor: User, plan, reason: str, window: scheduling.Window) -> Review:
    try:
        with transaction.atomic():
            review = Review.objects.create(
                plan=plan,
                person=plan.person,
                reason=reason,
                due_from=window.earliest,
                due_by=window.latest,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
    except IntegrityError:
        # One scheduled review per plan: the one already there stands.
        return Review.objects.get(plan=plan, status=Review.Status.SCHEDULED)
    _audit(
        actor,
        review,
        AuditEvent.Action.CREATE,
        status={"from": None, "to": "scheduled"},
        due_from=window.earliest.isoformat(),
        due_by=window.latest.isoformat(),
    )
    return review


@transaction.atomic
def schedule_first_review(*, actor: User, plan, window: scheduling.Window) -> Review:
    """Called when a plan is agreed: the light-touch review 6 to 8 weeks on."""
    policy.require(actor, "reviews.record", plan.person)
    return _schedule(actor, plan, Review.Reason.FIRST, window)


def _move(review: Review, target: str, **fields: Any) -> Review:
    TRANSITIONS.check(review.status, target)
    updated = Review.objects.filter(pk=review.pk, status=review.status).update(
        status=target, updated_at=clock.now(), **fields
    )
    before = review.status
    review.refresh_from_db()
    if updated != 1:  # someone else moved it first: explain from where it is now
        TRANSITIONS.check(review.status, target)
    review._moved_from = before  # type: ignore[attr-defined]
    return review


@transaction.atomic
def record_review(
    *,
    actor: User,
    review: Review,
    done_on: date,
    method: str,
    participants: str,
    person_took_part: bool,
    outcomes_met: str,
    outcomes_notes: str = "",
    changes: str = "",
    goals: list[str] | None = None,
    result: str = Review.Result.CONTINUE,
    next_review_by: date | None = None,
) -> Review:
    """Record a review (scheduled → done). Changed goals make a new plan version (through
    careplans.services); the next review is scheduled (by default 12 months on, never later)
    unless support ends; "needs changed" starts a reassessment without a referral."""
    policy.require(actor, "reviews.record", review)
    TRANSITIONS.check(review.status, Review.Status.DONE)
    errors: dict[str, str] = {}
    if done_on > clock.today():
        errors["done_on"] = "The review date cannot be in the future"
    if method not in Review.Method.values:
        errors["method"] = "Choose how the review was done"
    if not participants.strip():
        errors["participants"] = "Enter who took part in the review"
    if outcomes_met not in Review.OutcomesMet.values:
        errors["outcomes_met"] = "Choose whether the person's outcomes were met"
    if result not in Review.Result.values:
        errors["result"] = "Choose what happens next"
    window = None
    if result != Review.Result.ENDED and "done_on" not in errors:
        try:
            window = scheduling.next_review_window(done_on, next_review_by)
        except ValueError as problem:
            errors["next_review_by"] = str(problem)
    if errors:
        raise ValidationError(errors)

    from caretrust.careplans import services as plans

    plan = review.plan
    plan_version_after = None
    cleaned_goals = [g.strip() for g in goals or [] if g.strip()]
    current_goals = list(plan.goals.values_list("text", flat=True))
    goals_changed = bool(cleaned_goals) and cleaned_goals != current_goals
    if goals_changed or window is not None:
        summary = f"Reviewed on {done_on:%d %b %Y}" + (
            f": {changes.strip()[:200]}" if changes.strip() else ""
        )
        plan = plans.update_plan(
            actor=actor,
            plan=plan,
            expected_version=plan.version,
            goals=cleaned_goals if goals_changed else None,
            review_date=window.latest if window else None,
            summary=summary,
        )
        plan_version_after = plan.version
    review = _move(
        review,
        Review.Status.DONE,
        done_on=done_on,
        method=method,
        participants=participants.strip(),
        person_took_part=person_took_part,
        outcomes_met=outcomes_met,
        outcomes_notes=outcomes_notes.strip(),
        changes=changes.strip(),
        result=result,
        recorded_by=actor,
        plan_version_after=plan_version_after,
    )
    _audit(
        actor,
        review,
        AuditEvent.Action.UPDATE,
        status={"from": "scheduled", "to": "done"},
        outcomes_met=outcomes_met,
        result=result,
        plan_version_after=plan_version_after,
    )
    from caretrust.record.services import note_care_event

    note_care_event(
        person=review.person,
        kind="Care plan reviewed",
        summary=f"Review on {done_on:%d %b %Y}: outcomes {review.get_outcomes_met_display().lower()}"
        f" (recorded by {actor.get_full_name()})",
    )
    if window is not None:
        _schedule(actor, plan, Review.Reason.PLANNED, window)
    if result == Review.Result.REASSESS:
        from caretrust.assessments import services as assessments

        assessments.start_assessment(
            actor=actor,
            person=review.person,
            started_because=f"The review on {done_on:%d %b %Y} found the person's needs changed",
        )
    return review


@transaction.atomic
def reschedule(*, actor: User, review: Review, due_by: date, reason: str) -> Review:
    """Move a scheduled review's date (adjustable, with a reason): not in the past, and never more
    than 12 months after the plan was last agreed or reviewed."""
    policy.require(actor, "reviews.record", review)
    if review.status != Review.Status.SCHEDULED:
        raise ValidationError("Only a scheduled review can be moved.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the review date is changing"})
    if due_by < clock.today():
        raise ValidationError({"due_by": "The new date cannot be in the past"})
    last = _last_review_or_agreement(review)
    if last is not None and due_by > scheduling.latest_allowed(last):
        raise ValidationError(
            {
                "due_by": f"The review must be by {scheduling.latest_allowed(last):%d %B %Y}, "
                "12 months after the plan was last agreed or reviewed"
            }
        )
    before = review.due_by
    due_from = min(review.due_from, due_by)
    updated = Review.objects.filter(pk=review.pk, status=Review.Status.SCHEDULED).update(
        due_by=due_by, due_from=due_from, adjusted_reason=reason.strip(), updated_at=clock.now()
    )
    review.refresh_from_db()
    if updated != 1:
        raise ValidationError("Only a scheduled review can be moved.")
    _audit(
        actor,
        review,
        AuditEvent.Action.UPDATE,
        due_by={"from": before.isoformat(), "to": due_by.isoformat()},
        reason=reason.strip(),
    )
    return review


def _last_review_or_agreement(review: Review) -> date | None:
    last_done = (
        Review.objects.filter(plan=review.plan, status=Review.Status.DONE)
        .exclude(done_on=None)
        .order_by("-done_on")
        .values_list("done_on", flat=True)
        .first()
    )
    if last_done:
        return last_done
    return clock.local_date(review.plan.agreed_at) if review.plan.agreed_at else None


@transaction.atomic
def cancel_review(*, actor: User, review: Review, reason: str) -> Review:
    """scheduled → cancelled, with the reason (the plan ended; the person moved away)."""
    policy.require(actor, "reviews.record", review)
    TRANSITIONS.check(review.status, Review.Status.CANCELLED)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the review is cancelled"})
    review = _move(review, Review.Status.CANCELLED, cancelled_reason=reason.strip())
    _audit(
        actor,
        review,
        AuditEvent.Action.UPDATE,
        status={"from": "scheduled", "to": "cancelled"},
        reason=reason.strip(),
    )
    return review


# s27(1)(b): a review on reasonable request. How soon is local policy [unconfirmed]: two weeks.
REQUESTED_REVIEW_DAYS = 14


@transaction.atomic
def request_review(*, actor: User, review: Review, asked_by: str) -> Review:
    """Someone asked for a review (the person, a carer, a professional): the scheduled review
    becomes a requested one, due from today and by two weeks on (or sooner if already sooner)."""
    policy.require(actor, "reviews.record", review)
    if review.status != Review.Status.SCHEDULED:
        raise ValidationError("Only a scheduled review can be brought forward.")
    if not asked_by.strip():
        raise ValidationError({"asked_by": "Say who asked for the review and why"})
    today = clock.today()
    due_by = min(review.due_by, today + timedelta(days=REQUESTED_REVIEW_DAYS))
    updated = Review.objects.filter(pk=review.pk, status=Review.Status.SCHEDULED).update(
        reason=Review.Reason.REQUESTED,
        due_from=today,
        due_by=due_by,
        adjusted_reason=f"Asked for: {asked_by.strip()}",
        updated_at=clock.now(),
    )
    review.refresh_from_db()
    if updated != 1:
        raise ValidationError("Only a scheduled review can be brought forward.")
    _audit(
        actor,
        review,
        AuditEvent.Action.UPDATE,
        reason="requested",
        asked_by=asked_by.strip(),
        due_by=due_by.isoformat(),
    )
    return review
