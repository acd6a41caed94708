"""Who may see and arrange personal budgets, direct payments and deferred payment agreements.

A finance officer (the council's, through the finance relationship care plans register) and a
social worker with a relationship to the person arrange budgets and direct payments; recovering
unspent money and deferred payment agreements (a charge on the person's home) are the finance
officer's alone."""

from __future__ import annotations

from caretrust.access import relationships
from caretrust.access.policy import Decision, Role, register
from caretrust.ui import navigation


def _finance_or_social_worker(user, person) -> Decision:
    if user.role == Role.PRACTITIONER and user.profession != "social_worker":
        return Decision(
            False, "Only a social worker or a finance officer arranges a personal budget.", "denied"
        )
    return relationships.person_record_rule(user, person)


register(
    "budgets.worklist",
    "see agreed plans' personal budgets, direct payments and deferred payment agreements",
    {Role.FINANCE_OFFICER},
    read_only=True,
)
register(
    "budgets.view",
    "see a person's personal budget and direct payment",
    {Role.FINANCE_OFFICER, Role.PRACTITIONER},
    object_rule=_finance_or_social_worker,
    read_only=True,
)
register(
    "budgets.arrange",
    "decide how a personal budget is delivered, set up a direct payment, record a monitoring return",
    {Role.FINANCE_OFFICER, Role.PRACTITIONER},
    object_rule=_finance_or_social_worker,
)
register(
    "budgets.recover",
    "record the recovery of unspent direct payment money",
    {Role.FINANCE_OFFICER},
    object_rule=relationships.person_record_rule,
)
register(
    "budgets.deferred_payment",
    "make and read deferred payment agreements",
    {Role.FINANCE_OFFICER},
    object_rule=relationships.person_record_rule,
)
navigation.register("Personal budgets", "budgets:worklist", "budgets.worklist", order=56)
