"""Writes of the access area: break-glass and its review. Each is authorised and audited."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent, BreakGlassAccess

BREAK_GLASS_DURATION = timedelta(hours=8)  # one shift; a new reason is needed after that
MINIMUM_REASON_LENGTH = 10


@transaction.atomic
def break_glass(*, actor, person, justification: str, reason: str) -> BreakGlassAccess:
    policy.require(actor, "people.break_glass", person)
    reason = reason.strip()
    if justification not in BreakGlassAccess.Justification.values:
        raise ValidationError({"justification": "Choose why you need to see this record."})
    if len(reason) < MINIMUM_REASON_LENGTH:
        raise ValidationError(
            {"reason": f"Give your reason in at least {MINIMUM_REASON_LENGTH} characters."}
        )
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


@transaction.atomic
def review_break_glass(*, actor, access: BreakGlassAccess, outcome: str, notes: str = "") -> None:
    policy.require(actor, "access.review_break_glass", access)
    if outcome not in BreakGlassAccess.ReviewOutcome.values:
        raise ValidationError({"outcome": "Choose whether the access was appropriate."})
    if access.reviewed_at is not None:
        raise ValidationError("This break-glass access has already been reviewed.")
    access.reviewed_by = actor
    access.reviewed_at = timezone.now()
    access.review_outcome = outcome
    access.review_notes = notes.strip()
    access.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "review_notes"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=access,
        person_ref=access.person.audit_ref,
        details={"review_outcome": outcome},
    )
