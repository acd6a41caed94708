"""The referral lifecycle as the FHIR Task state machine (FHIR Workflow, as profiled by the HL7
referral guides): requested → received → accepted → in-progress → completed, or rejected, cancelled,
on-hold and failed. `statusReason` is required for rejected, on-hold, cancelled and failed, and
absent otherwise. Plain Python: no database, so every rule is tested on its own."""

from __future__ import annotations

from django.core.exceptions import ValidationError

REQUESTED = "requested"
RECEIVED = "received"
ACCEPTED = "accepted"
IN_PROGRESS = "in-progress"
ON_HOLD = "on-hold"
COMPLETED = "completed"
REJECTED = "rejected"
CANCELLED = "cancelled"
FAILED = "failed"

TERMINAL = frozenset({COMPLETED, REJECTED, CANCELLED, FAILED})
NEEDS_REASON = frozenset({REJECTED, ON_HOLD, CANCELLED, FAILED})

TRANSITIONS: dict[str, frozenset[str]] = {
    # A co-ordinator claims a requested referral (received) or it is withdrawn/refused.
    REQUESTED: frozenset({RECEIVED, REJECTED, CANCELLED}),
    # Triage: accept (route to a team or practitioner), signpost (completed), close (rejected).
    RECEIVED: frozenset({ACCEPTED, COMPLETED, REJECTED, CANCELLED, ON_HOLD}),
    ACCEPTED: frozenset({IN_PROGRESS, COMPLETED, CANCELLED, ON_HOLD, FAILED}),
    IN_PROGRESS: frozenset({COMPLETED, CANCELLED, ON_HOLD, FAILED}),
    # Off hold goes back to where work can resume.
    ON_HOLD: frozenset({RECEIVED, ACCEPTED, IN_PROGRESS, CANCELLED, FAILED}),
    COMPLETED: frozenset(),
    REJECTED: frozenset(),
    CANCELLED: frozenset(),
    FAILED: frozenset(),
}
# Listed, not "not terminal": `status IN (...)` lets PostgreSQL use the (locality, status, ...)
# indexes, where `NOT IN` made it read every referral of the locality.
OPEN = frozenset(TRANSITIONS) - TERMINAL


class InvalidTransition(ValidationError):
    pass


def allowed_next(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def check_transition(from_status: str, to_status: str, reason: str = "") -> str:
    """Return the cleaned reason, or raise InvalidTransition saying what is wrong."""
    if to_status not in TRANSITIONS:
        raise InvalidTransition(f"{to_status!r} is not a referral status.")
    if to_status not in allowed_next(from_status):
        raise InvalidTransition(f"A referral that is {from_status} cannot become {to_status}.")
    reason = (reason or "").strip()
    if to_status in NEEDS_REASON and not reason:
        raise InvalidTransition(
            {"reason": f"Give the reason the referral is {to_status.replace('-', ' ')}."}
        )
    if to_status not in NEEDS_REASON and reason:
        # FHIR: statusReason is absent for the other statuses; local steps go in businessStatus.
        raise InvalidTransition(f"A reason is only recorded when a referral is {_needs()}.")
    return reason


def _needs() -> str:
    return ", ".join(sorted(NEEDS_REASON))
