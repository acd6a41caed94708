"""Writes of entitlements, each authorised and audited."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.entitlements.models import ReablementEpisode, S117Entitlement
from caretrust.organisations.models import User
from caretrust.people.models import Person

# Reablement is free for the first six weeks of the specified period (SI 2014/2672 reg 3(2)(b)).
REABLEMENT_FREE_WEEKS = 6


def _audit(actor: User, record, **details) -> None:
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=record,
        person_ref=record.person.audit_ref,
        details=details,
    )


@transaction.atomic
def record_s117(
    *, actor: User, person: Person, start: date, detention: str, end: date | None = None
) -> S117Entitlement:
    policy.require(actor, "entitlements.record", person)
    if not detention.strip():
        raise ValidationError({"detention": "Enter the section and where the person was detained"})
    if end is not None and end < start:
        raise ValidationError({"end": "The end date must be on or after the start date"})
    entitlement = S117Entitlement.objects.create(
        person=person,
        start=start,
        end=end,
        detention=detention.strip()[:300],
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    _audit(actor, entitlement, entitlement="s117", start=start.isoformat())
    return entitlement


@transaction.atomic
def start_reablement(
    *, actor: User, person: Person, start: date, end: date | None = None, goal: str = ""
) -> ReablementEpisode:
    """A reablement episode; it ends six weeks on unless another end is given."""
    policy.require(actor, "entitlements.record", person)
    end = end or start + timedelta(weeks=REABLEMENT_FREE_WEEKS) - timedelta(days=1)
    if end < start:
        raise ValidationError({"end": "The end date must be on or after the start date"})
    episode = ReablementEpisode.objects.create(
        person=person,
        start=start,
        end=end,
        goal=goal.strip()[:300],
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    _audit(actor, episode, entitlement="reablement", start=start.isoformat())
    return episode
