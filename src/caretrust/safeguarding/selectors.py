"""Reads of safeguarding records. Each read of a concern is authorised by the stricter rule
(`access_rules.view_rule`) and audited; lists audit each person they show."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.safeguarding import states
from caretrust.safeguarding.models import Concern


@dataclass(frozen=True)
class ConcernRow:
    text: str
    href: str
    hint: str = ""


def _base() -> QuerySet[Concern]:
    return Concern.objects.select_related(
        "person", "raised_by", "decided_by", "responsible_team", "enquiry", "enquiry__lead"
    )


def concern_for(user, uuid) -> Concern:
    """One concern, if the stricter rule lets `user` see it (PermissionDenied otherwise, audited
    as a refusal); the read is audited with the basis, written with the request's other reads
    (ADR 107)."""
    concern = get_object_or_404(_base(), uuid=uuid)
    audit.authorised_read(
        user,
        "safeguarding.view",
        concern,
        person=concern.person,
        purpose="safeguarding.concern",
        obj=concern,
        details={"status": concern.status},
        give_reason=True,
    )
    return concern


def person_to_raise_concern_about(viewer, ref):
    """The person for "raise a safeguarding concern": Http404 if there is none (or merged away),
    PermissionDenied (the refusal noted) if `viewer` may not raise one, else the person with the
    read recorded (ADR 107)."""
    from caretrust.people.models import Person

    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        "safeguarding.raise",
        person,
        person=person,
        purpose="safeguarding.raise",
        obj=person,
        details={"page": "safeguarding.raise"},
    )
    return person


def worklist(user) -> QuerySet[Concern]:
    """Concerns the user has a role in: raised, decided, leads, or their team is responsible
    for. Open ones first, the decision due soonest first."""
    from caretrust.referrals.selectors import user_team_ids

    mine = (
        Q(raised_by=user)
        | Q(decided_by=user)
        | Q(enquiry__lead=user)
        | Q(responsible_team_id__in=user_team_ids(user))
    )
    return _base().filter(mine).order_by("decision_due", "raised_at")


def worklist_rows(user) -> dict[str, list[Concern]]:
    concerns = list(worklist(user))
    audit.people_shown(actor=user, objects=concerns, object_type="safeguarding.worklist")
    return {
        "to_decide": [c for c in concerns if c.status == states.CONCERN],
        "enquiries": [c for c in concerns if c.status in states.ENQUIRY_STATES],
        "closed": [c for c in concerns if c.status not in states.OPEN_STATES][:20],
    }


def is_overdue(concern: Concern) -> bool:
    return concern.status == states.CONCERN and clock.today() > concern.decision_due


def _concerns_of(person) -> list[Concern]:
    """The person's concerns, read once per person page (its section and its alert share them)."""
    cached = getattr(person, "_safeguarding_concerns", None)
    if cached is None:
        cached = list(_base().filter(person=person))
        person._safeguarding_concerns = cached
    return cached


def concerns_on_person_page(user, person) -> list[ConcernRow]:
    """The person's concerns the user may see (the stricter rule, one decision per concern),
    each read audited: a part of the person page's read row (the concern named in its
    `details["objects"]`), or a row of its own outside a page (ADR 107)."""
    rows = []
    for concern in _concerns_of(person):
        decision = policy.decide(user, "safeguarding.view", concern)
        if not audit.person_read(
            user,
            person,
            purpose="safeguarding.person_page",
            obj=concern,
            reason=decision.reason,
            details={"page": "person"},
            decision=decision,
        ):
            continue
        rows.append(
            ConcernRow(
                f"Concern raised {concern.received_on:%d %B %Y}",
                reverse("safeguarding:concern", args=[concern.uuid]),
                concern.get_status_display(),
            )
        )
    return rows


def alert_text(person) -> str | None:
    """The person page's alert: that a concern or enquiry is open, not what it is about (the
    details are for those the stricter rule lets in)."""
    open_concerns = [c for c in _concerns_of(person) if c.status in states.OPEN_STATES]
    open_concern = min(open_concerns, key=lambda c: c.received_on, default=None)
    if open_concern is None:
        return None
    what = (
        "a safeguarding concern awaiting an s42 decision"
        if open_concern.status == states.CONCERN
        else "an open safeguarding enquiry"
    )
    team = open_concern.responsible_team.name if open_concern.responsible_team else "the council"
    return (
        f"Safeguarding: {what} since {open_concern.received_on:%d %B %Y}. Speak to {team} "
        "before sharing information about it."
    )
