"""Writes of NHS Continuing Healthcare cases. Each is authorised and audited; each state change is
a conditional UPDATE on the state read (an invalid or raced move changes nothing and gets a
clear error), audited with its from and to states."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.chc import rules
from caretrust.chc.models import ChcCase, ChcReview, FundedNursingCare
from caretrust.chc.states import TRANSITIONS
from caretrust.organisations.models import User
from caretrust.people.models import Person


def _audit(actor: User, obj, action: str, person: Person, **details: Any) -> None:
    audit.record(actor=actor, action=action, obj=obj, person_ref=person.audit_ref, details=details)


def _note(person: Person, kind: str, summary: str) -> None:
    from caretrust.record.services import note_care_event

    note_care_event(person=person, kind=kind, summary=summary)


def _not_future(day: date, field: str, what: str) -> None:
    if day > clock.today():
        raise ValidationError({field: f"The {what} cannot be in the future"})


def _open_case(person: Person) -> ChcCase | None:
    return ChcCase.objects.filter(person=person, status__in=ChcCase.OPEN).first()


def _refuse_second_open_case(person: Person) -> None:
    if _open_case(person) is not None:
        raise ValidationError(
            "This person already has an open NHS Continuing Healthcare case: finish or close it."
        )


def _move(case: ChcCase, target: str, **fields: Any) -> ChcCase:
    TRANSITIONS.check(case.status, target)
    before = case.status
    updated = ChcCase.objects.filter(pk=case.pk, status=before).update(
        status=target, updated_at=clock.now(), **fields
    )
    case.refresh_from_db()
    if updated != 1:  # someone else moved it first: explain from where it is now
        TRANSITIONS.check(case.status, target)
    return case


@transaction.atomic
def record_checklist(
    *,
    actor: User,
    person: Person,
    levels: dict[str, str],
    completed_on: date,
    received_at: datetime | None = None,
) -> ChcCase:
    """A completed checklist. Its result is computed from the levels (never typed). A positive
    checklist sent to the ICB opens a case awaiting the full assessment, and the 28-day clock
    starts at the ICB's receipt (default: now); a negative one is kept and closes at once."""
    policy.require(actor, "chc.record", person)
    _not_future(completed_on, "completed_on", "checklist date")
    try:
        result = rules.checklist_result(levels)
    except ValueError as problem:
        raise ValidationError({"levels": str(problem)}) from problem
    if result.positive:
        _refuse_second_open_case(person)
        received_at = received_at or clock.now()
        if clock.local_date(received_at) < completed_on:
            raise ValidationError(
                {"received_at": "The ICB cannot receive the checklist before it was completed"}
            )
        _not_future(clock.local_date(received_at), "received_at", "date the ICB received it")
    now = clock.now()
    case = ChcCase.objects.create(
        person=person,
        route=ChcCase.Route.CHECKLIST,
        status=ChcCase.Status.AWAITING_DST if result.positive else ChcCase.Status.NEGATIVE,
        checklist_levels=dict(levels),
        checklist_positive=result.positive,
        checklist_reason=result.reason,
        checklist_on=completed_on,
        checklist_by=actor,
        received_at=received_at if result.positive else None,
        closed_on=None if result.positive else completed_on,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _audit(
        actor,
        case,
        AuditEvent.Action.CREATE,
        person,
        status={"from": None, "to": case.status},
        checklist="positive" if result.positive else "negative",
        reason=result.reason,
    )
    _note(
        person,
        "CHC checklist",
        f"NHS Continuing Healthcare checklist {'positive' if result.positive else 'negative'}: "
        f"{result.reason} (by {actor.get_full_name()})",
    )
    return case


@transaction.atomic
def refer_fast_track(
    *,
    actor: User,
    person: Person,
    clinician: str,
    reason: str,
    received_at: datetime | None = None,
) -> ChcCase:
    """Fast Track: an appropriate clinician (a registered nurse or doctor caring for the person)
    says they are rapidly deteriorating and may be entering a terminal phase. No checklist and no
    DST; the ICB must decide promptly. No prognosis limit (pathways.md §3)."""
    policy.require(actor, "chc.record", person)
    errors = {}
    if not clinician.strip():
        errors["clinician"] = "Enter the appropriate clinician (name and role)"
    if not reason.strip():
        errors["reason"] = "Say why: the nature of the need and the rapid deterioration"
    if errors:
        raise ValidationError(errors)
    _refuse_second_open_case(person)
    now = clock.now()
    case = ChcCase.objects.create(
        person=person,
        route=ChcCase.Route.FAST_TRACK,
        status=ChcCase.Status.FAST_TRACK,
        fast_track_clinician=clinician.strip()[:200],
        fast_track_reason=reason.strip(),
        received_at=received_at or now,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _audit(actor, case, AuditEvent.Action.CREATE, person, status={"from": None, "to": case.status})
    _note(person, "CHC Fast Track", f"Fast Track referral to the ICB by {clinician.strip()}")
    return case


@transaction.atomic
def record_dst(
    *,
    actor: User,
    case: ChcCase,
    levels: dict[str, str],
    mdt: str,
    recommendation: str,
    rationale: str,
    completed_on: date,
) -> ChcCase:
    """The full assessment: the MDT (two or more professionals) records a level in each of the
    twelve DST domains and recommends; the DST's indication is computed from the levels."""
    policy.require(actor, "chc.record", case)
    TRANSITIONS.check(case.status, ChcCase.Status.AWAITING_DECISION)
    errors: dict[str, str] = {}
    try:
        indication = rules.dst_result(levels)
    except ValueError as problem:
        errors["levels"] = str(problem)
    members = [line.strip() for line in mdt.splitlines() if line.strip()]
    if len(members) < 2:
        errors["mdt"] = (
            "Name the MDT: at least two professionals (one a line, with their profession)"
        )
    if recommendation not in ChcCase.Decision.values:
        errors["recommendation"] = "Choose the MDT's recommendation"
    if not rationale.strip():
        errors["rationale"] = "Give the MDT's reasons (nature, intensity, complexity, "
        "unpredictability)"
    if completed_on > clock.today():
        errors["completed_on"] = "The assessment date cannot be in the future"
    elif case.checklist_on and completed_on < case.checklist_on:
        errors["completed_on"] = "The assessment cannot come before the checklist"
    if errors:
        raise ValidationError(errors)
    case = _move(
        case,
        ChcCase.Status.AWAITING_DECISION,
        dst_levels=dict(levels),
        dst_indication=indication.recommendation,
        dst_mdt="\n".join(members),
        dst_recommendation=recommendation,
        dst_rationale=rationale.strip(),
        dst_on=completed_on,
        dst_by=actor,
    )
    _audit(
        actor,
        case,
        AuditEvent.Action.UPDATE,
        case.person,
        status={"from": "awaiting_dst", "to": "awaiting_decision"},
        indication=indication.recommendation,
        recommendation=recommendation,
    )
    _note(
        case.person,
        "CHC assessment",
        f"Decision Support Tool completed; the MDT recommends "
        f"{case.get_dst_recommendation_display().lower()}",
    )
    return case


@transaction.atomic
def decide(
    *,
    actor: User,
    case: ChcCase,
    decision: str,
    reasons: str,
    decider_role: str,
    decided_on: date,
) -> ChcCase:
    """The ICB's decision, in writing with reasons, on the MDT's recommendation (or on a Fast
    Track referral). Eligible schedules the first review three months on."""
    policy.require(actor, "chc.decide", case)
    if decision not in ChcCase.Decision.values:
        raise ValidationError({"decision": "Choose the decision"})
    TRANSITIONS.check(case.status, decision)
    errors: dict[str, str] = {}
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision (they are sent in writing)"
    if not decider_role.strip():
        errors["decider_role"] = "Enter the decision-maker's role"
    started = clock.local_date(case.received_at) if case.received_at else None
    if decided_on > clock.today():
        errors["decided_on"] = "The decision date cannot be in the future"
    elif started and decided_on < started:
        errors["decided_on"] = "The decision cannot come before the ICB received the referral"
    elif case.dst_on and decided_on < case.dst_on:
        errors["decided_on"] = "The decision cannot come before the assessment"
    if errors:
        raise ValidationError(errors)
    before = case.status
    case = _move(
        case,
        decision,
        decision=decision,
        decided_on=decided_on,
        decided_by=actor,
        decider_role=decider_role.strip()[:200],
        decision_reasons=reasons.strip(),
    )
    if decision == ChcCase.Decision.ELIGIBLE:
        ChcReview.objects.create(case=case, due_on=rules.first_review_due(decided_on))
    state = rules.clock_state(case.received_at, decided_on, clock.today())
    _audit(
        actor,
        case,
        AuditEvent.Action.UPDATE,
        case.person,
        status={"from": before, "to": decision},
        days=state.days,
        within_28_days=not state.breached,
    )
    _note(
        case.person,
        "CHC decision",
        f"ICB decision: {case.get_decision_display().lower()} ({actor.get_full_name()}, "
        f"{decider_role.strip()}), {state.days} days after the ICB received the referral",
    )
    return case


@transaction.atomic
def withdraw(*, actor: User, case: ChcCase, reason: str, closed_on: date) -> ChcCase:
    """Close an open case before a decision (the person declined, died or moved away)."""
    policy.require(actor, "chc.record", case)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the case closes"})
    before = case.status
    case = _move(case, ChcCase.Status.WITHDRAWN, closed_on=closed_on, closed_reason=reason.strip())
    _audit(
        actor,
        case,
        AuditEvent.Action.UPDATE,
        case.person,
        status={"from": before, "to": "withdrawn"},
    )
    return case


@transaction.atomic
def record_review(
    *, actor: User, review: ChcReview, done_on: date, outcome: str, notes: str
) -> ChcReview:
    """A review (not a reassessment): still eligible schedules the next at most a year on; no
    longer eligible ends the case (eligible → ended) and its CHC-funded plan lines lose their
    authority from that day."""
    case = review.case
    policy.require(actor, "chc.record", case)
    if review.done_on is not None:
        raise ValidationError("This review is already recorded.")
    errors: dict[str, str] = {}
    if outcome not in ChcReview.Outcome.values:
        errors["outcome"] = "Choose what the review found"
    if done_on > clock.today():
        errors["done_on"] = "The review date cannot be in the future"
    elif case.decided_on and done_on < case.decided_on:
        errors["done_on"] = "The review cannot come before the decision"
    if not notes.strip():
        errors["notes"] = "Record what the review found"
    if errors:
        raise ValidationError(errors)
    if outcome == ChcReview.Outcome.ENDED:
        case = _move(
            case,
            ChcCase.Status.ENDED,
            closed_on=done_on,
            closed_reason=f"Review on {done_on:%d %B %Y}: {notes.strip()}",
        )
    elif case.status != ChcCase.Status.ELIGIBLE:
        raise ValidationError("Only an eligible case is reviewed.")
    updated = ChcReview.objects.filter(pk=review.pk, done_on__isnull=True).update(
        done_on=done_on, outcome=outcome, notes=notes.strip(), recorded_by=actor
    )
    if updated != 1:
        raise ValidationError("This review is already recorded.")
    review.refresh_from_db()
    if outcome == ChcReview.Outcome.CONTINUES:
        ChcReview.objects.create(case=case, due_on=rules.next_review_due(done_on))
    _audit(
        actor,
        review,
        AuditEvent.Action.UPDATE,
        case.person,
        case=str(case.uuid),
        outcome=outcome,
        status={"from": "eligible", "to": case.status},
    )
    _note(case.person, "CHC review", f"CHC review: {review.get_outcome_display().lower()}")
    return review


@transaction.atomic
def record_fnc(
    *, actor: User, person: Person, nursing_home: str, start: date, band: str = "standard"
) -> FundedNursingCare:
    """Funded nursing care for a nursing-home resident not eligible for CHC: consider CHC first,
    so it needs the person's latest CHC decision to be "not eligible" (or eligibility ended at
    review). The weekly rate comes from the rates table (rules.FNC_RATES) with its source."""
    policy.require(actor, "chc.record", person)
    errors: dict[str, str] = {}
    if not nursing_home.strip():
        errors["nursing_home"] = "Enter the nursing home"
    case = (
        ChcCase.objects.filter(person=person, status__in=("not_eligible", "ended"))
        .order_by("-decided_on", "-pk")
        .first()
    )
    later = ChcCase.objects.filter(person=person, status__in=("eligible", *ChcCase.OPEN))
    if case is None or later.exists():
        errors["start"] = (
            "Funded nursing care needs a CHC decision of not eligible first (consider NHS "
            "Continuing Healthcare before FNC), and no eligible or open CHC case"
        )
    try:
        rate, source = rules.fnc_rate(start, band)
    except ValueError as problem:
        errors.setdefault("start", str(problem))
    if errors:
        raise ValidationError(errors)
    fnc = FundedNursingCare.objects.create(
        person=person,
        case=case,
        nursing_home=nursing_home.strip()[:200],
        start=start,
        band=band,
        weekly_rate=rate,
        rate_source=source,
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    _audit(
        actor,
        fnc,
        AuditEvent.Action.CREATE,
        person,
        weekly_rate=str(rate),
        band=band,
        start=start.isoformat(),
    )
    return fnc
