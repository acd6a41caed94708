"""Who sees published outcomes and who sees the case-finding list.

The case-finding list is scoped at the data layer to the user's GP practices (a GP practice's own
patients; for a co-ordinator, the practices of their locality, to which Torbay aligned each zone's
team). It shows who may need proactive care (name, age, practice, risk, frailty category), not
their record: opening a record still needs a legitimate relationship, which a referral from the
list creates."""

from __future__ import annotations

from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.organisations.models import Organisation
from caretrust.ui import navigation

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


def _on_my_case_finding_list(user, person):
    from caretrust.access.policy import Decision

    if person.gp_practice_id and person.gp_practice_id in {p.pk for p in practices_for(user)}:
        return Decision(True, "The person is registered at one of your practices.", "object_rule")
    return Decision(False, "This person is not registered at one of your practices.", "denied")


policy.register(
    "outcomes.refer_from_case_finding",
    "refer someone from the case-finding list",
    {Role.COORDINATOR, Role.PRACTITIONER},
    object_rule=_on_my_case_finding_list,
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


policy.register(
    "outcomes.plan_ahead",
    "run and compare plan-ahead projections",
    {Role.ANALYST},
)
navigation.register("Plan ahead", "outcomes:plan_ahead", "outcomes.plan_ahead", order=41)
