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
