"""Who sees published outcomes and who sees the case-finding list, and the relationship that case
finding relies on: a locality's co-ordinators work with the people registered at its GP practices
(the Torbay model: each zone's team is aligned to its practices)."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role
from caretrust.organisations.models import Organisation
from caretrust.web import navigation

policy.register(
    "outcomes.view_dashboard",
    "see published outcome indicators",
    {Role.ANALYST, Role.FINANCE_OFFICER, Role.ADMINISTRATOR},
)
policy.register(
    "outcomes.case_finding",
    "see the case-finding list",
    {Role.COORDINATOR, Role.PRACTITIONER},
)
navigation.register("Outcomes", "outcomes:dashboard", "outcomes.view_dashboard", order=40)
navigation.register("Case finding", "outcomes:case_finding", "outcomes.case_finding", order=30)


def practices_for(user) -> list[Organisation]:
    """The GP practices whose registered people this user may case-find among."""
    if user.role == Role.COORDINATOR:
        localities = user.teams.exclude(locality=None).values("locality")
        return list(
            Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE, locality__in=localities)
        )
    if user.organisation and user.organisation.kind == Organisation.Kind.GP_PRACTICE:
        return [user.organisation]
    return []


def coordinator_for_registered_practice(user, person) -> str | None:
    if user.role != Role.COORDINATOR or person.gp_practice_id is None:
        return None
    if any(practice.pk == person.gp_practice_id for practice in practices_for(user)):
        return "registered at a GP practice in your locality"
    return None


relationships.register_provider("locality_practice", coordinator_for_registered_practice)
