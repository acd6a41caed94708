"""Writes of the access area: break-glass, its limits and its review. Each is authorised and
audited."""

from __future__ import annotations

from datetime import timedelta
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent, BreakGlassAccess, BreakGlassLimit, PrivacyAlert
from caretrust.organisations.models import User

BREAK_GLASS_DURATION = timedelta(hours=8)  # one shift; a new reason is needed after that


class BreakGlassLimitReached(PermissionDenied):
    """The user has opened as many break-glass accesses as the limit allows in its period."""


def break_glass(*, actor, person, justification: str, reason: str) -> BreakGlassAccess:
    """Open read-only access to a person's record with a reason category and a stated reason.

    A user may open at most `BreakGlassLimit.max_accesses` in `period_hours`; the attempt that
    meets the limit is refused, audited and raises an alert for the privacy officers.

    A system (the service account of an API client) never breaks the glass: it reaches a person
    only through workflow (ADR 113)."""
    if getattr(actor, "api_client", None) is not None:
        refused = policy.Decision(
            False,
            "An API client never uses break-glass: a system gains a relationship with a person "
            "only through workflow (an accepted referral).",
            "denied",
        )
        policy.note_refusal("people.break_glass", refused, person)
        raise PermissionDenied(refused.reason)
    policy.require(actor, "people.break_glass", person)
    limit = BreakGlassLimit.current()
    reason = " ".join(reason.split())
    errors = {}
    if justification not in BreakGlassAccess.Justification.values:
        errors["justification"] = "Choose why you need to see this record."
    if len(reason) < limit.minimum_reason_length:
        errors["reason"] = (
            f"Give your reason in at least {limit.minimum_reason_length} characters: what "
            "happened and why you need this record now."
        )
    if errors:
        raise ValidationError(errors)
    since = timezone.now() - timedelta(hours=limit.period_hours)
    with transaction.atomic():
        # Lock the user's row so two requests at once cannot both pass the count.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        opened = BreakGlassAccess.objects.filter(user=actor, started_at__gte=since).count()
        if opened < limit.max_accesses:
            return _open(actor, person, justification, reason)
    # Outside the transaction above, so the refusal and the alert are kept.
    _refuse_over_limit(actor, person, limit, opened)


def _open(actor, person, justification: str, reason: str) -> BreakGlassAccess:
    access = BreakGlassAccess.objects.create(
        user=actor,
        person=person,
        justification=justification,
        reason=reason,
        expires_at=timezone.now() + BREAK_GLASS_DURATION,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.BREAK_GLASS,
        obj=access,
        person_ref=person.audit_ref,
        reason=reason,
        details={"justification": justification},
    )
    return access


def _refuse_over_limit(actor, person, limit: BreakGlassLimit, opened: int) -> NoReturn:
    """Audit the refused attempt and alert the privacy officers (once until acknowledged), then
    raise. Called outside any transaction of the attempt, so both are kept."""
    message = (
        f"{actor.get_full_name() or actor.username} ({actor.username}) has opened {opened} "
        f"break-glass accesses in the last {limit.period_hours} hours, the limit, and tried "
        "to open another."
    )
    with transaction.atomic():
        if not PrivacyAlert.objects.filter(
            kind=PrivacyAlert.Kind.BREAK_GLASS_LIMIT, user=actor, acknowledged_at__isnull=True
        ).exists():
            PrivacyAlert.objects.create(
                kind=PrivacyAlert.Kind.BREAK_GLASS_LIMIT, user=actor, message=message
            )
        audit.record(
            actor=actor,
            action=AuditEvent.Action.ACCESS_DENIED,
            obj=person,
            person_ref=person.audit_ref,
            reason="break-glass limit reached",
            details={"limit": limit.max_accesses, "period_hours": limit.period_hours},
        )
    raise BreakGlassLimitReached(
        f"You have used break-glass {opened} times in the last {limit.period_hours} hours, the "
        "most allowed. A privacy officer has been told. Ask the person's care team for access, "
        "or ask a privacy officer."
    )


@transaction.atomic
def review_break_glass(*, actor, access: BreakGlassAccess, outcome: str, notes: str = "") -> None:
    """A privacy officer's verdict. Inappropriate access ends at once."""
    policy.require(actor, "access.review_break_glass", access)
    if outcome not in BreakGlassAccess.ReviewOutcome.values:
        raise ValidationError({"outcome": "Choose whether the access was appropriate."})
    access = BreakGlassAccess.objects.select_for_update().get(pk=access.pk)
    if access.reviewed_at is not None:
        raise ValidationError("This break-glass access has already been reviewed.")
    now = timezone.now()
    access.reviewed_by = actor
    access.reviewed_at = now
    access.review_outcome = outcome
    access.review_notes = notes.strip()
    fields = ["reviewed_by", "reviewed_at", "review_outcome", "review_notes"]
    details: dict = {"review_outcome": outcome}
    if outcome == BreakGlassAccess.ReviewOutcome.INAPPROPRIATE and access.expires_at > now:
        access.revoked_at = now
        fields.append("revoked_at")
        details["revoked"] = True
    access.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=access,
        person_ref=access.person.audit_ref,
        details=details,
    )


@transaction.atomic
def acknowledge_alert(*, actor, alert: PrivacyAlert) -> None:
    policy.require(actor, "access.review_break_glass")
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=alert,
        details={"acknowledged": alert.kind},
    )
