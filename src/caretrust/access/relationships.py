"""Legitimate relationships between a user and a person, and the rule for seeing a person's record.

A relationship is not stored in one table: it follows from facts other areas own (the person is
registered at the user's GP practice; the user is on the person's care team; a referral for the person
was routed to the user's team). Each area registers a *provider* that answers from its own facts, so
the rule stays in one place while the facts stay where they belong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone

from caretrust.access import context
from caretrust.access.policy import BREAK_GLASS, Decision

if TYPE_CHECKING:
    from caretrust.organisations.models import User
    from caretrust.people.models import Person

# A provider returns a short description of the relationship ("on the care team") or None.
RelationshipProvider = Callable[["User", "Person"], str | None]
_providers: dict[str, RelationshipProvider] = {}


def register_provider(name: str, provider: RelationshipProvider) -> None:
    _providers[name] = provider


def legitimate_relationship(user: User, person: Person) -> str | None:
    for provider in _providers.values():
        description = provider(user, person)
        if description:
            return description
    return None


def active_break_glass(user: User, person: Person):
    from caretrust.access.models import BreakGlassAccess

    return (
        BreakGlassAccess.objects.filter(
            user=user, person=person, expires_at__gt=timezone.now(), revoked_at__isnull=True
        )
        .exclude(review_outcome=BreakGlassAccess.ReviewOutcome.INAPPROPRIATE)
        .order_by("-started_at")
        .first()
    )


def person_record_rule(user: User, person: Person) -> Decision:
    """Legitimate relationship, else an unexpired break-glass, else refused with what to do next."""
    description = legitimate_relationship(user, person)
    if description:
        return Decision(True, f"Legitimate relationship: {description}.", "legitimate_relationship")
    access = active_break_glass(user, person)
    if access is not None:
        context.note_break_glass(user.pk, person.audit_ref, access.pk)
        return Decision(
            True,
            "Break-glass access: read-only, until "
            f"{timezone.localtime(access.expires_at):%H:%M}, reviewed by a privacy officer.",
            BREAK_GLASS,
        )
    return Decision(
        False,
        "You have no legitimate relationship with this person. If you must see their record, "
        "use break-glass and give your reason: a privacy officer will review it.",
        "denied",
    )
