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
    as a refusal); the read is audited with the basis."""
    concern = get_object_or_404(_base(), uuid=uuid)
    decision = policy.require(user, "safeguarding.view", concern)
    audit.record_read(
        actor=user,
        obj=concern,
        person_ref=concern.audit_ref,
        reason=decision.reason,
        details={"basis": decision.basis, "status": concern.status},
    )
    return concern


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
    each read audited."""
    rows = []
    for concern in _concerns_of(person):
        decision = policy.decide(user, "safeguarding.view", concern)
        if not decision.allowed:
            continue
        audit.record_read(
            actor=user,
            obj=concern,
            person_ref=concern.audit_ref,
            reason=decision.reason,
            details={"basis": decision.basis, "page": "person"},
        )
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
