"""Reads about capacity: the latest finding for a kind of decision, and whether someone may act
for the person (an attorney or deputy, within their scope, only where the person lacks capacity)."""

from __future__ import annotations

from caretrust.access.policy import Decision
from caretrust.capacity.models import CapacityAssessment, DecisionCategory, LegalAuthority

HEALTH_AND_WELFARE = {
    LegalAuthority.Kind.LPA_HEALTH_WELFARE,
    LegalAuthority.Kind.DEPUTY_HEALTH_WELFARE,
}
PROPERTY_AND_FINANCE = {
    LegalAuthority.Kind.LPA_PROPERTY_FINANCE,
    LegalAuthority.Kind.DEPUTY_PROPERTY_FINANCE,
}
# Which kinds of authority cover which decisions (MCA 2005 ss9–10, 16–20; gov.uk LPA pages).
SCOPE: dict[str, set[str]] = {
    DecisionCategory.CARE_PLAN: HEALTH_AND_WELFARE,
    DecisionCategory.ACCOMMODATION: HEALTH_AND_WELFARE,
    DecisionCategory.MEDICAL_TREATMENT: HEALTH_AND_WELFARE,
    DecisionCategory.MONEY: PROPERTY_AND_FINANCE,
}


def latest_finding(person, category: str) -> CapacityAssessment | None:
    """The most recent capacity assessment for this kind of decision (capacity is per decision
    and per time: an older finding is overtaken by a newer one)."""
    return (
        CapacityAssessment.objects.filter(person=person, category=category)
        .order_by("-assessed_on", "-created_at")
        .first()
    )


def lacks_capacity_for(person, category: str) -> bool:
    finding = latest_finding(person, category)
    return finding is not None and finding.lacks_capacity


def authority_to_act(user, person, category: str) -> Decision:
    """May `user` act for `person` on this kind of decision as their attorney or deputy?"""
    label = DecisionCategory(category).label.lower()
    kinds = SCOPE.get(category, set())
    authority = (
        LegalAuthority.objects.filter(
            person=person, holder_user=user, ended_on__isnull=True, kind__in=kinds
        ).first()
        if kinds
        else None
    )
    if authority is None:
        return Decision(
            False,
            f"You are not recorded as {person.given_name}'s attorney or deputy for decisions "
            f"about {label}.",
            "denied",
        )
    if not lacks_capacity_for(person, category):
        return Decision(
            False,
            f"{person.given_name} has not been assessed as lacking capacity for decisions about "
            f"{label}, so they make these decisions themselves.",
            "denied",
        )
    return Decision(
        True,
        f"You act as {person.given_name}'s {authority.get_kind_display().lower()} "
        f"(reference {authority.reference}); they lack capacity for decisions about {label}.",
        "object_rule",
    )


# ------------------------------------------- reads for a page: authorised and audited (ADR 108)
# Each takes the viewer, authorises by the page's rule (a refusal raises PermissionDenied: the
# page's 403, noted for the audit) and records the read, folded into the request's row about the
# person (ADR 101). `latest_finding`, `lacks_capacity_for` and `authority_to_act` stay the reads
# of rules and services, which show nothing to anyone.


def person_for_form(viewer, ref: str, action: str):
    """The person a capacity form is about (it names them: a read of their record), for a viewer
    who may do `action` (404 if there is no such current record)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit
    from caretrust.people.models import Person

    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        action,
        person,
        person=person,
        purpose="capacity.form",
        obj=person,
        details={"page": action},
        give_reason=True,
    )
    return person


def _read(viewer, queryset, uuid: str, purpose: str):
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit

    found = get_object_or_404(queryset, uuid=uuid)
    audit.authorised_read(
        viewer,
        "capacity.view",
        found,
        person=found.person,
        purpose=purpose,
        obj=found,
        give_reason=True,
    )
    return found


def assessment(viewer, uuid: str) -> CapacityAssessment:
    """One capacity assessment for its page."""
    return _read(
        viewer,
        CapacityAssessment.objects.select_related("person", "assessed_by"),
        uuid,
        "capacity.assessment",
    )


def best_interests(viewer, uuid: str):
    """One best-interests decision for its page."""
    from caretrust.capacity.models import BestInterestsDecision

    return _read(
        viewer,
        BestInterestsDecision.objects.select_related(
            "person", "decided_by", "capacity_assessment__assessed_by"
        ),
        uuid,
        "capacity.best_interests",
    )


def authority(viewer, uuid: str) -> LegalAuthority:
    """One lasting power of attorney or deputyship for its page."""
    return _read(
        viewer,
        LegalAuthority.objects.select_related("person", "holder_user", "recorded_by"),
        uuid,
        "capacity.authority",
    )
