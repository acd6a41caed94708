"""Referrals as plain values for NHS.UK templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from caretrust.referrals.models import Referral, ReferralEvent

# NHS.UK tag colours for each status, so a glance tells open from closed.
STATUS_COLOURS = {
    "requested": "blue",
    "received": "purple",
    "accepted": "aqua-green",
    "in-progress": "aqua-green",
    "on-hold": "yellow",
    "completed": "green",
    "rejected": "grey",
    "cancelled": "grey",
    "failed": "red",
}
URGENCY_COLOURS = {"urgent": "red", "soon": "orange", "routine": "grey"}

# What the status means, for a referrer or a person who has never heard of FHIR.
STATUS_PLAIN = {
    "requested": "Sent: waiting for a co-ordinator",
    "received": "A co-ordinator is looking at it",
    "waiting_team": "Passed to a team: waiting for them to accept it",
    "accepted": "Accepted by the team who will help",
    "in-progress": "The team is working on it",
    "on-hold": "On hold",
    "completed": "Completed",
    "rejected": "Closed",
    "cancelled": "Withdrawn",
    "failed": "Could not be completed",
}


def duration_text(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d %b %Y %H:%M") if value else ""


@dataclass(frozen=True)
class Clock:
    waiting: str
    due: str
    breached: bool
    text: str


def clock(referral: Referral, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    end = referral.responded_at or now
    breached = end > referral.due_by
    if referral.responded_at:
        text = f"Answered in {duration_text(referral.responded_at - referral.created_at)}"
        if breached:
            text += f", {duration_text(referral.responded_at - referral.due_by)} late"
    elif breached:
        text = f"Breached by {duration_text(now - referral.due_by)}"
    else:
        text = f"Due in {duration_text(referral.due_by - now)}"
    return Clock(duration_text(end - referral.created_at), when(referral.due_by), breached, text)


@dataclass(frozen=True)
class WorklistRow:
    reference: str
    url: str
    person: str
    source: str
    urgency: str
    urgency_label: str
    urgency_colour: str
    status: str
    status_label: str
    status_colour: str
    received: str
    clock: Clock
    claimed_by: str
    can_claim: bool
    claim_url: str
    # Where it stands with a team: "Waiting for <team>" or "Returned by <team>: <reason>".
    team_note: str = ""
    referral_id: int = 0


def status_plain(referral: Referral) -> str:
    if referral.waiting_for_team:
        return STATUS_PLAIN["waiting_team"]
    return STATUS_PLAIN[referral.status]


def _team_note(referral: Referral) -> str:
    if referral.waiting_for_team:
        return referral.business_status
    if referral.status == "received" and referral.returned_at:
        return f"{referral.business_status}: {referral.return_reason}"
    return ""


def worklist_row(referral: Referral, now: datetime) -> WorklistRow:
    from django.urls import reverse

    return WorklistRow(
        reference=referral.reference,
        url=reverse("referrals:detail", args=[referral.reference]),
        person=referral.subject_name or "Not yet confirmed",
        source=referral.get_source_display(),
        urgency=referral.urgency,
        urgency_label=referral.get_urgency_display(),
        urgency_colour=URGENCY_COLOURS[referral.urgency],
        status=referral.status,
        status_label=referral.get_status_display(),
        status_colour=STATUS_COLOURS[referral.status],
        received=when(referral.created_at),
        clock=clock(referral, now),
        claimed_by=referral.claimed_by.get_full_name() if referral.claimed_by_id else "",
        can_claim=referral.claimed_by_id is None and referral.status == "requested",
        claim_url=reverse("referrals:claim", args=[referral.reference]),
        team_note=_team_note(referral),
        referral_id=referral.pk,
    )


@dataclass(frozen=True)
class InTrayRow:
    reference: str
    url: str
    person: str
    routed_to: str
    reason: str
    urgency_label: str
    urgency_colour: str
    waiting_since: str
    clock: Clock


def in_tray_row(referral: Referral, now: datetime) -> InTrayRow:
    from django.urls import reverse

    routed_to = (
        referral.routed_team.name
        if referral.routed_team_id
        else f"You ({referral.routed_practitioner.get_full_name()})"
    )
    return InTrayRow(
        reference=referral.reference,
        url=reverse("referrals:detail", args=[referral.reference]),
        person=referral.subject_name,
        routed_to=routed_to,
        reason=referral.reason if len(referral.reason) <= 120 else referral.reason[:117] + "...",
        urgency_label=referral.get_urgency_display(),
        urgency_colour=URGENCY_COLOURS[referral.urgency],
        waiting_since=when(referral.routed_at),
        clock=clock(referral, now),
    )


@dataclass(frozen=True)
class CaseloadRow:
    reference: str
    url: str
    person: str
    person_url: str
    allocated_to: str
    allocated_since: str
    status_label: str
    status_colour: str
    next_review: str
    next_visit: str


# People's next planned visits, for a whole list at once: care plans registers its selector here
# (`register_next_planned_visits`, from its AppConfig.ready()), so referrals never imports care
# plans (ADR 75).
NextPlannedVisits = Callable[[set[int], date, int], dict[int, Any]]
_next_planned_visits: NextPlannedVisits = lambda person_ids, start, days: {}  # noqa: E731


def register_next_planned_visits(source: NextPlannedVisits) -> None:
    global _next_planned_visits
    _next_planned_visits = source


def caseload_row(referral: Referral, plan=None, visit=None) -> CaseloadRow:
    """One allocated referral, with its plan's next review and the person's next visit (as
    `caseload_rows` found them for the whole list)."""
    from django.urls import reverse

    return CaseloadRow(
        reference=referral.reference,
        url=reverse("referrals:detail", args=[referral.reference]),
        person=referral.subject_name,
        person_url=reverse("record:person", args=[referral.person.ref])
        if referral.person_id
        else "",
        allocated_to=referral.allocated_to.get_full_name() if referral.allocated_to_id else "",
        allocated_since=when(referral.allocated_at),
        status_label=referral.get_status_display(),
        status_colour=STATUS_COLOURS[referral.status],
        next_review=f"{plan.review_date:%d %b %Y}" if plan and plan.review_date else "No plan yet",
        next_visit=(
            f"{visit.date:%d %b %Y}: {visit.get_kind_display()}" if visit else "None planned"
        ),
    )


@dataclass(frozen=True)
class _PlanReview:
    review_date: date | None


def caseload_rows(referrals: list[Referral]) -> list[CaseloadRow]:
    """Caseload rows for a whole list in two queries (the plans, the next visits), not two per
    row: a caseload page costs the same whether it lists one person or fifty."""
    from caretrust import clock
    from caretrust.referrals.selectors import CarePlanRef

    referrals = list(referrals)
    plans: dict[int, object] = {}
    if referrals:
        # Only the review date is shown: the plans' two columns, no CarePlan built (ADR 128).
        for referral_id, review_date in (
            CarePlanRef.objects.filter(referral__in=[r.pk for r in referrals])
            .exclude(status="completed")
            .order_by("referral_id", "-created_at")
            .values_list("referral_id", "review_date")
        ):
            # the newest plan that is not completed
            plans.setdefault(referral_id, _PlanReview(review_date))
    visits = _next_planned_visits(
        {r.person_id for r in referrals if r.person_id}, clock.today(), 28
    )
    return [caseload_row(r, plans.get(r.pk), visits.get(r.person_id)) for r in referrals]


@dataclass(frozen=True)
class EventRow:
    when: str
    status: str
    status_colour: str
    what: str
    who: str
    reason: str
    information: str = ""


def timeline(referral: Referral) -> list[EventRow]:
    rows = []
    for event in referral.events.select_related("actor__organisation"):
        who = event.actor_label
        if event.actor_id and event.actor.organisation_id:
            who = f"{who}, {event.actor.organisation.name}"
        rows.append(
            EventRow(
                when=when(event.occurred_at),
                status=STATUS_PLAIN.get(event.to_status, event.to_status),
                status_colour=STATUS_COLOURS.get(event.to_status, "grey"),
                what=event.business_status,
                who=who,
                reason=event.reason,
                information=event.information,
            )
        )
    return rows


def public_timeline(referral: Referral) -> list[EventRow]:
    """For a public referrer: what happened and when, without staff names."""
    return [
        EventRow(e.when, e.status, e.status_colour, e.what, "", e.reason)
        for e in timeline(referral)
    ]


def about_the_person(referral: Referral, today: date | None = None) -> list[tuple[str, str]]:
    """Who the referral is about, as the co-ordinator needs it on the phone: NHS number, age,
    address and contact (from the person's record once confirmed, else as the referrer gave them),
    and how to reach the referrer. Computed at each showing (the age, like the clock)."""
    from caretrust import clock as calendar
    from caretrust.people.demographics import age_on

    today = today or calendar.today()
    details = referral.subject_details or {}
    person = referral.person
    nhs = (person.nhs_number if person else "") or details.get("nhs_number", "")
    birth = person.birth_date if person else None
    if birth is None and details.get("birth_date"):
        birth = date.fromisoformat(details["birth_date"])
    address = (
        " ".join(filter(None, [person.address, person.postcode]))
        if person
        else " ".join(filter(None, [details.get("address", ""), details.get("postcode", "")]))
    )
    phone = (person.phone if person else "") or details.get("phone", "")
    age = f"{age_on(birth, today)} (born {birth:%-d %B %Y})" if birth else "Not known"
    return [
        ("NHS number", _spaced(nhs) if nhs else "Not known"),
        ("Age", age),
        ("Address", address or "Not known"),
        ("Contact", phone or "Not given"),
        ("Referrer's contact", referral.referrer_contact or "Not given"),
    ]


def _spaced(number: str) -> str:
    digits = number.replace(" ", "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else number


__all__ = ["ReferralEvent", "clock", "public_timeline", "timeline", "worklist_row"]


_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


def _schedule_text(schedule) -> str:
    if schedule.description:
        return schedule.description
    days = ", ".join(_DAYS.get(d.strip(), d) for d in schedule.byday.split(",") if d.strip())
    times = "–".join(t[:5] for t in (schedule.opens_at, schedule.closes_at) if t)
    return " ".join(x for x in [days or schedule.freq.capitalize(), times] if x)


def directory_results(services: list) -> list[dict[str, Any]]:
    """Directory services as the co-ordinator's search shows them (ADR 110)."""
    rows = []
    for service in services:
        ages = ""
        if service.minimum_age is not None and service.maximum_age is not None:
            ages = f"Ages {service.minimum_age} to {service.maximum_age}"
        elif service.minimum_age is not None:
            ages = f"Aged {service.minimum_age} and over"
        elif service.maximum_age is not None:
            ages = f"Up to age {service.maximum_age}"
        phones = [p.get("number", "") for c in service.contacts.all() for p in c.phones]
        rows.append(
            {
                "id": service.oruk_id,
                "name": service.name,
                "organisation": service.organization.name,
                "description": service.description,
                "eligibility": "; ".join(x for x in [service.eligibility_description, ages] if x),
                "categories": ", ".join(service.categories),
                "where": "; ".join(
                    f"{sal.location.name}, {sal.location.address_line}".strip(", ")
                    for sal in service.service_at_locations.all()
                ),
                "when": "; ".join(_schedule_text(s) for s in service.schedules.all()),
                "phone": ", ".join(p for p in phones if p),
                "answers_on_caretrust": service.organization.organisation_id is not None,
            }
        )
    return rows
