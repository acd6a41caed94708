"""Reads of assessments."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from caretrust.access import audit
from caretrust.assessments.models import Assessment
from caretrust.organisations.models import User
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


def assessment_for(viewer: User, uuid, *, purpose: str, details: dict | None = None) -> Assessment:
    """One assessment for a page about it (the assessment, its written record, its FHIR form):
    Http404 if there is none, PermissionDenied (the refusal noted) if `viewer` may not see it,
    else the assessment with the read recorded (ADR 107)."""
    assessment = get_object_or_404(
        Assessment.objects.select_related("person", "referral"), uuid=uuid
    )
    audit.authorised_read(
        viewer,
        "assessments.view",
        assessment,
        person=assessment.person,
        purpose=purpose,
        obj=assessment,
        details=details,
    )
    return assessment


def person_to_assess(viewer: User, ref) -> Person:
    """The person for "start an assessment": Http404 if there is none, PermissionDenied (the
    refusal noted) if `viewer` may not contribute to one, else the person with the read recorded
    (ADR 107)."""
    person = get_object_or_404(Person, ref=ref)
    audit.authorised_read(
        viewer,
        "assessments.contribute",
        person,
        person=person,
        purpose="assessments.start",
        obj=person,
        details={"as": "start an assessment"},
    )
    return person
