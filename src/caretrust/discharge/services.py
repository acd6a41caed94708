"""Every write to a discharge: authorised first, conditional on the state read (the state machine
in `states.py`), audited in the same transaction, and noted on the person's timeline."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.discharge.models import Discharge, Pathway, ReadyDateChange
from caretrust.discharge.states import DISCHARGE
from caretrust.entitlements import services as entitlements
from caretrust.entitlements.models import ReablementEpisode
from caretrust.organisations.models import User
from caretrust.referrals.models import Referral

# A discharge-ready date further back than this is a typing mistake, not a patient still waiting.
OLDEST_READY_DAYS = 366


def _audit(actor: User, discharge: Discharge, action: str, **details) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=discharge,
        person_ref=discharge.person.audit_ref,
        details={"referral": discharge.referral.reference, **details},
    )


def _timeline(discharge: Discharge, kind: str, summary: str) -> None:
    from caretrust.record.services import note_care_event

    note_care_event(person=discharge.person, kind=kind, summary=summary)


def _check_ready_date(ready_date) -> date:
    if not isinstance(ready_date, date):
        raise ValidationError({"ready_date": "Enter the date the person is ready for discharge"})
    today = clock.today()
    if (today - ready_date).days > OLDEST_READY_DAYS:
        raise ValidationError(
            {"ready_date": "The discharge ready date must be within the last year"}
        )
    if (ready_date - today).days > OLDEST_READY_DAYS:
        raise ValidationError(
            {"ready_date": "The discharge ready date must be within the next year"}
        )
    return ready_date


def _check_pathway(pathway) -> int:
    if pathway is None or pathway not in Pathway.values:
        raise ValidationError({"pathway": "Choose the discharge pathway (0, 1, 2 or 3)"})
    return int(pathway)


@transaction.atomic
def record_from_referral(
    *, actor: User, referral: Referral, ready_date: date, pathway: int
) -> Discharge:
    """A hospital discharge referral starts the wait: the DRD (its first history row) and the
    pathway. Called from the referral's intake (web form and FHIR ServiceRequest)."""
    policy.require(actor, "referrals.submit")
    if referral.source != Referral.Source.HOSPITAL_DISCHARGE or referral.person_id is None:
        raise ValidationError("Only a hospital discharge referral about a known person starts one.")
    discharge = Discharge.objects.create(
        referral=referral,
        person=referral.person,
        pathway=_check_pathway(pathway),
        ready_date=_check_ready_date(ready_date),
        recorded_by=actor,
        created_at=clock.now(),
    )
    ReadyDateChange.objects.create(
        discharge=discharge,
        ready_date=discharge.ready_date,
        reason="Given on the referral",
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    _audit(
        actor,
        discharge,
        AuditEvent.Action.CREATE,
        pathway=discharge.pathway,
        ready_date=discharge.ready_date.isoformat(),
    )
    _timeline(
        discharge,
        "Ready for discharge",
        f"pathway {discharge.pathway}, ready from {discharge.ready_date:%d %B %Y}",
    )
    return discharge


def _conditional(discharge: Discharge, target: str, **values) -> Discharge:
    """UPDATE ... WHERE status = <the state read>: a raced or invalid move changes nothing."""
    DISCHARGE.check(discharge.status, target)
    changed = Discharge.objects.filter(pk=discharge.pk, status=discharge.status).update(
        status=target, **values
    )
    if not changed:
        current = Discharge.objects.get(pk=discharge.pk)
        DISCHARGE.check(current.status, target)
        raise ValidationError("Someone else changed this discharge: check it and try again.")
    discharge.refresh_from_db()
    return discharge


@transaction.atomic
def change_ready_date(
    *, actor: User, discharge: Discharge, ready_date: date, reason: str
) -> Discharge:
    """A new discharge-ready date (the old one stays in the history) while the person waits."""
    policy.require(actor, "discharge.manage", discharge)
    if discharge.status != Discharge.Status.AWAITING:
        raise ValidationError("The ready date can only change while the person is waiting.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the discharge ready date changed"})
    _check_ready_date(ready_date)
    changed = Discharge.objects.filter(
        pk=discharge.pk, status=Discharge.Status.AWAITING, ready_date=discharge.ready_date
    ).update(ready_date=ready_date)
    if not changed:
        raise ValidationError("Someone else changed this discharge: check it and try again.")
    ReadyDateChange.objects.create(
        discharge=discharge,
        ready_date=ready_date,
        reason=reason[:300],
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    old = discharge.ready_date
    discharge.refresh_from_db()
    _audit(
        actor,
        discharge,
        AuditEvent.Action.UPDATE,
        ready_date=ready_date.isoformat(),
        previous_ready_date=old.isoformat(),
    )
    return discharge


@transaction.atomic
def record_discharge(
    *,
    actor: User,
    discharge: Discharge,
    discharged_on: date,
    destination: str,
    delay_reason: str = "",
) -> Discharge:
    """The person left hospital: the discharge date closes the wait. A discharge after the ready
    date needs the reason for the delay (pathways.md §2 "Record": delay reason)."""
    policy.require(actor, "discharge.manage", discharge)
    if not isinstance(discharged_on, date):
        raise ValidationError({"discharged_on": "Enter the date the person left hospital"})
    if discharged_on > clock.today():
        raise ValidationError({"discharged_on": "The discharge date cannot be in the future"})
    if destination not in Discharge.Destination.values:
        raise ValidationError({"destination": "Choose where the person went"})
    delay_reason = (delay_reason or "").strip()
    if discharged_on > discharge.ready_date and not delay_reason:
        raise ValidationError(
            {"delay_reason": "Say why the person left hospital after their ready date"}
        )
    _conditional(
        discharge,
        Discharge.Status.DISCHARGED,
        discharged_on=discharged_on,
        destination=destination,
        delay_reason=delay_reason[:300],
    )
    _audit(
        actor,
        discharge,
        AuditEvent.Action.UPDATE,
        status="discharged",
        discharged_on=discharged_on.isoformat(),
        delay_days=discharge.delay_days,
    )
    _timeline(
        discharge,
        "Discharged from hospital",
        f"{discharge.get_destination_display().lower()}, {discharge.delay_days} day(s) after "
        "being ready",
    )
    return discharge


@transaction.atomic
def cancel(*, actor: User, discharge: Discharge, reason: str) -> Discharge:
    """Not discharged through us (died in hospital, went elsewhere): the wait ends, uncounted."""
    policy.require(actor, "discharge.manage", discharge)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this discharge is cancelled"})
    _conditional(discharge, Discharge.Status.CANCELLED, cancel_reason=reason[:300])
    _audit(actor, discharge, AuditEvent.Action.UPDATE, status="cancelled", reason=reason)
    return discharge


@transaction.atomic
def start_reablement(
    *, actor: User, discharge: Discharge, start: date, goal: str = ""
) -> ReablementEpisode:
    """A reablement episode after this discharge (six weeks free), linked from it. DHSC links a
    reablement start to a discharge from 7 days before to 3 days after (pathways.md §2 [O])."""
    policy.require(actor, "discharge.manage", discharge)
    if discharge.status != Discharge.Status.DISCHARGED:
        raise ValidationError("Record the discharge before starting reablement from it.")
    if discharge.reablement_id is not None:
        raise ValidationError("This discharge already has a reablement episode.")
    if not isinstance(start, date):
        raise ValidationError({"start": "Enter the date reablement starts"})
    gap = (start - discharge.discharged_on).days
    if not -7 <= gap <= 3:
        raise ValidationError(
            {"start": "Reablement after a discharge starts from 7 days before to 3 days after it"}
        )
    episode = entitlements.start_reablement(
        actor=actor, person=discharge.person, start=start, goal=goal
    )
    changed = Discharge.objects.filter(pk=discharge.pk, reablement__isnull=True).update(
        reablement=episode
    )
    if not changed:
        raise ValidationError("This discharge already has a reablement episode.")
    discharge.refresh_from_db()
    _audit(actor, discharge, AuditEvent.Action.UPDATE, reablement_start=start.isoformat())
    return episode


@transaction.atomic
def record_reablement_outcome(
    *, actor: User, discharge: Discharge, outcome: str, ended_on: date
) -> ReablementEpisode:
    policy.require(actor, "discharge.manage", discharge)
    if discharge.reablement_id is None:
        raise ValidationError("This discharge has no reablement episode.")
    return entitlements.record_reablement_outcome(
        actor=actor, episode=discharge.reablement, outcome=outcome, ended_on=ended_on
    )
