from caretrust.access import policy
from caretrust.access.policy import Role
from caretrust.web import navigation

policy.register(
    "funding.view_pool",
    "see pooled budgets",
    {Role.FINANCE_OFFICER, Role.ANALYST, Role.ADMINISTRATOR},
)
policy.register(
    "funding.manage_pool", "manage pooled budgets and import spend", {Role.FINANCE_OFFICER}
)

navigation.register("Pooled budgets", "funding:pool_list", "funding.view_pool", order=60)
