"""Reads of assessments."""

from __future__ import annotations

from caretrust.assessments.models import Assessment
from caretrust.people.models import Person


def current_decision(person: Person) -> Assessment | None:
    """The person's latest Care Act eligibility decision (a later one replaces an earlier one)."""
    return (
        Assessment.objects.filter(person=person, status=Assessment.Status.COMPLETED)
        .exclude(decided_at=None)
        .order_by("-decided_at", "-pk")
        .first()
    )
