"""Writes of entitlements, each authorised and audited."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.entitlements.models import ReablementEpisode, S117Entitlement
from caretrust.entitlements.states import REABLEMENT
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
    planned_end = start + timedelta(weeks=REABLEMENT_FREE_WEEKS) - timedelta(days=1)
    end = end or planned_end
    if end < start:
        raise ValidationError({"end": "The end date must be on or after the start date"})
    episode = ReablementEpisode.objects.create(
        person=person,
        start=start,
        end=end,
        planned_end=planned_end,
        goal=goal.strip()[:300],
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    _audit(actor, episode, entitlement="reablement", start=start.isoformat())
    return episode


@transaction.atomic
def record_reablement_outcome(
    *, actor: User, episode: ReablementEpisode, outcome: str, ended_on: date
) -> ReablementEpisode:
    """The episode ends with its outcome (a SALT STS002a sequel, pathways.md §8). The write is
    conditional on the state read, so a second outcome (or a race) changes nothing."""
    policy.require(actor, "entitlements.record", episode.person)
    REABLEMENT.check(episode.status, ReablementEpisode.Status.ENDED)
    if outcome not in ReablementEpisode.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened at the end of reablement"})
    if ended_on < episode.start:
        raise ValidationError({"ended_on": "The end date must be on or after the start date"})
    if ended_on > clock.today():
        raise ValidationError({"ended_on": "The end date cannot be in the future"})
    moment = clock.now()
    changed = ReablementEpisode.objects.filter(
        pk=episode.pk, status=ReablementEpisode.Status.ACTIVE
    ).update(
        status=ReablementEpisode.Status.ENDED,
        outcome=outcome,
        end=ended_on,
        outcome_recorded_by=actor,
        outcome_recorded_at=moment,
    )
    if not changed:
        episode.refresh_from_db()
        REABLEMENT.check(episode.status, ReablementEpisode.Status.ENDED)
    episode.refresh_from_db()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=episode,
        person_ref=episode.person.audit_ref,
        details={"entitlement": "reablement", "outcome": outcome, "ended": ended_on.isoformat()},
    )
    return episode
