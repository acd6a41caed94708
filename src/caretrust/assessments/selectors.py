"""Reads of assessments."""

from __future__ import annotations

from caretrust.assessments.models import Assessment
from caretrust.people.models import Person


def eligibility_decision_of(person: Person) -> Assessment | None:
    """The person's latest Care Act eligibility decision (a later one replaces an earlier one),
    for rules and services (the plan agreement checklist): records no read, returns to no one."""
    return (
        Assessment.objects.filter(person=person, status=Assessment.Status.COMPLETED)
        .exclude(decided_at=None)
        .order_by("-decided_at", "-pk")
        .first()
    )
