"""Reads of NHS Continuing Healthcare, each authorised and audited: a person's cases, one case,
the worklist of open cases on the 28-day clock (with breaches), reviews due, and the 28-day
report for a period. `current_eligible` is the funding check behind CHC-funded plan lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from caretrust import clock
from caretrust.access import audit, policy, relationships
from caretrust.chc import rules
from caretrust.chc.models import ChcCase, ChcReview, FundedNursingCare
from caretrust.organisations.models import User
from caretrust.people.models import Person


def current_eligible(person: Person, on: date) -> ChcCase | None:
    """The ICB decision that makes CHC fund care on `on`, or None. It must be the person's latest
    decision on or before that day (a later decision supersedes it), "eligible", not ended by a
    review on or before the day, and the day not past a review that is due and not done."""
    latest = (
        ChcCase.objects.filter(person=person, decided_on__isnull=False, decided_on__lte=on)
        .order_by("-decided_on", "-pk")
        .first()
    )
    if latest is None or latest.decision != ChcCase.Decision.ELIGIBLE:
        return None
    if latest.status == ChcCase.Status.ENDED and (
        latest.closed_on is None or latest.closed_on <= on
    ):
        return None
    pending = latest.reviews.filter(done_on__isnull=True).order_by("due_on").first()
    if pending is not None and on > pending.due_on:
        return None
    return latest


def why_not_eligible(person: Person, on: date) -> str | None:
    """None when a current eligible decision covers `on`; else the reason, naming what to do."""
    if current_eligible(person, on) is not None:
        return None
    latest = (
        ChcCase.objects.filter(person=person, decided_on__isnull=False, decided_on__lte=on)
        .order_by("-decided_on", "-pk")
        .first()
    )
    base = "needs a current NHS Continuing Healthcare eligibility decision"
    if latest is None:
        return f"{base} (an ICB decision recorded in caretrust); none is recorded on {on:%d %B %Y}"
    if latest.decision != ChcCase.Decision.ELIGIBLE:
        return f"{base}: the ICB decided not eligible on {latest.decided_on:%d %B %Y}"
    if latest.status == ChcCase.Status.ENDED:
        return f"{base}: eligibility ended at the review on {latest.closed_on:%d %B %Y}"
    pending = latest.reviews.filter(done_on__isnull=True).order_by("due_on").first()
    due = f" (review due {pending.due_on:%d %B %Y})" if pending else ""
    return f"{base}: the decision is past its review date{due}; record the review first"


def person_chc(actor: User, person: Person) -> dict:
    """A person's CHC cases, reviews and funded nursing care: authorised by `chc.view` (a refusal
    raises PermissionDenied) and recorded as read, with the request's other reads (ADR 108)."""
    audit.authorised_read(
        actor,
        "chc.view",
        person,
        person=person,
        purpose="chc.person",
        obj=person,
        details={"as": "chc"},
        give_reason=True,
    )
    cases = list(
        ChcCase.objects.filter(person=person)
        .select_related("decided_by", "checklist_by")
        .prefetch_related("reviews")
    )
    return {
        "cases": cases,
        "fnc": list(FundedNursingCare.objects.filter(person=person)),
        "current": current_eligible(person, clock.today()),
    }


def case(actor: User, uuid) -> ChcCase:
    from django.shortcuts import get_object_or_404

    found = get_object_or_404(
        ChcCase.objects.select_related("person", "decided_by", "checklist_by", "dst_by"),
        uuid=uuid,
    )
    audit.authorised_read(
        actor,
        "chc.view",
        found,
        person=found.person,
        purpose="chc.case",
        obj=found,
        give_reason=True,
    )
    return found


@dataclass(frozen=True)
class OpenCase:
    case: ChcCase
    clock: rules.ClockState


@dataclass(frozen=True)
class DueReview:
    review: ChcReview
    overdue: bool


@dataclass(frozen=True)
class ClockReport:
    start: date
    end: date
    decided: int
    within_28_days: int
    over_28_days: int
    open_over_28_days: int

    @property
    def share_within(self) -> str:
        if not self.decided:
            return "no decisions"
        return f"{100 * self.within_28_days / self.decided:.0f}%"


def _visible(actor: User, queryset):
    return queryset.filter(person_id__in=relationships.visible_person_ids(actor))


def worklist(actor: User, today: date) -> tuple[list[OpenCase], list[DueReview]]:
    """Open cases (the 28-day clock running: days elapsed, due by, breached; oldest first) and
    reviews due in the next 28 days or overdue, for the people the user may see (for ICB staff,
    everyone with a case)."""
    policy.require(actor, "chc.worklist")
    open_cases = _visible(actor, ChcCase.objects.filter(status__in=ChcCase.OPEN)).select_related(
        "person"
    )
    rows = sorted(
        (OpenCase(c, rules.clock_state(c.received_at, None, today)) for c in open_cases),
        key=lambda row: (-row.clock.days, row.case.pk),
    )
    reviews = (
        ChcReview.objects.filter(
            done_on__isnull=True,
            case__status=ChcCase.Status.ELIGIBLE,
            due_on__lte=clock.add_calendar_days(today, 28),
            case__person_id__in=relationships.visible_person_ids(actor),
        )
        .select_related("case__person")
        .order_by("due_on", "pk")
    )
    due = [DueReview(r, r.due_on < today) for r in reviews]
    audit.people_shown(
        actor=actor,
        objects=[row.case for row in rows] + [d.review.case for d in due],
        object_type="chc.worklist",
    )
    return rows, due


def clock_report(actor: User, start: date, end: date, today: date) -> ClockReport:
    """NHS England's count for the period: decisions made in [start, end] within 28 days of the
    ICB receiving the referral, and over; and cases open more than 28 days on `today`
    (pathways.md §3 [C]). Counts over the people the user may see."""
    policy.require(actor, "chc.worklist")
    decided = _visible(
        actor,
        ChcCase.objects.filter(
            decided_on__gte=start, decided_on__lte=end, received_at__isnull=False
        ),
    )
    within = over = 0
    for c in decided:
        if rules.clock_state(c.received_at, c.decided_on, today).breached:
            over += 1
        else:
            within += 1
    open_over = sum(
        1
        for c in _visible(actor, ChcCase.objects.filter(status__in=ChcCase.OPEN))
        if rules.clock_state(c.received_at, None, today).breached
    )
    audit.record_read(
        actor=actor,
        object_type="chc.clock_report",
        details={"start": start.isoformat(), "end": end.isoformat(), "decided": within + over},
    )
    return ClockReport(start, end, within + over, within, over, open_over)
