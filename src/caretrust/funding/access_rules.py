"""Who may see pooled budgets and record financial assessments. The relationship a finance officer
has with a person, and the care-plan commitments a pooled budget counts, are facts of care plans:
`careplans.funding_facts` registers them (ADR 6, ADR 75)."""

from __future__ import annotations

from caretrust.access import policy, relationships
from caretrust.access.policy import Role
from caretrust.ui import navigation

policy.register(
    "funding.view_pool",
    "see pooled budgets",
    {Role.FINANCE_OFFICER, Role.ANALYST, Role.ADMINISTRATOR},
)
policy.register(
    "funding.manage_pool", "manage pooled budgets and import spend", {Role.FINANCE_OFFICER}
)
policy.register(
    "funding.assess",
    "record a financial assessment",
    {Role.FINANCE_OFFICER},
    object_rule=relationships.person_record_rule,
)
policy.register(
    "funding.worklist",
    "see who is waiting for a financial assessment",
    {Role.FINANCE_OFFICER},
    read_only=True,
)
policy.register(
    "funding.view_charges",
    "see who pays for each service in a person's care plan",
    {Role.FINANCE_OFFICER},
    object_rule=relationships.person_record_rule,
    read_only=True,
)
navigation.register("Pooled budgets", "funding:pool_list", "funding.view_pool", order=60)
navigation.register("Financial assessments", "funding:worklist", "funding.worklist", order=55)
